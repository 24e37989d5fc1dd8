/**
 * The DockerPod reconciler: one level-triggered pass per key, reading as
 * get -> (deleting? tear down, drop finalizer) -> ensure finalizer -> admit (or refuse with
 * InvalidSpec, no Docker call) -> observe -> plan -> act -> observe again if anything changed ->
 * write the status once, only when it changed -> requeue for back-offs and deadlines.
 */
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import type { DockerPodStatus } from '../api/v1alpha1/pod-status.js';
import { FINALIZER, type DockerPodClient } from '../kube/dockerpod-client.js';
import type { Logger } from '../observability/logger.js';
import { computePodActions } from '../planner/actions.js';
import { admitPod, ANY_HOST } from '../planner/admission.js';
import { emptyObservation, type Instance, type PodObservation } from '../planner/observe.js';
import type { ContainerSummary } from '../runtime/docker/types.js';
import { deriveStatus, type StatusInput } from '../status/derive.js';
import { isTerminal } from '../status/phase.js';
import { hostDownStatus, unschedulableStatus } from '../status/placement.js';
import type { Clock } from '../util/clock.js';
import { canonicalJson } from '../util/canonical.js';
import { actuate, type PodEvent } from './actuator.js';
import type { HostBinding, HostResolver, Placement } from './hosts.js';
import type { ImageManager } from './images.js';
import type { ProbeManager, ProbeView } from './probe-manager.js';
import { observeContainers, observePod } from './observe-pod.js';
import { DEFAULT_REFRESH_MS, ProjectedVolumeWriter } from './projected-volumes.js';
import { EngineTimes } from './engine-times.js';
import { teardownPod } from './teardown.js';
import type { ReconcileResult } from './work-queue.js';

