/**
 * The kubelet's resource formulas, so a DockerPod gets the cgroup settings a Pod would:
 * memory limit -> Memory = MemorySwap (no swap); cpu request -> CPUShares; cpu limit ->
 * CPUQuota over a 100 ms period; the QoS class and the OOM score adjustment it implies.
 */
import { milliValue, parseQuantity, value } from '../api/quantity.js';
import type { Container } from '../api/v1alpha1/container.js';

/** Kubelet constants (pkg/kubelet/cm, pkg/kubelet/qos). */
export const MIN_SHARES = 2;
export const MAX_SHARES = 262144;
export const QUOTA_PERIOD = 100_000;
export const MIN_QUOTA = 1000;
const GUARANTEED_OOM = -997;
const BEST_EFFORT_OOM = 1000;

/** Kubernetes QoS classes. */
export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

type Resource = 'cpu' | 'memory';

const raw = (c: Container, kind: 'requests' | 'limits', r: Resource): string | number | undefined => c.resources?.[kind]?.[r];

/** A container's request, defaulted to its limit as the API server does when only a limit is set. */
function request(c: Container, r: Resource): string | number | undefined {
  return raw(c, 'requests', r) ?? raw(c, 'limits', r);
}

const milli = (q: string | number | undefined): number => {
  const parsed = q === undefined ? undefined : parseQuantity(q);
  return parsed ? Number(milliValue(parsed)) : 0;
};
const bytes = (q: string | number | undefined): number => {
  const parsed = q === undefined ? undefined : parseQuantity(q);
  return parsed ? Number(value(parsed)) : 0;
};

/** CPU shares of a container: request (the limit when the request is zero) in millicores * 1024 / 1000, within [2, 262144]. */
export function cpuShares(c: Container): number {
  const requested = milli(request(c, 'cpu'));
  const shares = Math.floor(((requested === 0 ? milli(raw(c, 'limits', 'cpu')) : requested) * 1024) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

/** CFS quota and period of a container's cpu limit, or undefined without one. */
export function cpuQuota(c: Container): { quota: number; period: number } | undefined {
  const limit = milli(raw(c, 'limits', 'cpu'));
  if (limit === 0) return undefined;
  return { quota: Math.max(MIN_QUOTA, Math.floor((limit * QUOTA_PERIOD) / 1000)), period: QUOTA_PERIOD };
}

/** Memory limit in bytes, or 0 for none. */
export const memoryLimit = (c: Container): number => bytes(raw(c, 'limits', 'memory'));

/** CPU request in millicores (defaulted to the limit when no request is set, as the API server does), or 0. */
export const cpuRequestMilli = (c: Container): number => milli(request(c, 'cpu'));

/** Memory request in bytes (defaulted to the limit), or 0. */
export const memoryRequest = (c: Container): number => bytes(request(c, 'memory'));

/** The kubelet ignores zero quantities when it computes the QoS class. */
function isGuaranteed(c: Container): boolean {
  return (['cpu', 'memory'] as const).every((r) => {
    const limit = milli(raw(c, 'limits', r));
    return limit > 0 && milli(request(c, r)) === limit;
  });
}

const hasAny = (c: Container): boolean => (['requests', 'limits'] as const).some((k) => milli(raw(c, k, 'cpu')) > 0 || milli(raw(c, k, 'memory')) > 0);

/** The pod's QoS class from its containers, as the kubelet computes it. */
export function qosClass(containers: readonly Container[]): QosClass {
  if (!containers.some(hasAny)) return 'BestEffort';
  return containers.every(isGuaranteed) ? 'Guaranteed' : 'Burstable';
}

/** The OOM score adjustment of a container (kubelet policy): -997, 1000, or 1000 - 1000*request/capacity within [3, 999]. */
export function oomScoreAdj(qos: QosClass, c: Container, memoryCapacity: number): number {
  if (qos === 'Guaranteed') return GUARANTEED_OOM;
  if (qos === 'BestEffort') return BEST_EFFORT_OOM;
  const capacity = memoryCapacity > 0 ? memoryCapacity : 1;
  const score = 1000 - Math.floor((1000 * memoryRequest(c)) / capacity);
  return Math.min(BEST_EFFORT_OOM - 1, Math.max(1000 + GUARANTEED_OOM, score));
}
