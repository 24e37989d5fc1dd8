/**
 * Pod conditions as the kubelet sets them, and the rule every controller follows:
 * `lastTransitionTime` changes only when the condition's status does.
 */
import type { Condition } from '../api/v1alpha1/condition.js';
import type { ContainerStatus } from '../api/v1alpha1/pod-status.js';
import type { Phase } from './phase.js';

/** A condition without the bookkeeping fields (times, generation). */
export interface ConditionValue {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** Stamps conditions with lastTransitionTime (kept when the status did not change) and observedGeneration. */
export function stampConditions(next: readonly ConditionValue[], previous: readonly Condition[] | undefined, now: string, generation: number): Condition[] {
  return next.map((c) => {
    const before = (previous ?? []).find((p) => p.type === c.type);
    const lastTransitionTime = before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now;
    return { ...c, lastTransitionTime, observedGeneration: generation };
  });
}

/** ContainersReady (and so Ready): True when every container is ready; the kubelet's reasons otherwise. */
export function containersReady(statuses: readonly ContainerStatus[], phase: Phase): ConditionValue {
  if (phase === 'Succeeded') return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  // A Failed pod is never ready, even while its containers still run (kubelet: checked before readiness).
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  if (unready.length === 0) return { type: 'ContainersReady', status: 'True' };
  return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
}

/** Ready mirrors ContainersReady (no readiness gates). */
export const ready = (containers: ConditionValue): ConditionValue => ({ ...containers, type: 'Ready' });
