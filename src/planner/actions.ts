/**
 * What to do to bring a pod's containers to its spec (pure, like the kubelet's computePodActions):
 * recreate the whole pod when the sandbox is missing, dead, without an IP or of an older spec;
 * otherwise start missing containers, restart exited ones per restart policy and back-off,
 * recreate a member whose spec changed, and collect what is no longer needed.
 */
import type { Container } from '../api/v1alpha1/container.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import type { WaitingOverride } from '../status/container-status.js';
import { goDuration, restartTiming } from './backoff.js';
import type { PlanContext } from './context.js';
import { memberHash, sandboxHash } from './desired.js';
import { hasTerminated, isZeroTime, type Instance, type PodObservation } from './observe.js';

/** A container instance to create and start. */
export interface StartRequest {
  container: Container;
  attempt: number;
  backoff: number;
  /** Why: first start, restart after an exit, or a changed spec. */
  reason: 'new' | 'restart' | 'changed';
  /** An init container (run to completion before the members). */
  init?: boolean;
}

/** The actions of one pass, executed in this order by the actuator. */
export interface PodActions {
  /** Stop every container of the pod (the sandbox is gone, dead or outdated), keeping the newest instance of each for its status. */
  killPod?: { reason: string };
  /** Create (and start) a sandbox of this attempt. */
  createSandbox?: { attempt: number };
  /** Start a sandbox that was created but never started (a pass interrupted between the two). */
  startSandbox?: Instance;
  /** Stop the sandbox of a pod that is over (or past its deadline). */
  stopSandbox?: Instance;
  /** Stop (then remove) these instances. */
  kill: Array<{ instance: Instance; reason: string }>;
  /** Remove these instances (already stopped, or of no use). */
  remove: Instance[];
  /** Start these existing, never-started instances (adopted). */
  startExisting: Instance[];
  start: StartRequest[];
  /** Containers waiting out a back-off, with the kubelet's reason and message. */
  waiting: Map<string, WaitingOverride>;
  /** When to look again (the earliest back-off end), if anything waits. */
  requeueAfterMs?: number;
}

/** Inputs of planning. */
export interface PlanInput {
  pod: DockerPod;
  obs: PodObservation;
  ctx: PlanContext;
  now: number;
  /** The pod is over (terminal phase, or past activeDeadlineSeconds): nothing is started again. */
  finished: boolean;
  /** Running containers whose liveness or startup probe failed, with the kubelet's Killing message: stopped, then restarted per policy. */
  unhealthy?: ReadonlyMap<string, string>;
}

const emptyActions = (): PodActions => ({ kill: [], remove: [], startExisting: [], start: [], waiting: new Map() });

