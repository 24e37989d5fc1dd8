/**
 * Pod status while the pod cannot run on a host: not scheduled yet (no host fits), or bound to a
 * host that stopped answering. Pure and deterministic like deriveStatus, so an unchanged
 * situation never causes a status write.
 */
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import type { DockerPodStatus } from '../api/v1alpha1/pod-status.js';
import { defined } from '../util/objects.js';
import { stampConditions, type ConditionValue } from './conditions.js';
import { readySummary, restartSum, statusSummary } from './summary.js';

/**
 * An unschedulable pod, as kube-scheduler leaves one: phase Pending, only `PodScheduled=False`
 * with reason Unschedulable and the scheduler's message, no host and no container statuses.
 */
export function unschedulableStatus(pod: DockerPod, message: string, now: string): DockerPodStatus {
  const generation = pod.metadata.generation ?? 0;
  const conditions = stampConditions([{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }], pod.status?.conditions, now, generation);
  return defined({
    phase: 'Pending' as const,
    conditions,
    observedGeneration: generation,
    summary: pod.metadata.deletionTimestamp ? 'Terminating' : 'Pending',
    readyContainers: `0/${pod.spec.containers.length}`,
    restartCount: 0,
  });
}

/** Why the pod's host cannot be reached, and whether the grace before phase Unknown has passed. */
export interface HostDown {
  hostName: string;
  /** The host's own Ready message (e.g. the engine's error). */
  message: string;
  /** The grace passed: the phase becomes Unknown. */
  unknown: boolean;
}

/**
 * A pod on a host that stopped answering, as the node lifecycle controller marks pods of a
 * NotReady node: `Ready=False` (reason HostNotReady) at once, phase Unknown after the grace,
 * container states, IPs and restart counts kept at their last known values, no container ready.
 */
export function hostDownStatus(pod: DockerPod, down: HostDown, now: string): DockerPodStatus {
  const previous = pod.status ?? {};
  const generation = pod.metadata.generation ?? 0;
  const notReady: ConditionValue = { type: 'Ready', status: 'False', reason: 'HostNotReady', message: `DockerHost ${down.hostName} is not ready: ${down.message}` };
  const kept: ConditionValue[] = (previous.conditions ?? []).filter((c) => c.type !== 'Ready').map(({ type, status, reason, message }) => defined({ type, status, reason, message }));
  const conditions = stampConditions([...kept, notReady], previous.conditions, now, generation);
  const phase = down.unknown ? 'Unknown' : (previous.phase ?? 'Pending');
  // States stay as last seen; readiness cannot be vouched for by a host that does not answer.
  const statuses = (previous.containerStatuses ?? []).map((c) => ({ ...c, ready: false }));
  return defined({
    ...previous,
    phase,
    containerStatuses: statuses,
    conditions,
    reason: down.unknown ? 'HostLost' : previous.reason,
    message: down.unknown ? `DockerHost ${down.hostName} has not answered; the last known state is shown` : previous.message,
    summary: statusSummary({ phase, statuses, deleting: Boolean(pod.metadata.deletionTimestamp), readyCondition: false, ...(down.unknown ? { reason: 'Unknown' } : {}) }),
    readyContainers: readySummary(statuses),
    restartCount: restartSum(statuses),
  });
}
