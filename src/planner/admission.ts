/**
 * Whether the operator will run a pod at all: the semantic validation of the API and the host's
 * policy on host namespaces, privileged containers and host paths. (Every field of the schema is
 * implemented; a field that is not would be refused here, never silently ignored.) A refusal means no Docker call for the pod.
 */
import { fieldError, formatFieldError, type FieldError } from '../api/field-errors.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import { isWellFormedSpec, validateDockerPod } from '../api/v1alpha1/validation/pod.js';
import { hostPathAllowed } from './host-paths.js';
import { securityViolations, type SecurityPolicy } from './security-policy.js';

/** What a host allows beyond the defaults (a DockerHost's `spec.policy`, or operator flags). */
export interface HostPolicy extends SecurityPolicy {
  allowHostNamespaces: boolean;
  allowPrivileged: boolean;
  allowedHostPaths: Array<{ pathPrefix: string; readOnly?: boolean }>;
}

/** Why a pod is refused: a condition reason and a message naming the fields. */
export interface Refusal {
  reason: 'InvalidSpec';
  message: string;
  errors: FieldError[];
}

/** Where a refusal applies, in its message: one host, or the whole fleet (no host allows it). */
export const ANY_HOST = Symbol('any DockerHost');

function hostPathViolations(pod: DockerPod, policy: HostPolicy, where: string): FieldError[] {
  return (pod.spec.volumes ?? []).flatMap((v, i) =>
    v.hostPath && !hostPathAllowed(pod, { name: v.name, path: v.hostPath.path }, policy.allowedHostPaths)
      ? [fieldError.forbidden(`spec.volumes[${i}].hostPath.path`, `host path ${v.hostPath.path} is not allowed ${where} (spec.policy.allowedHostPaths)`)]
      : [],
  );
}

/** What the host's policy forbids in the pod (`hostName` ANY_HOST: what no host of the fleet allows). */
export function policyViolations(pod: DockerPod, policy: HostPolicy, hostName: string | typeof ANY_HOST): FieldError[] {
  const where = hostName === ANY_HOST ? 'on any DockerHost' : `on host "${hostName}"`;
  const errors: FieldError[] = [];
  if (!policy.allowHostNamespaces) {
    for (const field of ['hostNetwork', 'hostIPC', 'hostPID'] as const) {
      if (pod.spec[field]) errors.push(fieldError.forbidden(`spec.${field}`, `host namespaces are not allowed ${where} (spec.policy.allowHostNamespaces)`));
    }
  }
  if (!policy.allowPrivileged) {
    for (const [list, field] of [[pod.spec.initContainers ?? [], 'initContainers'], [pod.spec.containers, 'containers']] as const) {
      list.forEach((c, i) => {
        if (c.securityContext?.privileged) errors.push(fieldError.forbidden(`spec.${field}[${i}].securityContext.privileged`, `privileged containers are not allowed ${where} (spec.policy.allowPrivileged)`));
      });
    }
  }
  errors.push(...hostPathViolations(pod, policy, where));
  errors.push(...securityViolations(pod, policy, where));
  return errors;
}

/** The refusal of a pod, or undefined when the operator will run it (`hostName` ANY_HOST: refused because no host of the fleet allows it). */
export function admitPod(pod: DockerPod, policy: HostPolicy, hostName: string | typeof ANY_HOST): Refusal | undefined {
  // The policy reads the spec as its type says: one off the schema is refused for that alone.
  const errors = [...validateDockerPod(pod), ...(isWellFormedSpec(pod.spec) ? policyViolations(pod, policy, hostName) : [])];
  if (errors.length === 0) return undefined;
  return { reason: 'InvalidSpec', message: errors.map(formatFieldError).join('; '), errors };
}
