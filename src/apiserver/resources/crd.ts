/**
 * CustomResourceDefinitions: validation on write (as the apiextensions API server does), the
 * status it reports (accepted names, NamesAccepted and Established conditions, storedVersions),
 * and the ResourceInfo each served version becomes.
 */
import { fieldError, FieldPath, type FieldError } from '../../api/field-errors.js';
import { isDns1123Label, isDns1123Subdomain } from '../../api/names.js';
import type { PrinterColumn } from '../../api/v1alpha1/crds.js';
import type { JsonSchemaProps } from '../../apiextensions/schema.js';
import { checkStructural } from '../../apiextensions/structural.js';
import { compileJsonPath } from '../jsonpath.js';
import { nameOf, type KubeObject, type ResourceInfo } from './types.js';

/** The parts of a CRD the server reads. */
export interface CrdSpec {
  group: string;
  scope: string;
  names: { kind: string; listKind?: string; plural: string; singular?: string; shortNames?: string[]; categories?: string[] };
  versions: Array<{
    name: string;
    served: boolean;
    storage: boolean;
    schema?: { openAPIV3Schema?: JsonSchemaProps };
    subresources?: { status?: unknown };
    additionalPrinterColumns?: PrinterColumn[];
  }>;
}

/** The CRD's spec, typed. */
export const crdSpecOf = (crd: KubeObject): CrdSpec => crd['spec'] as CrdSpec;

function validateNames(spec: CrdSpec, path: FieldPath): FieldError[] {
  const names = path.child('names');
  const errors: FieldError[] = [];
  for (const field of ['plural', 'singular'] as const) {
    const value = spec.names[field];
    if (value !== undefined) errors.push(...isDns1123Label(value).map((m) => fieldError.invalid(names.child(field).toString(), value, m)));
  }
  (spec.names.shortNames ?? []).forEach((n, i) => errors.push(...isDns1123Label(n).map((m) => fieldError.invalid(names.child('shortNames').index(i).toString(), n, m))));
  if (!/^[A-Z][A-Za-z0-9]*$/.test(spec.names.kind)) errors.push(fieldError.invalid(names.child('kind').toString(), spec.names.kind, 'may have mixed case, but should otherwise match: ^[A-Z][A-Za-z0-9]*$'));
  return errors;
}

function validateVersion(v: CrdSpec['versions'][number], path: FieldPath): FieldError[] {
  const schema = v.schema?.openAPIV3Schema;
  if (!schema) return v.served ? [fieldError.required(path.child('schema').child('openAPIV3Schema').toString(), 'schemas are required')] : [];
  const errors = checkStructural(schema, path.child('schema').child('openAPIV3Schema'));
  (v.additionalPrinterColumns ?? []).forEach((col, i) => {
    try {
      compileJsonPath(col.jsonPath);
    } catch (err) {
      errors.push(fieldError.invalid(path.child('additionalPrinterColumns').index(i).child('jsonPath').toString(), col.jsonPath, (err as Error).message));
    }
  });
  return errors;
}

function validateVersions(spec: CrdSpec, path: FieldPath): FieldError[] {
  const versions = path.child('versions');
  if (spec.versions.length === 0) return [fieldError.invalid(versions.toString(), spec.versions, 'must have exactly one version marked as storage version')];
  const errors = spec.versions.flatMap((v, i) => validateVersion(v, versions.index(i)));
  if (spec.versions.filter((v) => v.storage).length !== 1) {
    errors.push(fieldError.invalid(versions.toString(), spec.versions.map((v) => v.name), 'must have exactly one version marked as storage version'));
  }
  const seen = new Set<string>();
  spec.versions.forEach((v, i) => {
    if (seen.has(v.name)) errors.push(fieldError.duplicate(versions.index(i).child('name').toString(), v.name));
    seen.add(v.name);
  });
  return errors;
}

/** Every reason the apiextensions API server would refuse this CRD; empty when valid. */
export function validateCrd(crd: KubeObject): FieldError[] {
  const spec = crdSpecOf(crd);
  const name = nameOf(crd);
  const path = FieldPath.root('spec');
  const errors: FieldError[] = [];
  if (name !== `${spec.names.plural}.${spec.group}`) errors.push(fieldError.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  if (!spec.group.includes('.')) errors.push(fieldError.invalid(path.child('group').toString(), spec.group, 'should be a domain with at least one dot'));
  else errors.push(...isDns1123Subdomain(spec.group).map((m) => fieldError.invalid(path.child('group').toString(), spec.group, m)));
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') errors.push(fieldError.notSupported(path.child('scope').toString(), spec.scope, ['Cluster', 'Namespaced']));
  return [...errors, ...validateNames(spec, path), ...validateVersions(spec, path)];
}

/** The names the CRD is served under, defaulted as the API server does. */
export function acceptedNames(spec: CrdSpec): Required<CrdSpec['names']> {
  return {
    kind: spec.names.kind,
    listKind: spec.names.listKind ?? `${spec.names.kind}List`,
    plural: spec.names.plural,
    singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
    shortNames: spec.names.shortNames ?? [],
    categories: spec.names.categories ?? [],
  };
}

/** The status the server writes on an accepted CRD. `conflict` names a clash with another resource. */
export function crdStatus(spec: CrdSpec, now: string, conflict?: string): Record<string, unknown> {
  const storage = spec.versions.find((v) => v.storage)?.name;
  const names = conflict
    ? { type: 'NamesAccepted', status: 'False', reason: 'NameConflict', message: conflict, lastTransitionTime: now }
    : { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: now };
  const established = conflict
    ? { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted', lastTransitionTime: now }
    : { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: now };
  return { acceptedNames: conflict ? { kind: '', plural: '' } : acceptedNames(spec), conditions: [names, established], storedVersions: storage ? [storage] : [] };
}

const DEFAULT_COLUMNS: PrinterColumn[] = [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }];

/** One ResourceInfo per served version of an accepted CRD. */
export function crdResources(crd: KubeObject): ResourceInfo[] {
  const spec = crdSpecOf(crd);
  const names = acceptedNames(spec);
  const crdName = nameOf(crd);
  return spec.versions
    .filter((v) => v.served)
    .map((v) => ({
      group: spec.group,
      version: v.name,
      resource: names.plural,
      singular: names.singular,
      kind: names.kind,
      listKind: names.listKind,
      namespaced: spec.scope === 'Namespaced',
      shortNames: names.shortNames,
      categories: names.categories,
      statusSubresource: v.subresources?.status !== undefined,
      schema: v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      columns: v.additionalPrinterColumns && v.additionalPrinterColumns.length > 0 ? v.additionalPrinterColumns : DEFAULT_COLUMNS,
      fieldLabels: [],
      unconditionalUpdate: false,
      strategicMerge: false,
      nameRule: 'path-segment',
      crdName,
    }));
}
