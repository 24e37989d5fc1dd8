/**
 * Field errors shaped and worded like the API server's (k8s.io/apimachinery field.Error), so
 * `kubectl` and users see the messages they know: `spec.containers[1].name: Duplicate value: "app"`.
 * The `type` is the cause reason the API server puts in a 422 Status.
 */

/** Cause reasons of a 422 Invalid Status. */
export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueNotFound'
  | 'FieldValueInvalid'
  | 'FieldValueDuplicate'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid';

/** One problem with one field. */
export interface FieldError {
  type: FieldErrorType;
  /** Path of the field, e.g. `spec.containers[0].image`. */
  field: string;
  /** The offending value; absent when the message should not repeat it. */
  badValue?: unknown;
  detail?: string;
}

const WORDS: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueNotFound: 'Not found',
  FieldValueInvalid: 'Invalid value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTypeInvalid: 'Invalid value',
};

/** Types whose message never repeats the value, as in the API server. */
const VALUELESS = new Set<FieldErrorType>(['FieldValueRequired', 'FieldValueForbidden', 'FieldValueTooLong']);

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** The message after the path: `Duplicate value: "app"`, `Required value`, `Invalid value: "x": detail`. */
export function formatFieldErrorBody(error: FieldError): string {
  let body = WORDS[error.type];
  if (!VALUELESS.has(error.type) && error.badValue !== undefined) body += `: ${formatValue(error.badValue)}`;
  if (error.detail) body += `: ${error.detail}`;
  return body;
}

/** The whole message, `path: body`, as the API server prints one cause. */
export function formatFieldError(error: FieldError): string {
  return `${error.field}: ${formatFieldErrorBody(error)}`;
}

/** Constructors for each kind of field error, with the API server's standard details. */
export const fieldError = {
  required: (field: string, detail?: string): FieldError => ({ type: 'FieldValueRequired', field, ...(detail ? { detail } : {}) }),
  invalid: (field: string, badValue: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, badValue, detail }),
  notFound: (field: string, badValue: unknown): FieldError => ({ type: 'FieldValueNotFound', field, badValue }),
  duplicate: (field: string, badValue: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, badValue }),
  notSupported: (field: string, badValue: unknown, supported: readonly string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field,
    badValue,
    detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  }),
  forbidden: (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail }),
  tooLong: (field: string, max: number): FieldError => ({ type: 'FieldValueTooLong', field, detail: `may not be more than ${max} bytes` }),
  tooMany: (field: string, actual: number, max: number): FieldError => ({
    type: 'FieldValueTooMany',
    field,
    badValue: actual,
    detail: `must have at most ${max} items`,
  }),
  typeInvalid: (field: string, badValue: unknown, detail: string): FieldError => ({ type: 'FieldValueTypeInvalid', field, badValue, detail }),
};

/** An immutable field path built step by step, printed like the API server prints it. */
export class FieldPath {
  private constructor(private readonly text: string) {}

  /** The path of a top-level field, e.g. `FieldPath.root('spec')`. */
  static root(name: string): FieldPath {
    return new FieldPath(name);
  }

  /** `path.name` */
  child(name: string): FieldPath {
    return new FieldPath(this.text === '' ? name : `${this.text}.${name}`);
  }

  /** `path[i]` */
  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  /** `path[key]`, for map entries. */
  key(key: string): FieldPath {
    return new FieldPath(`${this.text}[${key}]`);
  }

  toString(): string {
    return this.text;
  }
}
