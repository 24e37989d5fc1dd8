/**
 * Printer-column JSONPath: every form CRDs use (with or without braces, `$`, escaped dots,
 * bracket keys in either quote, indexes from either end, slices, `[*]`, `.*`, `..`, unions,
 * comparison and existence filters) selects what client-go's jsonpath selects, in order;
 * missing fields and failed evaluations give [] and never throw; bad syntax is a JsonPathError
 * with client-go's wording.
 */
import { expect } from 'chai';
import { compileJsonPath, evaluateJsonPath, JsonPathError } from '../../../src/apiserver/jsonpath.js';

/** The message of the JsonPathError compiling `expr` throws (a failed test when it compiles or throws something else). */
function compileError(expr: string): string {
  try {
    compileJsonPath(expr);
  } catch (err) {
    expect(err).to.be.instanceOf(JsonPathError);
    return (err as Error).message;
  }
  throw new Error(`${JSON.stringify(expr)} should not compile`);
}

const pod = {
  metadata: {
    name: 'web-0',
    labels: { app: 'web', 'app.kubernetes.io/name': 'nginx' },
    annotations: { 'a.b': 'dotted', 'x]y': 'bracket', "q'uote": 'quoted' },
    creationTimestamp: '2024-01-10T00:00:00Z',
  },
  spec: {
    replicas: 3,
    paused: false,
    nodeName: null,
    containers: [
      { name: 'app', image: 'nginx:1', ports: [{ containerPort: 80 }, { containerPort: 443 }] },
      { name: 'sidecar', image: 'envoy:2', ports: [] },
      { name: 'init', image: 'busybox' },
    ],
    tags: ['a', 'b', 'c', 'd', 'e'],
  },
  status: {
    phase: 'Running',
    conditions: [
      { type: 'Ready', status: 'True', priority: 2 },
      { type: 'Scheduled', status: 'False', priority: 1 },
      { type: 'Initialized', status: 'True', priority: 5, note: 'x' },
    ],
  },
};

