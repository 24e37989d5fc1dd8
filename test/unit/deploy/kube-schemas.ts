/**
 * Validation of rendered manifests as an API server would judge them, without one: built-in kinds
 * against the Kubernetes OpenAPI schemas (kubernetes-models' validators) plus an unknown-field
 * check (client-node's serializer drops fields the type does not have; kubectl's default
 * `--validate=strict` refuses them), the ServiceMonitor against prometheus-operator's schema, and
 * DockerHosts against this project's CRD schema and semantic validation.
 */
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { FieldPath, formatFieldError } from '../../../src/api/field-errors.js';
import { dockerHostCrd, validateDockerHost, type DockerHost } from '../../../src/api/v1alpha1/index.js';
import { applyDefaults } from '../../../src/apiextensions/defaults.js';
import { findUnknownFields } from '../../../src/apiextensions/prune.js';
import type { JsonSchemaProps } from '../../../src/apiextensions/schema.js';
import { validateValue } from '../../../src/apiextensions/validate.js';
import type { KubeObject } from '../../../hack/chart/chart.js';

type Model = new (data: unknown) => { validate(): void };

/** Where kubernetes-models keeps a kind's model: `v1/Kind` for the core group, else `group/version/Kind`. */
function modelPath(obj: KubeObject): string {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${group}/${version}/${obj.kind}`;
  return group ? `kubernetes-models/${group}/${version}/${obj.kind}` : `kubernetes-models/${version}/${obj.kind}`;
}

/** Paths present in `original` that are absent from `kept` (what a typed round trip dropped). */
export function droppedPaths(original: unknown, kept: unknown, path = ''): string[] {
  if (Array.isArray(original)) return original.flatMap((v, i) => droppedPaths(v, Array.isArray(kept) ? (kept as unknown[])[i] : undefined, `${path}[${i}]`));
  if (typeof original !== 'object' || original === null) return [];
  const keptMap = typeof kept === 'object' && kept !== null ? (kept as Record<string, unknown>) : {};
  return Object.entries(original).flatMap(([k, v]) => (k in keptMap ? droppedPaths(v, keptMap[k], `${path}.${k}`) : [`${path}.${k}`]));
}

function dockerHostProblems(obj: KubeObject): string[] {
  const schema = dockerHostCrd().spec.versions[0]?.schema.openAPIV3Schema as JsonSchemaProps;
  const unknown = findUnknownFields(obj, schema).map((p) => `unknown field "${p}"`);
  const defaulted = applyDefaults(structuredClone(obj), schema);
  const errors = validateValue(defaulted, schema, FieldPath.root('')).map(formatFieldError);
  return [...unknown, ...errors, ...validateDockerHost(defaulted as unknown as DockerHost).map(formatFieldError)];
}

/** What an API server would refuse in `obj`; empty when it is valid. */
export async function schemaProblems(obj: KubeObject): Promise<string[]> {
  if (obj.apiVersion === 'dockerpod.dev/v1alpha1' && obj.kind === 'DockerHost') return dockerHostProblems(obj);
  const module = (await import(modelPath(obj))) as Record<string, Model | undefined>;
  const Model = module[obj.kind];
  if (!Model) return [`no schema for ${obj.apiVersion} ${obj.kind}`];
  const problems: string[] = [];
  try {
    new Model(obj).validate();
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (obj.apiVersion.startsWith('monitoring.coreos.com/')) return problems;
  const type = `V1${obj.kind}`;
  const roundTrip: unknown = ObjectSerializer.serialize(ObjectSerializer.deserialize(obj, type, ''), type, '');
  return [...problems, ...droppedPaths(obj, roundTrip).map((p) => `unknown field "${p.slice(1)}"`)];
}
