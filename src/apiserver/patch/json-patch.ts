/**
 * JSON patch (RFC 6902) with JSON pointers (RFC 6901), the `application/json-patch+json` patch
 * type of the Kubernetes API.
 *
 * Error messages reproduce those of the library the Kubernetes API server applies JSON patches with
 * (evanphx/json-patch v4, as vendored by kubernetes), so clients see the text a real cluster sends,
 * e.g. `testing value /spec/x failed: test failed`. Where that library is more lenient than the RFC
 * (negative array indices, `replace` of a missing key, `copy` or `test` of a missing key, an
 * operation without `value`), this module follows the RFC and words the error in the same style.
 *
 * Pure: the document is copied once, the copy is patched, and nothing the caller passed in is
 * modified or shared with the result.
 */

import { cloneJson, isJsonObject, setOwn, type JsonObject } from './json-value.js';

type Container = JsonObject | unknown[];
type Operation = JsonObject;

/** The place one JSON pointer designates: a key of an object or an index of an array. */
interface Location {
  readonly parent: Container;
  readonly key: string;
}

/**
 * A JSON patch that is malformed or does not apply to the document. The message is the error text
 * of the library the Kubernetes API server applies JSON patches with. For a patch it cannot decode
 * (messages starting `json: cannot unmarshal`) the server answers 400 BadRequest with that text;
 * for any other failure it answers 422 Invalid, `the server rejected our request due to an error in
 * our request`.
 */
export class JsonPatchError extends Error {
  override name = 'JsonPatchError';
}

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function getOwn(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Structural JSON equality: object member order is irrelevant, numbers compare by value. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (!isJsonObject(a) || !isJsonObject(b)) return a === b;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}

/** The JSON type name Go's encoding/json uses in its "cannot unmarshal" errors. */
function goTypeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

// --- JSON pointers -------------------------------------------------------------------------------

/** The reference tokens of a JSON pointer, unescaped (`~1` is `/`, `~0` is `~`); `[]` for the root. */
function parsePointer(pointer: string, what: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new JsonPatchError(`${what} is not a valid JSON pointer: it must be empty or start with "/"`);
  }
  if (/~(?![01])/.test(pointer)) {
    throw new JsonPatchError(`${what} is not a valid JSON pointer: "~" must be followed by "0" or "1"`);
  }
  return pointer.slice(1).split('/').map((token) => token.replace(/~[01]/g, (escape) => (escape === '~1' ? '/' : '~')));
}

/** An RFC 6901 array index (`0` or digits without a leading zero), or undefined. */
function arrayIndex(token: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : undefined;
}

/** Whether Go's strconv.Atoi would parse the token (so the library reports it as an invalid index). */
function isGoInteger(token: string): boolean {
  return /^[+-]?[0-9]+$/.test(token);
}

function invalidIndex(token: string | number): string {
  return `Unable to access invalid index: ${token}: invalid index referenced`;
}

function atoiSyntax(token: string): string {
  return `strconv.Atoi: parsing ${JSON.stringify(token)}: invalid syntax`;
}

/** The existing child one token names, or undefined. */
function childOf(container: Container, token: string): unknown {
  if (!Array.isArray(container)) return getOwn(container, token);
  const index = arrayIndex(token);
  return index === undefined ? undefined : container[index];
}

/**
 * The location of a non-root pointer; throws `<missing>: missing value` when a parent does not
 * exist or is not an object or array.
 */
function locate(root: unknown, tokens: readonly string[], missing: string): Location {
  let current = root;
  for (const token of tokens.slice(0, -1)) {
    current = isContainer(current) ? childOf(current, token) : undefined;
  }
  if (!isContainer(current)) throw new JsonPatchError(`${missing}: missing value`);
  return { parent: current, key: tokens.at(-1) ?? '' };
}

// --- primitive edits on a location (prefix: the library's wording of where the error happened) ----

function existingIndex(array: readonly unknown[], token: string, prefix: string): number {
  const index = arrayIndex(token);
  if (index === undefined) {
    throw new JsonPatchError(`${prefix}: ${isGoInteger(token) ? invalidIndex(token) : atoiSyntax(token)}`);
  }
  if (index >= array.length) throw new JsonPatchError(`${prefix}: ${invalidIndex(index)}`);
  return index;
}

function insertionIndex(array: readonly unknown[], token: string, prefix: string): number {
  if (token === '-') return array.length;
  const index = arrayIndex(token);
  if (index === undefined && isGoInteger(token)) throw new JsonPatchError(`${prefix}: ${invalidIndex(token)}`);
  if (index === undefined) {
    throw new JsonPatchError(`${prefix}: value was not a proper array index: '${token}': ${atoiSyntax(token)}`);
  }
  if (index > array.length) throw new JsonPatchError(`${prefix}: ${invalidIndex(index)}`);
  return index;
}

