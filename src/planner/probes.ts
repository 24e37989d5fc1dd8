/**
 * The kubelet's probe workers (pkg/kubelet/prober/worker.go) as a pure state machine: one
 * ProbeState per (container instance, probe kind), advanced by recordResult() and asked for
 * its next attempt by nextProbeAt(). Nothing here runs a probe or keeps time.
 *
 * Kubelet rules kept:
 * - Results are Success, Failure or Unknown. Unknown (the kubelet's "probe errored": the probe
 *   could not be run, e.g. the engine refused the exec) is thrown away: it neither counts
 *   toward a threshold nor breaks a run.
 * - A result is published only after `successThreshold` consecutive successes or
 *   `failureThreshold` consecutive failures; successThreshold is 1 for liveness and startup
 *   whatever the spec says (the API requires 1 there).
 * - Initial published values: readiness Failure (not ready), liveness Success, startup Unknown
 *   (not started; the kubelet's initialValue for startup is Unknown, not Success).
 * - initialDelaySeconds counts from the container's start; no attempt before it.
 * - Startup gates the others: liveness and readiness do not run until the container has
 *   started (startup published Success, or no startup probe); once started, startup never runs
 *   again for this instance.
 * - A liveness or startup failure puts the worker on hold: no more attempts until a new
 *   container instance (the restart) replaces it.
 * - While the pod terminates, liveness and startup stop (the kubelet publishes Success and
 *   stops them, so a dying container is not restarted); readiness goes on.
 * - A new container instance starts a fresh worker (probeStateFor compares container ids).
 *
 * Deliberate differences: the first attempt runs exactly at start + initialDelay and later ones
 * a period after the previous attempt began (the kubelet's worker ticks on its own grid, so it
 * probes up to a period later, with a random offset after a kubelet restart); a new instance
 * also resets the consecutive-result counter, which the kubelet carries over for readiness.
 */
import type { Probe } from '../api/v1alpha1/container.js';

/** The three probes of a container. */
export type ProbeKind = 'startup' | 'liveness' | 'readiness';

/** Outcome of one attempt, or a published value. */
export type ProbeResult = 'Success' | 'Failure' | 'Unknown';

/**
 * What a recorded result changed: `started` (startup passed: liveness and readiness may run),
 * `startupFailed` and `livenessFailed` (restart the container), `ready` and `notReady`.
 */
export type ProbeTransition = 'started' | 'startupFailed' | 'livenessFailed' | 'ready' | 'notReady';

/** A probe's timing with the kubelet's defaults applied, in milliseconds. */
export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

/** The worker of one probe of one container instance. */
export interface ProbeState {
  readonly kind: ProbeKind;
  /** The container instance probed (a new id means a new worker). */
  readonly containerId: string;
  /** When the instance started running, in ms on the caller's clock (the probe manager's is monotonic): initialDelaySeconds counts from it. */
  readonly containerStartedAt: number;
  /** The published value (the kubelet's results manager). */
  readonly value: ProbeResult;
  /** The last counted result and how many times in a row it came. */
  readonly lastResult?: 'Success' | 'Failure';
  readonly run: number;
  /** When the last attempt began, on the same clock. */
  readonly lastProbeAt?: number;
  /** After a liveness or startup failure: nothing more until a new instance. */
  readonly onHold: boolean;
}

/** What the rest of the container says about whether a probe may run. */
export interface ProbeGate {
  /** The container has started: no startup probe, or it published Success. */
  started: boolean;
  /** The pod is being deleted. */
  terminating?: boolean;
}

/** The outcome of recordResult(). */
export interface ProbeUpdate {
  state: ProbeState;
  transition?: ProbeTransition;
}

const INITIAL_VALUE: Record<ProbeKind, ProbeResult> = { readiness: 'Failure', liveness: 'Success', startup: 'Unknown' };

/** The probe's timing with the kubelet's defaults (period 10 s, timeout 1 s, thresholds 1 and 3). */
export function probeTiming(kind: ProbeKind, spec: Probe): ProbeTiming {
  return {
    initialDelayMs: (spec.initialDelaySeconds ?? 0) * 1000,
    periodMs: Math.max(1, spec.periodSeconds ?? 10) * 1000,
    timeoutMs: Math.max(1, spec.timeoutSeconds ?? 1) * 1000,
    successThreshold: kind === 'readiness' ? Math.max(1, spec.successThreshold ?? 1) : 1,
    failureThreshold: Math.max(1, spec.failureThreshold ?? 3),
  };
}

/** A fresh worker for a container instance that started running at `startedAt`. */
export function newProbeState(kind: ProbeKind, container: { id: string; startedAt: number }): ProbeState {
  return { kind, containerId: container.id, containerStartedAt: container.startedAt, value: INITIAL_VALUE[kind], run: 0, onHold: false };
}

/** The worker for `container`: `previous` while it probes the same instance, else a fresh one. */
export function probeStateFor(kind: ProbeKind, container: { id: string; startedAt: number }, previous?: ProbeState): ProbeState {
  return previous && previous.kind === kind && previous.containerId === container.id ? previous : newProbeState(kind, container);
}

