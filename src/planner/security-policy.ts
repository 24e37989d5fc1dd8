/**
 * The parts of a host's policy about what a container may do to the host beyond Docker's
 * defaults (pure): capabilities added outside Docker's default set, and mounts of the engine's
 * own socket (which is root on the host: whoever can talk to it can start a privileged
 * container). Each refusal names the policy field that would allow it.
 */
import { posix } from 'node:path';
import { fieldError, type FieldError } from '../api/field-errors.js';
import type { Container } from '../api/v1alpha1/container.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';

/** The capabilities Docker grants every container (moby's oci/caps DefaultCapabilities). */
export const DOCKER_DEFAULT_CAPABILITIES: ReadonlySet<string> = new Set([
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
]);

/** Socket paths of Docker engines everywhere, besides the host's own endpoint. */
const WELL_KNOWN_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock'];

/** A capability name as Docker compares them: upper case, without the `CAP_` prefix. */
export const normalizeCapability = (name: string): string => name.trim().toUpperCase().replace(/^CAP_/, '');

/** Capabilities that `add` grants beyond Docker's default set and the allowed list (`ALL` counts as one, allowed only as `ALL`). */
export function extraCapabilities(add: readonly string[], allowed: readonly string[]): string[] {
  const ok = new Set(allowed.map(normalizeCapability));
  return add.map(normalizeCapability).filter((c) => !DOCKER_DEFAULT_CAPABILITIES.has(c) && !ok.has(c) && !ok.has('ALL'));
}

const clean = (path: string): string => {
  const p = posix.normalize(path);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
};

/** The engine's socket path of a `unix://` endpoint, else undefined. */
export const unixSocketOf = (endpoint: string | undefined): string | undefined => (endpoint?.startsWith('unix://') ? clean(endpoint.slice('unix://'.length)) : undefined);

/** Whether mounting `hostPath` exposes a Docker socket: it is one (any `*.sock` named docker), or a directory holding one. */
export function exposesDockerSocket(hostPath: string, engineSocket?: string): boolean {
  const path = clean(hostPath);
  const sockets = [...WELL_KNOWN_SOCKETS, ...(engineSocket ? [engineSocket] : [])];
  if (/(^|\/)docker\.sock$/.test(path)) return true;
  return sockets.some((s) => s === path || path === '/' || s.startsWith(`${path}/`));
}

/** What a host allows of capabilities and engine sockets. */
export interface SecurityPolicy {
  /** Capabilities pods may add beyond Docker's default set (`spec.policy.allowedCapabilities`; none when absent). */
  allowedCapabilities?: string[];
  /** Whether hostPath volumes may expose the engine's socket (`spec.policy.allowDockerSocket`; default false). */
  allowDockerSocket?: boolean;
  /** The host's own socket, when its endpoint is `unix://`. */
  engineSocket?: string;
}

function capabilityErrors(c: Container, path: string, policy: SecurityPolicy, where: string): FieldError[] {
  const extra = extraCapabilities(c.securityContext?.capabilities?.add ?? [], policy.allowedCapabilities ?? []);
  if (extra.length === 0) return [];
  return [fieldError.forbidden(`${path}.securityContext.capabilities.add`, `capabilities ${extra.join(', ')} are outside Docker's default set and not allowed ${where} (spec.policy.allowedCapabilities)`)];
}

/** What the host's security policy forbids in the pod; `where` is "on host \"x\"" or "on any DockerHost". */
export function securityViolations(pod: DockerPod, policy: SecurityPolicy, where: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const [list, field] of [[pod.spec.initContainers ?? [], 'initContainers'], [pod.spec.containers, 'containers']] as const) {
    list.forEach((c, i) => errors.push(...capabilityErrors(c, `spec.${field}[${i}]`, policy, where)));
  }
  if (policy.allowDockerSocket !== true) {
    (pod.spec.volumes ?? []).forEach((v, i) => {
      if (v.hostPath && exposesDockerSocket(v.hostPath.path, policy.engineSocket)) {
        errors.push(fieldError.forbidden(`spec.volumes[${i}].hostPath.path`, `host path ${v.hostPath.path} exposes the Docker engine's socket, which is not allowed ${where} (spec.policy.allowDockerSocket)`));
      }
    });
  }
  return errors;
}
