/**
 * The JSON value helpers every patch type shares. Keys are set as own properties, so a document
 * with a `__proto__` member keeps it as data and never reaches an object's prototype; clones share
 * no object or array with their input.
 */

/** A JSON object, as parsed. */
export type JsonObject = Record<string, unknown>;

/** Whether `value` is a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets an own property, even for keys such as `__proto__` that plain assignment would not create. */
export function setOwn(object: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A deep copy of a JSON value that shares no object or array with it. */
export function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (!isJsonObject(value)) return value;
  const copy: JsonObject = {};
  for (const [key, child] of Object.entries(value)) setOwn(copy, key, cloneJson(child));
  return copy;
}
