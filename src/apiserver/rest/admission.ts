/**
 * What happens to an object on its way into storage, in the API server's order: decode checks
 * (kind, apiVersion, unknown fields per `fieldValidation`), pruning, normalisation, defaulting,
 * schema validation, metadata validation and the resource's own semantic checks.
 */
import { FieldPath, type FieldError } from '../../api/field-errors.js';
import { canonicalJson } from '../../util/canonical.js';
import { applyDefaults } from '../../apiextensions/defaults.js';
import { pruneUnknownFields } from '../../apiextensions/prune.js';
import { validateValue } from '../../apiextensions/validate.js';
import { apiError } from '../errors.js';
import { apiVersionOf, metaString, nameOf, type KubeObject, type ResourceInfo } from '../resources/types.js';
import { OBJECT_META_FIELDS, validateObjectMeta, validateObjectMetaUpdate } from './metadata.js';

/** How unknown fields are treated (the `fieldValidation` query parameter). */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Parses `fieldValidation`; an unknown value is a 400, as on a real server. */
export function fieldValidationOf(value: string | null): FieldValidation {
  if (value === null || value === '' || value === 'Warn') return 'Warn';
  if (value === 'Strict' || value === 'Ignore') return value;
  throw apiError.badRequest(`fieldValidation parameter unsupported: ${value}`);
}

/** Checks the body names the resource's kind and group/version. */
export function checkTypeMeta(info: ResourceInfo, obj: KubeObject): void {
  const expected = apiVersionOf(info);
  if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
    throw apiError.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`);
  }
  if (obj.kind !== undefined && obj.kind !== info.kind) {
    throw apiError.badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${info.kind})`);
  }
  obj.apiVersion = expected;
  obj.kind = info.kind;
}

function pruneMetadata(obj: KubeObject): string[] {
  const meta = obj.metadata ?? {};
  const unknown = Object.keys(meta).filter((k) => !OBJECT_META_FIELDS.has(k));
  for (const k of unknown) delete meta[k];
  return unknown.map((k) => `metadata.${k}`);
}

/** Drops unknown fields; under Strict they are a 400, under Warn they come back as warnings. */
export function handleUnknownFields(info: ResourceInfo, obj: KubeObject, mode: FieldValidation): string[] {
  const unknown = [...pruneMetadata(obj), ...pruneUnknownFields(obj, info.schema)];
  if (unknown.length === 0 || mode === 'Ignore') return [];
  const messages = unknown.map((path) => `unknown field "${path}"`);
  if (mode === 'Strict') throw apiError.badRequest(`strict decoding error: ${messages.join(', ')}`);
  return messages;
}

/** Defaults, then validates schema, metadata and semantics; throws 422 Invalid with every cause. */
export function defaultAndValidate(info: ResourceInfo, obj: KubeObject, old?: KubeObject): void {
  info.normalize?.(obj);
  applyDefaults(obj, info.schema);
  const meta = obj.metadata ?? {};
  const errors: FieldError[] = [
    ...validateObjectMeta(info, meta),
    ...(old ? validateObjectMetaUpdate(meta, old.metadata ?? {}) : []),
    ...ratchet(validateBody(info, obj), obj, old),
  ];
  // Semantic checks add what the schema could not say; a field the schema already faulted is not repeated.
  const faulted = new Set(errors.map((e) => e.field));
  errors.push(...(info.validate?.(obj, old) ?? []).filter((e) => !faulted.has(e.field)));
  if (errors.length > 0) throw apiError.invalid(info.group, info.kind, nameOf(obj) || metaString(obj, 'generateName'), errors);
}

/** The value at a field path like `spec.containers[0].image` ('' path: the object). */
export function valueAt(obj: unknown, path: string): unknown {
  const steps = path.match(/[^.[\]]+/g) ?? [];
  return steps.reduce<unknown>((v, step) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[step] : undefined), obj);
}

/**
 * Validation ratcheting (Kubernetes' CRDValidationRatcheting, on by default since 1.30): on an
 * update, a schema error in a value the update did not change is not held against it, so an
 * object that an older schema allowed can still get its status and finalizers written.
 */
function ratchet(errors: FieldError[], obj: KubeObject, old: KubeObject | undefined): FieldError[] {
  if (!old) return errors;
  return errors.filter((e) => canonicalJson(valueAt(obj, e.field)) !== canonicalJson(valueAt(old, e.field)));
}

function validateBody(info: ResourceInfo, obj: KubeObject): FieldError[] {
  const { metadata: _metadata, ...body } = obj;
  return validateValue(body, { ...info.schema, properties: { ...info.schema.properties, metadata: { type: 'object' } } }, FieldPath.root(''));
}