describe('jsonpath', function () {
  describe('evaluateJsonPath selects like client-go', function () {
    const cases: Array<{ name: string; given: string; want: unknown[] }> = [
      { name: 'a field path', given: '.status.phase', want: ['Running'] },
      { name: 'braces', given: '{.status.phase}', want: ['Running'] },
      { name: 'spaces inside braces', given: '{ .status.phase }', want: ['Running'] },
      { name: 'the root $', given: '$.metadata.name', want: ['web-0'] },
      { name: 'a number', given: '.spec.replicas', want: [3] },
      { name: 'false', given: '.spec.paused', want: [false] },
      { name: 'null', given: '.spec.nodeName', want: [null] },
      { name: 'an object', given: '.metadata.labels', want: [pod.metadata.labels] },
      { name: 'the whole object', given: '.', want: [pod] },
      { name: 'a label', given: '.metadata.labels.app', want: ['web'] },
      { name: 'a missing field', given: '.status.missing', want: [] },
      { name: 'below a missing field', given: '.spec.missing.deeper[0].name', want: [] },
      { name: 'below null', given: '.spec.nodeName.name', want: [] },
      { name: 'a field of a string', given: '.status.phase.length', want: [] },
      { name: 'a field of an array', given: '.spec.containers.name', want: [] },
      { name: 'dots in an unescaped key split it', given: '.metadata.labels.app.kubernetes.io/name', want: [] },
      { name: 'escaped dots', given: '.metadata.labels.app\\.kubernetes\\.io/name', want: ['nginx'] },
      { name: 'a single-quoted bracket key', given: ".metadata.labels['app.kubernetes.io/name']", want: ['nginx'] },
      { name: 'a double-quoted bracket key', given: '.metadata.labels["app"]', want: ['web'] },
      { name: 'a bracket key with escaped dots', given: ".metadata.labels['app\\.kubernetes\\.io/name']", want: ['nginx'] },
      { name: 'a bracket key holding ]', given: ".metadata.annotations['x]y']", want: ['bracket'] },
      { name: 'a bracket key holding a quote', given: '.metadata.annotations["q\'uote"]', want: ['quoted'] },
      { name: 'a bracket key after a dot', given: ".metadata.annotations.['a.b']", want: ['dotted'] },
      { name: 'bracket keys all the way', given: "$['metadata']['name']", want: ['web-0'] },
      { name: 'a missing bracket key', given: ".metadata.labels['nope']", want: [] },
      { name: 'an index', given: '.spec.containers[0].image', want: ['nginx:1'] },
      { name: 'the last index', given: '.spec.containers[2].name', want: ['init'] },
      { name: 'an index from the end', given: '.spec.containers[-1].name', want: ['init'] },
      { name: 'the second from the end', given: '.spec.containers[-2].name', want: ['sidecar'] },
      { name: 'an index past the end', given: '.spec.containers[3].name', want: [] },
      { name: 'an index before the start', given: '.spec.containers[-4].name', want: [] },
      { name: 'an index into an empty array', given: '.spec.containers[1].ports[0].containerPort', want: [] },
      { name: 'an index into an object', given: '.metadata.labels[0]', want: [] },
      { name: 'an index into a missing field', given: '.status.missing[0]', want: [] },
      { name: 'every element', given: '.spec.containers[*].name', want: ['app', 'sidecar', 'init'] },
      { name: 'every element, then a field some lack', given: '.spec.containers[*].ports[*].containerPort', want: [80, 443] },
      { name: '[*] of an object is not an array', given: '.metadata.labels[*]', want: [] },
      { name: 'a slice', given: '.spec.tags[1:3]', want: ['b', 'c'] },
      { name: 'a slice to the end', given: '.spec.tags[3:]', want: ['d', 'e'] },
      { name: 'a slice from the start', given: '.spec.tags[:2]', want: ['a', 'b'] },
      { name: 'a slice from the end', given: '.spec.tags[-2:]', want: ['d', 'e'] },
      { name: 'a slice with a step', given: '.spec.tags[0:5:2]', want: ['a', 'c', 'e'] },
      { name: 'an empty slice', given: '.spec.tags[2:2]', want: [] },
      { name: 'a slice past the end', given: '.spec.tags[1:9]', want: [] },
      { name: 'a backwards slice', given: '.spec.tags[3:1]', want: [] },
      { name: 'a union of indexes', given: '.spec.tags[4,0]', want: ['e', 'a'] },
      { name: 'a union of keys', given: ".metadata.labels['app','missing','app.kubernetes.io/name']", want: ['web', 'nginx'] },
      { name: 'a wildcard over an object, by sorted key', given: '.metadata.labels.*', want: ['web', 'nginx'] },
      { name: 'a wildcard over an array', given: '.spec.tags.*', want: ['a', 'b', 'c', 'd', 'e'] },
      { name: 'a wildcard over a string', given: '.status.phase.*', want: [] },
      { name: 'recursive descent', given: '..containerPort', want: [80, 443] },
      { name: 'recursive descent to a field at several depths', given: '.spec..name', want: ['app', 'sidecar', 'init'] },
      { name: 'a filter on a string', given: '.status.conditions[?(@.type=="Ready")].status', want: ['True'] },
      { name: 'a filter with single quotes and spaces', given: ".status.conditions[?(@.type == 'Scheduled')].status", want: ['False'] },
      { name: 'a filter matching several', given: '.status.conditions[?(@.status=="True")].type', want: ['Ready', 'Initialized'] },
      { name: 'a filter matching none', given: '.status.conditions[?(@.type=="Gone")].status', want: [] },
      { name: 'a not-equal filter', given: '.status.conditions[?(@.status!="True")].type', want: ['Scheduled'] },
      { name: 'a less-than filter on numbers', given: '.status.conditions[?(@.priority<2)].type', want: ['Scheduled'] },
      { name: 'a less-or-equal filter', given: '.status.conditions[?(@.priority<=2)].type', want: ['Ready', 'Scheduled'] },
      { name: 'a greater-than filter', given: '.status.conditions[?(@.priority>2)].type', want: ['Initialized'] },
      { name: 'a greater-or-equal filter', given: '.status.conditions[?(@.priority>=2)].type', want: ['Ready', 'Initialized'] },
      { name: 'an equality filter on numbers', given: '.status.conditions[?(@.priority==5)].type', want: ['Initialized'] },
      { name: 'a decimal literal', given: '.status.conditions[?(@.priority>1.5)].type', want: ['Ready', 'Initialized'] },
      { name: 'comparing strings', given: '.status.conditions[?(@.type<"Ready")].type', want: ['Initialized'] },
      { name: 'a number never equals a string', given: '.status.conditions[?(@.priority=="2")].type', want: [] },
      { name: 'a number always differs from a string', given: '.status.conditions[?(@.priority!="2")].type', want: ['Ready', 'Scheduled', 'Initialized'] },
      { name: 'strings and numbers do not order', given: '.status.conditions[?(@.type>1)].type', want: [] },
      { name: 'a field missing from some elements', given: '.status.conditions[?(@.note=="x")].type', want: ['Initialized'] },
      { name: 'an existence filter', given: '.spec.containers[?(@.ports)].name', want: ['app', 'sidecar'] },
      { name: 'an existence filter on a nested field', given: '.spec.containers[?(@.ports[0].containerPort)].name', want: ['app'] },
      { name: 'comparing two fields of the element', given: '.status.conditions[?(@.status==@.status)].type', want: ['Ready', 'Scheduled', 'Initialized'] },
      { name: 'a filter over an object filters its values', given: '.metadata.labels[?(@=="web")]', want: ['web'] },
      { name: 'a filter then an index', given: '.spec.containers[?(@.name=="app")].ports[1].containerPort', want: [443] },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${given}`, function () {
        expect(evaluateJsonPath(compileJsonPath(given), pod)).to.deep.equal(want);
      });
    }
  });

  describe('evaluateJsonPath on other values', function () {
    const cases: Array<{ name: string; given: { path: string; value: unknown }; want: unknown[] }> = [
      { name: 'a boolean filter', given: { path: '.items[?(@.on==true)].n', value: { items: [{ on: true, n: 1 }, { on: false, n: 2 }] } }, want: [1] },
      { name: 'booleans do not order', given: { path: '.items[?(@.on>false)].n', value: { items: [{ on: true, n: 1 }] } }, want: [] },
      { name: 'a filter comparing several values gives nothing', given: { path: '.items[?(@.v[*]=="a")].n', value: { items: [{ v: ['a', 'b'], n: 1 }] } }, want: [] },
      { name: 'a filter on an element itself', given: { path: '.tags[?(@!="b")]', value: { tags: ['a', 'b', 'c'] } }, want: ['a', 'c'] },
      { name: 'a null document', given: { path: '.a', value: null }, want: [] },
      { name: 'a scalar document', given: { path: '.a', value: 42 }, want: [] },
      { name: 'an array document', given: { path: '[1]', value: ['x', 'y'] }, want: ['y'] },
      { name: 'a key that is a prototype name', given: { path: '.constructor', value: {} }, want: [] },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${given.path}`, function () {
        expect(evaluateJsonPath(compileJsonPath(given.path), given.value)).to.deep.equal(want);
      });
    }
  });

  it('keeps the expression as its source', function () {
    expect(compileJsonPath('{.status.phase}').source).to.equal('{.status.phase}');
  });

  it('evaluates a path given only by its source', function () {
    expect(evaluateJsonPath({ source: '.status.phase' }, pod)).to.deep.equal(['Running']);
  });

  describe('compileJsonPath refuses bad syntax', function () {
    const cases: Array<{ name: string; given: string; want: string }> = [
      { name: 'nothing', given: '', want: 'empty JSONPath expression' },
      { name: 'empty braces', given: '{}', want: 'empty JSONPath expression' },
      { name: 'an unclosed brace', given: '{.status.phase', want: 'unclosed action' },
      { name: 'a bare identifier', given: 'status.phase', want: 'unrecognized identifier status' },
      { name: 'an unknown character', given: '.a,b', want: "unrecognized character in action: U+002C ','" },
      { name: 'a stray brace', given: '.a}', want: "unrecognized character in action: U+007D '}'" },
      { name: 'an unterminated bracket', given: '.a[0', want: 'unterminated array' },
      { name: 'an unterminated bracket key', given: ".a['b]", want: 'unterminated array' },
      { name: 'an empty bracket', given: '.a[]', want: 'invalid array index ' },
      { name: 'a word as an index', given: '.a[x]', want: 'invalid array index x' },
      { name: 'a fraction as an index', given: '.a[1.5]', want: 'invalid array index 1.5' },
      { name: 'too many slice parts', given: '.a[1:2:3:4]', want: 'invalid array index 1:2:3:4' },
      { name: 'a lone minus', given: '.a[-]', want: 'array index - is not a number' },
      { name: 'an unterminated filter', given: '.a[?(@.b=="c"', want: 'unterminated filter' },
      { name: 'a filter without ]', given: '.a[?(@.b=="c")', want: 'unclosed array expect ]' },
      { name: 'a single = in a filter', given: '.a[?(@.b="c")]', want: 'unrecognized filter operator =' },
      { name: 'an unknown filter operator', given: '.a[?(@.b=!"c")]', want: 'unrecognized filter operator =!' },
      { name: 'an empty filter', given: '.a[?()]', want: 'empty filter' },
      { name: 'a bad number in a filter', given: '.a[?(@.b==1.2.3)]', want: 'cannot parse number 1.2.3' },
      { name: 'an unterminated string in a filter', given: '.a[?(@.b=="c)]', want: 'unterminated filter' },
      { name: 'a word in a filter', given: '.a[?(@.b==c)]', want: 'unrecognized identifier c' },
      { name: 'four dots', given: '.a....b', want: 'invalid multiple recursive descent' },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${JSON.stringify(given)}`, function () {
        expect(compileError(given)).to.equal(want);
      });
    }
  });
});
