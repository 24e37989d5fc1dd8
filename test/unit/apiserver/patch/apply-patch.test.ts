/**
 * Simplified server-side apply: the applied configuration deep-merges into the live object (maps
 * merge, lists/scalars/nulls replace, live-only keys stay, `metadata.managedFields` in the
 * configuration is ignored), and apply bodies parse from JSON or YAML into plain JSON objects, with
 * a clear `error decoding YAML:` message for anything else. Inputs are never modified.
 */
import { expect } from 'chai';
import { applyConfiguration, parseApplyBody } from '../../../../src/apiserver/patch/apply-patch.js';

interface Case<G, W> {
  name: string;
  given: G;
  want: W;
}

/** Freezes a JSON value and everything in it, so any write to it throws in strict mode. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const APPLY: Case<{ live: unknown; applied: unknown }, unknown>[] = [
  {
    name: 'maps merge: applied keys win, live-only keys stay',
    given: {
      live: { metadata: { name: 'web', labels: { app: 'web', tier: 'front' } }, spec: { replicas: 1, paused: false } },
      applied: { metadata: { name: 'web', labels: { tier: 'back', env: 'prod' } }, spec: { replicas: 3 } },
    },
    want: { metadata: { name: 'web', labels: { app: 'web', tier: 'back', env: 'prod' } }, spec: { replicas: 3, paused: false } },
  },
  {
    name: 'lists replace wholesale (no merge by key yet)',
    given: {
      live: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } },
      applied: { spec: { containers: [{ name: 'a', image: 'z' }] } },
    },
    want: { spec: { containers: [{ name: 'a', image: 'z' }] } },
  },
  { name: 'a scalar replaces a map', given: { live: { a: { b: 1 } }, applied: { a: 'x' } }, want: { a: 'x' } },
  { name: 'a map replaces a scalar, starting from {}', given: { live: { a: 'x' }, applied: { a: { b: 1 } } }, want: { a: { b: 1 } } },
  { name: 'a map replaces a list, starting from {}', given: { live: { a: [1] }, applied: { a: { b: 1 } } }, want: { a: { b: 1 } } },
  { name: 'an explicit null is applied as a value', given: { live: { a: { b: 1 }, c: 1 }, applied: { a: null } }, want: { a: null, c: 1 } },
  { name: 'an empty map changes nothing', given: { live: { a: { b: 1 } }, applied: { a: {} } }, want: { a: { b: 1 } } },
  { name: 'an empty list empties the list', given: { live: { a: [1, 2] }, applied: { a: [] } }, want: { a: [] } },
  {
    name: 'metadata.managedFields in the configuration is ignored, the live one kept',
    given: {
      live: { metadata: { name: 'x', managedFields: [{ manager: 'kubectl' }] } },
      applied: { metadata: { name: 'x', labels: { a: '1' }, managedFields: [{ manager: 'evil' }] } },
    },
    want: { metadata: { name: 'x', managedFields: [{ manager: 'kubectl' }], labels: { a: '1' } } },
  },
  {
    name: 'metadata.managedFields is not invented when only the configuration has it',
    given: { live: { metadata: { name: 'x' } }, applied: { metadata: { managedFields: [] } } },
    want: { metadata: { name: 'x' } },
  },
  {
    name: 'managedFields elsewhere is ordinary data',
    given: { live: {}, applied: { spec: { managedFields: [1] } } },
    want: { spec: { managedFields: [1] } },
  },
  { name: 'a live value that is not a map starts from {}', given: { live: undefined, applied: { a: 1 } }, want: { a: 1 } },
  { name: 'a configuration that is not a map replaces the live value', given: { live: { a: 1 }, applied: [1] }, want: [1] },
  { name: 'an undefined member is treated as absent', given: { live: { a: 1 }, applied: { a: undefined, b: undefined } }, want: { a: 1 } },
];

const PARSE: Case<string, unknown>[] = [
  {
    name: 'JSON, as kubectl sends it',
    given: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":"1"}}',
    want: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: '1' } },
  },
  {
    name: 'block YAML',
    given: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    app: web\ndata:\n  a: "1"\n  list:\n  - 1\n  - true\n  - null\n',
    want: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { app: 'web' } }, data: { a: '1', list: [1, true, null] } },
  },
  { name: 'flow YAML that is not JSON', given: '{a: 1, b: [x, y]}', want: { a: 1, b: ['x', 'y'] } },
  { name: 'YAML with a document marker and comments', given: '# config\n---\na: 1 # one\n', want: { a: 1 } },
  { name: 'YAML 1.2: yes/no/on/off are strings', given: 'a: yes\nb: off\n', want: { a: 'yes', b: 'off' } },
  { name: 'YAML aliases are expanded', given: 'a: &x {b: 1}\nc: *x\n', want: { a: { b: 1 }, c: { b: 1 } } },
  { name: 'JSON with surrounding whitespace', given: '\n  {"a": [1.5, -2]}  \n', want: { a: [1.5, -2] } },
];

const PARSE_ERRORS: Case<string, string>[] = [
  { name: 'an empty body', given: '', want: 'error decoding YAML: the apply configuration is empty' },
  { name: 'a blank body', given: ' \n\t', want: 'error decoding YAML: the apply configuration is empty' },
  { name: 'only a comment', given: '# nothing', want: 'error decoding YAML: the apply configuration must be a map (an object), got null' },
  { name: 'a JSON list', given: '[{"a":1}]', want: 'error decoding YAML: the apply configuration must be a map (an object), got a list' },
  { name: 'a YAML list', given: '- a\n- b\n', want: 'error decoding YAML: the apply configuration must be a map (an object), got a list' },
  { name: 'a scalar', given: 'hello', want: 'error decoding YAML: the apply configuration must be a map (an object), got a string' },
  { name: 'a number', given: '42', want: 'error decoding YAML: the apply configuration must be a map (an object), got a number' },
  {
    name: 'several YAML documents',
    given: 'a: 1\n---\nb: 2\n',
    want: 'error decoding YAML: the apply configuration must be a single YAML document, found several',
  },
  { name: 'duplicate keys', given: 'a: 1\na: 2\n', want: 'error decoding YAML: Map keys must be unique at line 2, column 1' },
  {
    name: 'an unclosed flow sequence',
    given: 'a: [1\n',
    want: 'error decoding YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1',
  },
  {
    name: 'an undefined alias',
    given: 'a: *nope\n',
    want: 'error decoding YAML: Unresolved alias (the anchor must be set before the alias): nope',
  },
  { name: 'an infinite number', given: 'spec:\n  x: .inf\n', want: 'error decoding YAML: unsupported value at spec.x: Infinity (numbers must be finite)' },
  { name: 'NaN in a list', given: 'a: [1, .nan]\n', want: 'error decoding YAML: unsupported value at a[1]: NaN (numbers must be finite)' },
  {
    name: 'binary data',
    given: 'data: !!binary aGk=\n',
    want: 'error decoding YAML: unsupported value at data: binary data or another type JSON cannot represent',
  },
];

describe('apiserver/patch server-side apply', function () {
  describe('applyConfiguration', function () {
    for (const { name, given, want } of APPLY) {
      it(name, function () {
        expect(applyConfiguration(deepFreeze(given.live), deepFreeze(given.applied))).to.deep.equal(want);
      });
    }

    it('keeps the live key order and appends new keys in configuration order', function () {
      const result = applyConfiguration({ c: 1, a: { y: 1, x: 2 } }, { z: 1, a: { w: 0, x: 3 }, c: 2 });
      expect(JSON.stringify(result)).to.equal('{"c":2,"a":{"y":1,"x":3,"w":0},"z":1}');
    });

    it('treats a "__proto__" key as data, never as the prototype', function () {
      const result = applyConfiguration({}, JSON.parse('{"__proto__":{"polluted":true}}'));
      expect(JSON.stringify(result)).to.equal('{"__proto__":{"polluted":true}}');
      expect(Object.getPrototypeOf(result)).to.equal(Object.prototype);
      expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
    });

    it('does not modify its inputs and shares no object with them', function () {
      const live = { metadata: { name: 'x', managedFields: [{ m: 1 }] }, spec: { list: [{ a: 1 }], kept: { k: [1] } } };
      const applied = { metadata: { managedFields: [{ m: 2 }], labels: { a: '1' } }, spec: { list: [{ b: 2 }] } };
      const snapshot = structuredClone({ live, applied });
      const result = applyConfiguration(deepFreeze(live), deepFreeze(applied)) as typeof live & typeof applied;
      expect({ live, applied }).to.deep.equal(snapshot);
      expect(result.spec.kept).to.not.equal(live.spec.kept);
      expect(result.spec.kept.k).to.not.equal(live.spec.kept.k);
      expect(result.metadata.managedFields).to.not.equal(live.metadata.managedFields);
      expect(result.spec.list).to.not.equal(applied.spec.list);
      expect(result.spec.list[0]).to.not.equal(applied.spec.list[0]);
      expect(result.metadata.labels).to.not.equal(applied.metadata.labels);
    });
  });

  describe('parseApplyBody', function () {
    for (const { name, given, want } of PARSE) {
      it(name, function () {
        expect(parseApplyBody(given)).to.deep.equal(want);
      });
    }

    for (const { name, given, want } of PARSE_ERRORS) {
      it(`rejects ${name}: ${want}`, function () {
        expect(() => parseApplyBody(given)).to.throw(Error).with.property('message', want);
      });
    }

    it('returns plain objects', function () {
      const parsed = parseApplyBody('a: {b: [1]}\n') as { a: { b: number[] } };
      expect(Object.getPrototypeOf(parsed)).to.equal(Object.prototype);
      expect(Object.getPrototypeOf(parsed.a)).to.equal(Object.prototype);
    });
  });
});
