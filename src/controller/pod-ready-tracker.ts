/**
 * Creation-to-Ready times of DockerPods, for dockerpod_pod_ready_duration_seconds: a pod counts
 * once per process, the first time an update shows its Ready condition turning True. Pods already
 * Ready when first seen (after a restart or a failover) are not counted: their time to Ready
 * belongs to whoever made them Ready. The time runs from `metadata.creationTimestamp` (whole
 * seconds, as the API server writes it) to now on the local clock.
 */
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import type { Clock } from '../util/clock.js';

const isReady = (pod: DockerPod): boolean => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** Remembers which pods were counted, so each counts once. */
export class PodReadyTracker {
  private readonly counted = new Set<string>();

  constructor(
    private readonly clock: Clock,
    private readonly observe: (seconds: number) => void,
  ) {}

  /** An update of a pod seen by the informer; counts the pod if it just became Ready for the first time. */
  updated(pod: DockerPod, old: DockerPod): void {
    const uid = pod.metadata.uid ?? '';
    if (!isReady(pod) || isReady(old) || this.counted.has(uid)) return;
    const created = Date.parse(pod.metadata.creationTimestamp ?? '');
    if (!Number.isFinite(created)) return;
    this.counted.add(uid);
    this.observe(Math.max(0, this.clock.now() - created) / 1000);
  }

  /** The pod is gone: forget it. */
  deleted(pod: DockerPod): void {
    this.counted.delete(pod.metadata.uid ?? '');
  }
}
