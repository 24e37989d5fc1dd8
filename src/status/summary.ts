/**
 * What `kubectl get pods` prints as READY, STATUS and RESTARTS, computed the way kubectl's pod
 * printer does, so the DockerPod printer columns read exactly like a Pod's.
 */
import type { ContainerStatus } from '../api/v1alpha1/pod-status.js';

/** Inputs of the summary. */
export interface SummaryInput {
  phase: string;
  reason?: string;
  statuses: readonly ContainerStatus[];
  /** Init containers' statuses, in spec order. */
  initStatuses?: readonly ContainerStatus[];
  deleting: boolean;
  readyCondition: boolean;
}

function containerReason(s: ContainerStatus): string | undefined {
  const t = s.state?.terminated;
  if (s.state?.waiting?.reason) return s.state.waiting.reason;
  if (t?.reason) return t.reason;
  if (t) return t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`;
  return undefined;
}

/** The reason the containers give (the first container's wins, as kubectl iterates backwards) and whether one runs ready. */
function containersView(statuses: readonly ContainerStatus[]): { reason?: string; hasRunning: boolean } {
  let reason: string | undefined;
  let hasRunning = false;
  for (const s of [...statuses].reverse()) {
    const r = containerReason(s);
    if (r) reason = r;
    else hasRunning ||= s.ready && s.state?.running !== undefined;
  }
  return { ...(reason ? { reason } : {}), hasRunning };
}

const terminationCode = (t: { signal?: number; exitCode: number }): string => (t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`);

/** One init container's part of STATUS: undefined when it succeeded, else what kubectl prints for it. */
function initContainerReason(s: ContainerStatus, i: number, total: number): string | undefined {
  const t = s.state?.terminated;
  if (t?.exitCode === 0) return undefined;
  if (t) return `Init:${t.reason || terminationCode(t)}`;
  const waiting = s.state?.waiting?.reason;
  return waiting && waiting !== 'PodInitializing' ? `Init:${waiting}` : `Init:${i}/${total}`;
}

/** kubectl's STATUS while init containers run: Init:N/M, Init:<reason>, Init:ExitCode:N or Init:Signal:N; undefined once all succeeded. */
function initReason(statuses: readonly ContainerStatus[]): string | undefined {
  for (const [i, s] of statuses.entries()) {
    const reason = initContainerReason(s, i, statuses.length);
    if (reason) return reason;
  }
  return undefined;
}

/** STATUS: the phase or pod reason, overridden by container reasons, Terminating when deleting a pod not yet in a terminal phase. */
export function statusSummary(input: SummaryInput): string {
  if (input.deleting && input.phase !== 'Succeeded' && input.phase !== 'Failed') return 'Terminating';
  return initReason(input.initStatuses ?? []) ?? containersSummary(input);
}

/** STATUS from the regular containers, once every init container has succeeded. */
function containersSummary(input: SummaryInput): string {
  const view = containersView(input.statuses);
  const reason = view.reason ?? input.reason ?? input.phase;
  if (reason !== 'Completed' || !view.hasRunning) return reason;
  return input.readyCondition ? 'Running' : 'NotReady';
}

/** READY: ready containers over containers, e.g. "1/2". */
export const readySummary = (statuses: readonly ContainerStatus[]): string => `${statuses.filter((s) => s.ready).length}/${statuses.length}`;

/** RESTARTS: the sum of restart counts. */
export const restartSum = (statuses: readonly ContainerStatus[]): number => statuses.reduce((n, s) => n + s.restartCount, 0);
