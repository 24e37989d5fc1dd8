/**
 * What a DockerHost offers to pods, as a kubelet computes a node's allocatable: the capacity
 * (spec.capacity where given, else what the engine reports; 110 pods like the kubelet's
 * maxPods) minus spec.reserved, never below zero. And back to API quantities for the status.
 */
import { milliValue, parseQuantity, value, type Quantity } from '../api/quantity.js';
import type { DockerHostSpec } from '../api/v1alpha1/dockerhost.js';

/** Amounts of the resources the scheduler counts. */
export interface Resources {
  cpuMilli: number;
  memoryBytes: number;
  pods: number;
}

/** The engine's facts (`docker info`): CPUs and total memory in bytes. */
export interface EngineFacts {
  cpus: number;
  memoryBytes: number;
}

/** The kubelet's default maxPods, the pod capacity of a host whose spec does not set one. */
export const DEFAULT_MAX_PODS = 110;

type ResourceList = DockerHostSpec['capacity'];

const parsed = (q: string | number | undefined): Quantity | undefined => (q === undefined ? undefined : parseQuantity(q));
const clamp = (n: number): number => Math.max(0, n);

/** A quantity in millicores (or `fallback` when absent or unparseable), never negative. */
function milliOr(q: string | number | undefined, fallback: number): number {
  const p = parsed(q);
  return clamp(p ? Number(milliValue(p)) : fallback);
}

/** A quantity in bytes (or `fallback` when absent or unparseable), never negative. */
function bytesOr(q: string | number | undefined, fallback: number): number {
  const p = parsed(q);
  return clamp(p ? Number(value(p)) : fallback);
}

/** Capacity: each field of spec.capacity where set, else the engine's facts (0 when unknown); pods default 110. */
export function hostCapacity(capacity: ResourceList, engine: EngineFacts | undefined): Resources {
  return {
    cpuMilli: milliOr(capacity?.cpu, Math.round((engine?.cpus ?? 0) * 1000)),
    memoryBytes: bytesOr(capacity?.memory, engine?.memoryBytes ?? 0),
    pods: clamp(capacity?.pods ?? DEFAULT_MAX_PODS),
  };
}

/**
 * Allocatable = capacity - spec.reserved, resource by resource, never below 0. Capacity fields
 * come from spec.capacity when set, else from the engine (cpus * 1000 millicores, memory bytes);
 * an unknown engine counts 0, so such a host fits only pods that request nothing. Pods default
 * to 110. Unset reserved fields reserve nothing.
 */
export function hostAllocatable(spec: DockerHostSpec, engine: EngineFacts | undefined): Resources {
  const capacity = hostCapacity(spec.capacity, engine);
  const reserved = spec.reserved;
  return {
    cpuMilli: clamp(capacity.cpuMilli - milliOr(reserved?.cpu, 0)),
    memoryBytes: clamp(capacity.memoryBytes - bytesOr(reserved?.memory, 0)),
    pods: clamp(capacity.pods - clamp(reserved?.pods ?? 0)),
  };
}

/** Resources as the DockerHost status shows them. */
export interface RenderedResources {
  cpu: string;
  memory: string;
  pods: number;
}

const BINARY_SUFFIXES: ReadonlyArray<[string, number]> = [
  ['Gi', 2 ** 30],
  ['Mi', 2 ** 20],
  ['Ki', 2 ** 10],
];

/** CPU as a quantity: whole cores ("2") when exact, else millicores ("1500m"). */
export function renderCpu(milli: number): string {
  const m = Math.ceil(milli);
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

/** Memory as a quantity: the largest of Gi, Mi, Ki that divides it exactly ("8Gi", "1536Mi"), else plain bytes; 0 is "0". */
export function renderMemory(bytes: number): string {
  const b = Math.ceil(bytes);
  if (b === 0) return '0';
  const suffix = BINARY_SUFFIXES.find(([, unit]) => b % unit === 0);
  return suffix ? `${b / suffix[1]}${suffix[0]}` : String(b);
}

/**
 * Resources as API quantities for the DockerHost status, deterministically: the same amounts
 * always give the same strings, and parsing them back gives the amounts (fractions are rounded
 * up, as the API machinery rounds). Accepts a HostLoad too (its hostPorts are ignored).
 */
export function renderResources(r: Resources): RenderedResources {
  return { cpu: renderCpu(r.cpuMilli), memory: renderMemory(r.memoryBytes), pods: r.pods };
}
