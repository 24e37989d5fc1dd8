/**
 * Semantic validation of a DockerPod: the rules a schema cannot express, with the API server's
 * paths and messages. Pure; the embedded API server runs it on create and update, and the
 * operator runs it again before acting, so a pod from any API server gets the same verdict.
 */
import { fieldError, FieldPath, type FieldError } from '../../field-errors.js';
import { isDns1123Subdomain, isIpAddress, isLabelValue, isQualifiedName } from '../../names.js';
import type { DockerPod } from '../dockerpod.js';
import type { DockerPodSpec } from '../pod-spec.js';
import { validateContainerFields, validateImage, type PodContext } from './container.js';
import { duplicates, invalidEach } from './helpers.js';
import { validateInitOnlyFields, validateProbes } from './probe.js';
import { validateVolumes } from './volume.js';

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

interface HostBinding {
  protocol: string;
  hostIP: string;
  hostPort: number;
}

const WILDCARDS = new Set(['', '0.0.0.0', '::']);

/** Docker cannot bind one port twice on an address, and a wildcard address covers every other. */
const collides = (a: HostBinding, b: HostBinding): boolean =>
  a.protocol === b.protocol && a.hostPort === b.hostPort && (a.hostIP === b.hostIP || WILDCARDS.has(a.hostIP) || WILDCARDS.has(b.hostIP));

/** Host ports of the regular containers must not collide (the sandbox publishes them all). */
function validateHostPorts(path: FieldPath, spec: DockerPodSpec): FieldError[] {
  const bound: HostBinding[] = [];
  const errors: FieldError[] = [];
  (spec.containers ?? []).forEach((c, ci) => {
    (c.ports ?? []).forEach((port, pi) => {
      if (port.hostPort === undefined) return;
      const binding = { protocol: port.protocol ?? 'TCP', hostIP: port.hostIP ?? '', hostPort: port.hostPort };
      // The value names the binding like the API server's key: protocol/hostIP/hostPort.
      const key = `${binding.protocol}/${binding.hostIP}/${binding.hostPort}`;
      if (bound.some((b) => collides(b, binding))) errors.push(fieldError.duplicate(path.child('containers').index(ci).child('ports').index(pi).child('hostPort').toString(), key));
      bound.push(binding);
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
  (spec.hostAliases ?? []).forEach((alias, i) => errors.push(...invalidEach(path.child('hostAliases').index(i).child('ip'), alias.ip, isIpAddress(alias.ip))));
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
  (spec.imagePullSecrets ?? []).forEach((s, i) => errors.push(...invalidEach(path.child('imagePullSecrets').index(i).child('name'), s.name, isDns1123Subdomain(s.name))));
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

/** Every semantic error of a DockerPod (its name and its spec); empty when valid. */
export function validateDockerPod(pod: Pick<DockerPod, 'metadata' | 'spec'>): FieldError[] {
  const name = pod.metadata.name;
  const errors = name === undefined ? [] : invalidEach(FieldPath.root('metadata').child('name'), name, isDns1123Subdomain(name));
  if (!pod.spec) return [...errors, fieldError.required('spec')];
  return [...errors, ...validateDockerPodSpec(pod.spec)];
}
