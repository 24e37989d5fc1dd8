/**
 * Unknown-field handling of a structural schema, as the API server does it: `findUnknownFields`
 * lists the paths `fieldValidation=Strict` rejects, `pruneUnknownFields` drops them. The root
 * `metadata`, `apiVersion` and `kind` belong to the API server and are left alone.
 */
import { propertyOf, type JsonSchemaProps } from './schema.js';

const SERVER_OWNED = new Set(['apiVersion', 'kind', 'metadata']);

type Visitor = (record: Record<string, unknown>, key: string, path: string) => void;

interface Walk {
  path: string;
  visit: Visitor;
  isRoot: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childSchema(schema: JsonSchemaProps, key: string): JsonSchemaProps | undefined {
  return propertyOf(schema, key) ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
}

/** Whether the node keeps fields it does not describe. */
function keepsUnknown(schema: JsonSchemaProps): boolean {
  return schema.additionalProperties === true || schema['x-kubernetes-preserve-unknown-fields'] === true;
}

function visitObject(value: Record<string, unknown>, schema: JsonSchemaProps, w: Walk): void {
  for (const key of Object.keys(value)) {
    if (w.isRoot && SERVER_OWNED.has(key)) continue;
    const path = w.path === '' ? key : `${w.path}.${key}`;
    const child = childSchema(schema, key);
    if (child) visitUnknown(value[key], child, { ...w, path, isRoot: false });
    else if (!keepsUnknown(schema)) w.visit(value, key, path);
  }
}

function visitUnknown(value: unknown, schema: JsonSchemaProps, w: Walk): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => visitUnknown(item, schema.items ?? {}, { ...w, path: `${w.path}[${i}]`, isRoot: false }));
  } else if (isRecord(value) && schema.type === 'object') {
    visitObject(value, schema, w);
  }
}

/** Paths of fields the schema does not know, e.g. `spec.containers[0].imagee`. */
export function findUnknownFields(value: unknown, schema: JsonSchemaProps): string[] {
  const paths: string[] = [];
  visitUnknown(value, schema, { path: '', visit: (_record, _key, path) => paths.push(path), isRoot: true });
  return paths;
}

/** Removes every unknown field in place and returns their paths. */
export function pruneUnknownFields(value: unknown, schema: JsonSchemaProps): string[] {
  const paths: string[] = [];
  const drop: Visitor = (record, key, path) => {
    paths.push(path);
    delete record[key];
  };
  visitUnknown(value, schema, { path: '', visit: drop, isRoot: true });
  return paths;
}
