/**
 * The operator process's controllers: the DockerHost controller keeps the fleet (engine clients,
 * readiness, heartbeats, host statuses); the DockerPod informer feeds a work queue of keys that the
 * pod reconciler works; Docker events per Ready host and a periodic resync enqueue pods whose
 * containers changed; any change of a host enqueues the pods it concerns (pods waiting for room,
 * pods bound to it), so nothing polls. Shutdown drains in-flight passes before closing watches.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import { GROUP, VERSION } from '../api/v1alpha1/group.js';
import { DockerPodClient } from '../kube/dockerpod-client.js';
import { EventRecorder } from '../kube/event-recorder.js';
import { Informer } from '../kube/informer.js';
import { poolAgents } from '../kube/pooled-agents.js';
import type { Logger } from '../observability/logger.js';
import { connectEngine, type EngineConnectOptions, type EngineVersion } from '../runtime/docker/dockerode-engine.js';
import type { DockerEngine } from '../runtime/docker/types.js';
import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';
import { defined } from '../util/objects.js';
import { EngineEventSource } from './engine-events.js';
import { announcingOwnActions, OwnActions } from './own-actions.js';
import { boundHostOf, Fleet, type HostChange, type ImplicitHost } from './fleet/fleet.js';
import { DockerHostClient } from './fleet/host-client.js';
import { HostController } from './fleet/host-controller.js';
import type { PodSettings } from './hosts.js';
import { authFromDockerConfig, ImageManager, type CredentialSource } from './images.js';
import { PodReconciler } from './pod-reconciler.js';
import { ProbeManager } from './probe-manager.js';
import { Resyncer } from './resync.js';
import { WorkQueue, type PassResult } from './work-queue.js';

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
  logger: Logger;
  clock?: Clock;
  /** Informer watchdog (default 70 s). */
  watchInactivityMs?: number;
  /** Engine clients (tests wrap them). */
  connect?: (options: EngineConnectOptions, hostName: string) => DockerEngine;
  probe?: (options: EngineConnectOptions, signal?: AbortSignal) => Promise<EngineVersion>;
}