function hasAt({ parent, key }: Location): boolean {
  if (!Array.isArray(parent)) return Object.hasOwn(parent, key);
  const index = arrayIndex(key);
  return index !== undefined && index < parent.length;
}

function readAt({ parent, key }: Location, prefix: string): unknown {
  if (Array.isArray(parent)) return parent[existingIndex(parent, key, prefix)];
  if (!Object.hasOwn(parent, key)) throw new JsonPatchError(`${prefix}: unable to get nonexistent key: ${key}: missing value`);
  return parent[key];
}

/** Writes over an existing member or element (the caller checked it exists). */
function writeAt({ parent, key }: Location, value: unknown): void {
  if (Array.isArray(parent)) parent[Number(key)] = value;
  else setOwn(parent, key, value);
}

function insertAt({ parent, key }: Location, value: unknown, prefix: string): void {
  if (Array.isArray(parent)) parent.splice(insertionIndex(parent, key, prefix), 0, value);
  else setOwn(parent, key, value);
}

function removeAt({ parent, key }: Location, prefix: string): unknown {
  if (Array.isArray(parent)) return parent.splice(existingIndex(parent, key, prefix), 1)[0];
  if (!Object.hasOwn(parent, key)) throw new JsonPatchError(`${prefix}: Unable to remove nonexistent key: ${key}: missing value`);
  const value = parent[key];
  Reflect.deleteProperty(parent, key);
  return value;
}

// --- operation members ---------------------------------------------------------------------------

/** The library drops the cause of a bad `path` for these operations and only says "missing value". */
const PATH_CAUSE_DROPPED = new Set(['add', 'remove', 'copy']);

function stringFieldCause(value: unknown, missing: string): string {
  return value === undefined || value === null
    ? `${missing}: missing value`
    : `json: cannot unmarshal ${goTypeOf(value)} into Go value of type string`;
}

function readPath(op: Operation, kind: string): string {
  const value = getOwn(op, 'path');
  if (typeof value === 'string') return value;
  const cause = PATH_CAUSE_DROPPED.has(kind) ? 'missing value' : stringFieldCause(value, 'operation missing path field');
  throw new JsonPatchError(`${kind} operation failed to decode path: ${cause}`);
}

function readFrom(op: Operation, kind: string): string {
  const value = getOwn(op, 'from');
  if (typeof value === 'string') return value;
  throw new JsonPatchError(`${kind} operation failed to decode from: ${stringFieldCause(value, 'operation, missing from field')}`);
}

/** The `value` member; JSON `null` is a value, only an absent member is an error. */
function readValue(op: Operation, kind: string): unknown {
  const value = getOwn(op, 'value');
  if (value !== undefined) return value;
  throw new JsonPatchError(`${kind} operation failed to decode value: operation, missing value field: missing value`);
}

function pathTokens(op: Operation, kind: string): { path: string; tokens: string[] } {
  const path = readPath(op, kind);
  return { path, tokens: parsePointer(path, `${kind} operation does not apply: path ${JSON.stringify(path)}`) };
}

function fromTokens(op: Operation, kind: string): { from: string; tokens: string[] } {
  const from = readFrom(op, kind);
  return { from, tokens: parsePointer(from, `${kind} operation does not apply: from ${JSON.stringify(from)}`) };
}

function isProperPrefix(prefix: readonly string[], tokens: readonly string[]): boolean {
  return prefix.length < tokens.length && prefix.every((token, i) => token === tokens[i]);
}

// --- operations: each takes the (private, mutable) document and returns the new root ------------

function add(root: unknown, op: Operation): unknown {
  const { path, tokens } = pathTokens(op, 'add');
  const value = cloneJson(readValue(op, 'add'));
  if (tokens.length === 0) return value;
  const location = locate(root, tokens, `add operation does not apply: doc is missing path: "${path}"`);
  insertAt(location, value, `error in add for path: '${path}'`);
  return root;
}

function remove(root: unknown, op: Operation): unknown {
  const { path, tokens } = pathTokens(op, 'remove');
  const missing = `remove operation does not apply: doc is missing path: "${path}"`;
  if (tokens.length === 0) throw new JsonPatchError(`${missing}: missing value`);
  removeAt(locate(root, tokens, missing), `error in remove for path: '${path}'`);
  return root;
}

