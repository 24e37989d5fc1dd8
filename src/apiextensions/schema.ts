/** The OpenAPI v3 schema subset allowed in apiextensions.k8s.io/v1 CRDs (JSONSchemaProps). */

/** One node of a CRD's openAPIV3Schema. */
export interface JsonSchemaProps {
  type?: string;
  description?: string;
  format?: string;
  properties?: Record<string, JsonSchemaProps>;
  additionalProperties?: JsonSchemaProps | boolean;
  items?: JsonSchemaProps;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  uniqueItems?: boolean;
  multipleOf?: number;
  allOf?: JsonSchemaProps[];
  anyOf?: JsonSchemaProps[];
  oneOf?: JsonSchemaProps[];
  not?: JsonSchemaProps;
  $ref?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
}

/** Value of a JSON node as the API server names it in type errors. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Whether the node is an int-or-string node (which carries no `type`). */
export function isIntOrString(schema: JsonSchemaProps): boolean {
  return schema['x-kubernetes-int-or-string'] === true;
}

/**
 * The schema of property `name`, only when the schema declares it: a body's `__proto__` or
 * `constructor` key must not find Object.prototype's members and pass as a known field.
 */
export function propertyOf(schema: JsonSchemaProps, name: string): JsonSchemaProps | undefined {
  return schema.properties && Object.hasOwn(schema.properties, name) ? schema.properties[name] : undefined;
}
