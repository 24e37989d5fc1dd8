/**
 * A simplified server-side apply (`application/apply-patch+yaml`): no field ownership yet, so the
 * applied configuration is deep-merged into the live object and nothing is ever removed by leaving
 * it out of the configuration.
 *
 * Pure: results are fresh values that share no object or array with the inputs, and inputs are
 * never modified.
 */
import { YAMLParseError, parse } from 'yaml';
import { nestedDeeperThan } from '../../util/objects.js';
import { cloneJson, isJsonObject, setOwn, type JsonObject } from './json-value.js';

/** Whether `applied` sets `key` (a member whose value is `undefined` counts as absent). */
function sets(applied: JsonObject, key: string): boolean {
  return Object.hasOwn(applied, key) && applied[key] !== undefined;
}

function mergeApplied(live: unknown, applied: unknown): unknown {
  if (!isJsonObject(applied)) return cloneJson(applied);
  const base = isJsonObject(live) ? live : {};
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(base)) {
    setOwn(result, key, sets(applied, key) ? mergeApplied(value, applied[key]) : cloneJson(value));
  }
  for (const [key, value] of Object.entries(applied)) {
    if (!Object.hasOwn(base, key) && value !== undefined) setOwn(result, key, mergeApplied(undefined, value));
  }
  return result;
}

/** `applied` without `metadata.managedFields` (a shallow copy when it had one). */
function withoutManagedFields(applied: unknown): unknown {
  if (!isJsonObject(applied)) return applied;
  const metadata = applied['metadata'];
  if (!isJsonObject(metadata) || !Object.hasOwn(metadata, 'managedFields')) return applied;
  const { managedFields: _ignored, ...rest } = metadata;
  return { ...applied, metadata: rest };
}

/**
 * Merges an applied configuration into the live object and returns the result: maps merge
 * recursively (a key the configuration sets wins, a key only the live object has stays), while
 * lists, scalars and explicit `null`s in the configuration replace the live value wholesale. A
 * configuration that is a map applied to a live value that is not starts from `{}`; one that is not
 * a map replaces the live value. `metadata.managedFields` in the configuration is ignored (the live
 * object's is kept). Key order follows the live object, new keys are appended in configuration
 * order. Inputs are never modified and the result shares no objects with them.
 */
export function applyConfiguration(live: unknown, applied: unknown): unknown {
  return mergeApplied(live, withoutManagedFields(applied));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

function unsupported(path: string, what: string): Error {
  return new Error(`error decoding YAML: unsupported value at ${path === '' ? 'the top level' : path}: ${what}`);
}

/** Throws for values JSON cannot carry (YAML can produce infinities, NaN and binary data). */
function checkJsonValue(value: unknown, path: string): void {
  if (typeof value === 'number' && !Number.isFinite(value)) throw unsupported(path, `${value} (numbers must be finite)`);
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((child, i) => checkJsonValue(child, `${path}[${i}]`));
    return;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) throw unsupported(path, 'binary data or another type JSON cannot represent');
  for (const [key, child] of Object.entries(value)) checkJsonValue(child, path === '' ? key : `${path}.${key}`);
}

/** One line: the parser's first line (which ends with the position) without its source excerpt. */
function yamlProblem(err: unknown): string {
  if (err instanceof YAMLParseError && err.code === 'MULTIPLE_DOCS') {
    return 'the apply configuration must be a single YAML document, found several';
  }
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n', 1)[0] ?? '').replace(/:$/, '');
}

/**
 * Deepest nesting of objects and lists a request body may have. Kubernetes objects need a few
 * dozen levels; far deeper ones would overflow the stack of the recursive steps after decoding
 * (cloning, pruning, validation, encoding: structuredClone gives up near 2000) with a 500.
 */
export const MAX_NESTING_DEPTH = 512;

function parseJsonOrYaml(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON: YAML is the general case (and a superset of almost all JSON).
  }
  try {
    return parse(text, { logLevel: 'error' }) as unknown;
  } catch (err) {
    throw new Error(`error decoding YAML: ${yamlProblem(err)}`, { cause: err });
  }
}

/**
 * Parses the body of an apply request: JSON (what kubectl sends) or a single YAML 1.2 document.
 * Returns a plain JSON object (only maps, lists, strings, finite numbers, booleans and null).
 * Throws an Error whose message starts with `error decoding YAML:` (the API server's wording for
 * a bad apply body) when the text is empty, is not valid JSON or YAML, holds several YAML
 * documents, is not a map at the top, or holds a value JSON cannot represent. Never logs.
 */
export function parseApplyBody(text: string): unknown {
  if (text.trim() === '') throw new Error('error decoding YAML: the apply configuration is empty');
  const value = parseJsonOrYaml(text);
  if (!isJsonObject(value)) {
    throw new Error(`error decoding YAML: the apply configuration must be a map (an object), got ${describe(value)}`);
  }
  // Before the recursive check below, which a body nested thousands deep would overflow.
  if (nestedDeeperThan(value, MAX_NESTING_DEPTH)) throw new Error(`error decoding YAML: exceeded max depth of ${MAX_NESTING_DEPTH}`);
  checkJsonValue(value, '');
  return value;
}