const keyOf = (pod: DockerPod): string => `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;

/** Whether an update of a pod is worth a pass: not for our own status writes. */
function specChanged(pod: DockerPod, old: DockerPod): boolean {
  const a = pod.metadata;
  const b = old.metadata;
  return a.generation !== b.generation || a.deletionTimestamp !== b.deletionTimestamp || JSON.stringify(a.finalizers) !== JSON.stringify(b.finalizers) || JSON.stringify(a.labels) !== JSON.stringify(b.labels) || JSON.stringify(a.annotations) !== JSON.stringify(b.annotations);
}

/** The labels of an equality selector `k=v,k=v` (what --host-selector takes). */
export function selectorLabels(selector: string | undefined): Record<string, string> {
  const pairs = (selector ?? '').split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.split('='));
  return Object.fromEntries(pairs.filter((kv): kv is [string, string] => kv.length === 2 && kv[0] !== ''));
}

const terminal = (pod: DockerPod | undefined): boolean => pod?.status?.phase === 'Succeeded' || pod?.status?.phase === 'Failed';

/** Credentials from the pod's imagePullSecrets (the first that has the registry). */
function credentialsFrom(client: DockerPodClient): CredentialSource {
  return async (pod, registry) => {
    for (const ref of pod.spec.imagePullSecrets ?? []) {
      const secret = await client.readSecret(pod.metadata.namespace ?? 'default', ref.name);
      const data = secret?.data?.['.dockerconfigjson'];
      const auth = data ? authFromDockerConfig(Buffer.from(data, 'base64').toString('utf8'), registry) : undefined;
      if (auth) return auth;
    }
    return undefined;
  };
}

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
  private readonly clock: Clock;
  private readonly sources = new Map<string, EngineEventSource>();
  private readonly resyncer: Resyncer;
  private readonly custom: CustomObjectsApi;
  private resyncTimer: TimerHandle | undefined;
  private running = false;
  /** Docker events the operator causes itself (not a reason to look at the pod again). */
  private readonly own: OwnActions;

  constructor(private readonly options: OperatorOptions) {
    this.clock = options.clock ?? systemClock;
    this.own = new OwnActions(this.clock);
    // Keep-alive connections to the API server instead of a handshake per call (see pooled-agents).
    poolAgents(options.kubeConfig);
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
    this.events = new EventRecorder(core, { component: 'dockerpod-operator', clock: this.clock, logger: options.logger });
    this.fleet = this.buildFleet(client);
    this.hosts = new HostController({
      kubeConfig: options.kubeConfig,
      custom,
      fleet: this.fleet,
      events: this.events,
      clock: this.clock,
      logger: options.logger,
      ...defined({ heartbeatPeriodMs: options.heartbeatPeriodMs, labelSelector: options.hostSelector || undefined, watchInactivityMs: options.watchInactivityMs }),
    });
    this.probes = new ProbeManager({
      clock: this.clock,
      logger: options.logger,
      enqueue: (key) => this.queue.add(key),
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
    });
    this.queue = new WorkQueue((key) => this.reconciler.reconcile(key), { concurrency: options.concurrency, clock: this.clock, onResult: (r) => this.logResult(r) });
    this.resyncer = new Resyncer({
      hosts: () => this.fleet.all(),
      podHosts: () => new Map(this.informer.list().map((p) => [p.metadata.uid ?? '', p.status?.hostName ?? ''])),
      watches: (namespace) => ns === undefined || namespace === ns,
      ...(ns ? { namespace: ns } : {}),
      enqueue: (key) => this.queue.add(key),
      logger: options.logger,
    });
    this.informer.on('add', (pod) => this.queue.add(keyOf(pod)));
    this.informer.on('update', (pod, old) => {
      if (specChanged(pod, old)) this.queue.add(keyOf(pod));
      // A pod that finished gives its room back.
      if (terminal(pod) && !terminal(old)) this.roomFreed(pod);
    });
    this.informer.on('delete', (pod) => {
      this.reconciler.forget(pod.metadata.uid ?? '');
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
      ...defined({ implicit: o.implicitHost, probe: o.probe, hostFailureGraceMs: o.hostFailureGraceMs }),
      connect: (options, name) => announcingOwnActions((o.connect ?? connectEngine)(options, name), this.own),
      partition: selectorLabels(o.hostSelector),
      onChange: (name, change) => this.hostChanged(name, change),
    });
  }

  /** Starts the controllers; resolves once both caches have synced (or `syncTimeoutMs` passed). */
  async start(syncTimeoutMs = 120_000): Promise<boolean> {
    this.running = true;
    if (this.options.implicitHost) await this.ensureImplicitHost(this.options.implicitHost);
    const hostsSynced = await this.hosts.start(syncTimeoutMs);
    this.informer.start();
    const synced = (await this.informer.waitForSync(syncTimeoutMs)) && hostsSynced;
    // One heartbeat of every host before any pod pass, so a restart never reports Ready pods as on a lost host.
    await Promise.all(this.fleet.names().map((name) => this.fleet.heartbeat(name)));
    this.queue.start();
    this.scheduleResync(synced ? 0 : this.options.resyncPeriodMs);
    return synced;
  }

  private async ensureImplicitHost(host: ImplicitHost): Promise<void> {
    const outcome = await new DockerHostClient(this.custom).ensureImplicit(host.name, host.connection.endpoint, selectorLabels(this.options.hostSelector));
    this.options.logger.info(`DockerHost ${host.name} ${outcome}`, { host: host.name, endpoint: host.connection.endpoint });
  }

  /** Whether the caches have synced (readiness). */
  ready(): boolean {
    return this.informer.hasSynced() && this.hosts.informer.hasSynced();
  }

  /** One resync now (also runs every resync period). */
  async resync(): Promise<void> {
    if (!this.informer.hasSynced()) return;
    try {
      await this.resyncer.run();
    } catch (err) {
      this.options.logger.warn('resync failed', { error: (err as Error).message });
    }
  }

  /** Stops taking work, lets in-flight passes finish within `timeoutMs`, closes watches and streams. */
  async stop(timeoutMs = 30_000): Promise<boolean> {
    this.running = false;
    this.resyncTimer?.cancel();
    for (const s of this.sources.values()) s.stop();
    this.sources.clear();
    this.probes.stop();
    const [{ drained }] = await Promise.all([this.queue.shutdown(timeoutMs), this.hosts.stop(timeoutMs)]);
    await this.informer.stop();
    await this.events.flush();
    return drained;
  }

  /** What a host change means for pods: wake the ones it concerns, follow its events, sweep it when it comes (back). */
  private hostChanged(name: string, change: HostChange): void {
    this.options.logger.info('host changed', { controller: 'dockerhost', host: name, change });
    // Readiness decides what bound pods report; any change may make room for waiting pods.
    if (change !== 'updated') for (const pod of this.fleet.boundPods(name)) this.queue.add(keyOf(pod));
    if (change !== 'notReady' && change !== 'removed') this.wakeUnbound();
    if (change === 'removed') this.stopSource(name);
    else if (this.fleet.isReady(name) && change !== 'notReady') this.followEvents(name);
    if (change === 'ready') void this.sweep(name);
  }

  private followEvents(name: string): void {
    const binding = this.fleet.binding(name);
    if (!this.running || !binding) return;
    this.stopSource(name);
    const source = new EngineEventSource(binding, (key) => this.queue.add(key), { clock: this.clock, logger: this.options.logger, own: this.own });
    source.start();
    this.sources.set(name, source);
  }

  private stopSource(name: string): void {
    this.sources.get(name)?.stop();
    this.sources.delete(name);
  }

  private async sweep(name: string): Promise<void> {
    const binding = this.fleet.binding(name);
    // Before the pod cache has synced every container would look orphaned.
    if (!binding || !this.informer.hasSynced()) return;
    try {
      await this.resyncer.runHost(binding);
    } catch (err) {
      this.options.logger.warn('orphan sweep failed', { host: name, error: (err as Error).message });
    }
  }

  /** Pods waiting for a host get another chance. */
  private wakeUnbound(): void {
    for (const pod of this.informer.list()) if (!pod.status?.hostName && !pod.metadata.deletionTimestamp) this.queue.add(keyOf(pod));
  }

  private roomFreed(pod: DockerPod): void {
    const host = boundHostOf(pod);
    if (host) this.hosts.touch(host);
    this.wakeUnbound();
  }

  private scheduleResync(delayMs: number): void {
    this.resyncTimer = this.clock.setTimeout(() => {
      void this.resync().finally(() => {
        if (this.running) this.scheduleResync(this.options.resyncPeriodMs);
      });
    }, delayMs);
  }

  private logResult(r: PassResult): void {
    if (r.outcome === 'error') this.options.logger.warn('reconcile failed', { controller: 'dockerpod', key: r.key, retries: r.retries, error: (r.error as Error | undefined)?.message });
  }
}
