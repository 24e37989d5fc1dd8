/**
 * JSON merge patch (RFC 7386): every example of the RFC's appendix A gives the RFC's result, object
 * members merge recursively, `null` deletes, anything that is not an object replaces wholesale, and
 * neither the target nor the patch is ever modified or shared with the result.
 */
import { expect } from 'chai';
import { mergePatch } from '../../../../src/apiserver/patch/merge-patch.js';

interface Case {
  name: string;
  given: { target: unknown; patch: unknown };
  want: unknown;
}

/** Freezes a JSON value and everything in it, so any write to it throws in strict mode. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Parses JSON text: the RFC examples are written as JSON, exactly as in the RFC. */
function j(text: string): unknown {
  return JSON.parse(text) as unknown;
}

// RFC 7386 appendix A, in the RFC's order.
const RFC_7386_APPENDIX_A: Case[] = [
  { name: 'A.1 replaces a member', given: { target: j('{"a":"b"}'), patch: j('{"a":"c"}') }, want: j('{"a":"c"}') },
  { name: 'A.2 adds a member', given: { target: j('{"a":"b"}'), patch: j('{"b":"c"}') }, want: j('{"a":"b","b":"c"}') },
  { name: 'A.3 null removes the only member', given: { target: j('{"a":"b"}'), patch: j('{"a":null}') }, want: j('{}') },
  { name: 'A.4 null removes one member', given: { target: j('{"a":"b","b":"c"}'), patch: j('{"a":null}') }, want: j('{"b":"c"}') },
  { name: 'A.5 a scalar replaces an array', given: { target: j('{"a":["b"]}'), patch: j('{"a":"c"}') }, want: j('{"a":"c"}') },
  { name: 'A.6 an array replaces a scalar', given: { target: j('{"a":"c"}'), patch: j('{"a":["b"]}') }, want: j('{"a":["b"]}') },
  {
    name: 'A.7 nested objects merge, nested null removes',
    given: { target: j('{"a":{"b":"c"}}'), patch: j('{"a":{"b":"d","c":null}}') },
    want: j('{"a":{"b":"d"}}'),
  },
  { name: 'A.8 arrays replace wholesale', given: { target: j('{"a":[{"b":"c"}]}'), patch: j('{"a":[1]}') }, want: j('{"a":[1]}') },
  { name: 'A.9 an array patch replaces an array', given: { target: j('["a","b"]'), patch: j('["c","d"]') }, want: j('["c","d"]') },
  { name: 'A.10 an array patch replaces an object', given: { target: j('{"a":"b"}'), patch: j('["c"]') }, want: j('["c"]') },
  { name: 'A.11 a null patch replaces the document', given: { target: j('{"a":"foo"}'), patch: null }, want: null },
  { name: 'A.12 a string patch replaces the document', given: { target: j('{"a":"foo"}'), patch: 'bar' }, want: 'bar' },
  { name: 'A.13 nulls in the target stay', given: { target: j('{"e":null}'), patch: j('{"a":1}') }, want: j('{"e":null,"a":1}') },
  {
    name: 'A.14 an object patch on an array starts from {} and drops nulls',
    given: { target: j('[1,2]'), patch: j('{"a":"b","c":null}') },
    want: j('{"a":"b"}'),
  },
  {
    name: 'A.15 nulls inside a new nested object are dropped',
    given: { target: j('{}'), patch: j('{"a":{"bb":{"ccc":null}}}') },
    want: j('{"a":{"bb":{}}}'),
  },
];

