/** Small helpers shared by the validators. */
import { fieldError, type FieldError, type FieldPath } from '../../field-errors.js';
import { parseQuantity, type Quantity } from '../../quantity.js';

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

/** An absolute path in a container or on a host. */
export function absolutePath(path: FieldPath, value: string): FieldError[] {
  return value.startsWith('/') ? [] : [fieldError.invalid(path.toString(), value, 'must be an absolute path')];
}
