/**
 * Identity of the Docker objects of a DockerPod: deterministic names and labels derived from the
 * pod's UID, so every object is found again after any restart (one label-filtered list) and a
 * duplicate create fails on the name instead of leaking a second container.
 */

/** Label keys on every container (and volume) the operator creates. */
export const LABEL = {
  /** Which operator instance owns the object (`--instance`), so two operators never touch each other's. */
  managedBy: 'dockerpod.dev/managed-by',
  namespace: 'dockerpod.dev/namespace',
  name: 'dockerpod.dev/name',
  uid: 'dockerpod.dev/uid',
  /** Spec name of the container; `POD` for the sandbox (not a valid DNS label, so it never collides). */
  container: 'dockerpod.dev/container',
  role: 'dockerpod.dev/role',
  /** The sandbox's attempt (on members: the attempt of the sandbox they joined). */
  sandboxAttempt: 'dockerpod.dev/sandbox-attempt',
  /** Per container name, increasing across the pod's life: the kubelet's restartCount. */
  attempt: 'dockerpod.dev/attempt',
  /** Consecutive crashes behind this instance, for the restart back-off. */
  backoff: 'dockerpod.dev/backoff',
  specHash: 'dockerpod.dev/spec-hash',
} as const;

/** Roles of the containers of a pod. */
export type Role = 'sandbox' | 'member' | 'init';

/** The container name label value of the sandbox. */
export const SANDBOX_NAME = 'POD';

/** What identifies a pod's objects. */
export interface PodIdentity {
  namespace: string;
  name: string;
  uid: string;
}

/** Labels shared by every object of a pod. */
export function podLabels(instance: string, pod: PodIdentity, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, [LABEL.managedBy]: instance, [LABEL.namespace]: pod.namespace, [LABEL.name]: pod.name, [LABEL.uid]: pod.uid };
}

/** The Docker name of a pod's container: `dp_<ns>_<name>_<uid8>_<container>_<attempt>` (sandbox: `POD_<attempt>`). */
export function containerName(pod: PodIdentity, container: string, attempt: number): string {
  return `dp_${pod.namespace}_${pod.name}_${pod.uid.slice(0, 8)}_${container}_${attempt}`;
}

/** The parts of a name made by containerName, or undefined for any other name. */
export function parseContainerName(name: string): { namespace: string; name: string; uid8: string; container: string; attempt: number } | undefined {
  const match = /^dp_([^_]+)_([^_]+)_([0-9a-f-]{1,8})_([^_]+)_(\d+)$/.exec(name.replace(/^\//, ''));
  if (!match) return undefined;
  const [, namespace = '', podName = '', uid8 = '', container = '', attempt = '0'] = match;
  return { namespace, name: podName, uid8, container, attempt: Number(attempt) };
}

/** A label value as an integer (0 when absent or malformed). */
export function labelInt(labels: Record<string, string>, key: string): number {
  const text = labels[key] ?? '';
  const n = Number(text);
  return /^\d+$/.test(text) && Number.isSafeInteger(n) ? n : 0;
}