const MORE: Case[] = [
  { name: 'an empty patch keeps the target', given: { target: { a: 1, b: [1, 2] }, patch: {} }, want: { a: 1, b: [1, 2] } },
  { name: 'deleting a missing key is a no-op', given: { target: { a: 1 }, patch: { b: null } }, want: { a: 1 } },
  {
    name: 'deep merge keeps untouched siblings at every level',
    given: {
      target: { metadata: { name: 'x', labels: { app: 'a', tier: 'web' } }, spec: { replicas: 1 } },
      patch: { metadata: { labels: { tier: null, env: 'prod' } } },
    },
    want: { metadata: { name: 'x', labels: { app: 'a', env: 'prod' } }, spec: { replicas: 1 } },
  },
  { name: 'an object member replaces a scalar member', given: { target: { a: 1 }, patch: { a: { b: 2 } } }, want: { a: { b: 2 } } },
  { name: 'an object member merged into null starts from {}', given: { target: { a: null }, patch: { a: { b: 2, c: null } } }, want: { a: { b: 2 } } },
  { name: 'a scalar member replaces an object member', given: { target: { a: { b: 2 } }, patch: { a: 0 } }, want: { a: 0 } },
  { name: 'nulls inside arrays are kept (arrays are values, not patches)', given: { target: {}, patch: { a: [null, { b: null }] } }, want: { a: [null, { b: null }] } },
  { name: 'an object patch on a scalar target starts from {}', given: { target: 'x', patch: { a: 1 } }, want: { a: 1 } },
  { name: 'an object patch on an undefined target starts from {}', given: { target: undefined, patch: { a: 1 } }, want: { a: 1 } },
  { name: 'a number patch replaces the document', given: { target: { a: 1 }, patch: 3 }, want: 3 },
  { name: 'a false patch replaces the document', given: { target: { a: 1 }, patch: false }, want: false },
  { name: 'an undefined member is treated as absent', given: { target: { a: 1 }, patch: { a: undefined, b: undefined } }, want: { a: 1 } },
  { name: 'empty-string keys merge like any other', given: { target: { '': { x: 1 } }, patch: { '': { y: 2 } } }, want: { '': { x: 1, y: 2 } } },
];

describe('apiserver/patch mergePatch', function () {
  for (const [title, cases] of [['RFC 7386 appendix A', RFC_7386_APPENDIX_A], ['more cases', MORE]] as const) {
    describe(title, function () {
      for (const { name, given, want } of cases) {
        it(name, function () {
          expect(mergePatch(deepFreeze(given.target), deepFreeze(given.patch))).to.deep.equal(want);
        });
      }
    });
  }

  it('keeps the target key order and appends new keys in patch order', function () {
    const result = mergePatch({ c: 1, a: 2, b: 3 }, { z: 1, b: 4, a: null, y: 2 });
    expect(JSON.stringify(result)).to.equal('{"c":1,"b":4,"z":1,"y":2}');
  });

  it('treats a "__proto__" member as data, never as the prototype', function () {
    const patch = j('{"__proto__":{"polluted":true},"a":{"__proto__":{"x":1}}}');
    const result = mergePatch({}, patch);
    expect(JSON.stringify(result)).to.equal('{"__proto__":{"polluted":true},"a":{"__proto__":{"x":1}}}');
    expect(Object.getPrototypeOf(result)).to.equal(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
  });

  it('does not modify its inputs (deep-frozen inputs, and equal to a snapshot afterwards)', function () {
    const target = { a: { b: [1, { c: 2 }] }, d: 'x', e: { f: 1 } };
    const patch = { a: { b: [3] }, d: null, e: { g: { h: null } } };
    const snapshot = structuredClone({ target, patch });
    const result = mergePatch(deepFreeze(target), deepFreeze(patch));
    expect({ target, patch }).to.deep.equal(snapshot);
    expect(result).to.deep.equal({ a: { b: [3] }, e: { f: 1, g: {} } });
  });

  it('shares no object or array with its inputs', function () {
    const target = { kept: { deep: [1] }, merged: { x: 1 } };
    const patch = { merged: { y: [2] }, added: { z: [3] } };
    const result = mergePatch(target, patch) as { kept: { deep: number[] }; merged: { y: number[] }; added: { z: number[] } };
    expect(result.kept).to.not.equal(target.kept);
    expect(result.kept.deep).to.not.equal(target.kept.deep);
    expect(result.merged).to.not.equal(target.merged);
    expect(result.merged.y).to.not.equal(patch.merged.y);
    expect(result.added).to.not.equal(patch.added);
    expect(result.added.z).to.not.equal(patch.added.z);
    const source = [{ a: 1 }];
    const replaced = mergePatch({}, source) as unknown[];
    expect(replaced).to.deep.equal(source);
    expect(replaced).to.not.equal(source);
    expect(replaced[0]).to.not.equal(source[0]);
  });
});
