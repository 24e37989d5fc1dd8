/**
 * The probe workers of every running container that has probes, like the kubelet's prober
 * manager: one worker per container instance and probe kind, all deadlines on one timer wheel,
 * attempts run through a per-engine ProbeRunner (bounded concurrency). A published change (ready,
 * not ready, started, liveness or startup failed) enqueues the pod; the reconciler reads the
 * workers' view when it plans (a failed liveness probe kills the container) and when it writes
 * the status (readiness drives `ready`). Failed attempts post the kubelet's Warning `Unhealthy`.
 * Pods whose host is NotReady are not probed (their workers are dropped until the host returns).
 */
import type { Container } from '../api/v1alpha1/container.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import type { Logger } from '../observability/logger.js';
import type { PodObservation } from '../planner/observe.js';
import {
  containerProbesFor, dueProbes, isReady, isStarted, probeSpec, recordResult, type ContainerProbes, type ProbeKind,
} from '../planner/probes.js';
import type { DockerEngine } from '../runtime/docker/types.js';
import { monotonicView, type Clock } from '../util/clock.js';
import { TimerWheel } from '../util/timer-wheel.js';
import type { HostBinding } from './hosts.js';
import { ProbeRunner } from './probe-runner.js';

/** What the probes say about one running container. */
export interface ProbeView {
  ready: boolean;
  started: boolean;
  /** Set when liveness or startup failed: the container is to be killed (the kubelet's message). */
  unhealthy?: string;
}

interface Worker {
  podKey: string;
  pod: DockerPod;
  container: Container;
  containerId: string;
  sandboxId: string;
  engine: DockerEngine;
  probes: ContainerProbes;
  inFlight: Set<ProbeKind>;
  /** Why liveness or startup failed, once they have. */
  unhealthy?: string;
}

/** What the manager needs from the operator. */
export interface ProbeManagerDeps {
  clock: Clock;
  logger: Logger;
  enqueue: (podKey: string) => void;
  record: (pod: DockerPod, type: 'Warning', reason: string, message: string) => void;
}

const hasProbes = (c: Container): boolean => Boolean(c.startupProbe ?? c.livenessProbe ?? c.readinessProbe);

/** Probe workers of all pods (see the module comment). */
export class ProbeManager {
  private readonly wheel: TimerWheel;
  private readonly workers = new Map<string, Worker>();
  private readonly runners = new WeakMap<DockerEngine, ProbeRunner>();

  constructor(private readonly deps: ProbeManagerDeps) {
    // Probe times live on the monotonic clock (as the kubelet's tickers do): a wall-clock step
    // neither fires every probe at once (forward) nor stops them for the size of the step (back).
    this.wheel = new TimerWheel(monotonicView(deps.clock), (key) => this.fire(key), { onError: (err, key) => deps.logger.warn('probe failed to run', { key, error: (err as Error).message }) });
  }

  /** Matches the workers to the pod's running containers and returns what the probes say, by container name. */
  sync(pod: DockerPod, host: HostBinding, obs: PodObservation): Map<string, ProbeView> {
    const uid = pod.metadata.uid ?? '';
    const sandbox = obs.sandboxes[0];
    const views = new Map<string, ProbeView>();
    for (const c of pod.spec.containers.filter(hasProbes)) {
      const current = (obs.containers.get(c.name) ?? [])[0];
      const key = `${uid}/${c.name}`;
      if (!sandbox?.details.running || !current?.details.running || current.sandboxAttempt !== sandbox.sandboxAttempt) {
        this.drop(key);
        continue;
      }
      const worker = this.workerFor(key, pod, c, { id: current.id, startedAt: this.monotonicStart(current.details.startedAt), sandboxId: sandbox.id, engine: host.engine });
      views.set(c.name, { ready: isReady(worker.probes), started: isStarted(worker.probes), ...(worker.unhealthy ? { unhealthy: worker.unhealthy } : {}) });
    }
    return views;
  }

