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
import { admitPod } from '../planner/admission.js';
import { emptyObservation, type Instance, type PodObservation } from '../planner/observe.js';
import { deriveStatus, type StatusInput } from '../status/derive.js';
import { isTerminal } from '../status/phase.js';
import type { Clock } from '../util/clock.js';
import { canonicalJson } from '../util/canonical.js';
import { actuate, type PodEvent } from './actuator.js';
import type { HostBinding, HostResolver } from './hosts.js';
import type { ImageManager } from './images.js';
import { observePod } from './observe-pod.js';
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
  hosts: HostResolver;
  images: ImageManager;
  clock: Clock;
  logger: Logger;
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
}

function describeActions(events: PodEvent[]): string[] {
  return events.filter((e) => ['Created', 'Started', 'Killing', 'SandboxChanged', 'Pulling'].includes(e.reason)).map((e) => `${e.reason}: ${e.message}`);
}

/** Reconciles DockerPods by key (namespace/name). */
export class PodReconciler {
  /** The last status written per pod uid, with the resourceVersion it produced: the cache may lag our own writes. */
  private readonly written = new Map<string, { text: string; rv: number }>();
  private readonly scheduled = new Set<string>();

  constructor(private readonly deps: PodReconcilerDeps) {}

  /** One pass for `key`; throws to have the queue retry with back-off. */
  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = splitKey(key);
    const pod = this.deps.pods.get(namespace, name);
    if (!pod) return {};
    const host = this.deps.hosts.resolve(pod);
    if (!host) return { requeueAfterMs: 5000 };
    const started = this.deps.clock.now();
    const report: PassReport = { actions: [], statusWritten: false };
    const result = pod.metadata.deletionTimestamp ? await this.finalize(pod, host, report) : await this.sync(pod, host, report);
    this.deps.logger.info('reconciled', { controller: 'dockerpod', namespace, name, host: host.hostName, durationMs: this.deps.clock.now() - started, actions: report.actions, statusWritten: report.statusWritten });
    return result;
  }

  /** Forgets what it knows of a pod (it is gone). */
  forget(uid: string): void {
    this.written.delete(uid);
    this.scheduled.delete(uid);
  }

  private async finalize(pod: DockerPod, host: HostBinding, report: PassReport): Promise<ReconcileResult> {
    if (!(pod.metadata.finalizers ?? []).includes(FINALIZER)) return {};
    const events = await teardownPod(host, pod, this.deps.clock);
    this.emit(pod, events);
    report.actions.push(...events.map((e) => `${e.reason}: ${e.message}`), 'removed containers');
    await this.deps.client.removeFinalizer(pod);
    this.forget(pod.metadata.uid ?? '');
    return {};
  }

  private async sync(cached: DockerPod, host: HostBinding, report: PassReport): Promise<ReconcileResult> {
    // The finalizer comes before the first Docker call, so nothing is created that deletion would not find.
    const pod = await this.deps.client.addFinalizer(cached);
    this.recordScheduled(pod, host);
    const refusal = admitPod(pod, host.policy, host.hostName);
    if (refusal) {
      this.deps.events.record(pod, 'Warning', 'InvalidSpec', refusal.message);
      await this.writeStatus(pod, { ...this.statusInput(pod, host, emptyObservation()), invalid: refusal }, report);
      return {};
    }
    return this.converge(pod, host, report);
  }

  /** Observe, plan, act, observe again, report: the pass of an admitted pod. */
  private async converge(pod: DockerPod, host: HostBinding, report: PassReport): Promise<ReconcileResult> {
    const now = this.deps.clock.now();
    const deadlineAt = this.deadlineAt(pod);
    const deadlineExceeded = deadlineAt !== undefined && now >= deadlineAt;
    const finished = deadlineExceeded || isTerminal(pod.status?.phase ?? 'Pending');
    const uid = pod.metadata.uid ?? '';
    let obs = await observePod(host.engine, host.ctx.instance, uid);
    const actions = computePodActions({ pod, obs, ctx: host.ctx, now, finished });
    const result = await actuate({ pod, host, actions, observed: allInstances(obs) }, this.deps.images);
    this.emit(pod, result.events);
    report.actions.push(...describeActions(result.events));
    if (result.changed) obs = await observePod(host.engine, host.ctx.instance, uid);
    const waiting = new Map([...actions.waiting, ...result.waiting]);
    await this.writeStatus(pod, { ...this.statusInput(pod, host, obs), waiting, deadlineExceeded }, report);
    if (result.retry) throw result.retry;
    return requeue(actions.requeueAfterMs, deadlineAt === undefined || deadlineExceeded ? undefined : deadlineAt - now);
  }

  private statusInput(pod: DockerPod, host: HostBinding, observation: PodObservation): StatusInput {
    return { pod, observation, now: rfc3339(this.deps.clock.now()), host: { name: host.hostName, ip: host.hostIP } };
  }

  private deadlineAt(pod: DockerPod): number | undefined {
    const seconds = pod.spec.activeDeadlineSeconds;
    const start = pod.status?.startTime;
    return seconds === undefined || !start ? undefined : Date.parse(start) + seconds * 1000;
  }

  private recordScheduled(pod: DockerPod, host: HostBinding): void {
    const uid = pod.metadata.uid ?? '';
    if (this.scheduled.has(uid) || pod.status?.hostName) return;
    this.scheduled.add(uid);
    this.deps.events.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} to ${host.hostName}`);
  }

  private async writeStatus(pod: DockerPod, input: StatusInput, report: PassReport): Promise<void> {
    const status = deriveStatus(input);
    const uid = pod.metadata.uid ?? '';
    const text = canonicalJson(status);
    if (text === canonicalJson(pod.status ?? {})) return;
    const last = this.written.get(uid);
    // Our own write is newer than the cached pod: nothing new to say.
    if (last && last.text === text && Number(pod.metadata.resourceVersion) < last.rv) return;
    const updated = await this.deps.client.patchStatus(pod, status);
    this.written.set(uid, { text, rv: Number(updated.metadata.resourceVersion) });
    report.statusWritten = true;
  }

  private emit(pod: DockerPod, events: PodEvent[]): void {
    for (const e of events) this.deps.events.record(pod, e.type, e.reason, e.message);
  }
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
