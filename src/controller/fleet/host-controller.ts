/**
 * The DockerHost controller: one level-triggered pass per host and heartbeat period. A pass
 * feeds the cached DockerHost to the fleet, holds it with a finalizer, pings its engine, and
 * writes the status (Ready with the engine's own reason, engine facts, allocatable, allocated,
 * pods) only when it changed, apart from a heartbeat time at most every 40 s. A host being
 * deleted is let go only when no pod is bound to it any more; its status names the pods it waits for.
 *
 * The cache and the workers start separately: a standby replica keeps the cache (and through it
 * the fleet's list of hosts) current without a single write; the passes (heartbeats, finalizers,
 * status writes) run only between startWorkers() and stopWorkers()/abortWorkers(), and every
 * cached host gets a pass when they start.
 */
import type { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { DockerHost, DockerHostStatus } from '../../api/v1alpha1/dockerhost.js';
import type { DockerPod } from '../../api/v1alpha1/dockerpod.js';
import { GROUP, VERSION } from '../../api/v1alpha1/group.js';
import type { EventRecorder } from '../../kube/event-recorder.js';
import { Informer } from '../../kube/informer.js';
import type { Logger } from '../../observability/logger.js';
import type { OperatorMetrics } from '../../observability/metrics.js';
import { renderResources, type HostLoad } from '../../scheduler/index.js';
import { stampConditions } from '../../status/conditions.js';
import { deriveHostStatus, type HeartbeatResult } from '../../status/host-status.js';
import { canonicalJson } from '../../util/canonical.js';
import type { Clock } from '../../util/clock.js';
import { WorkQueue, type PassResult, type ReconcileResult } from '../work-queue.js';
import type { Fleet } from './fleet.js';
import { DockerHostClient, HOST_FINALIZER } from './host-client.js';

/** How the host controller runs. */
export interface HostControllerOptions {
  kubeConfig: KubeConfig;
  custom: CustomObjectsApi;
  fleet: Fleet;
  events: EventRecorder;
  clock: Clock;
  logger: Logger;
  /** Heartbeat period (default 10 s). */
  heartbeatPeriodMs?: number;
  /** Only hosts with these labels (`--host-selector`). */
  labelSelector?: string;
  watchInactivityMs?: number;
  /** Where the controller's queue and passes are counted (controller `dockerhost`). */
  metrics?: OperatorMetrics;
}

/** Hosts heart-beaten at once. */
const CONCURRENCY = 4;

const rfc3339 = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;
const isTerminal = (pod: DockerPod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
const podKey = (pod: DockerPod): string => `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;

/** Watches DockerHosts and keeps the fleet and their statuses current. */
export class HostController {
  readonly informer: Informer<DockerHost>;
  readonly queue: WorkQueue;
  private readonly client: DockerHostClient;
  private readonly written = new Map<string, { text: string; rv: number }>();

  private working = false;

  constructor(private readonly options: HostControllerOptions) {
    this.client = new DockerHostClient(options.custom);
    this.informer = new Informer<DockerHost>({
      kubeConfig: options.kubeConfig,
      path: `/apis/${GROUP}/${VERSION}/dockerhosts`,
      list: () => this.client.list(options.labelSelector),
      ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
      clock: options.clock,
      ...(options.watchInactivityMs ? { inactivityTimeoutMs: options.watchInactivityMs } : {}),
      logger: options.logger,
    });
    const instruments = options.metrics?.controller('dockerhost', CONCURRENCY);
    this.queue = new WorkQueue((name, _signal, pass) => this.reconcile(name, pass.reconcileID), {
      concurrency: CONCURRENCY,
      clock: options.clock,
      ...(instruments ? { hooks: instruments.hooks } : {}),
      onResult: (r) => {
        instruments?.onResult(r);
        this.logResult(r);
      },
    });
    instruments?.attach(this.queue);
    // The fleet follows the cache on every replica (a standby learns its hosts too); passes only while working.
    this.informer.on('add', (host) => {
      options.fleet.upsert(host);
      this.enqueue(host);
    });
    this.informer.on('update', (host, old) => {
      options.fleet.upsert(host);
      // Our own status writes come back as updates: only spec, labels and deletion matter.
      if (host.metadata.generation !== old.metadata.generation || canonicalJson(host.metadata.labels ?? {}) !== canonicalJson(old.metadata.labels ?? {}) || host.metadata.deletionTimestamp !== old.metadata.deletionTimestamp) this.enqueue(host);
    });
    this.informer.on('delete', (host) => {
      options.fleet.remove(host.metadata.name ?? '');
      this.written.delete(host.metadata.uid ?? '');
    });
  }

  /** Starts the cache and the passes; resolves once the cache synced (or the timeout passed). */
  async start(syncTimeoutMs: number): Promise<boolean> {
    const synced = await this.startCache(syncTimeoutMs);
    this.startWorkers();
    return synced;
  }

  /** Starts watching (no pass, no write); resolves true once the cache synced, false after the timeout. */
  startCache(syncTimeoutMs: number): Promise<boolean> {
    this.informer.start();
    return this.informer.waitForSync(syncTimeoutMs);
  }

  /** Starts the passes: every cached host gets one, then each heartbeat period. Once only: a stopped queue does not restart. */
  startWorkers(): void {
    this.working = true;
    for (const host of this.informer.list()) this.enqueue(host);
    this.queue.start();
  }

  /** Stops taking passes; in-flight heartbeats finish within `timeoutMs`. */
  async stopWorkers(timeoutMs: number): Promise<void> {
    this.working = false;
    await this.queue.shutdown(timeoutMs);
  }

  /** Stops the passes at once: in-flight ones are abandoned (their signals abort). */
  async abortWorkers(): Promise<void> {
    this.working = false;
    await this.queue.abort();
  }

  /** Stops the passes (in-flight heartbeats finish within `timeoutMs`) and the watch. */
  async stop(timeoutMs: number): Promise<void> {
    await this.stopWorkers(timeoutMs);
    await this.informer.stop();
  }

  /** Asks for a pass of a host now (a pod bound to it went away, say). */
  touch(name: string): void {
    const host = this.informer.get(undefined, name);
    if (host) this.enqueue(host);
  }

  private enqueue(host: DockerHost): void {
    if (this.working) this.queue.add(host.metadata.name ?? '');
  }

  private logResult(r: PassResult): void {
    if (r.outcome === 'error') this.options.logger.warn('host reconcile failed', { controller: 'dockerhost', name: r.key, host: r.key, reconcileID: r.reconcileID, retries: r.retries, error: (r.error as Error | undefined)?.message });
  }

  /** One pass: heartbeat and status of one host (`reconcileID` goes into its log lines). */
  async reconcile(name: string, reconcileID = ''): Promise<ReconcileResult> {
    const cached = this.informer.get(undefined, name);
    if (!cached) {
      this.options.fleet.remove(name);
      return {};
    }
    this.options.fleet.upsert(cached);
    const host = cached.metadata.deletionTimestamp ? cached : await this.client.addFinalizer(cached);
    if (host.spec.tls?.insecureSkipVerify === true) {
      this.options.events.record(host, 'Warning', 'InsecureSkipVerify', `TLS verification of ${host.spec.endpoint} is off (spec.tls.insecureSkipVerify): anyone on the path can impersonate the engine`);
    }
    const beat = await this.heartbeat(name);
    if (!beat) return {};
    const bound = this.options.fleet.boundPods(name).filter((p) => !isTerminal(p));
    let status = this.statusOf(host, beat.result, bound, beat.atMs);
    if (host.metadata.deletionTimestamp) {
      const released = await this.finalize(host, bound, reconcileID);
      if (released) return {};
      status = this.withTerminating(host, status, bound);
    }
    await this.writeStatus(host, status);
    // The next heartbeat one period after the last real one, not after this pass.
    return { requeueAfterMs: this.period() - beat.ageMs };
  }

  private period(): number {
    return this.options.heartbeatPeriodMs ?? 10_000;
  }

  /**
   * A heartbeat, or the last one when it succeeded less than half a period ago: a pass between
   * heartbeats (every pod deletion wakes one, to show the room it gave back) refreshes the status
   * without asking the engine again; during a teardown of N pods, N GET /info would compete with
   * the removals on the engine. `atMs` (wall) is set when the answer is an earlier heartbeat's.
   */
  private async heartbeat(name: string): Promise<{ result: HeartbeatResult; atMs?: number; ageMs: number } | undefined> {
    const recent = this.options.fleet.recentHeartbeat(name, this.period() / 2);
    if (recent) return recent;
    const result = await this.options.fleet.heartbeat(name);
    return result && { result, ageMs: 0 };
  }

  /** The host's status from a heartbeat; `heartbeatAtMs` when the heartbeat is an earlier one (it is the status's time then). */
  private statusOf(host: DockerHost, heartbeat: HeartbeatResult, bound: DockerPod[], heartbeatAtMs?: number): DockerHostStatus {
    const name = host.metadata.name ?? '';
    const nowMs = heartbeatAtMs ?? this.options.clock.now();
    const load: HostLoad = this.options.fleet.loads().get(name) ?? { cpuMilli: 0, memoryBytes: 0, pods: 0, hostPorts: [] };
    const allocatable = this.options.fleet.allocatable(name);
    return deriveHostStatus({
      host,
      heartbeat,
      allocatable: allocatable ? renderResources(allocatable) : undefined,
      allocated: renderResources(load),
      pods: bound.length,
      now: rfc3339(nowMs),
      nowMs,
    });
  }

  /** Removes the finalizer when no pod is bound any more; true when the host was let go. */
  private async finalize(host: DockerHost, bound: DockerPod[], reconcileID: string): Promise<boolean> {
    if (bound.length > 0 || !(host.metadata.finalizers ?? []).includes(HOST_FINALIZER)) return bound.length === 0;
    await this.client.removeFinalizer(host);
    this.options.logger.info('released DockerHost', { controller: 'dockerhost', name: host.metadata.name, host: host.metadata.name, reconcileID });
    return true;
  }

  private withTerminating(host: DockerHost, status: DockerHostStatus, bound: DockerPod[]): DockerHostStatus {
    const names = bound.map(podKey).sort();
    const shown = names.slice(0, 10).join(', ') + (names.length > 10 ? `, and ${names.length - 10} more` : '');
    const terminating = { type: 'Terminating', status: 'True' as const, reason: 'PodsBound', message: `waiting for ${names.length} pod(s) bound to this host: ${shown}` };
    const others = (status.conditions ?? []).filter((c) => c.type !== 'Terminating');
    const stamped = stampConditions([terminating], host.status?.conditions, rfc3339(this.options.clock.now()), host.metadata.generation ?? 0);
    return { ...status, conditions: [...others, ...stamped] };
  }

  private async writeStatus(host: DockerHost, status: DockerHostStatus): Promise<void> {
    const uid = host.metadata.uid ?? '';
    const text = canonicalJson(status);
    if (text === canonicalJson(host.status ?? {})) return;
    const last = this.written.get(uid);
    if (last && last.text === text && Number(host.metadata.resourceVersion) < last.rv) return;
    const updated = await this.client.patchStatus(host, status);
    this.written.set(uid, { text, rv: Number(updated.metadata.resourceVersion) });
  }
}
