/**
 * Server-side printing: `meta.k8s.io/v1` Tables as `kubectl get` asks for them
 * (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`). Columns are Name then the
 * resource's printer columns (JSONPath, first value, `date` humanised on the server);
 * rows carry the object as PartialObjectMetadata unless `includeObject` says otherwise.
 */
import type { PrinterColumn } from '../api/v1alpha1/crds.js';
import { tableCell } from './humanize.js';
import { compileJsonPath, evaluateJsonPath, type JsonPath } from './jsonpath.js';
import type { KubeObject, ResourceInfo } from './resources/types.js';

/** What each row carries (the `includeObject` query parameter). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Whether the Accept header asks for a Table. */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => /;\s*as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

/** Parses `includeObject` (default Metadata, as on a real server). */
export function includeObjectOf(value: string | null): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

const NAME_COLUMN = {
  name: 'Name', type: 'string', format: 'name', priority: 0,
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.',
};

const compiled = new Map<string, JsonPath>();

function pathOf(expr: string): JsonPath {
  let path = compiled.get(expr);
  if (!path) {
    path = compileJsonPath(expr);
    compiled.set(expr, path);
  }
  return path;
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} };
}

function cells(columns: PrinterColumn[], obj: KubeObject, now: number): unknown[] {
  const name = (obj.metadata ?? {})['name'];
  return [name, ...columns.map((c) => tableCell(c.type, evaluateJsonPath(pathOf(c.jsonPath), obj), now))];
}

/** A Table of `objects`; `listMetadata` is the list's metadata (resourceVersion, continue). */
export function toTable(info: ResourceInfo, objects: KubeObject[], options: { now: number; include: IncludeObject; listMetadata?: Record<string, unknown> }): Record<string, unknown> {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: options.listMetadata ?? {},
    columnDefinitions: [
      NAME_COLUMN,
      ...info.columns.map((c) => ({ name: c.name, type: c.type === 'date' ? 'date' : c.type, format: '', description: c.description ?? '', priority: c.priority ?? 0 })),
    ],
    rows: objects.map((obj) => {
      const object = rowObject(obj, options.include);
      return { cells: cells(info.columns, obj, options.now), ...(object !== undefined ? { object } : {}) };
    }),
  };
}
