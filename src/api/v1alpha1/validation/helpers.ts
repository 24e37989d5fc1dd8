/** Small helpers shared by the validators. */
import type { JsonSchemaProps } from '../../../apiextensions/schema.js';
import { validateValue } from '../../../apiextensions/validate.js';
import { fieldError, FieldPath, type FieldError } from '../../field-errors.js';
import { parseQuantity, type Quantity } from '../../quantity.js';

/** What the schema says of a spec before the semantic rules read it (see schemaGate). */
export interface SchemaGate {
  /** A wrong JSON type somewhere (a string for a list, a null item): the rules must not read the spec. */
  broken: boolean;
  /** Every schema error when broken; else the required fields that are missing. */
  errors: FieldError[];
}

/**
 * The schema's verdict on a spec, for the semantic rules that read it as its type says. A spec of
 * the wrong shape gets only its schema errors, as a validating webhook only sees objects that
 * passed the schema. Other schema errors keep the shape, so the rules still run and name more
 * fields; they skip a missing required field (see nameErrors), which the gate reports instead.
 */
export function schemaGate(spec: unknown, schema: JsonSchemaProps): SchemaGate {
  const errors = validateValue(spec, schema, FieldPath.root('spec'));
  if (errors.some((e) => e.type === 'FieldValueTypeInvalid')) return { broken: true, errors };
  return { broken: false, errors: errors.filter((e) => e.type === 'FieldValueRequired') };
}

/** The gate's errors, then the semantic ones (unless the spec is broken) about fields it did not name already. */
export function throughGate(gate: SchemaGate, semantic: () => FieldError[]): FieldError[] {
  if (gate.broken) return gate.errors;
  const faulted = new Set(gate.errors.map((e) => e.field));
  return [...gate.errors, ...semantic().filter((e) => !faulted.has(e.field))];
}

/** Errors of a name check on a required string; none when it is missing (the schema says Required). */
export function nameErrors(path: FieldPath, value: string | undefined, check: (value: string) => string[]): FieldError[] {
  return typeof value === 'string' ? invalidEach(path, value, check(value)) : [];
}

/** One Invalid error per message a name check returned. */
export function invalidEach(path: FieldPath, value: unknown, messages: string[]): FieldError[] {
  return messages.map((m) => fieldError.invalid(path.toString(), value, m));
}

/** Names that appear more than once, as errors at `pathOf(index)`. */
export function duplicates<T>(items: readonly T[], keyOf: (item: T) => string | undefined, pathOf: (i: number) => FieldPath, seen = new Set<string>()): FieldError[] {
  const errors: FieldError[] = [];
  items.forEach((item, i) => {
    const key = keyOf(item);
    if (key === undefined) return;
    if (seen.has(key)) errors.push(fieldError.duplicate(pathOf(i).toString(), key));
    seen.add(key);
  });
  return errors;
}

/** Exactly one of the named members must be set: the API server's "handler"/"volume type" rule. */
export function exactlyOne(path: FieldPath, value: object, members: readonly string[], what: string): FieldError[] {
  const record = value as Record<string, unknown>;
  const present = members.filter((m) => record[m] !== undefined && record[m] !== null);
  if (present.length === 0) return [fieldError.required(path.toString(), `must specify one of: ${members.map((m) => `\`${m}\``).join(', ')}`)];
  return present.slice(1).map((m) => fieldError.forbidden(path.child(m).toString(), `may not specify more than 1 ${what}`));
}

/** Parses a non-negative quantity, or explains why it is not one. */
export function quantityAt(path: FieldPath, raw: string | number | undefined, errors: FieldError[]): Quantity | undefined {
  if (raw === undefined) return undefined;
  const q = parseQuantity(raw);
  if (!q) {
    errors.push(fieldError.invalid(path.toString(), raw, 'quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\''));
    return undefined;
  }
  if (q.numerator < 0n) {
    errors.push(fieldError.invalid(path.toString(), raw, 'must be greater than or equal to 0'));
    return undefined;
  }
  return q;
}

/** An absolute path in a container or on a host (a missing one is the schema's Required). */
export function absolutePath(path: FieldPath, value: string | undefined): FieldError[] {
  return typeof value !== 'string' || value.startsWith('/') ? [] : [fieldError.invalid(path.toString(), value, 'must be an absolute path')];
}
