/**
 * Which container of a DockerPod a `logs` or `exec` means, and which Docker container holds it,
 * with the API server's and kubelet's rules and messages: `-c` must name a container of the
 * spec (init containers included); without it the pod's only container, or the one the
 * `kubectl.kubernetes.io/default-container` annotation names; the current instance is the
 * newest attempt (LABEL.attempt, then creation time), the previous one the newest after it.
 * Pure.
 */
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import { LABEL, labelInt } from '../planner/labels.js';
import type { ContainerSummary } from '../runtime/docker/types.js';

/** A pod or container that cannot serve the request, with kubectl's wording; exit code 1. */
export class TargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}

/** The annotation kubectl reads for the container to use when none is given. */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/** The spec container a request means. */
export function selectContainer(pod: DockerPod, requested: string): string {
  const name = pod.metadata.name ?? '';
  const containers = pod.spec.containers.map((c) => c.name);
  const inits = (pod.spec.initContainers ?? []).map((c) => c.name);
  if (requested === '') return defaultContainer(pod, containers, inits);
  if (!containers.includes(requested) && !inits.includes(requested)) throw new TargetError(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

/** The container to use when none is named: the annotation's, else the only one. */
function defaultContainer(pod: DockerPod, containers: string[], inits: string[]): string {
  const name = pod.metadata.name ?? '';
  const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION] ?? '';
  if (containers.includes(annotated)) return annotated;
  const [only, ...more] = containers;
  if (only !== undefined && more.length === 0) return only;
  const initPart = inits.length > 0 ? ` or one of the init containers: [${inits.join(' ')}]` : '';
  throw new TargetError(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]${initPart}`);
}

/** The labels that find every instance of a pod's container on its engine. */
export function instanceLabels(pod: DockerPod, container: string): Record<string, string> {
  return { [LABEL.uid]: pod.metadata.uid ?? '', [LABEL.container]: container };
}

/** Newest first: the higher attempt, then the later creation. */
const newestFirst = (a: ContainerSummary, b: ContainerSummary): number =>
  labelInt(b.labels, LABEL.attempt) - labelInt(a.labels, LABEL.attempt) || b.created - a.created;

/** The current instance (the newest) or the previous one (the newest that is not current). */
export function pickInstance(instances: readonly ContainerSummary[], which: 'current' | 'previous'): ContainerSummary | undefined {
  const sorted = [...instances].sort(newestFirst);
  return sorted[which === 'current' ? 0 : 1];
}

/** Why a container without an instance waits, from the pod's status (ContainerCreating when it says nothing). */
export function waitingReason(pod: DockerPod, container: string): string {
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  return statuses.find((s) => s.name === container)?.state?.waiting?.reason || 'ContainerCreating';
}

/** kubelet's message for a container that has no instance to read or exec into. */
export function notStartedMessage(pod: DockerPod, container: string): string {
  return `container "${container}" in pod "${pod.metadata.name ?? ''}" is waiting to start: ${waitingReason(pod, container)}`;
}

/** kubelet's message for `--previous` without an earlier instance. */
export function noPreviousMessage(pod: DockerPod, container: string): string {
  return `previous terminated container "${container}" in pod "${pod.metadata.name ?? ''}" not found`;
}
