/**
 * The scheduler: picks a DockerHost for a pod the way kube-scheduler picks a node, without I/O.
 * Filters (ready, unschedulable, host selector, policy, resources, host ports) drop the hosts
 * that cannot run the pod, each remembering why; the rest are scored by least allocated and the
 * best wins, ties broken by fewest pods and then by name, so the same input always gives the
 * same answer. When no host fits, the message has kube-scheduler's shape.
 */
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import { policyViolations, type HostPolicy } from '../planner/admission.js';
export { hasPathPrefix } from '../planner/host-paths.js';
import type { Resources } from './capacity.js';
import { podDemand, portsConflict, type HostPortKey, type PodDemand } from './demand.js';

/** A host the scheduler may choose: its labels, readiness, cordon, allocatable and policy. */
export interface HostCandidate {
  name: string;
  labels: Record<string, string>;
  ready: boolean;
  unschedulable: boolean;
  allocatable: Resources;
  policy: HostPolicy;
}

/** The requests of the pods bound (or reserved) to a host, and the host ports they hold. */
export interface HostLoad {
  cpuMilli: number;
  memoryBytes: number;
  pods: number;
  hostPorts: HostPortKey[];
}

/** The chosen host, or why there is none: kube-scheduler's message and the count of each reason. */
export type ScheduleResult = { host: string } | { unschedulable: true; message: string; reasons: Record<string, number> };

/** Why a host cannot run a pod, worded like kube-scheduler's plugins with "node" as "host". */
export const REASONS = {
  notReady: 'host(s) were not ready',
  unschedulable: 'host(s) were unschedulable',
  selector: "host(s) didn't match host selector",
  policy: "host(s) didn't allow the pod's host namespaces, privileged containers, capabilities or host paths (spec.policy)",
  pods: 'Too many pods',
  cpu: 'Insufficient cpu',
  memory: 'Insufficient memory',
  ports: "host(s) didn't have free ports for the requested pod ports",
} as const;

/** The message when there is no host at all (kube-scheduler says "no nodes available to schedule pods"). */
export const NO_HOSTS_MESSAGE = '0/0 hosts are available: no DockerHost exists.';

/** A load of nothing: no pods, no requests, no ports. */
export const emptyLoad = (): HostLoad => ({ cpuMilli: 0, memoryBytes: 0, pods: 0, hostPorts: [] });

/** The host's load in `loads`, or an empty load for a host with nothing bound. Never mutated by callers of this module. */
export function loadOf(loads: ReadonlyMap<string, HostLoad>, hostName: string): HostLoad {
  return loads.get(hostName) ?? emptyLoad();
}

/**
 * Adds one pod's demand to the host's load in `loads` (one more pod, its requests, its host
 * ports) and returns the new load. The previous HostLoad object is replaced, never mutated, so
 * a load handed out earlier keeps its value.
 */
export function addLoad(loads: Map<string, HostLoad>, hostName: string, demand: PodDemand): HostLoad {
  const load = loadOf(loads, hostName);
  const next: HostLoad = {
    cpuMilli: load.cpuMilli + demand.cpuMilli,
    memoryBytes: load.memoryBytes + demand.memoryBytes,
    pods: load.pods + 1,
    hostPorts: [...load.hostPorts, ...demand.hostPorts],
  };
  loads.set(hostName, next);
  return next;
}

/**
 * Whether the host's policy allows the pod: host namespaces (hostNetwork, hostPID, hostIPC) and
 * privileged containers as admission decides them (init containers included here), and every
 * hostPath volume under an allowed prefix.
 */
export function policyAllows(pod: DockerPod, policy: HostPolicy): boolean {
  return policyViolations(pod, policy, '').length === 0;
}

/** Whether the host has every label of the selector with the same value. */
export const matchesSelector = (labels: Readonly<Record<string, string>>, selector: Readonly<Record<string, string>> | undefined): boolean =>
  Object.entries(selector ?? {}).every(([key, wanted]) => Object.hasOwn(labels, key) && labels[key] === wanted);

