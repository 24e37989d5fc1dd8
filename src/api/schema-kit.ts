/**
 * Builders for Kubernetes structural schemas that also carry TypeScript types.
 *
 * Every builder takes the field's description as a required argument, so a
 * schema written with this kit documents every field (which is what makes
 * `kubectl explain` useful) and every node has a `type`, or is an explicit
 * int-or-string node, which is what "structural" means to the API server.
 * The TS type of a field is inferred from the same definition with `Static`,
 * so the types and the CRD YAML cannot disagree.
 */
import { Type, type Static, type TSchema, type TProperties, type TObject, type TArray, type TOptionalWithFlag } from '@sinclair/typebox';
import type { ObjectMeta } from './meta.js';

export type { Static, TSchema };

/** Extra keywords allowed on a string node. */
export interface StringOptions {
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  format?: string;
  default?: string;
}

/** Extra keywords allowed on an integer node. */
export interface IntegerOptions {
  minimum?: number;
  maximum?: number;
  default?: number;
  format?: 'int32' | 'int64';
}

/** Extra keywords allowed on an array node. */
export interface ArrayOptions {
  minItems?: number;
  maxItems?: number;
  /** `x-kubernetes-list-type`: map lists are keyed by `listMapKeys`, set lists hold unique scalars. */
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
}

/** Marks a property optional (absent from the generated `required` list and `T | undefined` in TS). */
export const opt = <T extends TSchema>(schema: T): TOptionalWithFlag<T, true> => Type.Optional(schema);

/** A string field. */
export function str(description: string, options: StringOptions = {}): ReturnType<typeof Type.String> {
  return Type.String({ description, ...options });
}

/** An integer field (int32 unless `format: 'int64'`). */
export function int(description: string, options: IntegerOptions = {}): ReturnType<typeof Type.Integer> {
  return Type.Integer({ description, format: 'int32', ...options });
}

/** A boolean field. */
export function bool(description: string, defaultValue?: boolean): ReturnType<typeof Type.Boolean> {
  return Type.Boolean(defaultValue === undefined ? { description } : { description, default: defaultValue });
}

/** A string restricted to `values`; typed as their union. */
export function oneOf<const T extends string>(values: readonly T[], description: string, defaultValue?: T): TSchema & { static: T } {
  const schema: Record<string, unknown> = { description, type: 'string', enum: [...values] };
  if (defaultValue !== undefined) schema['default'] = defaultValue;
  return Type.Unsafe<T>(schema);
}

/** An RFC 3339 timestamp, serialised as a string. */
export function time(description: string): ReturnType<typeof Type.String> {
  return Type.String({ description, format: 'date-time' });
}

/** An array of `items`. */
export function list<T extends TSchema>(items: T, description: string, options: ArrayOptions = {}): TArray<T> {
  const { listType, listMapKeys, ...rest } = options;
  const extensions: Record<string, unknown> = {};
  if (listType !== undefined) extensions['x-kubernetes-list-type'] = listType;
  if (listMapKeys !== undefined) extensions['x-kubernetes-list-map-keys'] = listMapKeys;
  return Type.Array(items, { description, ...rest, ...extensions });
}

/** An object with a fixed set of properties (unknown fields are pruned by the API server). */
export function obj<T extends TProperties>(properties: T, description: string): TObject<T> {
  return Type.Object(properties, { description });
}

/** A string-to-string map, like `metadata.labels`. */
export function stringMap(description: string): TSchema & { static: Record<string, string> } {
  return Type.Unsafe<Record<string, string>>({ description, type: 'object', additionalProperties: { type: 'string' } });
}

/**
 * An int-or-string field (like `intstr.IntOrString`): a port number or a port name.
 * Structural schemas allow exactly this `anyOf` shape, without a `type`.
 */
export function intOrString(description: string): TSchema & { static: number | string } {
  return Type.Unsafe<number | string>({
    description,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  });
}

/** The grammar of a Kubernetes quantity (`resource.Quantity`), as the core API publishes it. */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/** A Kubernetes quantity such as `250m`, `1.5`, `128Mi` or `2`. Semantic limits are checked by the validators. */
export function quantity(description: string): TSchema & { static: number | string } {
  return Type.Unsafe<number | string>({
    description,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: QUANTITY_PATTERN,
    'x-kubernetes-int-or-string': true,
  });
}

/** `metadata` at a CRD's root: typed `object` only, since the API server owns its schema. */
export function objectMeta(): TSchema & { static: ObjectMeta } {
  return Type.Unsafe<ObjectMeta>({ description: 'Standard object metadata.', type: 'object' });
}

/** The same schema with another description: for a shared shape used by fields of different meaning. */
export function describe<T extends TSchema>(schema: T, description: string): T {
  return { ...schema, description };
}

/**
 * A plain, JSON-serialisable copy of a schema: drops TypeBox's symbol keys so the
 * value can be embedded in a CRD, compared in tests and printed as YAML.
 */
export function toPlainSchema(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}
