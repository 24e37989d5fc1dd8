/**
 * Validation of a value against a structural schema, with the API server's messages
 * (`spec.x in body must be of type integer: "string"`, `Required value`, `Unsupported value`).
 * Unknown fields are not errors here: see prune.ts, which finds and drops them.
 */
import { fieldError, type FieldError, type FieldPath } from '../api/field-errors.js';
import { isIntOrString, jsonTypeOf, propertyOf, type JsonSchemaProps } from './schema.js';

type Check = (value: unknown, schema: JsonSchemaProps, path: FieldPath, errors: FieldError[]) => void;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const inBody = (path: FieldPath, rest: string): string => `${path.toString()} in body ${rest}`;

function typeError(path: FieldPath, expected: string, value: unknown): FieldError {
  const actual = jsonTypeOf(value);
  return fieldError.typeInvalid(path.toString(), actual, inBody(path, `must be of type ${expected}: ${JSON.stringify(actual)}`));
}

const checkString: Check = (value, schema, path, errors) => {
  const s = value as string;
  if (schema.minLength !== undefined && s.length < schema.minLength) errors.push(fieldError.invalid(path.toString(), s, inBody(path, `should be at least ${schema.minLength} chars long`)));
  if (schema.maxLength !== undefined && s.length > schema.maxLength) errors.push(fieldError.tooLong(path.toString(), schema.maxLength));
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(s)) errors.push(fieldError.invalid(path.toString(), s, inBody(path, `should match '${schema.pattern}'`)));
  if (schema.format === 'date-time' && !RFC3339.test(s)) errors.push(fieldError.invalid(path.toString(), s, inBody(path, `must be of type date-time: ${JSON.stringify(s)}`)));
};

/**
 * Ranges of the integer formats. int64 allows 2^63 itself: that is the double JSON decoding
 * makes of 9223372036854775807. Beyond them a value cannot reach the Go types these fields mirror
 * (core/v1 decodes periodSeconds 99999999999 into an int32 with an error), and the operator
 * would turn it into timers Node cannot hold.
 */
const INTEGER_FORMATS: Record<string, { min: number; max: number }> = {
  int32: { min: -(2 ** 31), max: 2 ** 31 - 1 },
  int64: { min: -(2 ** 63), max: 2 ** 63 },
};

function checkFormatRange(n: number, schema: JsonSchemaProps, path: FieldPath, errors: FieldError[]): void {
  const range = schema.format === undefined ? undefined : INTEGER_FORMATS[schema.format];
  if (range && (n < range.min || n > range.max)) errors.push(fieldError.invalid(path.toString(), n, inBody(path, `must be of type ${schema.format ?? ''}`)));
}

const checkNumber: Check = (value, schema, path, errors) => {
  const n = value as number;
  checkFormatRange(n, schema, path, errors);
  if (schema.minimum !== undefined && n < schema.minimum) errors.push(fieldError.invalid(path.toString(), n, inBody(path, `should be greater than or equal to ${schema.minimum}`)));
  if (schema.maximum !== undefined && n > schema.maximum) errors.push(fieldError.invalid(path.toString(), n, inBody(path, `should be less than or equal to ${schema.maximum}`)));
};

/** Items of a set must be unique; items of a map list unique by their keys. */
function checkListUniqueness(items: unknown[], schema: JsonSchemaProps, path: FieldPath, errors: FieldError[]): void {
  const listType = schema['x-kubernetes-list-type'];
  if (listType !== 'map' && listType !== 'set') return;
  const keys = schema['x-kubernetes-list-map-keys'] ?? [];
  // A map list's item that is not an object (already a type error) has no keys: it stands for itself.
  const keyed = (item: unknown): boolean => listType === 'map' && typeof item === 'object' && item !== null;
  const identity = (item: unknown): unknown => (keyed(item) ? Object.fromEntries(keys.map((k) => [k, (item as Record<string, unknown>)[k]])) : item);
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const key = JSON.stringify(identity(item));
    if (seen.has(key)) errors.push(fieldError.duplicate(path.index(i).toString(), identity(item)));
    seen.add(key);
  });
}

function checkItemCount(count: number, schema: JsonSchemaProps, path: FieldPath, errors: FieldError[]): void {
  if (schema.minItems !== undefined && count < schema.minItems) errors.push(fieldError.invalid(path.toString(), count, inBody(path, `should have at least ${schema.minItems} items`)));
  if (schema.maxItems !== undefined && count > schema.maxItems) errors.push(fieldError.tooMany(path.toString(), count, schema.maxItems));
}

const checkArray: Check = (value, schema, path, errors) => {
  const items = value as unknown[];
  checkItemCount(items.length, schema, path, errors);
  items.forEach((item, i) => validateValue(item, schema.items ?? {}, path.index(i), errors));
  checkListUniqueness(items, schema, path, errors);
};

/** The schema of a member and its path: a property (`a.b`) or a map value (`a[b]`). */
function memberOf(schema: JsonSchemaProps, path: FieldPath, name: string): { schema: JsonSchemaProps; path: FieldPath } | undefined {
  const property = propertyOf(schema, name);
  if (property) return { schema: property, path: path.child(name) };
  const values = schema.additionalProperties;
  return typeof values === 'object' ? { schema: values, path: path.key(name) } : undefined;
}

const checkObject: Check = (value, schema, path, errors) => {
  const record = value as Record<string, unknown>;
  for (const name of schema.required ?? []) {
    if (record[name] === undefined) errors.push(fieldError.required(path.child(name).toString()));
  }
  for (const [name, child] of Object.entries(record)) {
    const member = memberOf(schema, path, name);
    if (member && child !== undefined) validateValue(child, member.schema, member.path, errors);
  }
};

const MATCHES: Record<string, (value: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  number: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
  array: (v) => Array.isArray(v),
  object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
};

const CHECKS: Record<string, Check> = { string: checkString, integer: checkNumber, number: checkNumber, array: checkArray, object: checkObject };

function effectiveType(value: unknown, schema: JsonSchemaProps): string | undefined {
  if (isIntOrString(schema)) return typeof value === 'string' ? 'string' : 'integer';
  return schema.type;
}

function checkEnum(value: unknown, schema: JsonSchemaProps, path: FieldPath, errors: FieldError[]): void {
  if (!schema.enum || schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) return;
  errors.push(fieldError.notSupported(path.toString(), value, schema.enum.map((v) => String(v))));
}

/** Appends every violation of `schema` by `value` at `path` to `errors` (and returns them). */
export function validateValue(value: unknown, schema: JsonSchemaProps, path: FieldPath, errors: FieldError[] = []): FieldError[] {
  if (value === null && schema.nullable) return errors;
  const type = effectiveType(value, schema);
  if (type === undefined) return errors;
  if (!MATCHES[type]?.(value)) {
    errors.push(typeError(path, isIntOrString(schema) ? 'integer or string' : type, value));
    return errors;
  }
  checkEnum(value, schema, path, errors);
  CHECKS[type]?.(value, schema, path, errors);
  return errors;
}
