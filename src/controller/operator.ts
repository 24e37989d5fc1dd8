/**
 * The operator process's controller: the DockerPod informer feeds a work queue of keys, the
 * reconciler works them, Docker events and a periodic resync enqueue pods whose containers
 * changed, and shutdown drains in-flight passes before closing watches and streams.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import { GROUP, VERSION } from '../api/v1alpha1/group.js';
import { DockerPodClient } from '../kube/dockerpod-client.js';
import { EventRecorder } from '../kube/event-recorder.js';
import { Informer } from '../kube/informer.js';
import type { Logger } from '../observability/logger.js';
import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';
import { EngineEventSource } from './engine-events.js';
import type { HostResolver } from './hosts.js';
import { authFromDockerConfig, ImageManager, type CredentialSource } from './images.js';
import { PodReconciler } from './pod-reconciler.js';
import { Resyncer } from './resync.js';
import { WorkQueue, type PassResult } from './work-queue.js';
import { poolAgents } from '../kube/pooled-agents.js';

/** How to run the controller. */
export interface OperatorOptions {
  kubeConfig: KubeConfig;
  /** Watch one namespace; all when undefined. */
  namespace?: string;
  hosts: HostResolver;
  concurrency: number;
  resyncPeriodMs: number;
  logger: Logger;
  clock?: Clock;
  /** Informer watchdog (default 70 s). */
  watchInactivityMs?: number;
}

const keyOf = (pod: DockerPod): string => `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;

/** Whether an update of a pod is worth a pass: not for our own status writes. */
function specChanged(pod: DockerPod, old: DockerPod): boolean {
  const a = pod.metadata;
  const b = old.metadata;
  return a.generation !== b.generation || a.deletionTimestamp !== b.deletionTimestamp || JSON.stringify(a.finalizers) !== JSON.stringify(b.finalizers) || JSON.stringify(a.labels) !== JSON.stringify(b.labels) || JSON.stringify(a.annotations) !== JSON.stringify(b.annotations);
}

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

/** The controller of DockerPods. */
export class Operator {
  readonly informer: Informer<DockerPod>;
  readonly queue: WorkQueue;
  readonly reconciler: PodReconciler;
  readonly events: EventRecorder;
  private readonly clock: Clock;
  private readonly sources: EngineEventSource[] = [];
  private readonly resyncer: Resyncer;
  private resyncTimer: TimerHandle | undefined;
  private running = false;

  constructor(private readonly options: OperatorOptions) {
    this.clock = options.clock ?? systemClock;
    // Keep-alive connections to the API server instead of a handshake per call (see pooled-agents).
    poolAgents(options.kubeConfig);
    const custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
    const core = options.kubeConfig.makeApiClient(CoreV1Api);
    const client = new DockerPodClient(custom, core);
    const ns = options.namespace;
    this.informer = new Informer<DockerPod>({
      kubeConfig: options.kubeConfig,
      path: ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/dockerpods` : `/apis/${GROUP}/${VERSION}/dockerpods`,
      list: () => (ns ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'dockerpods' }) : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'dockerpods' })) as Promise<{ items: DockerPod[]; metadata?: { resourceVersion?: string } }>,
      clock: this.clock,
      ...(options.watchInactivityMs ? { inactivityTimeoutMs: options.watchInactivityMs } : {}),
      logger: options.logger,
    });
    this.events = new EventRecorder(core, { component: 'dockerpod-operator', clock: this.clock, logger: options.logger });
    this.reconciler = new PodReconciler({
      pods: this.informer,
      client,
      events: this.events,
      hosts: options.hosts,
      images: new ImageManager(this.clock, credentialsFrom(client)),
      clock: this.clock,
      logger: options.logger,
    });
    this.queue = new WorkQueue((key) => this.reconciler.reconcile(key), { concurrency: options.concurrency, clock: this.clock, onResult: (r) => this.logResult(r) });
    this.resyncer = new Resyncer({
      hosts: () => options.hosts.all(),
      podExists: (uid) => this.informer.list().some((p) => p.metadata.uid === uid),
      watches: (namespace) => ns === undefined || namespace === ns,
      enqueue: (key) => this.queue.add(key),
      logger: options.logger,
    });
    this.informer.on('add', (pod) => this.queue.add(keyOf(pod)));
    this.informer.on('update', (pod, old) => {
      if (specChanged(pod, old)) this.queue.add(keyOf(pod));
    });
    this.informer.on('delete', (pod) => this.reconciler.forget(pod.metadata.uid ?? ''));
  }

  /** Starts watching and working; resolves once the cache has synced (or `syncTimeoutMs` passed). */
  async start(syncTimeoutMs = 120_000): Promise<boolean> {
    this.running = true;
    this.informer.start();
    const synced = await this.informer.waitForSync(syncTimeoutMs);
    this.queue.start();
    for (const host of this.options.hosts.all()) {
      const source = new EngineEventSource(host, (key) => this.queue.add(key), this.clock, this.options.logger);
      source.start();
      this.sources.push(source);
    }
    this.scheduleResync(synced ? 0 : this.options.resyncPeriodMs);
    return synced;
  }

  /** Whether the cache has synced (readiness). */
  ready(): boolean {
    return this.informer.hasSynced();
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
    for (const s of this.sources) s.stop();
    const { drained } = await this.queue.shutdown(timeoutMs);
    await this.informer.stop();
    await this.events.flush();
    return drained;
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
