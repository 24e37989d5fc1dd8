/**
 * The operator process's controllers: the DockerHost controller keeps the fleet (engine clients,
 * readiness, heartbeats, host statuses); the DockerPod informer feeds a work queue of keys that the
 * pod reconciler works; Docker events per Ready host and a periodic resync enqueue pods whose
 * containers changed; any change of a host enqueues the pods it concerns (pods waiting for room,
 * pods bound to it), so nothing polls. Shutdown drains in-flight passes before closing watches.
 *
 * Two phases, for leader election: the caches (both informers, and the fleet's list of hosts) run
 * on every replica, so a standby is warm and can report ready; the workers (both queues, the
 * resync, probes, Docker event streams, orphan sweeps, the implicit host's creation: everything
 * that writes to the API or an engine) run only while leading. A standby pings the engines (read
 * only) so its readiness and the hosts gauge are real. An Operator leads at most one term: a
 * replica that loses its lease stops its workers at once and its process exits (see run-operator).
 * `start()` is both phases without an election.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import { GROUP, VERSION } from '../api/v1alpha1/group.js';
import { DockerPodClient } from '../kube/dockerpod-client.js';
import { EventRecorder } from '../kube/event-recorder.js';
import { Informer } from '../kube/informer.js';
import { observeRequests } from '../kube/pooled-agents.js';
import type { Logger } from '../observability/logger.js';
import { OperatorMetrics } from '../observability/metrics.js';
import { connectEngine, type EngineConnectOptions, type EngineVersion } from '../runtime/docker/dockerode-engine.js';
import { instrument } from '../runtime/docker/instrumented-engine.js';
import type { DockerEngine } from '../runtime/docker/types.js';
import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';
import { defined } from '../util/objects.js';
import { EventSources } from './event-sources.js';
import { ensureImplicitHost, ensureImplicitHostUntil, type ImplicitHostDeps } from './implicit-host.js';
import { announcingOwnActions, OwnActions } from './own-actions.js';
import { PodReadyTracker } from './pod-ready-tracker.js';
import { StandbyPings } from './standby-pings.js';
import { boundHostOf, Fleet, type HostChange, type ImplicitHost } from './fleet/fleet.js';
import { HostController } from './fleet/host-controller.js';
import type { PodSettings } from './hosts.js';
import { ImageManager } from './images.js';
import { aborted, credentialsFrom, keyOf, selectorLabels, specChanged, splitKey, terminal } from './operator-helpers.js';
import { PodReconciler } from './pod-reconciler.js';
import { ProbeManager } from './probe-manager.js';
import { Resyncer } from './resync.js';
import { WorkQueue, type PassResult } from './work-queue.js';

/** The source of the operator's Events (`source.component`), as the kubelet's are "kubelet". */
export const OPERATOR_COMPONENT = 'dockerpod-operator';

/**
 * The source of placement Events (Scheduled, FailedScheduling, Rescheduled), as kube-scheduler's
 * are "default-scheduler": a separate source has its own Event rate limit per pod (see
 * PodReconcilerDeps.placementEvents).
 */
export const SCHEDULER_COMPONENT = 'dockerpod-scheduler';

/** How to run the controllers. */
export interface OperatorOptions {
  kubeConfig: KubeConfig;
  /** Watch one namespace; all when undefined. */
  namespace?: string;
  /** Settings that shape every pod's Docker configs. */
  settings: PodSettings;
  /** The host `--docker-host` declares (created or adopted as a DockerHost). */
  implicitHost?: ImplicitHost;
  /** Only DockerHosts matching this label selector (`--host-selector`). */
  hostSelector?: string;
  /** This machine's address (hostIP of hosts on a unix socket). */
  localAddress: string;
  concurrency: number;
  resyncPeriodMs: number;
  /** How often a running pod's configMap and secret volumes are re-checked (default 60 s). */
  projectedVolumeRefreshMs?: number;
  /** Heartbeat period of every host (default 10 s). */
  heartbeatPeriodMs?: number;
  /** NotReady for this long puts a host's pods in phase Unknown (default 40 s). */
  hostFailureGraceMs?: number;
  /** Deadline of one heartbeat, ping and info together (default 5 s): a host whose engine misses it goes NotReady. */
  heartbeatTimeoutMs?: number;
  /**
   * Deadline of one ordinary Docker call on every host (`--docker-call-timeout`, default 120 s; a
   * stop adds its grace period): a pass whose engine stops answering fails after it and is retried
   * with back-off, instead of holding a worker.
   */
  dockerCallTimeoutMs?: number;
  logger: Logger;
  clock?: Clock;
  /** Informer watchdog (default 70 s). */
  watchInactivityMs?: number;
  /** Engine clients (tests wrap them). */
  connect?: (options: EngineConnectOptions, hostName: string) => DockerEngine;
  probe?: (options: EngineConnectOptions, signal?: AbortSignal) => Promise<EngineVersion>;
  /** Where the operator's metrics go; default a registry of its own (without process metrics). */
  metrics?: OperatorMetrics;
}

