/** Terse builders for the built-in resources' schemas (plain JsonSchemaProps, no descriptions needed). */
import type { JsonSchemaProps } from '../../apiextensions/schema.js';

export const s = {
  str: (extra: Partial<JsonSchemaProps> = {}): JsonSchemaProps => ({ type: 'string', ...extra }),
  int: (extra: Partial<JsonSchemaProps> = {}): JsonSchemaProps => ({ type: 'integer', ...extra }),
  bool: (): JsonSchemaProps => ({ type: 'boolean' }),
  obj: (properties: Record<string, JsonSchemaProps>, required?: string[]): JsonSchemaProps => ({ type: 'object', properties, ...(required ? { required } : {}) }),
  arr: (items: JsonSchemaProps, extra: Partial<JsonSchemaProps> = {}): JsonSchemaProps => ({ type: 'array', items, ...extra }),
  map: (values: JsonSchemaProps = { type: 'string' }): JsonSchemaProps => ({ type: 'object', additionalProperties: values }),
  any: (): JsonSchemaProps => ({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }),
  anyValue: (): JsonSchemaProps => ({ 'x-kubernetes-preserve-unknown-fields': true }),
};

/** A full object schema: the server-owned apiVersion/kind/metadata plus the given top-level fields. */
export function objectSchema(fields: Record<string, JsonSchemaProps>): JsonSchemaProps {
  return s.obj({ apiVersion: s.str(), kind: s.str(), metadata: { type: 'object' }, ...fields });
}

/** `metav1.MicroTime`: RFC 3339 with exactly six fractional digits, as real API servers require. */
export const MICRO_TIME = s.str({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}(Z|[+-]\\d{2}:\\d{2})$', nullable: true });
/** `metav1.Time`: RFC 3339 to the second. */
export const TIME = s.str({ format: 'date-time', nullable: true });
