/**
 * Semantic validation of a DockerPod: the rules a schema cannot express, with the API server's
 * paths and messages. Pure; the embedded API server runs it on create and update, and the
 * operator runs it again before acting, so a pod from any API server gets the same verdict.
 */
import type { JsonSchemaProps } from '../../../apiextensions/schema.js';
import { fieldError, FieldPath, type FieldError } from '../../field-errors.js';
import { isDns1123Subdomain, isIpAddress, isLabelValue, isQualifiedName } from '../../names.js';
import { toPlainSchema } from '../../schema-kit.js';
import type { DockerPod } from '../dockerpod.js';
import { DockerPodSpec } from '../pod-spec.js';
import { validateContainerFields, validateImage, type PodContext } from './container.js';
import { duplicates, invalidEach, nameErrors, schemaGate, throughGate } from './helpers.js';
import { validateInitOnlyFields, validateProbes } from './probe.js';
import { validateVolumes } from './volume.js';

/** The spec's own schema (the CRD's), checked before the rules that read the spec as its type says. */
const SPEC_SCHEMA = toPlainSchema(DockerPodSpec) as JsonSchemaProps;

/** The resolver's limit on the search list, as the kubelet enforces it. */
const MAX_SEARCH_LENGTH = 2048;

function validateContainers(path: FieldPath, spec: DockerPodSpec, ctx: PodContext): FieldError[] {
  const init = spec.initContainers ?? [];
  const regular = spec.containers ?? [];
  if (regular.length === 0) return [fieldError.required(path.child('containers').toString())];
  const names = new Set<string>();
  const errors = [
    // Regular containers first, as the API server does: an init container reusing a name is the duplicate.
    ...duplicates(regular, (c) => c.name, (i) => path.child('containers').index(i).child('name'), names),
    ...duplicates(init, (c) => c.name, (i) => path.child('initContainers').index(i).child('name'), names),
  ];
  init.forEach((c, i) => {
    const p = path.child('initContainers').index(i);
    errors.push(...validateContainerFields(p, c, ctx), ...validateInitOnlyFields(p, c));
  });
  regular.forEach((c, i) => {
    const p = path.child('containers').index(i);
    errors.push(...validateContainerFields(p, c, ctx), ...validateProbes(p, c));
  });
  return errors;
}

const WILDCARDS = new Set(['', '0.0.0.0', '::']);

/** The addresses bound so far on one protocol and host port. */
interface PortUse {
  wildcard: boolean;
  addresses: Set<string>;
}

/** Docker cannot bind one port twice on an address, and a wildcard address covers every other. */
function collides(use: PortUse | undefined, hostIP: string): boolean {
  if (!use) return false;
  return use.wildcard || (WILDCARDS.has(hostIP) ? use.addresses.size > 0 : use.addresses.has(hostIP));
}

function record(uses: Map<string, PortUse>, port: string, hostIP: string): void {
  const use = uses.get(port) ?? { wildcard: false, addresses: new Set<string>() };
  if (WILDCARDS.has(hostIP)) use.wildcard = true;
  else use.addresses.add(hostIP);
  uses.set(port, use);
}

/**
 * Host ports of the regular containers must not collide (the sandbox publishes them all). One
 * look-up per port, never a scan of the earlier ones: a body may hold a hundred thousand ports.
 */
function validateHostPorts(path: FieldPath, spec: DockerPodSpec): FieldError[] {
  const uses = new Map<string, PortUse>();
  const errors: FieldError[] = [];
  (spec.containers ?? []).forEach((c, ci) => {
    (c.ports ?? []).forEach((port, pi) => {
      if (port.hostPort === undefined) return;
      const protocol = port.protocol ?? 'TCP';
      const hostIP = port.hostIP ?? '';
      const key = `${protocol}/${port.hostPort}`;
      // The value names the binding like the API server's key: protocol/hostIP/hostPort.
      if (collides(uses.get(key), hostIP)) errors.push(fieldError.duplicate(path.child('containers').index(ci).child('ports').index(pi).child('hostPort').toString(), `${protocol}/${hostIP}/${port.hostPort}`));
      record(uses, key, hostIP);
    });
  });
  return errors;
}

