/**
 * What a pod asks of a host, as kube-scheduler computes it: the effective request (the sum over
 * the containers, or the largest init container when that is larger, resource by resource) and
 * the host ports it publishes, with the NodePorts plugin's rule for when two of them collide.
 */
import type { Container } from '../api/v1alpha1/container.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import { cpuRequestMilli, memoryRequest } from '../planner/resources.js';

/** The address a hostPort binds to when its hostIP is empty: every address. */
export const ANY_HOST_IP = '0.0.0.0';

/** A published port: `${protocol}/${hostIP}/${hostPort}`, e.g. `TCP/0.0.0.0/8080` or `UDP/10.0.0.1/53`. */
export type HostPortKey = string;

/** The requests of a pod: what it reserves on the host it is bound to. */
export interface PodDemand {
  /** Effective CPU request in millicores (0 when nothing is requested). */
  cpuMilli: number;
  /** Effective memory request in bytes (0 when nothing is requested). */
  memoryBytes: number;
  /** Every host port of the pod's containers, each once, in the order of the spec. */
  hostPorts: HostPortKey[];
}

/** The key of a published port: protocol defaulted to TCP, hostIP defaulted to 0.0.0.0. */
export function hostPortKey(port: { hostPort: number; hostIP?: string; protocol?: string }): HostPortKey {
  return `${port.protocol || 'TCP'}/${port.hostIP || ANY_HOST_IP}/${port.hostPort}`;
}

/** The host ports of the pod's (regular) containers, deduplicated, in the order of the spec. */
export function podHostPorts(pod: DockerPod): HostPortKey[] {
  const keys = new Set<HostPortKey>();
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) if (p.hostPort !== undefined) keys.add(hostPortKey({ ...p, hostPort: p.hostPort }));
  }
  return [...keys];
}

const sum = (containers: readonly Container[], request: (c: Container) => number): number => containers.reduce((total, c) => total + request(c), 0);
const largest = (containers: readonly Container[], request: (c: Container) => number): number => containers.reduce((max, c) => Math.max(max, request(c)), 0);

/** kube-scheduler's effective request of one resource: max(sum over containers, max over init containers). */
function effective(pod: DockerPod, request: (c: Container) => number): number {
  return Math.max(sum(pod.spec.containers, request), largest(pod.spec.initContainers ?? [], request));
}

/**
 * The pod's demand. Each container's request defaults to its limit when only the limit is set
 * (as the API server defaults it); CPU and memory are each max(sum of the containers' requests,
 * largest init container request), since init containers run one at a time before the others.
 */
export function podDemand(pod: DockerPod): PodDemand {
  return { cpuMilli: effective(pod, cpuRequestMilli), memoryBytes: effective(pod, memoryRequest), hostPorts: podHostPorts(pod) };
}

interface ParsedKey {
  protocol: string;
  ip: string;
  port: string;
}
/** Splits a key; the hostIP is everything between the first and the last "/" (IPv6 has no "/"). */
function parseKey(key: HostPortKey): ParsedKey {
  const first = key.indexOf('/');
  const last = key.lastIndexOf('/');
  return { protocol: key.slice(0, first), ip: key.slice(first + 1, last), port: key.slice(last + 1) };
}

/**
 * Whether any port of `a` collides with any port of `b`, by kube-scheduler's NodePorts rule: the
 * same protocol and port collide when either hostIP is 0.0.0.0 or both are equal. Different
 * protocols never collide. `b` is read once.
 */
export function portsConflict(a: readonly HostPortKey[], b: Iterable<HostPortKey>): boolean {
  if (a.length === 0) return false;
  const exact = new Set<string>();
  const used = new Set<string>();
  for (const key of b) {
    const { protocol, port } = parseKey(key);
    exact.add(key);
    used.add(`${protocol}/${port}`);
  }
  return a.some((key) => {
    const { protocol, ip, port } = parseKey(key);
    if (ip === ANY_HOST_IP) return used.has(`${protocol}/${port}`);
    return exact.has(key) || exact.has(`${protocol}/${ANY_HOST_IP}/${port}`);
  });
}
