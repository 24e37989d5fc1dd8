/** Semantic validation of a DockerHost. Pure, like the pod validation. */
import type { JsonSchemaProps } from '../../../apiextensions/schema.js';
import { fieldError, FieldPath, type FieldError } from '../../field-errors.js';
import { isDns1123Label, isDns1123Subdomain } from '../../names.js';
import { toPlainSchema } from '../../schema-kit.js';
import { DockerHostSpec, type DockerHost } from '../dockerhost.js';
import { parseEndpoint } from '../endpoint.js';
import { absolutePath, invalidEach, nameErrors, quantityAt, schemaGate, throughGate } from './helpers.js';

/** The spec's own schema (the CRD's), checked before the rules that read the spec as its type says. */
const SPEC_SCHEMA = toPlainSchema(DockerHostSpec) as JsonSchemaProps;

function validateResources(path: FieldPath, resources: DockerHostSpec['capacity']): FieldError[] {
  const errors: FieldError[] = [];
  quantityAt(path.child('cpu'), resources?.cpu, errors);
  quantityAt(path.child('memory'), resources?.memory, errors);
  return errors;
}

function validateTls(path: FieldPath, spec: DockerHostSpec, scheme: string | undefined): FieldError[] {
  if (!spec.tls || scheme === undefined) return [];
  if (scheme !== 'tcp') return [fieldError.forbidden(path.child('tls').toString(), `TLS applies only to a tcp:// endpoint, not ${scheme}://`)];
  const ref = spec.tls.secretRef;
  if (!ref) return [];
  const p = path.child('tls').child('secretRef');
  return [...nameErrors(p.child('name'), ref.name, isDns1123Subdomain), ...nameErrors(p.child('namespace'), ref.namespace, isDns1123Label)];
}

function validateCgroupParent(path: FieldPath, parent: string | undefined): FieldError[] {
  if (parent === undefined) return [];
  if (/\s/.test(parent) || parent.split('/').includes('..')) return [fieldError.invalid(path.toString(), parent, "must not contain whitespace or '..'")];
  if (!parent.startsWith('/') && !parent.endsWith('.slice')) return [fieldError.invalid(path.toString(), parent, 'must be an absolute cgroup path (cgroupfs driver) or a *.slice name (systemd driver)')];
  return [];
}

/** Every semantic error of a DockerHost spec; empty when valid. */
export function validateDockerHostSpec(spec: DockerHostSpec, path = FieldPath.root('spec')): FieldError[] {
  const parsed = parseEndpoint(spec.endpoint ?? '');
  const errors = parsed.ok ? [] : [fieldError.invalid(path.child('endpoint').toString(), spec.endpoint, parsed.reason)];
  errors.push(...validateTls(path, spec, parsed.ok ? parsed.endpoint.scheme : undefined));
  errors.push(...validateResources(path.child('capacity'), spec.capacity), ...validateResources(path.child('reserved'), spec.reserved));
  errors.push(...validateCgroupParent(path.child('cgroupParent'), spec.cgroupParent));
  (spec.policy?.allowedHostPaths ?? []).forEach((allowed, i) => {
    errors.push(...absolutePath(path.child('policy').child('allowedHostPaths').index(i).child('pathPrefix'), allowed.pathPrefix));
  });
  return errors;
}

/** Every semantic error of a DockerHost (its name and its spec); empty when valid. A spec off the schema gets only its schema errors (see validateDockerPod). */
export function validateDockerHost(host: Pick<DockerHost, 'metadata' | 'spec'>): FieldError[] {
  const name = host.metadata.name;
  const errors = typeof name === 'string' ? invalidEach(FieldPath.root('metadata').child('name'), name, isDns1123Subdomain(name)) : [];
  const spec = host.spec;
  if (!spec) return [...errors, fieldError.required('spec')];
  return [...errors, ...throughGate(schemaGate(spec, SPEC_SCHEMA), () => validateDockerHostSpec(spec))];
}