/** Whether the worker has nothing more to do for this instance (on hold, or startup passed). */
export function isFinished(state: ProbeState): boolean {
  return state.onHold || (state.kind === 'startup' && state.value === 'Success');
}

/**
 * When the next attempt is due (on the clock of `now`, never before it), or undefined when
 * none is: finished, gated by startup, or stopped by termination.
 */
export function nextProbeAt(state: ProbeState, spec: Probe, now: number, gate: ProbeGate): number | undefined {
  if (isFinished(state)) return undefined;
  if (state.kind !== 'startup' && !gate.started) return undefined;
  if (state.kind !== 'readiness' && gate.terminating) return undefined;
  const timing = probeTiming(state.kind, spec);
  const afterDelay = state.containerStartedAt + timing.initialDelayMs;
  const afterPeriod = state.lastProbeAt === undefined ? -Infinity : state.lastProbeAt + timing.periodMs;
  return Math.max(afterDelay, afterPeriod, now);
}

/**
 * Records the result of the attempt that began at `at`. A result for a finished worker (an
 * attempt that raced the hold) changes nothing.
 */
export function recordResult(state: ProbeState, spec: Probe, result: ProbeResult, at: number): ProbeUpdate {
  if (isFinished(state)) return { state };
  if (result === 'Unknown') return { state: { ...state, lastProbeAt: at } };
  const timing = probeTiming(state.kind, spec);
  const run = state.lastResult === result ? state.run + 1 : 1;
  const threshold = result === 'Success' ? timing.successThreshold : timing.failureThreshold;
  if (run < threshold) return { state: { ...state, lastResult: result, run, lastProbeAt: at } };
  const hold = result === 'Failure' && state.kind !== 'readiness';
  const next: ProbeState = { ...state, value: result, lastResult: result, run: hold ? 0 : run, lastProbeAt: at, onHold: hold };
  const transition = transitionOf(state.kind, state.value, result);
  return transition ? { state: next, transition } : { state: next };
}

function transitionOf(kind: ProbeKind, before: ProbeResult, after: 'Success' | 'Failure'): ProbeTransition | undefined {
  if (kind === 'liveness') return after === 'Failure' ? 'livenessFailed' : undefined;
  if (kind === 'startup') return after === 'Failure' ? 'startupFailed' : before === 'Success' ? undefined : 'started';
  if (before === after) return undefined;
  return after === 'Success' ? 'ready' : 'notReady';
}

/** The probe workers of one container instance (only the probes its spec has). */
export interface ContainerProbes {
  startup?: ProbeState;
  liveness?: ProbeState;
  readiness?: ProbeState;
}

/** The probe specs of a container. */
export interface ContainerProbeSpecs {
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
}

const SPEC_FIELD = { startup: 'startupProbe', liveness: 'livenessProbe', readiness: 'readinessProbe' } as const;

/** Every probe kind, startup first (the order in which they become runnable). */
export const PROBE_KINDS: readonly ProbeKind[] = ['startup', 'liveness', 'readiness'];

/** The workers for `container`'s instance, keeping those of `previous` that probe the same one. */
export function containerProbesFor(specs: ContainerProbeSpecs, container: { id: string; startedAt: number }, previous: ContainerProbes = {}): ContainerProbes {
  const probes: ContainerProbes = {};
  for (const kind of PROBE_KINDS) {
    if (specs[SPEC_FIELD[kind]]) probes[kind] = probeStateFor(kind, container, previous[kind]);
  }
  return probes;
}

/** The spec of one probe kind of a container. */
export function probeSpec(specs: ContainerProbeSpecs, kind: ProbeKind): Probe | undefined {
  return specs[SPEC_FIELD[kind]];
}

/** The kubelet's `started` of a running container: no startup probe, or it published Success. */
export function isStarted(probes: ContainerProbes): boolean {
  return probes.startup === undefined || probes.startup.value === 'Success';
}

/** The kubelet's `ready` of a running container: started, and readiness Success (or no readiness probe). */
export function isReady(probes: ContainerProbes): boolean {
  return isStarted(probes) && (probes.readiness === undefined || probes.readiness.value === 'Success');
}

/** The next attempt of each of the container's probes that has one, earliest first. */
export function dueProbes(probes: ContainerProbes, specs: ContainerProbeSpecs, now: number, terminating = false): Array<{ kind: ProbeKind; at: number }> {
  const gate: ProbeGate = { started: isStarted(probes), terminating };
  const due: Array<{ kind: ProbeKind; at: number }> = [];
  for (const kind of PROBE_KINDS) {
    const state = probes[kind];
    const spec = probeSpec(specs, kind);
    const at = state && spec ? nextProbeAt(state, spec, now, gate) : undefined;
    if (at !== undefined) due.push({ kind, at });
  }
  return due.sort((a, b) => a.at - b.at);
}
