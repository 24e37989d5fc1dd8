/**
 * Defaulting with a structural schema, as the API server applies it: a missing property with a
 * `default` gets a copy of it, recursively inside objects, array items and map values.
 */
import { propertyOf, type JsonSchemaProps } from './schema.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function defaultProperties(record: Record<string, unknown>, schema: JsonSchemaProps): void {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    if (record[name] === undefined && child.default !== undefined) record[name] = structuredClone(child.default);
    if (record[name] !== undefined) applyDefaults(record[name], child);
  }
  const values = schema.additionalProperties;
  if (typeof values !== 'object') return;
  for (const key of Object.keys(record)) {
    if (!propertyOf(schema, key)) applyDefaults(record[key], values);
  }
}

/** Fills defaults into `value` in place and returns it. */
export function applyDefaults<T>(value: T, schema: JsonSchemaProps): T {
  const items = schema.items;
  if (Array.isArray(value) && items) (value as unknown[]).forEach((item) => applyDefaults(item, items));
  else if (isRecord(value)) defaultProperties(value, schema);
  return value;
}
