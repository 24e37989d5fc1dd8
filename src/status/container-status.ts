/**
 * One container's status as the kubelet and cri-dockerd report it, from the instances the engine
 * holds (newest first) and any waiting reason the reconciler imposes (ErrImagePull, CrashLoopBackOff...).
 */
import type { Container } from '../api/v1alpha1/container.js';
import type { ContainerState, ContainerStatus } from '../api/v1alpha1/pod-status.js';
import { shouldRestart } from '../planner/actions.js';
import { hasTerminated, isZeroTime, type Instance } from '../planner/observe.js';

/** A waiting reason the reconciler knows better than the engine (the container does not exist or must wait). */
export interface WaitingOverride {
  reason: string;
  message: string;
}

/** Docker's start error prefix makes no sense to users; the kubelet shows the rest. */
const terminatedReason = (inst: Instance): string => {
  const d = inst.details;
  if (d.oomKilled) return 'OOMKilled';
  // A failed start leaves the container `created` with the engine's error and no finish time.
  if (d.error !== '' && (d.state === 'created' || isZeroTime(d.startedAt))) return 'ContainerCannotRun';
  return d.exitCode === 0 ? 'Completed' : 'Error';
};

/** The terminated state of an instance that ended. */
export function terminatedState(inst: Instance): ContainerState {
  const d = inst.details;
  const exitCode = d.state === 'created' && d.exitCode === 0 ? 128 : d.exitCode;
  return {
    terminated: {
      exitCode,
      reason: terminatedReason(inst),
      ...(d.error ? { message: d.error } : {}),
      ...(isZeroTime(d.startedAt) ? {} : { startedAt: d.startedAt.replace(/\.\d+Z$/, 'Z') }),
      ...(isZeroTime(d.finishedAt) ? {} : { finishedAt: d.finishedAt.replace(/\.\d+Z$/, 'Z') }),
      containerID: `docker://${d.id}`,
    },
  };
}

function currentState(current: Instance | undefined, stale: boolean, creatingReason: string): ContainerState {
  if (!current || stale) return { waiting: { reason: creatingReason } };
  if (current.details.running) return { running: { startedAt: current.details.startedAt.replace(/\.\d+Z$/, 'Z') } };
  if (hasTerminated(current)) return terminatedState(current);
  return { waiting: { reason: creatingReason } };
}

/** The newest terminated instance that is not the one the state describes. */
function lastState(instances: readonly Instance[], stateFromCurrent: boolean): ContainerState | undefined {
  const candidates = stateFromCurrent ? instances.slice(1) : instances;
  const previous = candidates.find(hasTerminated);
  return previous ? terminatedState(previous) : undefined;
}

/** Inputs of one container's status. */
export interface ContainerStatusInput {
  spec: Container;
  /** Instances of this container, newest first. */
  instances: readonly Instance[];
  /** Attempt of the live sandbox: instances of older sandboxes are history. */
  sandboxAttempt: number | undefined;
  override?: WaitingOverride;
  /** ContainerCreating, or PodInitializing while init containers run. */
  creatingReason?: string;
  /** The pod's restart policy (default Always): an ended run of an older sandbox that will not restart stays its state. */
  restartPolicy?: string;
  /** The restart count the previous status showed: kept while no instance exists (host lost them, pod moved), as the kubelet keeps it. */
  carriedRestarts?: number;
}

/** Whether the newest instance belongs to an older sandbox and will be replaced in the live one. */
function isStale(input: ContainerStatusInput, current: Instance | undefined): boolean {
  if (current === undefined || input.sandboxAttempt === undefined || current.sandboxAttempt >= input.sandboxAttempt) return false;
  return !hasTerminated(current) || shouldRestart(input.restartPolicy ?? 'Always', current.details.exitCode);
}

/** The ContainerStatus of one spec container. */
export function containerStatus(input: ContainerStatusInput): ContainerStatus {
  const current = input.instances[0];
  const stale = isStale(input, current);
  const state: ContainerState = input.override
    ? { waiting: { reason: input.override.reason, ...(input.override.message ? { message: input.override.message } : {}) } }
    : currentState(current, stale, input.creatingReason ?? 'ContainerCreating');
  const fromCurrent = state.waiting === undefined;
  const last = lastState(input.instances, fromCurrent);
  const running = state.running !== undefined;
  return {
    name: input.spec.name,
    state,
    ...(last ? { lastState: last } : { lastState: {} }),
    ready: running,
    started: running,
    restartCount: current?.attempt ?? input.carriedRestarts ?? 0,
    image: input.spec.image,
    ...(current ? { imageID: `docker://${current.details.imageId}`, containerID: `docker://${current.id}` } : {}),
  };
}
