/**
 * The API server's structural-schema rules for CRDs (apiextensions-apiserver pkg/apiserver/schema):
 * every node typed, no `$ref`, nothing but value validations inside the logical junctors,
 * `properties` and `additionalProperties` not both, root `metadata` limited to name/generateName,
 * and list-map keys that are required or defaulted. Returns errors like the API server's.
 */
import { fieldError, FieldPath, type FieldError } from '../api/field-errors.js';
import { isIntOrString, propertyOf, type JsonSchemaProps } from './schema.js';

const JUNCTORS = ['allOf', 'anyOf', 'oneOf'] as const;
/** Keywords that may not appear inside a junctor (they describe structure, not values). */
const STRUCTURAL_KEYWORDS = ['description', 'type', 'default', 'additionalProperties', 'nullable'] as const;

interface Walk {
  path: FieldPath;
  isRoot: boolean;
  errors: FieldError[];
}

function checkJunctorMember(path: FieldPath, member: JsonSchemaProps, errors: FieldError[]): void {
  for (const keyword of STRUCTURAL_KEYWORDS) {
    if (member[keyword] !== undefined) errors.push(fieldError.forbidden(path.child(keyword).toString(), 'must be empty to be structural'));
  }
  if (member.$ref !== undefined) errors.push(fieldError.forbidden(path.child('$ref').toString(), '$ref is not supported'));
  for (const junctor of JUNCTORS) (member[junctor] ?? []).forEach((m, i) => checkJunctorMember(path.child(junctor).index(i), m, errors));
  Object.entries(member.properties ?? {}).forEach(([k, v]) => checkJunctorMember(path.child('properties').key(k), v, errors));
  if (member.items) checkJunctorMember(path.child('items'), member.items, errors);
}

function checkType(schema: JsonSchemaProps, w: Walk): void {
  const untypedAllowed = isIntOrString(schema) || schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (!schema.type && !untypedAllowed) {
    w.errors.push(fieldError.required(w.path.child('type').toString(), w.isRoot ? 'must not be empty at the root' : 'must not be empty for specified object fields'));
  }
  if (schema.type === 'array' && !schema.items) w.errors.push(fieldError.required(w.path.child('items').toString(), 'must be specified for type array'));
}

function checkShape(schema: JsonSchemaProps, w: Walk): void {
  if (schema.$ref !== undefined) w.errors.push(fieldError.forbidden(w.path.child('$ref').toString(), '$ref is not supported'));
  // As the API server: `false` or a schema conflicts with `properties`; `true` (allow all) does not.
  const hasAdditional = schema.additionalProperties === false || typeof schema.additionalProperties === 'object';
  if (schema.properties && hasAdditional) {
    w.errors.push(fieldError.forbidden(w.path.child('additionalProperties').toString(), 'additionalProperties and properties are mutual exclusive'));
  }
}

/** Each key of a map list must be a property of the items that is required or defaulted. */
function checkListMapKeys(items: JsonSchemaProps, keys: readonly string[], w: Walk): void {
  const itemsPath = w.path.child('items').child('properties');
  for (const key of keys) {
    const prop = propertyOf(items, key);
    const required = (items.required ?? []).includes(key);
    if (!prop) w.errors.push(fieldError.required(itemsPath.key(key).toString(), 'entries for x-kubernetes-list-map-keys must be properties of the items'));
    else if (!required && prop.default === undefined) {
      w.errors.push(fieldError.required(itemsPath.key(key).child('default').toString(), 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
    }
  }
}

function checkListMap(schema: JsonSchemaProps, w: Walk): void {
  if (schema['x-kubernetes-list-type'] !== 'map') return;
  const keys = schema['x-kubernetes-list-map-keys'] ?? [];
  if (keys.length === 0) w.errors.push(fieldError.required(w.path.child('x-kubernetes-list-map-keys').toString(), 'must not be empty if x-kubernetes-list-type is map'));
  const items = schema.items;
  if (items?.type === 'object') checkListMapKeys(items, keys, w);
  else w.errors.push(fieldError.invalid(w.path.child('items').child('type').toString(), items?.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"));
}

function checkRootMetadata(schema: JsonSchemaProps, w: Walk): void {
  const meta = schema.properties?.['metadata'];
  if (!w.isRoot || !meta) return;
  const allowed = new Set(['name', 'generateName']);
  const extra = Object.keys(meta.properties ?? {}).filter((k) => !allowed.has(k));
  if (extra.length > 0 || (meta.type !== undefined && meta.type !== 'object')) {
    w.errors.push(fieldError.forbidden(w.path.child('properties').key('metadata').toString(), 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
}

/** The one typed junctor structural schemas allow: int-or-string's `anyOf: [integer, string]`. */
function isIntOrStringPattern(schema: JsonSchemaProps): boolean {
  return isIntOrString(schema) && JSON.stringify(schema.anyOf) === JSON.stringify([{ type: 'integer' }, { type: 'string' }]);
}

function walk(schema: JsonSchemaProps, w: Walk): void {
  checkType(schema, w);
  checkShape(schema, w);
  checkListMap(schema, w);
  checkRootMetadata(schema, w);
  for (const junctor of JUNCTORS) {
    if (junctor === 'anyOf' && isIntOrStringPattern(schema)) continue;
    (schema[junctor] ?? []).forEach((m, i) => checkJunctorMember(w.path.child(junctor).index(i), m, w.errors));
  }
  if (schema.not) checkJunctorMember(w.path.child('not'), schema.not, w.errors);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    walk(child, { path: w.path.child('properties').key(name), isRoot: false, errors: w.errors });
  }
  if (schema.items) walk(schema.items, { path: w.path.child('items'), isRoot: false, errors: w.errors });
  if (typeof schema.additionalProperties === 'object') {
    walk(schema.additionalProperties, { path: w.path.child('additionalProperties'), isRoot: false, errors: w.errors });
  }
}

/** Every violation of the structural-schema rules; empty when the schema is structural. */
export function checkStructural(schema: JsonSchemaProps, path: FieldPath = FieldPath.root('openAPIV3Schema')): FieldError[] {
  const errors: FieldError[] = [];
  walk(schema, { path, isRoot: true, errors });
  return errors;
}