  /** Drops every worker of the pod (it is gone, finished, or its host does not answer). */
  forget(uid: string): void {
    for (const key of [...this.workers.keys()]) if (key.startsWith(`${uid}/`)) this.drop(key);
  }

  /** Stops every worker. */
  stop(): void {
    this.wheel.clear();
    this.workers.clear();
  }

  /**
   * When a container started, on the monotonic clock: its age by the wall clock now (the engine's
   * startedAt is wall time), never negative: a start in the future means the clock stepped back
   * since (or a skewed engine), and it counts as a start just now.
   */
  private monotonicStart(startedAt: string): number {
    const wall = Date.parse(startedAt) || 0;
    return this.deps.clock.monotonic() - Math.max(0, this.deps.clock.now() - wall);
  }

  private workerFor(key: string, pod: DockerPod, c: Container, instance: { id: string; startedAt: number; sandboxId: string; engine: DockerEngine }): Worker {
    const existing = this.workers.get(key);
    if (existing && existing.containerId === instance.id) {
      existing.pod = pod;
      existing.container = c;
      return existing;
    }
    this.drop(key);
    const worker: Worker = {
      podKey: `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`, pod, container: c, containerId: instance.id, sandboxId: instance.sandboxId,
      engine: instance.engine, probes: containerProbesFor(c, { id: instance.id, startedAt: instance.startedAt }), inFlight: new Set(),
    };
    this.workers.set(key, worker);
    this.reschedule(key, worker);
    return worker;
  }

  private drop(key: string): void {
    if (!this.workers.delete(key)) return;
    for (const kind of ['startup', 'liveness', 'readiness'] as const) this.wheel.cancel(`${key}#${kind}`);
  }

  private reschedule(key: string, worker: Worker): void {
    for (const { kind, at } of dueProbes(worker.probes, worker.container, this.deps.clock.monotonic())) {
      if (!worker.inFlight.has(kind)) this.wheel.schedule(`${key}#${kind}`, at);
    }
  }

  private fire(wheelKey: string): void {
    const hash = wheelKey.lastIndexOf('#');
    const key = wheelKey.slice(0, hash);
    const kind = wheelKey.slice(hash + 1) as ProbeKind;
    const worker = this.workers.get(key);
    if (worker) void this.attempt(key, worker, kind);
  }

  private async attempt(key: string, worker: Worker, kind: ProbeKind): Promise<void> {
    const spec = probeSpec(worker.container, kind);
    const state = worker.probes[kind];
    if (!spec || !state) return;
    worker.inFlight.add(kind);
    const startedAt = this.deps.clock.monotonic();
    const outcome = await this.runnerOf(worker.engine).run(kind, spec, { containerId: worker.containerId, sandboxId: worker.sandboxId, ...(worker.container.ports ? { ports: worker.container.ports } : {}) });
    worker.inFlight.delete(kind);
    // The instance was replaced or dropped while the attempt ran: its result means nothing now.
    if (this.workers.get(key) !== worker) return;
    const update = recordResult(state, spec, outcome.result, startedAt);
    worker.probes = { ...worker.probes, [kind]: update.state };
    // The kubelet records both: a probe that cannot run (e.g. a sandbox image without the probe helper) must not fail silently.
    if (outcome.result !== 'Success') this.deps.record(worker.pod, 'Warning', 'Unhealthy', outcome.message);
    if (update.transition === 'livenessFailed' || update.transition === 'startupFailed') {
      worker.unhealthy = `Container ${worker.container.name} failed ${kind} probe, will be restarted`;
    }
    if (update.transition) this.deps.enqueue(worker.podKey);
    this.reschedule(key, worker);
  }

  private runnerOf(engine: DockerEngine): ProbeRunner {
    let runner = this.runners.get(engine);
    if (!runner) {
      runner = new ProbeRunner(engine);
      this.runners.set(engine, runner);
    }
    return runner;
  }
}