function replace(root: unknown, op: Operation): unknown {
  const { path, tokens } = pathTokens(op, 'replace');
  const value = cloneJson(readValue(op, 'replace'));
  if (tokens.length === 0) return value;
  const location = locate(root, tokens, `replace operation does not apply: doc is missing path: ${path}`);
  if (!hasAt(location)) throw new JsonPatchError(`replace operation does not apply: doc is missing key: ${path}: missing value`);
  writeAt(location, value);
  return root;
}

function move(root: unknown, op: Operation): unknown {
  const source = fromTokens(op, 'move');
  const { path, tokens } = pathTokens(op, 'move');
  if (isProperPrefix(source.tokens, tokens)) {
    throw new JsonPatchError(`move operation does not apply: cannot move "${source.from}" into its own child "${path}"`);
  }
  if (source.tokens.length === 0) return root;
  const origin = locate(root, source.tokens, `move operation does not apply: doc is missing from path: ${source.from}`);
  const value = removeAt(origin, `error in move for path: '${origin.key}'`);
  if (tokens.length === 0) return value;
  const target = locate(root, tokens, `move operation does not apply: doc is missing destination path: ${path}`);
  insertAt(target, value, `error in move for path: '${path}'`);
  return root;
}

function copy(root: unknown, op: Operation): unknown {
  const source = fromTokens(op, 'copy');
  const { path, tokens } = pathTokens(op, 'copy');
  const value = source.tokens.length === 0
    ? root
    : readAt(locate(root, source.tokens, `copy operation does not apply: doc is missing from path: ${source.from}`), `error in copy for from: '${source.from}'`);
  if (tokens.length === 0) return cloneJson(value);
  const target = locate(root, tokens, `copy operation does not apply: doc is missing destination path: ${path}`);
  insertAt(target, cloneJson(value), 'error while adding value during copy');
  return root;
}

/** Stands for a missing object member, which no test value equals. */
const ABSENT = Symbol('absent');

function testedValue(root: unknown, tokens: readonly string[], path: string): unknown {
  if (tokens.length === 0) return root;
  const location = locate(root, tokens, `test operation does not apply: is missing path: ${path}`);
  if (!Array.isArray(location.parent) && !Object.hasOwn(location.parent, location.key)) return ABSENT;
  return readAt(location, `error in test for path: '${path}'`);
}

function test(root: unknown, op: Operation): unknown {
  const { path, tokens } = pathTokens(op, 'test');
  const expected = readValue(op, 'test');
  if (!jsonEqual(testedValue(root, tokens, path), expected)) {
    throw new JsonPatchError(`testing value ${path} failed: test failed`);
  }
  return root;
}

const OPERATIONS: ReadonlyMap<string, (root: unknown, op: Operation) => unknown> = new Map([
  ['add', add], ['remove', remove], ['replace', replace], ['move', move], ['copy', copy], ['test', test],
]);

function readOperations(operations: unknown): Operation[] {
  if (!Array.isArray(operations)) {
    throw new JsonPatchError(`json: cannot unmarshal ${goTypeOf(operations)} into Go value of type jsonpatch.Patch`);
  }
  return operations.map((op: unknown): Operation => {
    if (op === null) return {};
    if (isJsonObject(op)) return op;
    throw new JsonPatchError(`json: cannot unmarshal ${goTypeOf(op)} into Go value of type jsonpatch.Operation`);
  });
}

/**
 * Applies an RFC 6902 JSON patch (an array of operations) to `doc` and returns the patched
 * document. Operations apply in order and all or nothing: the first one that fails throws a
 * {@link JsonPatchError} and no partial result escapes. Supports add, remove, replace, move, copy
 * and test; JSON pointers with `~0`/`~1` escapes, `-` to append to an array, and the empty pointer
 * for the whole document. Members other than op, path, from and value are ignored. Throws
 * JsonPatchError when `operations` is not an array of objects, an op is unknown, a required
 * member (path, from, value) is missing or mistyped, a pointer is malformed or does not resolve, an
 * array index is out of range, a removed key does not exist, a location is moved into its own
 * child, or a test fails. Inputs are never modified and the result shares no objects with them.
 */
export function applyJsonPatch(doc: unknown, operations: unknown): unknown {
  const ops = readOperations(operations);
  let result = cloneJson(doc);
  for (const op of ops) {
    const kind = getOwn(op, 'op');
    const name = typeof kind === 'string' ? kind : 'unknown';
    const apply = OPERATIONS.get(name);
    if (apply === undefined) throw new JsonPatchError(`Unexpected kind: ${name}`);
    result = apply(result, op);
  }
  return result;
}
