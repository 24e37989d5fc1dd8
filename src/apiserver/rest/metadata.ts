/**
 * ObjectMeta rules the API server enforces on every write (apimachinery ValidateObjectMeta and
 * its update counterpart): name syntax, namespace presence, label/annotation/finalizer syntax,
 * immutable identity fields, and no new finalizers on an object being deleted.
 */
import { fieldError, type FieldError } from '../../api/field-errors.js';
import { isDns1123Label, isDns1123Subdomain, isLabelValue, isQualifiedName } from '../../api/names.js';
import type { ResourceInfo } from '../resources/types.js';

/** metadata fields a client may send; anything else is an unknown field. */
export const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

const TOTAL_ANNOTATION_SIZE = 256 * 1024;

type Meta = Record<string, unknown>;

function pathSegmentName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const bad = ['/', '%'].find((c) => name.includes(c));
  return bad ? [`may not contain '${bad}'`] : [];
}

const NAME_RULES: Record<ResourceInfo['nameRule'], (name: string) => string[]> = {
  subdomain: isDns1123Subdomain,
  label: isDns1123Label,
  'path-segment': pathSegmentName,
};

function validateName(info: ResourceInfo, meta: Meta): FieldError[] {
  const name = meta['name'];
  if (typeof name !== 'string' || name === '') return [fieldError.required('metadata.name', 'name or generateName is required')];
  return NAME_RULES[info.nameRule](name).map((m) => fieldError.invalid('metadata.name', name, m));
}

function validateMaps(meta: Meta): FieldError[] {
  const labels = (meta['labels'] ?? {}) as Record<string, string>;
  const annotations = (meta['annotations'] ?? {}) as Record<string, string>;
  const errors = Object.entries(labels).flatMap(([k, v]) => [
    ...isQualifiedName(k).map((m) => fieldError.invalid('metadata.labels', k, m)),
    ...isLabelValue(String(v)).map((m) => fieldError.invalid('metadata.labels', v, m)),
  ]);
  errors.push(...Object.keys(annotations).flatMap((k) => isQualifiedName(k.toLowerCase()).map((m) => fieldError.invalid('metadata.annotations', k, m))));
  const size = Object.entries(annotations).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
  if (size > TOTAL_ANNOTATION_SIZE) errors.push({ type: 'FieldValueTooLong', field: 'metadata.annotations', detail: `must have at most ${TOTAL_ANNOTATION_SIZE} bytes` });
  ((meta['finalizers'] ?? []) as string[]).forEach((f, i) => errors.push(...isQualifiedName(f).map((m) => fieldError.invalid(`metadata.finalizers[${i}]`, f, m))));
  return errors;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringMap = (v: unknown): boolean => v === undefined || v === null || (isRecord(v) && Object.values(v).every((x) => typeof x === 'string'));
const isStringList = (v: unknown): boolean => v === undefined || v === null || (Array.isArray(v) && v.every((x) => typeof x === 'string'));

/** Maps and lists of the wrong JSON type, which ObjectMeta could not even decode (and the checks below would misread). */
function shapeErrors(meta: Meta): FieldError[] {
  const errors = (['labels', 'annotations'] as const)
    .filter((f) => !isStringMap(meta[f]))
    .map((f) => fieldError.typeInvalid(`metadata.${f}`, meta[f], 'must be a map of string keys to string values'));
  if (!isStringList(meta['finalizers'])) errors.push(fieldError.typeInvalid('metadata.finalizers', meta['finalizers'], 'must be a list of strings'));
  return errors;
}

/** Errors in the metadata of an object about to be created or updated. */
export function validateObjectMeta(info: ResourceInfo, meta: Meta): FieldError[] {
  const shape = shapeErrors(meta);
  const errors = [...validateName(info, meta), ...(shape.length > 0 ? shape : validateMaps(meta))];
  const namespace = meta['namespace'];
  if (info.namespaced && !namespace) errors.push(fieldError.required('metadata.namespace'));
  if (!info.namespaced && namespace) errors.push(fieldError.forbidden('metadata.namespace', 'not allowed on this type'));
  return errors;
}

/** Errors of an update's metadata against the stored object's. */
export function validateObjectMetaUpdate(meta: Meta, old: Meta): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of ['name', 'namespace', 'uid'] as const) {
    if (meta[field] !== old[field]) errors.push(fieldError.invalid(`metadata.${field}`, meta[field] ?? '', 'field is immutable'));
  }
  if (old['deletionTimestamp']) {
    const before = new Set((old['finalizers'] ?? []) as string[]);
    const added = ((meta['finalizers'] ?? []) as string[]).filter((f) => !before.has(f));
    if (added.length > 0) {
      errors.push(fieldError.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`));
    }
  }
  return errors;
}