/** What /readyz needs to know about the operator. */
export interface OperatorReadiness {
  /** Both caches have listed successfully. */
  synced: boolean;
  /** DockerHosts this operator manages. */
  hosts: number;
  /** Of those, the ones whose engine answered the last heartbeat. */
  readyHosts: number;
  /** The workers run (this replica leads, or runs without an election). */
  leading: boolean;
}

export { selectorLabels } from './operator-helpers.js';

/** The DockerPod and DockerHost controllers of one operator process. */
export class Operator {
  readonly informer: Informer<DockerPod>;
  readonly queue: WorkQueue;
  readonly reconciler: PodReconciler;
  readonly events: EventRecorder;
  readonly fleet: Fleet;
  readonly hosts: HostController;
  /** Probe workers of every running container with probes. */
  readonly probes: ProbeManager;
  readonly metrics: OperatorMetrics;
  private readonly clock: Clock;
  private readonly sources: EventSources;
  private readonly resyncer: Resyncer;
  private readonly custom: CustomObjectsApi;
  private readonly readyTimes: PodReadyTracker;
  private readonly unobserve: () => void;
  private readonly standby: StandbyPings;
  private resyncTimer: TimerHandle | undefined;
  /** The workers run: informer events become passes. */
  private leading = false;
  /** lead() was called (an Operator leads at most one term). */
  private termTaken = false;
  /** The workers were started (once). */
  private workersStarted = false;
  /** The workers were stopped: nothing may start them again. */
  private workersStopped = false;
  /** Docker events the operator causes itself (not a reason to look at the pod again). */
  private readonly own: OwnActions;