/** Records Kubernetes Events on a pod. */
export interface PodEventSink {
  record(obj: DockerPod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** Everything a pass needs. */
export interface PodReconcilerDeps {
  /** The informer's cache. */
  pods: { get(namespace: string | undefined, name: string): DockerPod | undefined };
  client: DockerPodClient;
  events: PodEventSink;
  /**
   * Where placement Events go (Scheduled, FailedScheduling, Rescheduled); default `events`. The
   * operator gives them the scheduler's own source, as kube-scheduler's are not the kubelet's: a
   * pod's runtime churn (a sandbox re-created again and again while its engine shuts down) then
   * spends the operator's per-pod Event budget, never the scheduler's, and the Event that says the
   * pod moved is not dropped with the churn.
   */
  placementEvents?: PodEventSink;
  hosts: HostResolver;
  images: ImageManager;
  /** Probe workers (absent: probes are not run, as in unit tests of other parts). */
  probes?: ProbeManager;
  clock: Clock;
  logger: Logger;
  /** How often a running pod's configMap and secret volumes are re-checked (default 60 s, the kubelet's sync period). */
  projectedVolumeRefreshMs?: number;
  /** Told what a pass that converged saw of the pod's containers at its end (the resync skips a pod that has not changed since). */
  onSeen?: (uid: string, containers: ContainerSummary[]) => void;
}

const splitKey = (key: string): [string, string] => {
  const slash = key.indexOf('/');
  return slash < 0 ? ['', key] : [key.slice(0, slash), key.slice(slash + 1)];
};

const rfc3339 = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** What one pass did, for the log line. */
interface PassReport {
  actions: string[];
  statusWritten: boolean;
  host: string;
}

function describeActions(events: PodEvent[]): string[] {
  return events.filter((e) => ['Created', 'Started', 'Killing', 'SandboxChanged', 'Pulling'].includes(e.reason)).map((e) => `${e.reason}: ${e.message}`);
}

/** Reconciles DockerPods by key (namespace/name). */
export class PodReconciler {
  /** The last status written per pod uid, with the resourceVersion it produced: the cache may lag our own writes. */
  private readonly written = new Map<string, { text: string; rv: number }>();

  /** What each pod's configMap and secret volumes hold. */
  private readonly volumes: ProjectedVolumeWriter;

  /** The engine's timestamps pinned to the monotonic clock, so a wall-clock step cannot freeze or skip a back-off. */
  private readonly times: EngineTimes;

  private readonly placementEvents: PodEventSink;

  constructor(private readonly deps: PodReconcilerDeps) {
    this.placementEvents = deps.placementEvents ?? deps.events;
    this.volumes = new ProjectedVolumeWriter(deps.projectedVolumeRefreshMs ?? DEFAULT_REFRESH_MS, deps.clock);
    this.times = new EngineTimes(deps.clock);
  }

  /** One pass for `key`; throws to have the queue retry with back-off. `reconcileID` (the queue's, per pass) goes into its log line. */
  async reconcile(key: string, reconcileID = ''): Promise<ReconcileResult> {
    const [namespace, name] = splitKey(key);
    const pod = this.deps.pods.get(namespace, name);
    if (!pod) return {};
    const started = this.deps.clock.now();
    const report: PassReport = { actions: [], statusWritten: false, host: '' };
    const result = pod.metadata.deletionTimestamp ? await this.finalize(pod, report) : await this.sync(pod, report);
    this.deps.logger.info('reconciled', { controller: 'dockerpod', namespace, name, reconcileID, host: report.host, durationMs: this.deps.clock.now() - started, actions: report.actions, statusWritten: report.statusWritten });
    return result;
  }

  /** Forgets what it knows of a pod (it is gone). */
  forget(uid: string): void {
    this.written.delete(uid);
    this.deps.probes?.forget(uid);
    this.volumes.forget(uid);
    this.times.forget(uid);
    this.deps.hosts.release(uid);
  }

  private async finalize(pod: DockerPod, report: PassReport): Promise<ReconcileResult> {
    if (!(pod.metadata.finalizers ?? []).includes(FINALIZER) || !this.deps.hosts.owns(pod)) return {};
    const where = this.deps.hosts.locate(pod);
    if (where) {
      report.host = hostNameOf(where);
      // Like a pod on an unreachable node: Terminating until the host answers (or its DockerHost goes).
      if (where.kind === 'hostDown' && !where.hostDeleting) return { requeueAfterMs: 10_000 };
      if (where.kind === 'bound') await this.teardown(pod, where.host, report);
      else if (where.kind !== 'unschedulable') this.abandon(pod, where.hostName);
    }
    await this.deps.client.removeFinalizer(pod);
    this.forget(pod.metadata.uid ?? '');
    return {};
  }

  private async teardown(pod: DockerPod, host: HostBinding, report: PassReport): Promise<void> {
    const events = await teardownPod(host, pod, this.deps.clock);
    this.emit(pod, events);
    report.actions.push(...events.map((e) => `${e.reason}: ${e.message}`), 'removed containers');
  }

  /** The pod's host is gone (or going while unreachable): nothing can be removed there any more. */
  private abandon(pod: DockerPod, hostName: string): void {
    this.deps.events.record(pod, 'Warning', 'HostGone', `DockerHost ${hostName} is gone or being deleted while unreachable; containers left on it cannot be removed`);
  }

  private async sync(cached: DockerPod, report: PassReport): Promise<ReconcileResult> {
    // Another operator's pod (--host-selector splits a fleet): not a single write.
    if (!this.deps.hosts.owns(cached)) return {};
    // The finalizer comes before the binding and the first Docker call, so nothing is created that deletion would not find.
    let pod = await this.deps.client.addFinalizer(cached);
    const placement = this.deps.hosts.place(pod);
    if (placement.kind !== 'bound') return this.unplaced(pod, placement, report);
    const host = placement.host;
    report.host = host.hostName;
    const refusal = admitPod(pod, host.policy, host.hostName);
    if (refusal) {
      // A refused pod costs no Docker call at all.
      if (placement.fresh) pod = await this.bind(pod, host, report);
      this.deps.events.record(pod, 'Warning', 'InvalidSpec', refusal.message);
      await this.writeStatus(pod, deriveStatus({ ...this.statusInput(pod, host, emptyObservation()), invalid: refusal }), report);
      return {};
    }
    // The first look at the engine is a read: it runs while the binding is written, never a mutation before it.
    const observing = this.observe(pod, host);
    observing.catch(() => undefined);
    if (placement.fresh) pod = await this.bind(pod, host, report);
    return this.converge(pod, host, report, await observing);
  }

  /**
   * The pod's containers on its engine (listed; with `known`, those containers inspected, no list).
   * An engine that cannot say posts the kubelet's Warning FailedSync ("error determining status:
   * ...") and fails the pass, which the queue retries.
   */
  private async observe(pod: DockerPod, host: HostBinding, known?: readonly string[]): Promise<PodObservation> {
    try {
      return await (known ? observeContainers(host.engine, known) : observePod(host.engine, host.ctx.instance, pod.metadata.uid ?? ''));
    } catch (err) {
      this.deps.events.record(pod, 'Warning', 'FailedSync', `error determining status: ${(err as Error).message}`);
      throw err;
    }
  }

  /** A pod without a Ready host: waiting for room, on a host that is down or gone, or refused everywhere. */
  private async unplaced(pod: DockerPod, placement: Exclude<Placement, { kind: 'bound' }>, report: PassReport): Promise<ReconcileResult> {
    const now = rfc3339(this.deps.clock.now());
    switch (placement.kind) {
      case 'unschedulable':
        if (placement.forbidden) return this.refuseEverywhere(pod, report);
        this.placementEvents.record(pod, 'Warning', 'FailedScheduling', placement.message);
        await this.writeStatus(pod, unschedulableStatus(pod, placement.message, now), report);
        return {};
      case 'hostMissing':
        report.host = placement.hostName;
        await this.writeStatus(pod, hostDownStatus(pod, { hostName: placement.hostName, message: 'its DockerHost no longer exists', unknown: true }, now), report);
        return {};
      case 'hostDown':
        return this.hostDown(pod, placement, report);
    }
  }

  /**
   * A pod that every host refuses by policy alone (host namespaces, privileged, host paths): its
   * spec is what this fleet forbids, so it is refused with InvalidSpec naming the fields, as a
   * single host would; a host whose policy changes wakes it again.
   */
  private async refuseEverywhere(pod: DockerPod, report: PassReport): Promise<ReconcileResult> {
    const refusal = admitPod(pod, { allowHostNamespaces: false, allowPrivileged: false, allowedHostPaths: [] }, ANY_HOST);
    if (!refusal) return {};
    this.deps.events.record(pod, 'Warning', 'InvalidSpec', refusal.message);
    const { hostName: _h, hostIP: _i, ...status } = deriveStatus({ ...this.statusInput(pod, undefined, emptyObservation()), invalid: refusal });
    const conditions = (status.conditions ?? []).map((c) => (c.type === 'PodScheduled' ? { ...c, status: 'False' as const, reason: 'InvalidSpec', message: refusal.message } : c));
    await this.writeStatus(pod, { ...status, conditions }, report);
    return {};
  }

  /** Writes the binding (host name and address, PodScheduled) before any Docker call, so a crash cannot leave containers on a host the pod does not name. */
  private async bind(pod: DockerPod, host: HostBinding, report: PassReport): Promise<DockerPod> {
    const status = deriveStatus(this.statusInput(pod, host, emptyObservation()));
    let updated: DockerPod;
    try {
      // Conditional: if anyone (another operator, a user) wrote the pod since we read it, bind afresh.
      updated = await this.writeStatus(pod, status, report, true);
    } catch (err) {
      this.deps.hosts.unbind(pod.metadata.uid ?? '');
      throw err;
    }
    this.placementEvents.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} to ${host.hostName}`);
    return updated;
  }

  /**
   * A pod whose host does not answer: Ready=False at once, phase Unknown after the grace, and with
   * hostFailurePolicy Reschedule, a new host after hostFailureTimeoutSeconds; a pass again when the
   * next of those times comes.
   */
  private async hostDown(pod: DockerPod, placement: Extract<Placement, { kind: 'hostDown' }>, report: PassReport): Promise<ReconcileResult> {
    report.host = placement.hostName;
    // No probes against a host that does not answer: the workers start afresh when it returns.
    this.deps.probes?.forget(pod.metadata.uid ?? '');
    const nowMs = this.deps.clock.now();
    const moveAt = rescheduleAt(pod, placement);
    if (moveAt !== undefined && nowMs >= moveAt) return this.reschedule(pod, placement, report);
    const current = placement.fresh ? await this.writeStatus(pod, { ...(pod.status ?? {}), hostName: placement.hostName, hostIP: placement.hostIP }, report) : pod;
    const unknown = nowMs >= placement.unknownAtMs;
    await this.writeStatus(current, hostDownStatus(current, { hostName: placement.hostName, message: placement.message, unknown }, rfc3339(nowMs)), report);
    return requeue(unknown ? undefined : placement.unknownAtMs - nowMs, moveAt === undefined ? undefined : moveAt - nowMs);
  }

  /**
   * Moves a pod off a host that stayed NotReady past its timeout: the binding is cleared (restart
   * counts stay in the status and carry over), the pod is placed afresh in the same pass, and its
   * stale containers are removed by the sweep when the old host returns.
   */
  private async reschedule(pod: DockerPod, placement: Extract<Placement, { kind: 'hostDown' }>, report: PassReport): Promise<ReconcileResult> {
    this.deps.hosts.unbind(pod.metadata.uid ?? '');
    const { hostName: _h, hostIP: _i, podIP: _p, sandboxID: _s, ...kept } = pod.status ?? {};
    const cleared = await this.writeStatus(pod, { ...kept, phase: 'Pending' }, report);
    const next = this.deps.hosts.place(cleared);
    const to = next.kind === 'bound' ? next.host.hostName : undefined;
    // The new binding is written before any Docker call, as for a first placement.
    if (next.kind === 'bound') await this.bind(cleared, next.host, report);
    const seconds = Math.round((this.deps.clock.now() - placement.downSinceMs) / 1000);
    this.placementEvents.record(pod, 'Normal', 'Rescheduled', `DockerHost ${placement.hostName} was NotReady for ${seconds}s; ${to ? `moving the pod to ${to}` : 'waiting for another host'}`);
    report.actions.push(`rescheduled from ${placement.hostName}${to ? ` to ${to}` : ''}`);
    // Bound elsewhere: carry on there at once. Not placeable: a change of any host wakes it.
    return to ? { requeueAfterMs: 1 } : {};
  }

  /** Observe, plan, act, observe again, report: the pass of an admitted pod. */
  private async converge(pod: DockerPod, host: HostBinding, report: PassReport, observed: PodObservation): Promise<ReconcileResult> {
    const now = this.deps.clock.now();
    const deadlineAt = this.deadlineAt(pod);
    const deadlineExceeded = deadlineAt !== undefined && now >= deadlineAt;
    const finished = deadlineExceeded || isTerminal(pod.status?.phase ?? 'Pending');
    const uid = pod.metadata.uid ?? '';
    let obs = observed;
    let probes = this.probeViews(pod, host, obs);
    const unhealthy = unhealthyOf(probes);
    // Planned on the engine's stamps as the monotonic clock saw them; the status shows the engine's own.
    const planned = this.times.restate(uid, obs);
    const actions = computePodActions({ pod, obs: planned, ctx: host.ctx, now, finished, unhealthy });
    // Each Event is recorded as it happens: written in the background while the engine starts the
    // containers, it is out of the way of the look afterwards and of the status write that makes the
    // pod Ready (bench/README.md, "Where the time goes at C = 1").
    const record = (e: PodEvent): void => this.emit(pod, [e]);
    const result = await actuate({ pod, host, actions, observed: allInstances(planned), sources: this.deps.client, volumes: this.volumes, record }, this.deps.images);
    report.actions.push(...describeActions(result.events));
    if (result.changed) {
      // The pass knows every container the pod can have: what it saw, and what it created.
      obs = await this.observe(pod, host, [...allInstances(obs).map((i) => i.id), ...result.created]);
      // Pin what this pass started while it is fresh: a step before the next pass must not stretch its run.
      this.times.restate(uid, obs);
      probes = this.probeViews(pod, host, obs);
    }
    const waiting = new Map([...actions.waiting, ...result.waiting]);
    await this.writeStatus(pod, deriveStatus({ ...this.statusInput(pod, host, obs), waiting, deadlineExceeded, probes }), report);
    if (result.retry) throw result.retry;
    this.deps.onSeen?.(uid, allInstances(obs).map((i) => i.details));
    return requeue(actions.requeueAfterMs, untilDeadline(deadlineAt, now), result.requeueAfterMs, this.volumeRefreshIn(pod, finished), afterKill(unhealthy));
  }

  /** What the probes say about the pod's running containers (none without a probe manager). */
  private probeViews(pod: DockerPod, host: HostBinding, obs: PodObservation): Map<string, ProbeView> {
    return this.deps.probes?.sync(pod, host, obs) ?? new Map<string, ProbeView>();
  }

  /** When a running pod's configMap and secret volumes are due a re-check (the kubelet's periodic sync). */
  private volumeRefreshIn(pod: DockerPod, finished: boolean): number | undefined {
    return !finished && ProjectedVolumeWriter.applies(pod) ? this.volumes.nextDueInMs(pod.metadata.uid ?? '') : undefined;
  }

  private statusInput(pod: DockerPod, host: HostBinding | undefined, observation: PodObservation): StatusInput {
    return { pod, observation, now: rfc3339(this.deps.clock.now()), host: { name: host?.hostName ?? '', ip: host?.hostIP ?? '' } };
  }

  private deadlineAt(pod: DockerPod): number | undefined {
    const seconds = pod.spec.activeDeadlineSeconds;
    const start = pod.status?.startTime;
    return seconds === undefined || !start ? undefined : Date.parse(start) + seconds * 1000;
  }

  /** Writes `status` when it differs from what the pod (or our own newer write) says; returns the pod as it now stands. */
  private async writeStatus(pod: DockerPod, status: DockerPodStatus, report: PassReport, conditional = false): Promise<DockerPod> {
    const uid = pod.metadata.uid ?? '';
    const text = canonicalJson(status);
    if (text === canonicalJson(pod.status ?? {})) return pod;
    const last = this.written.get(uid);
    // Our own write is newer than the cached pod: nothing new to say.
    if (last && last.text === text && Number(pod.metadata.resourceVersion) < last.rv) return pod;
    const updated = await this.deps.client.patchStatus(pod, status, conditional);
    this.written.set(uid, { text, rv: Number(updated.metadata.resourceVersion) });
    report.statusWritten = true;
    return updated;
  }

  private emit(pod: DockerPod, events: PodEvent[]): void {
    for (const e of events) this.deps.events.record(pod, e.type, e.reason, e.message);
  }
}

/** The host a placement names ('' for none). */
function hostNameOf(where: Placement): string {
  if (where.kind === 'unschedulable') return '';
  return where.kind === 'bound' ? where.host.hostName : where.hostName;
}

/** When a pod on a NotReady host moves: with hostFailurePolicy Reschedule, hostFailureTimeoutSeconds (300) after the host went down; never for a pinned pod. */
function rescheduleAt(pod: DockerPod, placement: Extract<Placement, { kind: 'hostDown' }>): number | undefined {
  if (pod.spec.hostFailurePolicy !== 'Reschedule' || pod.spec.hostName || placement.fresh) return undefined;
  return placement.downSinceMs + (pod.spec.hostFailureTimeoutSeconds ?? 300) * 1000;
}

/** Time left before activeDeadlineSeconds, while it is ahead. */
const untilDeadline = (deadlineAt: number | undefined, now: number): number | undefined => (deadlineAt === undefined || now >= deadlineAt ? undefined : deadlineAt - now);

/** A container killed for a failed probe is restarted (per policy and back-off) by the next pass: its own exit wakes nothing. */
const afterKill = (unhealthy: ReadonlyMap<string, string>): number | undefined => (unhealthy.size > 0 ? 1 : undefined);

/** Containers whose liveness or startup probe failed, with the kubelet's message. */
function unhealthyOf(views: ReadonlyMap<string, ProbeView>): Map<string, string> {
  return new Map([...views].flatMap(([name, v]) => (v.unhealthy ? [[name, v.unhealthy] as const] : [])));
}

function allInstances(obs: PodObservation): Instance[] {
  return [...obs.sandboxes, ...[...obs.containers.values()].flat(), ...obs.unknown];
}

function requeue(...delays: Array<number | undefined>): ReconcileResult {
  const due = delays.filter((d): d is number => d !== undefined && d >= 0);
  return due.length > 0 ? { requeueAfterMs: Math.max(1, Math.min(...due)) } : {};
}

/** The status a pod has, for callers that compare. */
export type { DockerPodStatus };