/** Whether the restart policy restarts a container that exited with `exitCode`. */
export function shouldRestart(policy: string, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

const neverStarted = (i: Instance): boolean => !i.details.running && i.details.state === 'created' && i.details.error === '' && isZeroTime(i.details.startedAt);

function sandboxProblem(pod: DockerPod, input: PlanInput, sandbox: Instance | undefined): string | undefined {
  if (!sandbox) {
    // Members still running without their sandbox sit in namespaces no new sandbox can share.
    const orphaned = [...input.obs.containers.values()].flat().some((i) => i.details.running);
    return orphaned ? 'Pod sandbox is missing, the pod will be killed and re-created.' : undefined;
  }
  if (sandbox.specHash !== sandboxHash(pod, input.ctx)) return 'Pod sandbox changed, it will be killed and re-created.';
  if (!sandbox.details.running && !neverStarted(sandbox)) return 'Pod sandbox is not running, the pod will be killed and re-created.';
  const needsIp = !pod.spec.hostNetwork && input.ctx.podNetwork !== 'none';
  if (sandbox.details.running && needsIp && sandbox.details.ipAddress === '') return 'Pod sandbox has no IP address, the pod will be killed and re-created.';
  return undefined;
}

/** Names of every spec container, init containers included. */
const specNamesOf = (pod: DockerPod): Set<string> => new Set([...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name));

/**
 * Older instances beyond the newest two of each container (the current one and its last state)
 * are garbage. A container this pass starts again keeps only its newest instance, which the new
 * one turns into its last state: counted before the start, a third instance would stay until some
 * later pass, which may never come (nothing changes on the engine any more).
 */
function garbage(pod: DockerPod, obs: PodObservation, actions: PodActions): Instance[] {
  const specNames = specNamesOf(pod);
  const starting = new Set(actions.start.map((s) => s.container.name));
  const removed = new Set(actions.remove.map((i) => i.id));
  const extra = [...obs.containers.entries()].flatMap(([name, list]) => (specNames.has(name) ? list.filter((i) => !removed.has(i.id)).slice(starting.has(name) ? 1 : 2) : []));
  return [...obs.sandboxes.slice(1), ...extra, ...obs.unknown];
}

/** Instances of containers no longer in the spec: stopped and removed. */
function removedFromSpec(pod: DockerPod, obs: PodObservation): Array<{ instance: Instance; reason: string }> {
  const specNames = specNamesOf(pod);
  return [...obs.containers.entries()].filter(([name]) => !specNames.has(name)).flatMap(([name, list]) => list.map((instance) => ({ instance, reason: `container ${name} is no longer in the spec` })));
}

interface ContainerDecision {
  start?: StartRequest;
  startExisting?: Instance;
  /** A never-started instance of an older spec, removed before its replacement is created. */
  remove?: Instance;
  kill?: { instance: Instance; reason: string };
  waiting?: WaitingOverride & { readyAt: number };
}

function restartAfter(input: PlanInput, c: Container, last: Instance): ContainerDecision {
  if (!shouldRestart(input.pod.spec.restartPolicy ?? 'Always', last.details.exitCode)) return {};
  const timing = restartTiming(last, input.ctx.restartBackoff);
  const start: StartRequest = { container: c, attempt: last.attempt + 1, backoff: timing.nextBackoff, reason: 'restart' };
  if (input.now >= timing.readyAt) return { start };
  const { namespace, name, uid } = input.pod.metadata;
  const message = `back-off ${goDuration(timing.delayMs)} restarting failed container=${c.name} pod=${name ?? ''}_${namespace ?? ''}(${uid ?? ''})`;
  return { waiting: { reason: 'CrashLoopBackOff', message, readyAt: timing.readyAt } };
}

/**
 * The restart count a container's status still shows when none of its instances exists any more
 * (its host lost them, or the pod moved to another host): the kubelet keeps it from the old status
 * too, so counts never go backwards.
 */
function carriedRestarts(pod: DockerPod, name: string, init = false): number {
  const statuses = init ? pod.status?.initContainerStatuses : pod.status?.containerStatuses;
  return statuses?.find((s) => s.name === name)?.restartCount ?? 0;
}

/** A container with no instance in the live sandbox: a first start, or a restart of its last run elsewhere. */
function decideMissing(input: PlanInput, c: Container, newest: Instance | undefined): ContainerDecision {
  // A container of an earlier sandbox that ended counts as this container's last run.
  if (newest && hasTerminated(newest)) return restartAfter(input, c, newest);
  if (newest && input.pod.spec.restartPolicy === 'Never') return {};
  return { start: { container: c, attempt: newest ? newest.attempt + 1 : carriedRestarts(input.pod, c.name), backoff: 0, reason: 'new' } };
}

/**
 * A created, never-started instance (a pass interrupted between create and start) is started as it
 * is only when it has the current spec. One of an older spec, the spec having changed while no
 * pass could start it, is removed and the current spec created instead: started, it would run the
 * old spec under a status that reports the new generation, and no later pass would look again.
 */
function adoptOrReplace(c: Container, created: Instance, init: boolean): ContainerDecision {
  if (created.specHash === memberHash(c)) return { startExisting: created };
  return { remove: created, start: { container: c, attempt: created.attempt + 1, backoff: 0, reason: 'changed', ...(init ? { init } : {}) } };
}

function decideRunning(c: Container, current: Instance): ContainerDecision {
  if (current.specHash === memberHash(c)) return {};
  return {
    kill: { instance: current, reason: `Container ${c.name} definition changed, will be restarted` },
    start: { container: c, attempt: current.attempt + 1, backoff: 0, reason: 'changed' },
  };
}

/** What one spec container needs, given the live sandbox's attempt. */
function decide(input: PlanInput, c: Container, sandboxAttempt: number): ContainerDecision {
  const newest = (input.obs.containers.get(c.name) ?? [])[0];
  if (!newest || newest.sandboxAttempt !== sandboxAttempt) return decideMissing(input, c, newest);
  const unhealthy = input.unhealthy?.get(c.name);
  if (newest.details.running && unhealthy) return { kill: { instance: newest, reason: unhealthy } };
  if (newest.details.running) return decideRunning(c, newest);
  if (neverStarted(newest)) return adoptOrReplace(c, newest, false);
  return restartAfter(input, c, newest);
}

/** Records one container's decision in the actions (an init container's start carries `init`). */
function apply(input: PlanInput, c: Container, d: ContainerDecision, actions: PodActions): void {
  if (d.kill) actions.kill.push(d.kill);
  if (d.start) actions.start.push(d.start);
  if (d.startExisting) actions.startExisting.push(d.startExisting);
  if (d.remove) actions.remove.push(d.remove);
  if (d.waiting) {
    actions.waiting.set(c.name, { reason: d.waiting.reason, message: d.waiting.message });
    const after = Math.max(1, d.waiting.readyAt - input.now);
    actions.requeueAfterMs = Math.min(actions.requeueAfterMs ?? after, after);
  }
}

/**
 * One init container's decision in the live sandbox: 'done' when it exited 0 there; otherwise
 * what it needs (start, start the created instance, wait while it runs, restart after a failure
 * with the back-off, or nothing under restartPolicy Never, where the failure ends the pod).
 */
function decideInit(input: PlanInput, c: Container, sandboxAttempt: number): ContainerDecision | 'done' {
  const newest = (input.obs.containers.get(c.name) ?? [])[0];
  if (!newest || newest.sandboxAttempt !== sandboxAttempt) {
    return { start: { container: c, attempt: newest ? newest.attempt + 1 : carriedRestarts(input.pod, c.name, true), backoff: 0, reason: 'new', init: true } };
  }
  if (newest.details.running) return {};
  if (neverStarted(newest)) return adoptOrReplace(c, newest, true);
  if (hasTerminated(newest) && newest.details.exitCode === 0) return 'done';
  // Under Never the failure ends the pod.
  return input.pod.spec.restartPolicy === 'Never' ? {} : restartInit(input, c, newest);
}

/** A failed init container restarts (with the back-off) under Always and OnFailure alike. */
function restartInit(input: PlanInput, c: Container, last: Instance): ContainerDecision {
  const d = restartAfter({ ...input, pod: { ...input.pod, spec: { ...input.pod.spec, restartPolicy: 'OnFailure' } } }, c, last);
  return d.start ? { ...d, start: { ...d.start, init: true } } : d;
}

/** Init containers one at a time, in order; true once every one has exited 0 in the live sandbox. */
function planInit(input: PlanInput, sandboxAttempt: number, actions: PodActions): boolean {
  for (const c of input.pod.spec.initContainers ?? []) {
    const d = decideInit(input, c, sandboxAttempt);
    if (d === 'done') continue;
    apply(input, c, d, actions);
    return false;
  }
  return true;
}

function planContainers(input: PlanInput, sandboxAttempt: number, actions: PodActions): void {
  // Members start only after every init container succeeded (they wait as PodInitializing).
  if (!planInit(input, sandboxAttempt, actions)) return;
  for (const c of input.pod.spec.containers) {
    apply(input, c, decide(input, c, sandboxAttempt), actions);
  }
}

/** Whether a pod whose sandbox must be (re)created should get one at all (the kubelet's rule for Never). */
function recreateAllowed(input: PlanInput): boolean {
  if (input.pod.spec.restartPolicy !== 'Never') return true;
  return [...input.obs.containers.values()].every((list) => list.length === 0);
}

/** A finished pod: stop whatever still runs, start nothing. */
function finish(obs: PodObservation, actions: PodActions): PodActions {
  const sandbox = obs.sandboxes[0];
  if (sandbox?.details.running) actions.stopSandbox = sandbox;
  // Containers no longer in the spec are already in `kill`: each instance is stopped once.
  const running = [...obs.containers.values()].flat().filter((i) => i.details.running && !actions.kill.some((k) => k.instance.id === i.id));
  actions.kill.push(...running.map((instance) => ({ instance, reason: 'the pod is finished' })));
  return actions;
}

/** The actions that bring the pod toward its spec. */
export function computePodActions(input: PlanInput): PodActions {
  const actions = planPod(input);
  // Garbage last: which containers start again decides how many old instances each keeps.
  actions.remove.push(...garbage(input.pod, input.obs, actions));
  return actions;
}

/** Every action but the garbage collection. */
function planPod(input: PlanInput): PodActions {
  const { pod, obs } = input;
  const actions = emptyActions();
  actions.kill.push(...removedFromSpec(pod, obs));
  if (input.finished) return finish(obs, actions);
  const sandbox = obs.sandboxes[0];
  const problem = sandboxProblem(pod, input, sandbox);
  if (sandbox && !problem) {
    if (neverStarted(sandbox)) actions.startSandbox = sandbox;
    planContainers(input, sandbox.sandboxAttempt, actions);
    return actions;
  }
  if (problem) actions.killPod = { reason: problem };
  if (!recreateAllowed(input)) return actions;
  // The next attempt follows every sandbox the pod had, including those only its members remember.
  const attempts = [...obs.sandboxes, ...[...obs.containers.values()].flat()].map((i) => i.sandboxAttempt);
  const attempt = attempts.length > 0 ? Math.max(...attempts) + 1 : 0;
  actions.createSandbox = { attempt };
  planContainers(input, attempt, actions);
  return actions;
}
