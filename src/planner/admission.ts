/**
 * Whether the operator will run a pod at all: the semantic validation of the API, the parts of
 * the spec not implemented yet (refused, never silently ignored), and the host's policy on host
 * namespaces, privileged containers and host paths. A refusal means no Docker call for the pod.
 */
import { fieldError, formatFieldError, type FieldError } from '../api/field-errors.js';
import type { Container } from '../api/v1alpha1/container.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import { validateDockerPod } from '../api/v1alpha1/validation/pod.js';

/** What a host allows beyond the defaults (a DockerHost's `spec.policy`, or operator flags). */
export interface HostPolicy {
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

const NOT_YET = 'not supported yet by dockerpod-operator';

function unsupportedInContainer(c: Container, path: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe', 'volumeMounts', 'envFrom'] as const) {
    if (c[probe] !== undefined) errors.push(fieldError.forbidden(`${path}.${probe}`, NOT_YET));
  }
  (c.env ?? []).forEach((e, i) => {
    if (e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef) errors.push(fieldError.forbidden(`${path}.env[${i}].valueFrom`, NOT_YET));
  });
  return errors;
}

/** Fields of the spec that the operator does not implement yet. */
export function unsupportedFields(pod: DockerPod): FieldError[] {
  const errors: FieldError[] = [];
  if (pod.spec.initContainers?.length) errors.push(fieldError.forbidden('spec.initContainers', NOT_YET));
  if (pod.spec.volumes?.length) errors.push(fieldError.forbidden('spec.volumes', NOT_YET));
  pod.spec.containers.forEach((c, i) => errors.push(...unsupportedInContainer(c, `spec.containers[${i}]`)));
  return errors;
}

/** What the host's policy forbids in the pod. */
export function policyViolations(pod: DockerPod, policy: HostPolicy, hostName: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!policy.allowHostNamespaces) {
    for (const field of ['hostNetwork', 'hostIPC', 'hostPID'] as const) {
      if (pod.spec[field]) errors.push(fieldError.forbidden(`spec.${field}`, `host namespaces are not allowed on host "${hostName}"`));
    }
  }
  if (!policy.allowPrivileged) {
    pod.spec.containers.forEach((c, i) => {
      if (c.securityContext?.privileged) errors.push(fieldError.forbidden(`spec.containers[${i}].securityContext.privileged`, `privileged containers are not allowed on host "${hostName}"`));
    });
  }
  return errors;
}

/** The refusal of a pod, or undefined when the operator will run it. */
export function admitPod(pod: DockerPod, policy: HostPolicy, hostName: string): Refusal | undefined {
  const errors = [...validateDockerPod(pod), ...unsupportedFields(pod), ...policyViolations(pod, policy, hostName)];
  if (errors.length === 0) return undefined;
  return { reason: 'InvalidSpec', message: errors.map(formatFieldError).join('; '), errors };
}