  constructor(private readonly options: OperatorOptions) {
    this.clock = options.clock ?? systemClock;
    this.own = new OwnActions(this.clock);
    this.metrics = options.metrics ?? new OperatorMetrics();
    // Keep-alive connections to the API server instead of a handshake per call (see pooled-agents); every request counted.
    this.unobserve = observeRequests(options.kubeConfig, (r) => this.metrics.restRequest(r));
    this.custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
    const core = options.kubeConfig.makeApiClient(CoreV1Api);
    const client = new DockerPodClient(this.custom, core);
    const ns = options.namespace;
    const custom = this.custom;
    this.informer = new Informer<DockerPod>({
      kubeConfig: options.kubeConfig,
      path: ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/dockerpods` : `/apis/${GROUP}/${VERSION}/dockerpods`,
      list: () => (ns ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'dockerpods' }) : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'dockerpods' })) as Promise<{ items: DockerPod[]; metadata?: { resourceVersion?: string } }>,
      clock: this.clock,
      ...(options.watchInactivityMs ? { inactivityTimeoutMs: options.watchInactivityMs } : {}),
      logger: options.logger,
    });
    this.events = new EventRecorder(core, { component: OPERATOR_COMPONENT, clock: this.clock, logger: options.logger });
    this.fleet = this.buildFleet(client);
    this.hosts = new HostController({
      kubeConfig: options.kubeConfig,
      custom,
      fleet: this.fleet,
      events: this.events,
      clock: this.clock,
      logger: options.logger,
      metrics: this.metrics,
      ...defined({ heartbeatPeriodMs: options.heartbeatPeriodMs, labelSelector: options.hostSelector || undefined, watchInactivityMs: options.watchInactivityMs }),
    });
    this.probes = new ProbeManager({
      clock: this.clock,
      logger: options.logger,
      enqueue: (key) => this.enqueue(key),
      record: (pod, type, reason, message) => this.events.record(pod, type, reason, message),
    });
    this.reconciler = new PodReconciler({
      pods: this.informer,
      client,
      events: this.events,
      hosts: this.fleet,
      images: new ImageManager(this.clock, credentialsFrom(client)),
      probes: this.probes,
      clock: this.clock,
      logger: options.logger,
      ...defined({ projectedVolumeRefreshMs: options.projectedVolumeRefreshMs }),
      onSeen: (uid, containers) => this.resyncer.seen(uid, containers),
      placementEvents: this.events.from(SCHEDULER_COMPONENT),
    });
    this.queue = this.buildQueue();
    this.sources = new EventSources({ enqueue: (key) => this.enqueue(key), clock: this.clock, logger: options.logger, own: this.own });
    this.resyncer = new Resyncer({
      hosts: () => this.fleet.all(),
      podHosts: () => new Map(this.informer.list().map((p) => [p.metadata.uid ?? '', p.status?.hostName ?? ''])),
      watches: (namespace) => ns === undefined || namespace === ns,
      ...(ns ? { namespace: ns } : {}),
      enqueue: (key) => this.enqueue(key),
      busy: (key) => this.queue.busy(key),
      logger: options.logger,
    });
    this.readyTimes = new PodReadyTracker(this.clock, (seconds) => this.metrics.podBecameReady(seconds));
    this.metrics.observePods(() => this.informer.list().map((p) => p.status?.phase ?? 'Pending'));
    this.metrics.observeHosts(() => ({ ready: this.fleet.names().filter((n) => this.fleet.isReady(n)).length, total: this.fleet.names().length }));
    this.watchPods();
    this.standby = new StandbyPings({ names: () => this.fleet.names(), heartbeat: (name) => this.fleet.heartbeat(name), clock: this.clock, periodMs: options.heartbeatPeriodMs ?? 10_000 });
    // A standby pings a new host at once rather than at its next round, so its readiness is current.
    this.hosts.informer.on('add', (host) => {
      if (this.standby.active()) void this.standby.ping([host.metadata.name ?? '']);
    });
  }

  private implicitHostDeps(): ImplicitHostDeps {
    return { custom: this.custom, labels: selectorLabels(this.options.hostSelector), cached: (name) => this.hosts.informer.get(undefined, name) !== undefined, clock: this.clock, logger: this.options.logger };
  }

  private buildQueue(): WorkQueue {
    const instruments = this.metrics.controller('dockerpod', this.options.concurrency);
    const queue = new WorkQueue((key, _signal, pass) => this.reconciler.reconcile(key, pass.reconcileID), {
      concurrency: this.options.concurrency,
      clock: this.clock,
      hooks: instruments.hooks,
      onResult: (r) => {
        instruments.onResult(r);
        this.logResult(r);
      },
    });
    instruments.attach(queue);
    return queue;
  }

  private watchPods(): void {
    // The fleet keeps per-host loads from the cache's changes (first, so a pass enqueued here sees them).
    this.informer.on('add', (pod) => this.fleet.podChanged(pod, undefined));
    this.informer.on('update', (pod, old) => this.fleet.podChanged(pod, old));
    this.informer.on('delete', (pod) => this.fleet.podChanged(undefined, pod));
    this.informer.on('add', (pod) => this.enqueue(keyOf(pod)));
    this.informer.on('update', (pod, old) => {
      if (specChanged(pod, old)) this.enqueue(keyOf(pod));
      // A pod that finished gives its room back.
      if (terminal(pod) && !terminal(old)) this.roomFreed(pod);
      if (this.leading) this.readyTimes.updated(pod, old);
    });
    this.informer.on('delete', (pod) => {
      this.reconciler.forget(pod.metadata.uid ?? '');
      this.readyTimes.deleted(pod);
      this.roomFreed(pod);
    });
  }

  private buildFleet(client: DockerPodClient): Fleet {
    const o = this.options;
    return new Fleet({
      settings: o.settings,
      readSecret: (namespace, name) => client.readSecret(namespace, name),
      pods: () => this.informer.list(),
      clock: this.clock,
      logger: o.logger,
      localAddress: o.localAddress,
      ...defined({ implicit: o.implicitHost, probe: o.probe, hostFailureGraceMs: o.hostFailureGraceMs, heartbeatTimeoutMs: o.heartbeatTimeoutMs, callTimeoutMs: o.dockerCallTimeoutMs }),
      connect: (options, name) => announcingOwnActions(instrument((o.connect ?? connectEngine)(options, name), (call) => this.metrics.dockerCall(name, call)), this.own),
      partition: selectorLabels(o.hostSelector),
      onChange: (name, change) => this.hostChanged(name, change),
    });
  }

  /**
   * Starts caches and workers (no election); resolves once both caches have synced (or
   * `syncTimeoutMs` passed). Throws when the implicit host cannot be written; calling it again retries.
   */
  async start(syncTimeoutMs = 120_000): Promise<boolean> {
    const synced = await this.startCaches(syncTimeoutMs);
    if (this.options.implicitHost) await ensureImplicitHost(this.options.implicitHost, this.implicitHostDeps(), syncTimeoutMs);
    await this.startWorkers();
    return synced;
  }

  /**
   * A standby replica: starts both caches and pings every engine each heartbeat period (reads only,
   * nothing written); resolves true once the caches have synced, false after `syncTimeoutMs`.
   */
  async startStandby(syncTimeoutMs = 120_000): Promise<boolean> {
    const synced = await this.startCaches(syncTimeoutMs);
    if (!this.workersStarted && !this.workersStopped) this.standby.start();
    return synced;
  }

  /**
   * One term of leadership: creates or adopts the implicit host (retrying while the API refuses),
   * starts the workers, and when `signal` aborts stops them at once (in-flight passes abandoned, their
   * signals aborted). Resolves after that. A second term throws: the process of a replica that lost
   * its lease exits instead (in-memory state such as reservations may be stale by then).
   */
  async lead(signal: AbortSignal): Promise<void> {
    if (this.termTaken) throw new Error('an Operator leads at most one term');
    this.termTaken = true;
    const stop = (): void => void this.abortWorkers();
    signal.addEventListener('abort', stop, { once: true });
    try {
      const host = this.options.implicitHost;
      if (!host || (await ensureImplicitHostUntil(host, this.implicitHostDeps(), signal))) await this.startWorkers();
      await aborted(signal);
    } finally {
      signal.removeEventListener('abort', stop);
      await this.abortWorkers();
    }
  }

  private async startCaches(syncTimeoutMs: number): Promise<boolean> {
    this.informer.start();
    const [hostsSynced, podsSynced] = await Promise.all([this.hosts.startCache(syncTimeoutMs), this.informer.waitForSync(syncTimeoutMs)]);
    return hostsSynced && podsSynced;
  }

  /** Starts the workers (once): one heartbeat of every host first, then every cached host and pod gets a pass. */
  private async startWorkers(): Promise<void> {
    if (this.workersStarted || this.workersStopped) return;
    this.workersStarted = true;
    await this.standby.stop();
    // One heartbeat of every host before any pod pass, so a restart never reports Ready pods as on a lost host.
    await Promise.all(this.fleet.names().map((name) => this.fleet.heartbeat(name)));
    if (this.workersStopped) return;
    this.leading = true;
    this.hosts.startWorkers();
    // Hosts that became Ready before (on a standby, or in that first heartbeat) are followed and swept now.
    for (const name of this.fleet.names()) if (this.fleet.isReady(name)) this.takeOn(name);
    for (const pod of this.informer.list()) this.queue.add(keyOf(pod));
    this.queue.start();
    this.scheduleResync(this.informer.hasSynced() ? 0 : this.options.resyncPeriodMs);
  }

  /** Whether the caches have synced (readiness). */
  ready(): boolean {
    return this.informer.hasSynced() && this.hosts.informer.hasSynced();
  }

  /** What /readyz reports: caches, engines, role. The implicit host counts (as not answering) before its DockerHost is cached. */
  readiness(): OperatorReadiness {
    const names = this.fleet.names();
    const implicit = this.options.implicitHost?.name;
    const hosts = names.length + (implicit !== undefined && !names.includes(implicit) ? 1 : 0);
    return { synced: this.ready(), hosts, readyHosts: names.filter((n) => this.fleet.isReady(n)).length, leading: this.leading };
  }

  /** One resync now (also runs every resync period). */
  async resync(): Promise<void> {
    if (!this.informer.hasSynced()) return;
    try {
      this.metrics.orphansCollected((await this.resyncer.run()).orphansRemoved);
    } catch (err) {
      this.options.logger.warn('resync failed', { error: (err as Error).message });
    }
  }

  /**
   * Stops taking work and lets in-flight passes finish within `timeoutMs` (the lease, if any, is
   * still held meanwhile); resolves true when they all did. The caches keep running.
   */
  async stopWorkers(timeoutMs: number): Promise<boolean> {
    this.haltWorkers();
    const [{ drained }] = await Promise.all([this.queue.shutdown(timeoutMs), this.hosts.stopWorkers(timeoutMs)]);
    return drained;
  }

  /** Stops the workers at once: in-flight passes are abandoned (their signals abort). */
  private async abortWorkers(): Promise<void> {
    this.haltWorkers();
    await Promise.all([this.queue.abort(), this.hosts.abortWorkers()]);
  }

  private haltWorkers(): void {
    this.leading = false;
    this.workersStopped = true;
    void this.standby.stop();
    this.resyncTimer?.cancel();
    this.sources.stopAll();
    this.probes.stop();
  }

  /** Stops taking work, lets in-flight passes finish within `timeoutMs`, closes watches and streams; true when all finished. */
  async stop(timeoutMs = 30_000): Promise<boolean> {
    const drained = await this.stopWorkers(timeoutMs);
    await Promise.all([this.informer.stop(), this.hosts.stop(timeoutMs)]);
    await this.events.flush();
    this.unobserve();
    return drained;
  }

  /** A pod needs a pass: only while the workers run (they start by enqueueing every cached pod). */
  private enqueue(key: string): void {
    if (this.leading) this.queue.add(key);
  }

  /** What a host change means for pods: wake the ones it concerns, follow its events, sweep it when it comes (back). */
  private hostChanged(name: string, change: HostChange): void {
    this.options.logger.info('host changed', { controller: 'dockerhost', host: name, change });
    // A standby only keeps readiness current: the workers look at every host when they start.
    if (!this.leading) return;
    // Readiness decides what bound pods report; any change may make room for waiting pods.
    if (change !== 'updated') for (const pod of this.fleet.boundPods(name)) this.queue.add(keyOf(pod));
    if (change !== 'notReady' && change !== 'removed') this.wakeUnbound();
    if (change === 'removed') this.sources.stop(name);
    else if (this.fleet.isReady(name) && change !== 'notReady') this.followEvents(name);
    if (change === 'ready') void this.sweep(name);
  }

  /** The workers start on a Ready host: follow its events, sweep its orphans. */
  private takeOn(name: string): void {
    this.followEvents(name);
    void this.sweep(name);
  }

  private followEvents(name: string): void {
    const binding = this.fleet.binding(name);
    if (this.leading && binding) this.sources.follow(binding);
  }

  private async sweep(name: string): Promise<void> {
    const binding = this.fleet.binding(name);
    // Before the pod cache has synced every container would look orphaned.
    if (!binding || !this.informer.hasSynced()) return;
    try {
      this.metrics.orphansCollected((await this.resyncer.runHost(binding)).orphansRemoved);
    } catch (err) {
      this.options.logger.warn('orphan sweep failed', { host: name, error: (err as Error).message });
    }
  }

  /** Pods waiting for a host get another chance. */
  private wakeUnbound(): void {
    for (const pod of this.informer.list()) if (!pod.status?.hostName && !pod.metadata.deletionTimestamp) this.enqueue(keyOf(pod));
  }

  private roomFreed(pod: DockerPod): void {
    if (!this.leading) return;
    const host = boundHostOf(pod);
    if (host) this.hosts.touch(host);
    this.wakeUnbound();
  }

  private scheduleResync(delayMs: number): void {
    this.resyncTimer = this.clock.setTimeout(() => {
      void this.resync().finally(() => {
        if (this.leading) this.scheduleResync(this.options.resyncPeriodMs);
      });
    }, delayMs);
  }

  private logResult(r: PassResult): void {
    if (r.outcome !== 'error') return;
    const [namespace, name] = splitKey(r.key);
    this.options.logger.warn('reconcile failed', { controller: 'dockerpod', namespace, name, reconcileID: r.reconcileID, retries: r.retries, error: (r.error as Error | undefined)?.message });
  }
}