function validateDns(path: FieldPath, spec: DockerPodSpec): FieldError[] {
  const dns = spec.dnsConfig;
  const errors: FieldError[] = [];
  (dns?.nameservers ?? []).forEach((ns, i) => errors.push(...invalidEach(path.child('dnsConfig').child('nameservers').index(i), ns, isIpAddress(ns))));
  const searches = dns?.searches ?? [];
  searches.forEach((domain, i) => errors.push(...invalidEach(path.child('dnsConfig').child('searches').index(i), domain, isDns1123Subdomain(domain.replace(/\.$/, '')))));
  const length = searches.join(' ').length;
  if (length > MAX_SEARCH_LENGTH) {
    errors.push(fieldError.invalid(path.child('dnsConfig').child('searches').toString(), searches, `must not have more than ${MAX_SEARCH_LENGTH} characters (including spaces) in the search list`));
  }
  (spec.hostAliases ?? []).forEach((alias, i) => errors.push(...nameErrors(path.child('hostAliases').index(i).child('ip'), alias.ip, isIpAddress)));
  return errors;
}

function validateHostSelector(path: FieldPath, selector: Record<string, string> | undefined): FieldError[] {
  return Object.entries(selector ?? {}).flatMap(([key, value]) => [
    ...invalidEach(path, key, isQualifiedName(key)),
    ...invalidEach(path.key(key), value, isLabelValue(value)),
  ]);
}

function validatePodLevel(path: FieldPath, spec: DockerPodSpec): FieldError[] {
  const errors: FieldError[] = [];
  if (spec.shareProcessNamespace && spec.hostPID) {
    errors.push(fieldError.invalid(path.child('shareProcessNamespace').toString(), true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  }
  if (spec.sandbox?.image !== undefined) errors.push(...validateImage(path.child('sandbox').child('image'), spec.sandbox.image));
  (spec.imagePullSecrets ?? []).forEach((s, i) => errors.push(...nameErrors(path.child('imagePullSecrets').index(i).child('name'), s.name, isDns1123Subdomain)));
  return errors;
}

/** Every semantic error of a DockerPod spec, in a stable order; empty when valid. */
export function validateDockerPodSpec(spec: DockerPodSpec, path = FieldPath.root('spec')): FieldError[] {
  const volumes = spec.volumes ?? [];
  const ctx: PodContext = { volumeNames: new Set(volumes.map((v) => v.name)), hostNetwork: spec.hostNetwork === true };
  return [
    ...validateContainers(path, spec, ctx),
    ...validateHostPorts(path, spec),
    ...validateVolumes(path.child('volumes'), volumes),
    ...validateDns(path, spec),
    ...validateHostSelector(path.child('hostSelector'), spec.hostSelector),
    ...validatePodLevel(path, spec),
  ];
}

/**
 * Every semantic error of a DockerPod (its name and its spec); empty when valid. A spec of the
 * wrong shape gets only its schema errors, as a validating webhook is only called on objects that
 * passed the schema (the rules would read a string as a list); missing required fields come first,
 * each named once (see schemaGate).
 */
export function validateDockerPod(pod: Pick<DockerPod, 'metadata' | 'spec'>): FieldError[] {
  const name = pod.metadata.name;
  const errors = typeof name === 'string' ? invalidEach(FieldPath.root('metadata').child('name'), name, isDns1123Subdomain(name)) : [];
  const spec = pod.spec;
  if (!spec) return [...errors, fieldError.required('spec')];
  return [...errors, ...throughGate(schemaGate(spec, SPEC_SCHEMA), () => validateDockerPodSpec(spec))];
}

/** Whether the spec has every required field, each of the type its schema says: what code reading it as a DockerPodSpec without checks (the host policy) needs. */
export function isWellFormedSpec(spec: unknown): boolean {
  if (!spec) return false;
  const gate = schemaGate(spec, SPEC_SCHEMA);
  return !gate.broken && gate.errors.length === 0;
}
