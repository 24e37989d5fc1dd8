/**
 * The built-in resources the server serves: namespaces, events, secrets, configmaps (core/v1),
 * leases (coordination.k8s.io/v1) and customresourcedefinitions (apiextensions.k8s.io/v1).
 * Schemas cover the fields clients send, so strict validation rejects typos as a real server does.
 */
import { fieldError, type FieldError } from '../../api/field-errors.js';
import { isConfigMapKey } from '../../api/names.js';
import { normalizeNamespace } from '../rest/namespaces.js';
import { MICRO_TIME, objectSchema, s, TIME } from './schema-helpers.js';
import type { KubeObject, ResourceInfo } from './types.js';

type Builtin = Omit<ResourceInfo, 'listKind' | 'singular' | 'unconditionalUpdate' | 'strategicMerge' | 'categories' | 'fieldLabels' | 'columns' | 'nameRule'> &
  Partial<Pick<ResourceInfo, 'fieldLabels' | 'columns' | 'categories' | 'nameRule'>>;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function validateKeys(obj: KubeObject, fields: string[], base64: boolean): FieldError[] {
  return fields.flatMap((field) =>
    Object.entries((obj[field] ?? {}) as Record<string, string>).flatMap(([key, value]) => {
      const errors = isConfigMapKey(key).map((m) => fieldError.invalid(`${field}[${key}]`, key, m));
      if (base64 && typeof value === 'string' && (!BASE64.test(value) || value.length % 4 !== 0)) {
        errors.push(fieldError.invalid(`${field}[${key}]`, '<secret contents redacted>', 'must be base64 encoded'));
      }
      return errors;
    }),
  );
}

/** Secret `stringData` is write-only: merged into `data` (base64) on every write. */
function normalizeSecret(obj: KubeObject): void {
  const stringData = obj['stringData'] as Record<string, string> | undefined;
  if (stringData) {
    const data = { ...((obj['data'] ?? {}) as Record<string, string>) };
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(v, 'utf8').toString('base64');
    obj['data'] = data;
    delete obj['stringData'];
  }
  obj['type'] ??= 'Opaque';
}

const OBJECT_REFERENCE = s.obj({
  kind: s.str(), namespace: s.str(), name: s.str(), uid: s.str(), apiVersion: s.str(), resourceVersion: s.str(), fieldPath: s.str(),
});

const builtins: Builtin[] = [
  {
    group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'], statusSubresource: true, nameRule: 'label',
    schema: objectSchema({ spec: s.obj({ finalizers: s.arr(s.str()) }), status: s.obj({ phase: s.str(), conditions: s.arr(s.any()) }) }),
    columns: [{ name: 'Status', type: 'string', jsonPath: '.status.phase' }, { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
    fieldLabels: ['status.phase'],
    normalize: normalizeNamespace,
  },
  {
    group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'], statusSubresource: false,
    schema: objectSchema({
      involvedObject: OBJECT_REFERENCE, reason: s.str(), message: s.str(), source: s.obj({ component: s.str(), host: s.str() }),
      firstTimestamp: TIME, lastTimestamp: TIME, count: s.int(), type: s.str(), eventTime: MICRO_TIME,
      series: s.obj({ count: s.int(), lastObservedTime: MICRO_TIME }), action: s.str(), related: OBJECT_REFERENCE,
      reportingComponent: s.str(), reportingInstance: s.str(),
    }),
    columns: [
      { name: 'Last Seen', type: 'date', jsonPath: '.lastTimestamp' },
      { name: 'Type', type: 'string', jsonPath: '.type' },
      { name: 'Reason', type: 'string', jsonPath: '.reason' },
      { name: 'Object', type: 'string', jsonPath: '.involvedObject.name' },
      { name: 'Message', type: 'string', jsonPath: '.message' },
    ],
    fieldLabels: [
      'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion',
      'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type',
    ],
  },
  {
    group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true, shortNames: [], statusSubresource: false,
    schema: objectSchema({ data: s.map(), stringData: s.map(), type: s.str(), immutable: s.bool() }),
    columns: [{ name: 'Type', type: 'string', jsonPath: '.type' }, { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
    fieldLabels: ['type'],
    validate: (obj) => validateKeys(obj, ['data'], true),
    normalize: normalizeSecret,
  },
  {
    group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'], statusSubresource: false,
    schema: objectSchema({ data: s.map(), binaryData: s.map(), immutable: s.bool() }),
    validate: (obj) => validateKeys(obj, ['data', 'binaryData'], false),
  },
  {
    group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', namespaced: true, shortNames: [], statusSubresource: false,
    schema: objectSchema({
      spec: s.obj({
        holderIdentity: s.str({ nullable: true }), leaseDurationSeconds: s.int({ nullable: true }), acquireTime: MICRO_TIME, renewTime: MICRO_TIME,
        leaseTransitions: s.int({ nullable: true }), strategy: s.str({ nullable: true }), preferredHolder: s.str({ nullable: true }),
      }),
    }),
    columns: [{ name: 'Holder', type: 'string', jsonPath: '.spec.holderIdentity' }, { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
  },
  {
    group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false,
    shortNames: ['crd', 'crds'], statusSubresource: true, categories: ['api-extensions'],
    schema: objectSchema({
      spec: s.obj(
        {
          group: s.str(), scope: s.str(), preserveUnknownFields: s.bool(), conversion: s.any(),
          names: s.obj({ kind: s.str(), listKind: s.str(), plural: s.str(), singular: s.str(), shortNames: s.arr(s.str()), categories: s.arr(s.str()) }, ['kind', 'plural']),
          versions: s.arr(
            s.obj(
              {
                name: s.str(), served: s.bool(), storage: s.bool(), deprecated: s.bool(), deprecationWarning: s.str(),
                schema: s.obj({ openAPIV3Schema: s.any() }), subresources: s.any(), additionalPrinterColumns: s.arr(s.any()), selectableFields: s.arr(s.any()),
              },
              ['name', 'served', 'storage'],
            ),
          ),
        },
        ['group', 'names', 'scope', 'versions'],
      ),
      status: s.any(),
    }),
    columns: [{ name: 'Created At', type: 'string', jsonPath: '.metadata.creationTimestamp' }],
  },
];

/** ResourceInfo of every built-in resource. */
export function builtinResources(): ResourceInfo[] {
  return builtins.map((b) => ({
    categories: [],
    fieldLabels: [],
    columns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
    nameRule: 'subdomain',
    ...b,
    singular: b.kind.toLowerCase(),
    listKind: `${b.kind}List`,
    unconditionalUpdate: true,
    strategicMerge: true,
  }));
}
