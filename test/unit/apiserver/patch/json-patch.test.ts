/**
 * JSON patch (RFC 6902): the RFC's appendix A examples give the RFC's results, the six operations
 * and JSON pointer escapes behave as specified, and every malformed or inapplicable patch throws a
 * JsonPatchError with the exact message the Kubernetes API server (evanphx/json-patch v4) sends,
 * or one in the same style where that library is laxer than the RFC. Inputs are never modified.
 */
import { expect } from 'chai';
import { JsonPatchError, applyJsonPatch } from '../../../../src/apiserver/patch/json-patch.js';

interface Given {
  doc: unknown;
  patch: unknown;
}

interface Case {
  name: string;
  given: Given;
  want: unknown;
}

interface ErrorCase {
  name: string;
  given: Given;
  want: string;
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

/** The error `applyJsonPatch` throws (failing the test when it throws none or another kind). */
function errorOf(given: Given): JsonPatchError {
  try {
    applyJsonPatch(deepFreeze(given.doc), deepFreeze(given.patch));
  } catch (err) {
    expect(err).to.be.instanceOf(JsonPatchError);
    return err as JsonPatchError;
  }
  throw new Error('expected a JsonPatchError, but the patch applied');
}

// RFC 6902 appendix A. A.13 (an operation with a duplicate "op" member) cannot be expressed once
// the body is parsed into a JavaScript value, so it has no case here.
const RFC_6902_APPENDIX_A: Case[] = [
  {
    name: 'A.1 adding an object member',
    given: { doc: j('{"foo":"bar"}'), patch: j('[{"op":"add","path":"/baz","value":"qux"}]') },
    want: j('{"baz":"qux","foo":"bar"}'),
  },
  {
    name: 'A.2 adding an array element',
    given: { doc: j('{"foo":["bar","baz"]}'), patch: j('[{"op":"add","path":"/foo/1","value":"qux"}]') },
    want: j('{"foo":["bar","qux","baz"]}'),
  },
  {
    name: 'A.3 removing an object member',
    given: { doc: j('{"baz":"qux","foo":"bar"}'), patch: j('[{"op":"remove","path":"/baz"}]') },
    want: j('{"foo":"bar"}'),
  },
  {
    name: 'A.4 removing an array element',
    given: { doc: j('{"foo":["bar","qux","baz"]}'), patch: j('[{"op":"remove","path":"/foo/1"}]') },
    want: j('{"foo":["bar","baz"]}'),
  },
  {
    name: 'A.5 replacing a value',
    given: { doc: j('{"baz":"qux","foo":"bar"}'), patch: j('[{"op":"replace","path":"/baz","value":"boo"}]') },
    want: j('{"baz":"boo","foo":"bar"}'),
  },
  {
    name: 'A.6 moving a value',
    given: {
      doc: j('{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}'),
      patch: j('[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]'),
    },
    want: j('{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}'),
  },
  {
    name: 'A.7 moving an array element',
    given: { doc: j('{"foo":["all","grass","cows","eat"]}'), patch: j('[{"op":"move","from":"/foo/1","path":"/foo/3"}]') },
    want: j('{"foo":["all","cows","eat","grass"]}'),
  },
  {
    name: 'A.8 testing a value: success',
    given: {
      doc: j('{"baz":"qux","foo":["a",2,"c"]}'),
      patch: j('[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]'),
    },
    want: j('{"baz":"qux","foo":["a",2,"c"]}'),
  },
  {
    name: 'A.10 adding a nested member object',
    given: { doc: j('{"foo":"bar"}'), patch: j('[{"op":"add","path":"/child","value":{"grandchild":{}}}]') },
    want: j('{"foo":"bar","child":{"grandchild":{}}}'),
  },
  {
    name: 'A.11 ignoring unrecognized elements',
    given: { doc: j('{"foo":"bar"}'), patch: j('[{"op":"add","path":"/baz","value":"qux","xyz":123}]') },
    want: j('{"foo":"bar","baz":"qux"}'),
  },
  {
    name: 'A.14 ~ escape ordering',
    given: { doc: j('{"/":9,"~1":10}'), patch: j('[{"op":"test","path":"/~01","value":10}]') },
    want: j('{"/":9,"~1":10}'),
  },
  {
    name: 'A.16 adding an array value',
    given: { doc: j('{"foo":["bar"]}'), patch: j('[{"op":"add","path":"/foo/-","value":["abc","def"]}]') },
    want: j('{"foo":["bar",["abc","def"]]}'),
  },
];

const RFC_6902_APPENDIX_A_ERRORS: ErrorCase[] = [
  {
    name: 'A.9 testing a value: error',
    given: { doc: j('{"baz":"qux"}'), patch: j('[{"op":"test","path":"/baz","value":"bar"}]') },
    want: 'testing value /baz failed: test failed',
  },
  {
    name: 'A.12 adding to a nonexistent target',
    given: { doc: j('{"foo":"bar"}'), patch: j('[{"op":"add","path":"/baz/bat","value":"qux"}]') },
    want: 'add operation does not apply: doc is missing path: "/baz/bat": missing value',
  },
  {
    name: 'A.15 comparing strings and numbers',
    given: { doc: j('{"/":9,"~1":10}'), patch: j('[{"op":"test","path":"/~01","value":"10"}]') },
    want: 'testing value /~01 failed: test failed',
  },
];

const OPERATIONS: Case[] = [
  { name: 'an empty patch returns the document', given: { doc: { a: [1] }, patch: [] }, want: { a: [1] } },
  { name: 'add replaces an existing member', given: { doc: { a: 1 }, patch: [{ op: 'add', path: '/a', value: 2 }] }, want: { a: 2 } },
  { name: 'add accepts a null value', given: { doc: {}, patch: [{ op: 'add', path: '/a', value: null }] }, want: { a: null } },
  { name: 'add at index length appends', given: { doc: { a: [1] }, patch: [{ op: 'add', path: '/a/1', value: 2 }] }, want: { a: [1, 2] } },
  { name: 'add at index 0 prepends', given: { doc: [1, 2], patch: [{ op: 'add', path: '/0', value: 0 }] }, want: [0, 1, 2] },
  { name: 'add - appends to an empty array', given: { doc: { a: [] }, patch: [{ op: 'add', path: '/a/-', value: 1 }] }, want: { a: [1] } },
  { name: 'add with an empty pointer replaces the document', given: { doc: { a: 1 }, patch: [{ op: 'add', path: '', value: [1] }] }, want: [1] },
  { name: 'add "/" names the empty key', given: { doc: {}, patch: [{ op: 'add', path: '/', value: 1 }] }, want: { '': 1 } },
  {
    name: 'add unescapes ~1 to / and ~0 to ~',
    given: { doc: {}, patch: [{ op: 'add', path: '/a~1b~0c~01', value: 1 }] },
    want: { 'a/b~c~1': 1 },
  },
  { name: '"-" is an ordinary key in an object', given: { doc: {}, patch: [{ op: 'add', path: '/-', value: 1 }] }, want: { '-': 1 } },
  {
    name: 'add walks through arrays',
    given: { doc: { a: [{ b: 1 }] }, patch: [{ op: 'add', path: '/a/0/c', value: 2 }] },
    want: { a: [{ b: 1, c: 2 }] },
  },
  { name: 'remove a member whose value is null', given: { doc: { a: null, b: 1 }, patch: [{ op: 'remove', path: '/a' }] }, want: { b: 1 } },
  { name: 'remove the last array element', given: { doc: { a: [1, 2] }, patch: [{ op: 'remove', path: '/a/1' }] }, want: { a: [1] } },
  { name: 'replace a member whose value is null', given: { doc: { a: null }, patch: [{ op: 'replace', path: '/a', value: 1 }] }, want: { a: 1 } },
  { name: 'replace an array element', given: { doc: [1, 2, 3], patch: [{ op: 'replace', path: '/1', value: 'x' }] }, want: [1, 'x', 3] },
  { name: 'replace the whole document with a scalar', given: { doc: { a: 1 }, patch: [{ op: 'replace', path: '', value: 'x' }] }, want: 'x' },
  {
    name: 'move between arrays',
    given: { doc: { a: [1, 2], b: [3] }, patch: [{ op: 'move', from: '/a/0', path: '/b/-' }] },
    want: { a: [2], b: [3, 1] },
  },
  { name: 'move to the same location is a no-op', given: { doc: { a: [1, 2] }, patch: [{ op: 'move', from: '/a/1', path: '/a/1' }] }, want: { a: [1, 2] } },
  { name: 'move a member to the root', given: { doc: { a: { b: 1 }, c: 2 }, patch: [{ op: 'move', from: '/a', path: '' }] }, want: { b: 1 } },
  { name: 'move the root onto itself is a no-op', given: { doc: { a: 1 }, patch: [{ op: 'move', from: '', path: '' }] }, want: { a: 1 } },
  {
    name: 'move onto an existing member replaces it',
    given: { doc: { a: 1, b: 2 }, patch: [{ op: 'move', from: '/a', path: '/b' }] },
    want: { b: 1 },
  },
  {
    name: 'copy a member',
    given: { doc: { a: { x: [1] } }, patch: [{ op: 'copy', from: '/a', path: '/b' }] },
    want: { a: { x: [1] }, b: { x: [1] } },
  },
  { name: 'copy the root into a member', given: { doc: { a: 1 }, patch: [{ op: 'copy', from: '', path: '/b' }] }, want: { a: 1, b: { a: 1 } } },
  { name: 'copy a member onto the root', given: { doc: { a: [1] }, patch: [{ op: 'copy', from: '/a', path: '' }] }, want: [1] },
  { name: 'copy into an array', given: { doc: { a: [1, 2] }, patch: [{ op: 'copy', from: '/a/1', path: '/a/0' }] }, want: { a: [2, 1, 2] } },
  { name: 'test a null member', given: { doc: { a: null }, patch: [{ op: 'test', path: '/a', value: null }] }, want: { a: null } },
  {
    name: 'test ignores object member order',
    given: { doc: { a: { x: 1, y: [1, { z: 2 }] } }, patch: [{ op: 'test', path: '/a', value: { y: [1, { z: 2 }], x: 1 } }] },
    want: { a: { x: 1, y: [1, { z: 2 }] } },
  },
  { name: 'test the whole document', given: { doc: [1, 'a'], patch: [{ op: 'test', path: '', value: [1, 'a'] }] }, want: [1, 'a'] },
  {
    name: 'operations apply in order, each seeing the previous result',
    given: {
      doc: { spec: { replicas: 1 } },
      patch: [
        { op: 'test', path: '/spec/replicas', value: 1 },
        { op: 'replace', path: '/spec/replicas', value: 3 },
        { op: 'add', path: '/spec/template', value: { labels: {} } },
        { op: 'add', path: '/spec/template/labels/app', value: 'web' },
        { op: 'copy', from: '/spec/template/labels', path: '/metadata' },
        { op: 'test', path: '/metadata', value: { app: 'web' } },
      ],
    },
    want: { spec: { replicas: 3, template: { labels: { app: 'web' } } }, metadata: { app: 'web' } },
  },
];

const ERRORS: ErrorCase[] = [
  // The patch document itself.
  { name: 'an object instead of an array', given: { doc: {}, patch: { op: 'add' } }, want: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' },
  { name: 'a string instead of an array', given: { doc: {}, patch: 'x' }, want: 'json: cannot unmarshal string into Go value of type jsonpatch.Patch' },
  { name: 'null instead of an array', given: { doc: {}, patch: null }, want: 'json: cannot unmarshal null into Go value of type jsonpatch.Patch' },
  { name: 'an operation that is a number', given: { doc: {}, patch: [1] }, want: 'json: cannot unmarshal number into Go value of type jsonpatch.Operation' },
  { name: 'an operation that is an array', given: { doc: {}, patch: [[]] }, want: 'json: cannot unmarshal array into Go value of type jsonpatch.Operation' },
  {
    name: 'a malformed operation is reported before any operation applies',
    given: { doc: {}, patch: [{ op: 'test', path: '/x', value: 1 }, true] },
    want: 'json: cannot unmarshal bool into Go value of type jsonpatch.Operation',
  },
  { name: 'an operation that is null', given: { doc: {}, patch: [null] }, want: 'Unexpected kind: unknown' },
  { name: 'an unknown op', given: { doc: {}, patch: [{ op: 'merge', path: '/a' }] }, want: 'Unexpected kind: merge' },
  { name: 'no op', given: { doc: {}, patch: [{ path: '/a', value: 1 }] }, want: 'Unexpected kind: unknown' },
  { name: 'an op that is not a string', given: { doc: {}, patch: [{ op: 1, path: '/a' }] }, want: 'Unexpected kind: unknown' },
  { name: 'an op in the wrong case', given: { doc: {}, patch: [{ op: 'Add', path: '/a', value: 1 }] }, want: 'Unexpected kind: Add' },
  // Missing or mistyped members.
  { name: 'add without path', given: { doc: {}, patch: [{ op: 'add', value: 1 }] }, want: 'add operation failed to decode path: missing value' },
  { name: 'remove with a null path', given: { doc: {}, patch: [{ op: 'remove', path: null }] }, want: 'remove operation failed to decode path: missing value' },
  { name: 'copy with a numeric path', given: { doc: {}, patch: [{ op: 'copy', from: '', path: 1 }] }, want: 'copy operation failed to decode path: missing value' },
  {
    name: 'replace without path',
    given: { doc: {}, patch: [{ op: 'replace', value: 1 }] },
    want: 'replace operation failed to decode path: operation missing path field: missing value',
  },
  {
    name: 'test with a numeric path',
    given: { doc: {}, patch: [{ op: 'test', path: 5, value: 1 }] },
    want: 'test operation failed to decode path: json: cannot unmarshal number into Go value of type string',
  },
  {
    name: 'move with an object path',
    given: { doc: { a: 1 }, patch: [{ op: 'move', from: '/a', path: {} }] },
    want: 'move operation failed to decode path: json: cannot unmarshal object into Go value of type string',
  },
  {
    name: 'add without value',
    given: { doc: {}, patch: [{ op: 'add', path: '/a' }] },
    want: 'add operation failed to decode value: operation, missing value field: missing value',
  },
  {
    name: 'replace without value',
    given: { doc: { a: 1 }, patch: [{ op: 'replace', path: '/a' }] },
    want: 'replace operation failed to decode value: operation, missing value field: missing value',
  },
  {
    name: 'test without value',
    given: { doc: { a: 1 }, patch: [{ op: 'test', path: '/a' }] },
    want: 'test operation failed to decode value: operation, missing value field: missing value',
  },
  {
    name: 'move without from',
    given: { doc: {}, patch: [{ op: 'move', path: '/a' }] },
    want: 'move operation failed to decode from: operation, missing from field: missing value',
  },
  {
    name: 'copy with a boolean from',
    given: { doc: {}, patch: [{ op: 'copy', from: true, path: '/a' }] },
    want: 'copy operation failed to decode from: json: cannot unmarshal bool into Go value of type string',
  },
  // Malformed pointers.
  {
    name: 'a path without the leading slash',
    given: { doc: { a: 1 }, patch: [{ op: 'add', path: 'a', value: 1 }] },
    want: 'add operation does not apply: path "a" is not a valid JSON pointer: it must be empty or start with "/"',
  },
  {
    name: 'a path with a bad ~ escape',
    given: { doc: { 'a~2': 1 }, patch: [{ op: 'remove', path: '/a~2' }] },
    want: 'remove operation does not apply: path "/a~2" is not a valid JSON pointer: "~" must be followed by "0" or "1"',
  },
  {
    name: 'a path ending in a lone ~',
    given: { doc: {}, patch: [{ op: 'test', path: '/a~', value: 1 }] },
    want: 'test operation does not apply: path "/a~" is not a valid JSON pointer: "~" must be followed by "0" or "1"',
  },
  {
    name: 'a from without the leading slash',
    given: { doc: { a: 1 }, patch: [{ op: 'move', from: 'a', path: '/b' }] },
    want: 'move operation does not apply: from "a" is not a valid JSON pointer: it must be empty or start with "/"',
  },
  // add
  {
    name: 'add through a scalar',
    given: { doc: { a: 1 }, patch: [{ op: 'add', path: '/a/b', value: 1 }] },
    want: 'add operation does not apply: doc is missing path: "/a/b": missing value',
  },
  {
    name: 'add through null',
    given: { doc: { a: null }, patch: [{ op: 'add', path: '/a/b', value: 1 }] },
    want: 'add operation does not apply: doc is missing path: "/a/b": missing value',
  },
  {
    name: 'add to a scalar document',
    given: { doc: 5, patch: [{ op: 'add', path: '/a', value: 1 }] },
    want: 'add operation does not apply: doc is missing path: "/a": missing value',
  },
  {
    name: 'add through "-" of an array',
    given: { doc: { a: [{}] }, patch: [{ op: 'add', path: '/a/-/b', value: 1 }] },
    want: 'add operation does not apply: doc is missing path: "/a/-/b": missing value',
  },
  {
    name: 'add past the end of an array',
    given: { doc: { a: [1] }, patch: [{ op: 'add', path: '/a/2', value: 1 }] },
    want: "error in add for path: '/a/2': Unable to access invalid index: 2: invalid index referenced",
  },
  {
    name: 'add at a non-numeric array index',
    given: { doc: { a: [1] }, patch: [{ op: 'add', path: '/a/x', value: 1 }] },
    want: `error in add for path: '/a/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`,
  },
  {
    name: 'add at a negative array index',
    given: { doc: { a: [1] }, patch: [{ op: 'add', path: '/a/-1', value: 1 }] },
    want: "error in add for path: '/a/-1': Unable to access invalid index: -1: invalid index referenced",
  },
  {
    name: 'add at an array index with a leading zero',
    given: { doc: { a: [1, 2] }, patch: [{ op: 'add', path: '/a/01', value: 1 }] },
    want: "error in add for path: '/a/01': Unable to access invalid index: 01: invalid index referenced",
  },
  // remove
  {
    name: 'remove a missing key',
    given: { doc: { spec: {} }, patch: [{ op: 'remove', path: '/spec/x' }] },
    want: "error in remove for path: '/spec/x': Unable to remove nonexistent key: x: missing value",
  },
  {
    name: 'remove under a missing parent',
    given: { doc: {}, patch: [{ op: 'remove', path: '/a/b' }] },
    want: 'remove operation does not apply: doc is missing path: "/a/b": missing value',
  },
  {
    name: 'remove the whole document',
    given: { doc: { a: 1 }, patch: [{ op: 'remove', path: '' }] },
    want: 'remove operation does not apply: doc is missing path: "": missing value',
  },
  {
    name: 'remove past the end of an array',
    given: { doc: { a: [1] }, patch: [{ op: 'remove', path: '/a/1' }] },
    want: "error in remove for path: '/a/1': Unable to access invalid index: 1: invalid index referenced",
  },
  {
    name: 'remove "-" of an array',
    given: { doc: { a: [1] }, patch: [{ op: 'remove', path: '/a/-' }] },
    want: `error in remove for path: '/a/-': strconv.Atoi: parsing "-": invalid syntax`,
  },
  // replace
  {
    name: 'replace a missing key',
    given: { doc: { a: 1 }, patch: [{ op: 'replace', path: '/x', value: 1 }] },
    want: 'replace operation does not apply: doc is missing key: /x: missing value',
  },
  {
    name: 'replace under a missing parent',
    given: { doc: {}, patch: [{ op: 'replace', path: '/a/b', value: 1 }] },
    want: 'replace operation does not apply: doc is missing path: /a/b: missing value',
  },
  {
    name: 'replace past the end of an array',
    given: { doc: { a: [1] }, patch: [{ op: 'replace', path: '/a/1', value: 1 }] },
    want: 'replace operation does not apply: doc is missing key: /a/1: missing value',
  },
  {
    name: 'replace "-" of an array',
    given: { doc: { a: [1] }, patch: [{ op: 'replace', path: '/a/-', value: 1 }] },
    want: 'replace operation does not apply: doc is missing key: /a/-: missing value',
  },
  // move
  {
    name: 'move from a missing parent',
    given: { doc: {}, patch: [{ op: 'move', from: '/a/b', path: '/c' }] },
    want: 'move operation does not apply: doc is missing from path: /a/b: missing value',
  },
  {
    name: 'move from a missing key (the library names the key, not the path)',
    given: { doc: { a: {} }, patch: [{ op: 'move', from: '/a/b', path: '/c' }] },
    want: "error in move for path: 'b': Unable to remove nonexistent key: b: missing value",
  },
  {
    name: 'move from past the end of an array',
    given: { doc: { a: [] }, patch: [{ op: 'move', from: '/a/0', path: '/c' }] },
    want: "error in move for path: '0': Unable to access invalid index: 0: invalid index referenced",
  },
  {
    name: 'move into its own child',
    given: { doc: { a: { b: {} } }, patch: [{ op: 'move', from: '/a', path: '/a/b/c' }] },
    want: 'move operation does not apply: cannot move "/a" into its own child "/a/b/c"',
  },
  {
    name: 'move the whole document into a member',
    given: { doc: { a: 1 }, patch: [{ op: 'move', from: '', path: '/b' }] },
    want: 'move operation does not apply: cannot move "" into its own child "/b"',
  },
  {
    name: 'move to a missing destination parent',
    given: { doc: { a: 1 }, patch: [{ op: 'move', from: '/a', path: '/x/y' }] },
    want: 'move operation does not apply: doc is missing destination path: /x/y: missing value',
  },
  {
    name: 'move past the end of an array',
    given: { doc: { a: 1, b: [] }, patch: [{ op: 'move', from: '/a', path: '/b/1' }] },
    want: "error in move for path: '/b/1': Unable to access invalid index: 1: invalid index referenced",
  },
  // copy
  {
    name: 'copy from a missing key',
    given: { doc: { a: 1 }, patch: [{ op: 'copy', from: '/b', path: '/c' }] },
    want: "error in copy for from: '/b': unable to get nonexistent key: b: missing value",
  },
  {
    name: 'copy from a missing parent',
    given: { doc: {}, patch: [{ op: 'copy', from: '/a/b', path: '/c' }] },
    want: 'copy operation does not apply: doc is missing from path: /a/b: missing value',
  },
  {
    name: 'copy from past the end of an array',
    given: { doc: { a: [] }, patch: [{ op: 'copy', from: '/a/0', path: '/c' }] },
    want: "error in copy for from: '/a/0': Unable to access invalid index: 0: invalid index referenced",
  },
  {
    name: 'copy to a missing destination parent',
    given: { doc: { a: 1 }, patch: [{ op: 'copy', from: '/a', path: '/x/y' }] },
    want: 'copy operation does not apply: doc is missing destination path: /x/y: missing value',
  },
  {
    name: 'copy past the end of an array',
    given: { doc: { a: 1, b: [] }, patch: [{ op: 'copy', from: '/a', path: '/b/5' }] },
    want: 'error while adding value during copy: Unable to access invalid index: 5: invalid index referenced',
  },
  // test
  {
    name: 'test a different value',
    given: { doc: { spec: { x: 1 } }, patch: [{ op: 'test', path: '/spec/x', value: 2 }] },
    want: 'testing value /spec/x failed: test failed',
  },
  {
    name: 'test a missing key, even against null',
    given: { doc: { spec: {} }, patch: [{ op: 'test', path: '/spec/y', value: null }] },
    want: 'testing value /spec/y failed: test failed',
  },
  {
    name: 'test an object against a subset of it',
    given: { doc: { a: { x: 1, y: 2 } }, patch: [{ op: 'test', path: '/a', value: { x: 1 } }] },
    want: 'testing value /a failed: test failed',
  },
  {
    name: 'test an array against an object',
    given: { doc: { a: [] }, patch: [{ op: 'test', path: '/a', value: {} }] },
    want: 'testing value /a failed: test failed',
  },
  {
    name: 'test under a missing parent',
    given: { doc: {}, patch: [{ op: 'test', path: '/a/b', value: 1 }] },
    want: 'test operation does not apply: is missing path: /a/b: missing value',
  },
  {
    name: 'test past the end of an array',
    given: { doc: { a: [1] }, patch: [{ op: 'test', path: '/a/3', value: 1 }] },
    want: "error in test for path: '/a/3': Unable to access invalid index: 3: invalid index referenced",
  },
  {
    name: 'test the whole document',
    given: { doc: { a: 1 }, patch: [{ op: 'test', path: '', value: { a: 2 } }] },
    want: 'testing value  failed: test failed',
  },
  {
    name: 'a failure after successful operations',
    given: { doc: { a: 1 }, patch: [{ op: 'replace', path: '/a', value: 2 }, { op: 'test', path: '/a', value: 1 }] },
    want: 'testing value /a failed: test failed',
  },
];

describe('apiserver/patch applyJsonPatch', function () {
  for (const [title, cases] of [['RFC 6902 appendix A', RFC_6902_APPENDIX_A], ['operations', OPERATIONS]] as const) {
    describe(title, function () {
      for (const { name, given, want } of cases) {
        it(name, function () {
          expect(applyJsonPatch(deepFreeze(given.doc), deepFreeze(given.patch))).to.deep.equal(want);
        });
      }
    });
  }

  for (const [title, cases] of [['RFC 6902 appendix A errors', RFC_6902_APPENDIX_A_ERRORS], ['errors', ERRORS]] as const) {
    describe(title, function () {
      for (const { name, given, want } of cases) {
        it(`${name}: ${want}`, function () {
          const err = errorOf(given);
          expect(err.name).to.equal('JsonPatchError');
          expect(err.message).to.equal(want);
        });
      }
    });
  }

  it('JsonPatchError is an Error', function () {
    const err = new JsonPatchError('x');
    expect(err).to.be.instanceOf(Error);
    expect(err.name).to.equal('JsonPatchError');
    expect(err.message).to.equal('x');
  });

  it('keeps member order: existing members in place, added ones last', function () {
    const result = applyJsonPatch({ c: 1, a: 2, b: 3 }, [
      { op: 'add', path: '/z', value: 1 },
      { op: 'replace', path: '/a', value: 4 },
      { op: 'remove', path: '/c' },
    ]);
    expect(JSON.stringify(result)).to.equal('{"a":4,"b":3,"z":1}');
  });

  it('treats a "__proto__" member as data, never as the prototype', function () {
    const result = applyJsonPatch({}, [
      { op: 'add', path: '/__proto__', value: { polluted: true } },
      { op: 'add', path: '/__proto__/more', value: 1 },
      { op: 'test', path: '/__proto__', value: { polluted: true, more: 1 } },
    ]);
    expect(JSON.stringify(result)).to.equal('{"__proto__":{"polluted":true,"more":1}}');
    expect(Object.getPrototypeOf(result)).to.equal(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
  });

  it('does not resolve inherited properties such as "constructor"', function () {
    expect(errorOf({ doc: {}, patch: [{ op: 'test', path: '/constructor', value: {} }] }).message).to.equal(
      'testing value /constructor failed: test failed',
    );
    expect(errorOf({ doc: {}, patch: [{ op: 'add', path: '/toString/x', value: 1 }] }).message).to.equal(
      'add operation does not apply: doc is missing path: "/toString/x": missing value',
    );
  });

  it('does not modify its inputs, whether the patch applies or fails', function () {
    const doc = { spec: { list: [1, { a: 2 }], map: { k: 'v' } } };
    const ok = [
      { op: 'add', path: '/spec/list/1/b', value: { deep: [1] } },
      { op: 'move', from: '/spec/map/k', path: '/spec/list/0' },
      { op: 'remove', path: '/spec/list/1' },
      { op: 'copy', from: '/spec/list', path: '/copied' },
      { op: 'replace', path: '/spec/map', value: [] },
    ];
    const failing = [...ok, { op: 'test', path: '/spec/map', value: {} }];
    const snapshot = structuredClone({ doc, ok, failing });
    deepFreeze({ doc, ok, failing });
    const result = applyJsonPatch(doc, ok);
    expect(() => applyJsonPatch(doc, failing)).to.throw(JsonPatchError, 'testing value /spec/map failed: test failed');
    expect({ doc, ok, failing }).to.deep.equal(snapshot);
    expect(result).to.deep.equal({ spec: { list: ['v', { a: 2, b: { deep: [1] } }], map: [] }, copied: ['v', { a: 2, b: { deep: [1] } }] });
  });

  it('shares no object or array with its inputs or between copies', function () {
    const value = { deep: [1] };
    const doc = { kept: { x: [1] } };
    const result = applyJsonPatch(doc, [
      { op: 'add', path: '/added', value },
      { op: 'copy', from: '/added', path: '/copied' },
    ]) as { kept: { x: number[] }; added: { deep: number[] }; copied: { deep: number[] } };
    expect(result).to.not.equal(doc);
    expect(result.kept).to.not.equal(doc.kept);
    expect(result.kept.x).to.not.equal(doc.kept.x);
    expect(result.added).to.not.equal(value);
    expect(result.added.deep).to.not.equal(value.deep);
    expect(result.copied).to.not.equal(result.added);
    expect(result.copied.deep).to.not.equal(result.added.deep);
    const whole = { a: [1] };
    expect(applyJsonPatch({}, [{ op: 'replace', path: '', value: whole }])).to.not.equal(whole);
    expect(applyJsonPatch(whole, [])).to.not.equal(whole);
  });
});