/** NodeResourcesFit: every resource the host lacks (pods always counted, a zero request never fails). */
export function insufficientResources(demand: PodDemand, allocatable: Resources, load: HostLoad): string[] {
  const reasons: string[] = [];
  if (load.pods + 1 > allocatable.pods) reasons.push(REASONS.pods);
  if (demand.cpuMilli > 0 && demand.cpuMilli > allocatable.cpuMilli - load.cpuMilli) reasons.push(REASONS.cpu);
  if (demand.memoryBytes > 0 && demand.memoryBytes > allocatable.memoryBytes - load.memoryBytes) reasons.push(REASONS.memory);
  return reasons;
}

/**
 * Why the host cannot run the pod: empty when it can; otherwise the first failing filter's
 * reason, in the order not ready, unschedulable, host selector, policy, resources, host ports;
 * the resources filter gives every resource that is short.
 */
export function unfitReasons(pod: DockerPod, demand: PodDemand, host: HostCandidate, load: HostLoad): string[] {
  if (!host.ready) return [REASONS.notReady];
  if (host.unschedulable) return [REASONS.unschedulable];
  if (!matchesSelector(host.labels, pod.spec.hostSelector)) return [REASONS.selector];
  if (!policyAllows(pod, host.policy)) return [REASONS.policy];
  const short = insufficientResources(demand, host.allocatable, load);
  if (short.length > 0) return short;
  return portsConflict(demand.hostPorts, load.hostPorts) ? [REASONS.ports] : [];
}

/** The free share of one resource after placing the request: 0 when nothing is allocatable or it is over-committed. */
const freeShare = (allocatable: number, requested: number): number => (allocatable <= 0 ? 0 : Math.max(0, (allocatable - requested) / allocatable));

/**
 * LeastAllocated: the average over cpu and memory of (allocatable - (load + demand)) / allocatable,
 * in [0, 1]; higher means emptier.
 */
export function leastAllocatedScore(demand: PodDemand, allocatable: Resources, load: HostLoad): number {
  const cpu = freeShare(allocatable.cpuMilli, load.cpuMilli + demand.cpuMilli);
  const memory = freeShare(allocatable.memoryBytes, load.memoryBytes + demand.memoryBytes);
  return (cpu + memory) / 2;
}

interface Scored {
  name: string;
  score: number;
  pods: number;
}

/** Highest score first, then fewest pods, then name ascending (by code unit, locale-free). */
function better(a: Scored, b: Scored): boolean {
  if (a.score !== b.score) return a.score > b.score;
  if (a.pods !== b.pods) return a.pods < b.pods;
  return a.name < b.name;
}

/** kube-scheduler's FitError message: `0/N hosts are available: ` and the sorted `count reason` strings. */
export function unschedulableMessage(hostCount: number, reasons: Readonly<Record<string, number>>): string {
  if (hostCount === 0) return NO_HOSTS_MESSAGE;
  const parts = Object.entries(reasons).map(([reason, count]) => `${count} ${reason}`);
  parts.sort();
  return `0/${hostCount} hosts are available: ${parts.join(', ')}.`;
}

/**
 * Picks the host for the pod, or explains why none fits. Deterministic: the answer depends only on
 * the arguments, not on the order of `hosts`. Each host that fails records the reason of its first
 * failing filter (several for resources, one per short resource); `reasons` counts them and the
 * message reads `0/<hosts> hosts are available: <count> <reason>, ...` with the parts in plain
 * string order, as kube-scheduler writes it. With no hosts at all the message is
 * NO_HOSTS_MESSAGE (`0/0 hosts are available: no DockerHost exists.`) and `reasons` is empty.
 * `loads` holds the requests already on each host (a host missing from it carries nothing);
 * spec.hostName is not considered (a pinned pod bypasses the scheduler).
 */
export function schedulePod(pod: DockerPod, hosts: readonly HostCandidate[], loads: ReadonlyMap<string, HostLoad>): ScheduleResult {
  const demand = podDemand(pod);
  const reasons: Record<string, number> = {};
  let best: Scored | undefined;
  for (const host of hosts) {
    const load = loadOf(loads, host.name);
    const unfit = unfitReasons(pod, demand, host, load);
    for (const reason of unfit) reasons[reason] = (reasons[reason] ?? 0) + 1;
    if (unfit.length > 0) continue;
    const scored = { name: host.name, score: leastAllocatedScore(demand, host.allocatable, load), pods: load.pods };
    if (!best || better(scored, best)) best = scored;
  }
  if (best) return { host: best.name };
  return { unschedulable: true, message: unschedulableMessage(hosts.length, reasons), reasons };
}
