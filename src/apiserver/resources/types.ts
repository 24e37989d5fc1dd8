/** What the server knows about each resource it serves, built-in or from a CRD. */
import type { FieldError } from '../../api/field-errors.js';
import type { PrinterColumn } from '../../api/v1alpha1/crds.js';
import type { JsonSchemaProps } from '../../apiextensions/schema.js';

/** A JSON object as stored and served. */
export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
};

/** One served resource (a group/version/plural). */
export interface ResourceInfo {
  group: string;
  version: string;
  /** Plural, lowercase: the path segment. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Whether `/status` exists: then the main endpoint ignores status and generation counts spec changes. */
  statusSubresource: boolean;
  /** The structural schema objects are validated, defaulted and pruned with. */
  schema: JsonSchemaProps;
  /** Printer columns after Name (a CRD's additionalPrinterColumns, or the built-in's own). */
  columns: PrinterColumn[];
  /** Field selector labels beyond metadata.name and metadata.namespace. */
  fieldLabels: string[];
  /** Whether a PUT without metadata.resourceVersion is allowed (built-ins yes, custom resources no). */
  unconditionalUpdate: boolean;
  /** Whether strategic merge patch is accepted (built-ins only; applied as a merge patch here). */
  strategicMerge: boolean;
  /** Semantic checks beyond the schema (what an admission webhook would do); empty when valid. */
  validate?: (obj: KubeObject, old: KubeObject | undefined) => FieldError[];
  /** Rewrites an object before it is stored (e.g. Secret stringData into data). */
  normalize?: (obj: KubeObject) => void;
  /** Name syntax: most names are DNS-1123 subdomains, namespaces DNS-1123 labels. */
  nameRule: 'subdomain' | 'label' | 'path-segment';
  /** The CRD this resource comes from, when it is a custom resource. */
  crdName?: string;
}

/** Whether objects of the resource carry metadata.generation (custom resources and CRDs do; core kinds here do not). */
export const usesGeneration = (r: Pick<ResourceInfo, 'crdName' | 'resource'>): boolean => r.crdName !== undefined || r.resource === 'customresourcedefinitions';

/** `apiVersion` of a resource's objects. */
export const apiVersionOf = (r: Pick<ResourceInfo, 'group' | 'version'>): string => (r.group ? `${r.group}/${r.version}` : r.version);

/** The key a resource is registered under. */
export const resourceKey = (group: string, version: string, resource: string): string => `${group}/${version}/${resource}`;

/** A string field of an object's metadata; '' when absent or not a string. */
export function metaString(obj: KubeObject, key: string): string {
  const value = obj.metadata?.[key];
  return typeof value === 'string' ? value : '';
}

/** metadata.name ('' when missing). */
export const nameOf = (obj: KubeObject): string => metaString(obj, 'name');

/** metadata.namespace ('' for cluster-scoped objects). */
export const namespaceOf = (obj: KubeObject): string => metaString(obj, 'namespace');
