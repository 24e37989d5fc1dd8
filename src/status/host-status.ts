/**
 * The DockerHost status, derived (purely) from the host, its latest heartbeat and the load the
 * caller computed. Deterministic and quiet: a steady host yields a status deep-equal to the one it
 * has, so the caller skips the write; only the heartbeat time moves on its own, at most once per
 * refresh period (like a kubelet's node status, "written only when something changed, apart from
 * a heartbeat timestamp at most every 40 s").
 */
import type { DockerHost, DockerHostStatus } from '../api/v1alpha1/dockerhost.js';
import { renderMemory } from '../scheduler/index.js';
import { canonicalJson } from '../util/canonical.js';
import { defined } from '../util/objects.js';
import { stampConditions, type ConditionValue } from './conditions.js';

/** What the engine said at a successful heartbeat (`docker info` and the negotiated API version). */
export interface EngineReport {
  version: string;
  /** The negotiated Engine API version, without the "v" (e.g. "1.41"). */
  apiVersion: string;
  os: string;
  kernel: string;
  cgroupDriver: string;
  cgroupVersion: string;
  cpus: number;
  memoryBytes: number;
}

/** The outcome of one heartbeat: the engine's facts, or the Ready=False reason and message (e.g. from classifyEngineError). */
export type HeartbeatResult = { ok: true; info: EngineReport } | { ok: false; reason: string; message: string };

/** Rendered resource amounts of the status. */
export interface HostResources {
  cpu?: string;
  memory?: string;
  pods?: number;
}

/** Inputs of a DockerHost status. */
export interface HostStatusInput {
  /** The host: spec, metadata.generation and the previous status. */
  host: DockerHost;
  /** The latest heartbeat. */
  heartbeat: HeartbeatResult;
  /** Capacity minus reserved, already rendered; undefined while unknown (the field is then absent). */
  allocatable: HostResources | undefined;
  /** Requests of the pods bound to the host, already rendered. */
  allocated: HostResources;
  /** Number of pods bound to the host. */
  pods: number;
  /** RFC 3339 to the second. */
  now: string;
  /** The same instant in ms since the epoch. */
  nowMs: number;
  /** A steady host's lastHeartbeatTime is refreshed once it is this old (default 40 000 ms). */
  heartbeatRefreshMs?: number;
}

/** The default period after which a steady host's lastHeartbeatTime is refreshed. */
export const HEARTBEAT_REFRESH_MS = 40_000;

type EngineStatus = NonNullable<DockerHostStatus['engine']>;

const nonEmpty = (s: string): string | undefined => (s === '' ? undefined : s);

/** The status's engine facts from a heartbeat; strings the engine left empty are absent. */
function engineStatus(info: EngineReport): EngineStatus {
  return defined({
    version: nonEmpty(info.version),
    apiVersion: nonEmpty(info.apiVersion),
    os: nonEmpty(info.os),
    kernel: nonEmpty(info.kernel),
    cgroupDriver: nonEmpty(info.cgroupDriver),
    cgroupVersion: nonEmpty(info.cgroupVersion),
    cpus: info.cpus,
    memory: renderMemory(info.memoryBytes),
  });
}

function readyCondition(heartbeat: HeartbeatResult): ConditionValue {
  if (!heartbeat.ok) return { type: 'Ready', status: 'False', reason: heartbeat.reason, message: heartbeat.message };
  return { type: 'Ready', status: 'True', reason: 'EngineReady', message: `Docker ${heartbeat.info.version} (API ${heartbeat.info.apiVersion}) answered` };
}

/** The parts of a status this module owns, apart from the heartbeat time, for change detection. */
function owned(status: DockerHostStatus | undefined): string {
  const { conditions, lastHeartbeatTime: _time, ...rest } = status ?? {};
  return canonicalJson({ ...rest, ready: (conditions ?? []).find((c) => c.type === 'Ready') });
}

/** now after a successful heartbeat that changed something or found the previous time stale (or unreadable); else the previous time. */
function heartbeatTime(input: HostStatusInput, changed: boolean): string | undefined {
  const previous = input.host.status?.lastHeartbeatTime;
  if (!input.heartbeat.ok) return previous;
  if (changed || previous === undefined) return input.now;
  const previousMs = Date.parse(previous);
  const stale = Number.isNaN(previousMs) || input.nowMs - previousMs >= (input.heartbeatRefreshMs ?? HEARTBEAT_REFRESH_MS);
  return stale ? input.now : previous;
}

/**
 * The DockerHost status for one heartbeat. Guarantees: conditions is exactly [Ready] (True,
 * EngineReady, "Docker <version> (API <api>) answered", or False with the heartbeat's reason and
 * message), its lastTransitionTime moving only when its status flips and its observedGeneration
 * the host's generation; `engine` holds the facts of the last successful heartbeat (the previous
 * status's when this one failed; absent if none ever succeeded); allocatable (when given),
 * allocated and pods are as given; observedGeneration is metadata.generation (0 when unset);
 * lastHeartbeatTime is `now` only when the heartbeat succeeded and either something above changed
 * or the previous time is at least heartbeatRefreshMs old, else the previous value. So the same
 * inputs within the refresh period give a status deep-equal to the previous one. Conditions of
 * other types (added by the caller) are not carried over and do not count as changes.
 */
export function deriveHostStatus(input: HostStatusInput): DockerHostStatus {
  const { host, heartbeat } = input;
  const previous = host.status;
  const generation = host.metadata.generation ?? 0;
  const next: DockerHostStatus = defined({
    conditions: stampConditions([readyCondition(heartbeat)], previous?.conditions, input.now, generation),
    engine: heartbeat.ok ? engineStatus(heartbeat.info) : previous?.engine,
    allocatable: input.allocatable ? defined({ ...input.allocatable }) : undefined,
    allocated: defined({ ...input.allocated }),
    pods: input.pods,
    observedGeneration: generation,
  });
  const lastHeartbeatTime = heartbeatTime(input, owned(next) !== owned(previous));
  return defined({ ...next, lastHeartbeatTime });
}

/** Whether the host's status says its engine answered the last heartbeat (condition Ready is True). */
export function hostReady(host: DockerHost): boolean {
  return (host.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
