/**
 * Clock steps (issue 8): the wall clock (Clock.now()) jumps by hours, forward and backward, while
 * timers keep running on monotonic time, as NTP, an administrator or a resumed VM step it. This
 * is timing logic, so it runs on a FakeClock and a FakeEngine that stamps its containers and
 * events with the same (stepped) wall clock, as an engine on the same machine does; but the
 * components are the real ones: the work queue, the pod reconciler with its actuator and image
 * manager, the Docker events source, the probe manager with its timer wheel, the fleet, and the
 * leader elector. Only the API server is replaced (an in-memory store of pods and a lease).
 *
 * - Crash-loop back-off (10 s doubling to 300 s): each restart comes exactly its delay after the
 *   crash that caused it, whatever steps happen during the wait or during the run: a step back
 *   does not freeze the pod for hours, a step forward neither skips a delay nor resets the count.
 * - Image pull back-off (10 s doubling): each pull retry comes exactly its delay after the failed
 *   pull, across steps (ErrImagePull, then ImagePullBackOff, as the kubelet reports them).
 * - The queue's error back-off (5 ms doubling) keeps its cadence across steps.
 * - A deletion's grace period is not stretched by a step back during a preStop hook.
 * - Probes keep their periods (no burst after a forward step, no pause after a backward one),
 *   and initialDelaySeconds still counts from the container's start. Status timestamps are wall
 *   time, as the kubelet writes them (metav1.Now()): a condition's lastTransitionTime is the
 *   wall clock at the transition even when that is earlier than the previous one; a running
 *   container's startedAt is the engine's and is never rewritten by a step.
 * - Leader election: the leader keeps its lease across ±2 h steps, a standby never takes over
 *   early (nor late) when the leader dies, and each renewTime written is the wall clock of its
 *   renewal. Leader changes while the leader lives: 0.
 *
 * Short form: the four kinds of step (forward/backward, during a wait/during a run) in one crash
 * loop up to the cap, plus fixed steps for the others; full form (DOCKERPOD_CHAOS_FULL=1):
 * longer runs with seeded random steps of 1-6 hours.
 */
import { expect } from 'chai';
import type { DockerHost } from '../../src/api/v1alpha1/dockerhost.js';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import type { DockerPodStatus } from '../../src/api/v1alpha1/pod-status.js';
import { EngineEventSource } from '../../src/controller/engine-events.js';
import { Fleet } from '../../src/controller/fleet/fleet.js';
import { ImageManager } from '../../src/controller/images.js';
import { announcingOwnActions, OwnActions } from '../../src/controller/own-actions.js';
import { PodReconciler } from '../../src/controller/pod-reconciler.js';
import { ProbeManager } from '../../src/controller/probe-manager.js';
import { WorkQueue } from '../../src/controller/work-queue.js';
import { FINALIZER, type DockerPodClient } from '../../src/kube/dockerpod-client.js';
import { ConflictError, LeaderElector, type LeaseRecord, type LeaseStore, type StoredLeaseRecord } from '../../src/kube/leader-election.js';
import { silentLogger } from '../../src/observability/logger.js';
import { goDuration } from '../../src/planner/backoff.js';
import { LABEL } from '../../src/planner/labels.js';
import { FakeEngine } from '../../src/runtime/docker/fake-engine.js';
import { DockerError, type DockerEngine } from '../../src/runtime/docker/types.js';
import { FakeClock } from '../../src/util/clock.js';
import { chaosSeed, chaosSize, pick, prng, reportFigures } from '../support/chaos.js';

const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);
const HOUR = 3_600_000;
const BUSYBOX = 'dockerpod.dev/test/busybox:1';
const PAUSE = 'dockerpod.dev/test/pause:1';

/** Lets every promise chain started by a timer run to its end (everything here is in memory). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** What every scenario adds to the figures line. */
const figures = { stepsInjected: 0, restartsObserved: 0, restartsExpected: 0, restartMaxErrorMs: 0, pullRetriesObserved: 0, pullRetriesExpected: 0, queueRetriesObserved: 0, queueRetriesExpected: 0, queueMaxErrorMs: 0, probesPerPeriodMin: Infinity, probesPerPeriodMax: 0, leaderChanges: 0, takeoverAfterMs: 0 };

/**
 * The operator's pod machinery on one fake engine and one clock: an in-memory API (pods, their
 * status writes, Events), the fleet with host `local`, the work queue, the pod reconciler, the
 * probe manager and the Docker events source (which drops the events of the operator's own
 * actions), wired as src/controller/operator.ts wires them.
 */
class World {
  readonly clock = new FakeClock(T0);
  readonly engine = new FakeEngine({ clock: this.clock, images: [BUSYBOX, PAUSE] });
  readonly pods = new Map<string, DockerPod>();
  /** Every status written, with the wall clock of the write. */
  readonly statuses: Array<{ key: string; wall: number; status: DockerPodStatus }> = [];
  readonly events: Array<{ key: string; reason: string; message: string }> = [];
  /** The monotonic time of every image pull the operator asked for. */
  readonly pulls: number[] = [];
  /** The timeout (seconds) of every container stop the operator asked for. */
  readonly stops: number[] = [];
  /** Every pass, with the monotonic time it ended (passes take no fake time). */
  readonly passes: Array<{ key: string; mono: number; outcome: string }> = [];
  readonly fleet: Fleet;
  readonly queue: WorkQueue;
  readonly probes: ProbeManager;
  /** The events of the operator's own actions, dropped by the events source as the operator drops them. */
  private readonly own = new OwnActions(this.clock);
  private readonly reconciler: PodReconciler;
  private source: EngineEventSource | undefined;
  private rv = 1;

  constructor() {
    this.fleet = new Fleet({
      settings: { instance: 'clock-steps', extraLabels: {}, pauseImage: PAUSE, podNetwork: 'bridge', cgroupRoot: '/dockerpod', negativeOomScores: false, restartBackoff: { initialMs: 10_000, maxMs: 300_000 } },
      readSecret: () => Promise.resolve(undefined),
      pods: () => [...this.pods.values()],
      clock: this.clock,
      logger: silentLogger,
      localAddress: '127.0.0.1',
      connect: () => announcingOwnActions(asDocker(this.engine, this.clock, this.pulls, this.stops), this.own),
      probe: () => Promise.resolve({ version: '20.10.24', apiVersion: '1.41', minApiVersion: '1.12' }),
    });
    const enqueue = (key: string): void => this.queue.add(key);
    this.probes = new ProbeManager({ clock: this.clock, logger: silentLogger, enqueue, record: (pod, _type, reason, message) => this.events.push({ key: keyOf(pod), reason, message }) });
    this.reconciler = new PodReconciler({
      pods: { get: (namespace, name) => this.pods.get(`${namespace ?? ''}/${name}`) },
      client: this.client(),
      events: { record: (pod, _type, reason, message) => this.events.push({ key: keyOf(pod), reason, message }) },
      hosts: this.fleet,
      images: new ImageManager(this.clock, () => Promise.resolve(undefined)),
      probes: this.probes,
      clock: this.clock,
      logger: silentLogger,
    });
    this.queue = new WorkQueue((key) => this.reconciler.reconcile(key), {
      concurrency: 2,
      clock: this.clock,
      onResult: (r) => this.passes.push({ key: r.key, mono: this.clock.monotonic(), outcome: r.outcome }),
    });
  }

  /** The host is Ready, its events are followed, the queue runs. */
  async start(): Promise<void> {
    const host: DockerHost = { apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerHost', metadata: { name: 'local', uid: 'uid-local', generation: 1 }, spec: { endpoint: 'tcp://fake.invalid:2376' } };
    this.fleet.upsert(host);
    const beat = await this.fleet.heartbeat('local');
    if (!beat?.ok) throw new Error(`the fake host is not Ready: ${JSON.stringify(beat)}`);
    const binding = this.fleet.binding('local');
    if (!binding) throw new Error('no binding for the fake host');
    this.source = new EngineEventSource(binding, (key) => this.queue.add(key), { clock: this.clock, logger: silentLogger, own: this.own });
    this.source.start();
    this.queue.start();
  }

  /** Creates a pod (as the API would: uid, resourceVersion, generation) and enqueues it, as the informer does. */
  create(name: string, spec: DockerPod['spec']): void {
    const pod: DockerPod = { apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerPod', metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1, resourceVersion: String(this.rv++) }, spec };
    this.pods.set(keyOf(pod), pod);
    this.queue.add(keyOf(pod));
  }

  /** Deletes a pod as the API does when it has a finalizer (deletionTimestamp set, an update), and enqueues it. */
  delete(name: string): void {
    const key = `default/${name}`;
    const pod = this.pods.get(key);
    if (!pod) throw new Error(`no pod ${name}`);
    this.pods.set(key, { ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date(this.clock.now()).toISOString(), resourceVersion: String(this.rv++) } });
    this.queue.add(key);
  }

  /** Moves time by `ms` in slices of `sliceMs`, letting each slice's work finish. */
  async run(ms: number, sliceMs = 100): Promise<void> {
    for (let done = 0; done < ms; done += sliceMs) {
      await this.clock.advance(Math.min(sliceMs, ms - done));
      await settle();
    }
  }

  /** Steps the wall clock (only the wall clock: timers do not move). */
  step(ms: number): void {
    this.clock.step(ms);
    figures.stepsInjected++;
  }

  async stop(): Promise<void> {
    this.source?.stop();
    this.probes.stop();
    await this.queue.shutdown(0);
  }

  /** The status writes and finalizer of the API, in memory; resourceVersions grow like the API server's. */
  private client(): DockerPodClient {
    const write = (pod: DockerPod, change: Partial<DockerPod>): DockerPod => {
      const key = keyOf(pod);
      const current = this.pods.get(key) ?? pod;
      const next: DockerPod = { ...current, ...change, metadata: { ...current.metadata, ...change.metadata, resourceVersion: String(this.rv++) } };
      this.pods.set(key, next);
      return next;
    };
    const client = {
      addFinalizer: (pod: DockerPod) => Promise.resolve((pod.metadata.finalizers ?? []).includes(FINALIZER) ? pod : write(pod, { metadata: { finalizers: [FINALIZER] } })),
      patchStatus: (pod: DockerPod, status: DockerPodStatus) => {
        this.statuses.push({ key: keyOf(pod), wall: this.clock.now(), status });
        return Promise.resolve(write(pod, { status }));
      },
      removeFinalizer: (pod: DockerPod) => {
        this.pods.delete(keyOf(pod));
        return Promise.resolve();
      },
      readSecret: () => Promise.resolve(undefined),
      readConfigMap: () => Promise.resolve(undefined),
    };
    return client as unknown as DockerPodClient;
  }
}

/**
 * `engine` whose events carry the wall clock of their moment, as Docker stamps them (Go's
 * time.Now(), nanoseconds): after a step back they are earlier than the ones before. (The fake
 * engine keeps its event times increasing whatever its clock does.) Pulls are timed into `pulls`,
 * the timeouts of stops kept in `stops`.
 */
function asDocker(engine: FakeEngine, clock: FakeClock, pulls: number[], stops: number[]): DockerEngine {
  let lastMs = 0;
  let seq = 0n;
  const stamp = (): bigint => {
    const ms = clock.now();
    seq = ms === lastMs ? seq + 1n : 0n;
    lastMs = ms;
    return BigInt(ms) * 1_000_000n + seq;
  };
  const events: DockerEngine['events'] = (options, handlers) =>
    engine.events(options, { onEvent: (e) => handlers.onEvent({ ...e, timeNano: stamp() }), onEnd: (err) => handlers.onEnd(err) });
  const pullImage: DockerEngine['pullImage'] = (ref) => {
    pulls.push(clock.monotonic());
    return engine.pullImage(ref);
  };
  const stopContainer: DockerEngine['stopContainer'] = (id, timeoutSeconds) => {
    stops.push(timeoutSeconds);
    return engine.stopContainer(id, timeoutSeconds);
  };
  return new Proxy(engine, {
    get(target, prop, receiver) {
      if (prop === 'events') return events;
      if (prop === 'pullImage') return pullImage;
      if (prop === 'stopContainer') return stopContainer;
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const keyOf = (pod: DockerPod): string => `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;

/** The kubelet's crash-loop delays for a container that crashes after a short run: 0, 10 s, 20 s, ... 300 s. */
const crashLoopDelay = (restart: number): number => (restart === 0 ? 0 : Math.min(300_000, 10_000 * 2 ** (restart - 1)));

/** A step planned in a crash loop: `ms` on the wall clock, `afterMs` into the wait that follows crash `crash` (or into the run of instance `run`). */
interface PlannedStep { crash?: number; run?: number; afterMs: number; ms: number }

describe('chaos: clock steps do not break back-off, leases or probe timing', function () {
  this.timeout(chaosSize(30_000, 300_000));
  const seed = chaosSeed('clock-steps');
  after(() => {
    reportFigures('clock-steps', { ...figures, probesPerPeriodMin: Number(figures.probesPerPeriodMin.toFixed(3)), probesPerPeriodMax: Number(figures.probesPerPeriodMax.toFixed(3)) });
  });

  it('crash-loop back-off: each restart comes exactly its delay after its crash, whatever the steps during waits and runs', async function () {
    const rand = prng(seed);
    const w = new World();
    await w.start();
    const RUN_MS = 1000;
    // The four kinds: back during a wait, forward during a wait, forward during a run, back during a run, and at the cap.
    const plan: PlannedStep[] = [
      { crash: 2, afterMs: 5_000, ms: -2 * HOUR },
      { crash: 3, afterMs: 5_000, ms: 2 * HOUR },
      { run: 5, afterMs: 500, ms: 2 * HOUR },
      { run: 6, afterMs: 500, ms: -2 * HOUR },
      { crash: 7, afterMs: 100_000, ms: -3 * HOUR },
      { crash: 7, afterMs: 200_000, ms: HOUR },
    ];
    const cycles = chaosSize(9, 40);
    for (let c = 9; c < cycles; c++) plan.push({ ...(rand() < 0.5 ? { crash: c, afterMs: pick(rand, 0, crashLoopDelay(c) - 1) } : { run: c, afterMs: pick(rand, 0, RUN_MS - 1) }), ms: (rand() < 0.5 ? -1 : 1) * pick(rand, 1, 6) * HOUR });
    const starts: Array<{ mono: number; id: string }> = [];
    const crashes: number[] = [];
    w.engine.events({ labels: { [LABEL.container]: 'app' } }, {
      onEvent: (e) => {
        if (e.action !== 'start') return;
        starts.push({ mono: w.clock.monotonic(), id: e.id });
        const n = starts.length - 1;
        for (const s of plan.filter((p) => p.run === n)) w.clock.setTimeout(() => w.step(s.ms), s.afterMs);
        w.clock.setTimeout(() => {
          w.engine.crash(e.id, 1);
          crashes.push(w.clock.monotonic());
          for (const s of plan.filter((p) => p.crash === n)) w.clock.setTimeout(() => w.step(s.ms), s.afterMs);
        }, RUN_MS);
      },
      onEnd: () => undefined,
    });
    w.create('crasher', { restartPolicy: 'Always', terminationGracePeriodSeconds: 2, containers: [{ name: 'app', image: BUSYBOX, command: ['false'] }] });
    let expectedEnd = 0;
    for (let n = 0; n < cycles; n++) expectedEnd += RUN_MS + crashLoopDelay(n);
    await w.run(expectedEnd + 2_000, 1_000);
    await w.stop();

    for (let n = 1; n < Math.min(starts.length, cycles + 2); n++) {
      const delay = (starts[n]?.mono ?? 0) - (crashes[n - 1] ?? 0);
      const expected = crashLoopDelay(n - 1);
      figures.restartMaxErrorMs = Math.max(figures.restartMaxErrorMs, Math.abs(delay - expected));
      expect(delay, `restart ${n}: delay after crash ${n - 1}`).to.be.within(expected, expected + 5);
      // The status said why it waited, with the kubelet's delay (not hours).
      if (expected > 0) {
        const said = w.statuses.filter((s) => s.status.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff').map((s) => s.status.containerStatuses?.[0]?.state?.waiting?.message ?? '');
        expect(said.some((m) => m.startsWith(`back-off ${goDuration(expected)} restarting failed container=app`)), `CrashLoopBackOff message for ${goDuration(expected)}`).to.equal(true);
      }
    }
    expect(starts.length, 'starts (restarts + 1) within the expected time').to.equal(cycles + 1);
    // No hot loop: a handful of passes per crash (its die event, its requeue), not one per tick.
    const passes = w.passes.filter((p) => p.key === 'default/crasher').length;
    expect(passes, 'passes of the crash-looping pod').to.be.at.most(4 * cycles + 4);
    figures.restartsObserved += starts.length - 1;
    figures.restartsExpected += cycles;
  });

  it('image pull back-off (10 s doubling): each retry comes exactly its back-off after the failed pull, across steps', async function () {
    const w = new World();
    await w.start();
    const image = 'registry.example/app:1';
    w.create('puller', { restartPolicy: 'Always', terminationGracePeriodSeconds: 2, containers: [{ name: 'app', image }] });
    // Five failed pulls (at 0, 10, 30, 70 and 150 s), a step inside each wait; the image appears before the sixth (at 310 s).
    const steps = new Map([[3, -2 * HOUR], [15, 2 * HOUR], [40, -3 * HOUR], [100, 5 * HOUR], [200, -6 * HOUR]]);
    for (let second = 0; second < 320; second++) {
      const step = steps.get(second);
      if (step !== undefined) w.step(step);
      if (second === 160) w.engine.addToRegistry(image);
      await w.run(1_000, 1_000);
    }
    await w.stop();
    const gaps = w.pulls.slice(1).map((t, i) => t - (w.pulls[i] ?? 0));
    expect(gaps, 'delays between pulls').to.deep.equal([10_000, 20_000, 40_000, 80_000, 160_000]);
    const last = w.statuses.filter((s) => s.key === 'default/puller').map((s) => s.status.containerStatuses?.[0]?.state);
    expect(last.at(-1)?.running, 'the container runs once the image could be pulled').to.not.equal(undefined);
    // Between pulls the pod said so, as the kubelet does: ErrImagePull, then ImagePullBackOff.
    expect(last.filter((st) => st?.waiting?.reason === 'ImagePullBackOff').length).to.be.at.least(5);
    figures.pullRetriesObserved += gaps.length;
    figures.pullRetriesExpected += 5;
  });

  it('deletion: a step back during a preStop hook does not stretch the grace period of the stop that follows', async function () {
    const w = new World();
    await w.start();
    w.engine.onExec(async (_c, cmd) => {
      // The hook takes 5 s, during which the wall clock goes back two hours.
      if (cmd[0] === 'drain') {
        w.step(-2 * HOUR);
        await w.clock.sleep(5_000);
      }
      return { exitCode: 0, stdout: '', stderr: '', timedOut: false };
    });
    w.create('graceful', { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, containers: [{ name: 'app', image: BUSYBOX, lifecycle: { preStop: { exec: { command: ['drain'] } } } }] });
    await w.run(1_000);
    w.delete('graceful');
    await w.run(10_000);
    await w.stop();
    expect(w.pods.has('default/graceful'), 'the pod is gone').to.equal(false);
    // The member gets what the hook left of 30 s (25 s), not two hours more (the sandbox is not
    // stopped: the forced removal that follows ends it).
    expect(w.stops).to.deep.equal([25]);
  });

  it('the work queue\'s error back-off keeps its 5 ms doubling across steps', async function () {
    const w = new World();
    await w.start();
    const failures = 10;
    w.engine.failNext('listContainers', new DockerError('injected: the engine answered 500', 500, 'listContainers'), failures);
    const steps = [2 * HOUR, -4 * HOUR, 6 * HOUR, -HOUR];
    w.create('flaky', { restartPolicy: 'Always', terminationGracePeriodSeconds: 2, containers: [{ name: 'app', image: BUSYBOX }] });
    // 1 ms slices, a step every 7 ms: steps land inside every kind of delay.
    for (let ms = 0; ms < 6_000; ms++) {
      if (ms % 7 === 3 && ms < 200) w.step(steps[(ms >> 3) % steps.length] ?? 0);
      await w.clock.advance(1);
      await settle();
      if (w.passes.some((p) => p.outcome !== 'error')) break;
    }
    await w.stop();
    // The failed passes and the first one that succeeded.
    const times = w.passes.filter((p) => p.key === 'default/flaky').slice(0, failures + 1).map((p) => p.mono);
    expect(w.passes.filter((p) => p.outcome === 'error').length).to.equal(failures);
    for (let i = 1; i < times.length; i++) {
      const expected = 5 * 2 ** (i - 1);
      const gap = (times[i] ?? 0) - (times[i - 1] ?? 0);
      figures.queueMaxErrorMs = Math.max(figures.queueMaxErrorMs, Math.abs(gap - expected));
      expect(gap, `retry ${i}`).to.equal(expected);
    }
    figures.queueRetriesObserved += times.length - 1;
    figures.queueRetriesExpected += failures;
  });

  it('probes keep their periods and initial delay across steps; status timestamps are wall time, as the kubelet writes them', async function () {
    const w = new World();
    await w.start();
    const attempts: Array<{ kind: string; mono: number }> = [];
    let startedMono = -1;
    w.engine.events({ labels: { [LABEL.container]: 'web' } }, { onEvent: (e) => { if (e.action === 'start') startedMono = w.clock.monotonic(); }, onEnd: () => undefined });
    let ready = true;
    w.engine.onExec((_c, cmd) => {
      attempts.push({ kind: cmd[0] ?? '', mono: w.clock.monotonic() });
      const ok = cmd[0] === 'alive' || ready;
      return { exitCode: ok ? 0 : 1, stdout: '', stderr: ok ? '' : 'not ready', timedOut: false };
    });
    w.create('prober', {
      restartPolicy: 'Always', terminationGracePeriodSeconds: 2,
      containers: [{
        name: 'web', image: BUSYBOX,
        readinessProbe: { exec: { command: ['ready'] }, initialDelaySeconds: 30, periodSeconds: 10 },
        livenessProbe: { exec: { command: ['alive'] }, periodSeconds: 7 },
      }],
    });
    await w.run(1_000);
    expect(startedMono, 'the container started').to.be.above(0);
    // Before the initial delay ends, the clock goes back two hours: the first readiness probe is still 30 s after the start.
    w.step(-2 * HOUR);
    await w.run(60_000);
    w.step(2 * HOUR);
    await w.run(60_000);
    // Readiness fails 3 times (30 s), then the pod is not Ready; the transition is stamped with the wall clock of its pass.
    ready = false;
    await w.run(45_000);
    w.step(-2 * HOUR);
    ready = true;
    await w.run(30_000);
    const rand = prng(seed);
    for (let i = 0; i < chaosSize(2, 20); i++) {
      w.step((i % 2 === 0 ? 1 : -1) * pick(rand, 1, 6) * HOUR);
      await w.run(40_000);
    }
    const endMono = w.clock.monotonic();
    await w.stop();

    const firstReadiness = attempts.find((a) => a.kind === 'ready');
    expect((firstReadiness?.mono ?? 0) - startedMono, 'first readiness probe after its initial delay').to.be.within(30_000, 30_020);
    for (const [kind, periodMs] of [['ready', 10_000], ['alive', 7_000]] as const) {
      const times = attempts.filter((a) => a.kind === kind).map((a) => a.mono);
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
      // The wheel rounds deadlines up to its 20 ms tick: never early, never a tick late.
      expect(Math.min(...gaps), `${kind}: shortest gap (a burst after a forward step?)`).to.be.at.least(periodMs);
      expect(Math.max(...gaps), `${kind}: longest gap (a pause after a backward step?)`).to.be.at.most(periodMs + 20);
      const perPeriod = times.length / ((endMono - (times[0] ?? 0)) / periodMs);
      figures.probesPerPeriodMin = Math.min(figures.probesPerPeriodMin, perPeriod);
      figures.probesPerPeriodMax = Math.max(figures.probesPerPeriodMax, perPeriod);
    }
    expectWallTimestamps(w);
  });

  it('leader election: the leader keeps its lease across ±2 h steps, and a standby takes over only leaseDuration after the leader died', async function () {
    const clock = new FakeClock(T0);
    const store = new MemoryLease(clock);
    const a = elector('a', clock, store.view('a'));
    const b = elector('b', clock, store.view('b'));
    const runA = a.elector.run(a.stop.signal);
    await settle();
    const runB = b.elector.run(b.stop.signal);
    const tick = async (ms: number): Promise<void> => {
      for (let t = 0; t < ms; t += 100) {
        await clock.advance(100);
        await settle();
        expect(a.elector.isLeader() && b.elector.isLeader(), 'two leaders at once').to.equal(false);
      }
    };
    await tick(5_000);
    expect(a.elector.isLeader()).to.equal(true);
    const rand = prng(seed);
    const stepsAt = [2_100, 4_050, 7_000, 9_999, ...Array.from({ length: chaosSize(4, 60) }, () => pick(rand, 10_000, 599_000))].sort((x, y) => x - y);
    const plannedSteps = [2 * HOUR, -2 * HOUR, 2 * HOUR, -2 * HOUR, ...stepsAt.slice(4).map(() => (rand() < 0.5 ? -1 : 1) * pick(rand, 1, 6) * HOUR)];
    let elapsed = 0;
    for (const [i, at] of stepsAt.entries()) {
      await tick(at - elapsed);
      elapsed = at;
      clock.step(plannedSteps[i] ?? 0);
      figures.stepsInjected++;
    }
    await tick(chaosSize(30_000, 600_000 - elapsed));
    expect(a.elector.isLeader(), 'a still leads').to.equal(true);
    expect(b.elector.isLeader(), 'b never led').to.equal(false);
    expect(new Set(store.writes.filter((r) => r.holderIdentity !== '').map((r) => r.holderIdentity)), 'holders while a lives').to.deep.equal(new Set(['a']));
    figures.leaderChanges = a.events.filter((e) => e === 'stopped').length + b.events.filter((e) => e === 'started').length;
    expect(figures.leaderChanges, 'leader changes').to.equal(0);
    // Each renewTime is the wall clock of its renewal; acquireTime and leaseTransitions stay.
    for (const r of store.writes.slice(1)) expect(r).to.deep.include({ renewTime: r.wall, acquireTime: store.writes[0]?.acquireTime, leaseTransitions: 0 });

    // a dies (its requests hang, it never releases); steps on both sides of the moment b may take over.
    store.cut('a');
    const lastRenewal = store.writes.at(-1)?.mono ?? 0;
    clock.step(2 * HOUR);
    await tick(8_000);
    clock.step(-5 * HOUR);
    figures.stepsInjected += 2;
    while (!b.elector.isLeader() && clock.monotonic() - lastRenewal < 60_000) await tick(100);
    const takeover = clock.monotonic() - lastRenewal;
    figures.takeoverAfterMs = takeover;
    // leaseDuration (15 s) after b last saw the record change, which was at most one of its attempt periods (2-4.4 s) after that renewal.
    expect(takeover, 'takeover after the last renewal').to.be.within(15_000, 15_000 + 4_400 + 100);
    const taken = store.writes.at(-1);
    expect(taken).to.deep.include({ holderIdentity: 'b', leaseTransitions: 1, acquireTime: taken?.wall, renewTime: taken?.wall });
    a.stop.abort();
    b.stop.abort();
    await tick(11_000);
    await Promise.all([runA, runB]);
  });
});

/** Checks the status timestamps of the prober: see the probe scenario. */
function expectWallTimestamps(w: World): void {
  const writes = w.statuses.filter((s) => s.key === 'default/prober');
  const readyOf = (s: DockerPodStatus): { status?: string; lastTransitionTime?: string } => s.conditions?.find((c) => c.type === 'Ready') ?? {};
  let previous: string | undefined;
  let transitions = 0;
  for (const s of writes) {
    const condition = readyOf(s.status);
    if (condition.status !== previous) {
      // A transition: stamped with the wall clock of the pass that saw it (to the second), as metav1.Now() is.
      expect(condition.lastTransitionTime, `Ready=${condition.status ?? ''}`).to.equal(`${new Date(s.wall).toISOString().slice(0, 19)}Z`);
      transitions++;
    }
    previous = condition.status;
  }
  expect(transitions, 'Ready transitions (False, True, False, True)').to.equal(4);
  // The container's startedAt is the engine's record of its start, never rewritten by a step.
  const started = new Set(writes.map((s) => s.status.containerStatuses?.[0]?.state?.running?.startedAt).filter((t) => t !== undefined));
  expect(started.size, 'distinct running.startedAt of one container instance').to.equal(1);
}

/** One candidate: its elector, what happened to it, and how to stop it. */
interface Candidate { elector: LeaderElector; events: string[]; stop: AbortController }

function elector(identity: string, clock: FakeClock, store: LeaseStore): Candidate {
  const events: string[] = [];
  const candidate = new LeaderElector({
    lease: { namespace: 'default', name: 'dockerpod-operator' },
    identity,
    clock,
    store,
    random: () => 0.5,
    onStartedLeading: () => { events.push('started'); },
    onStoppedLeading: () => { events.push('stopped'); },
  });
  return { elector: candidate, events, stop: new AbortController() };
}

/**
 * A Lease in memory with resourceVersions and 409s, as the API server keeps one; every write is
 * logged with the wall and monotonic clock of the moment. A candidate cut off sees its calls hang
 * until aborted (a process that stopped answering).
 */
class MemoryLease {
  record: StoredLeaseRecord | undefined;
  readonly writes: Array<LeaseRecord & { wall: number; mono: number }> = [];
  private readonly cutOff = new Set<string>();
  private version = 0;

  constructor(private readonly clock: FakeClock) {}

  /** Stops answering `identity`'s calls. */
  cut(identity: string): void {
    this.cutOff.add(identity);
  }

  /** The store as one candidate reaches it. */
  view(identity: string): LeaseStore {
    const gate = async (signal?: AbortSignal): Promise<void> => {
      await Promise.resolve();
      if (!this.cutOff.has(identity)) return;
      await new Promise((_, reject) => {
        if (signal?.aborted) reject(new Error('no answer'));
        signal?.addEventListener('abort', () => reject(new Error('no answer')), { once: true });
      });
    };
    return {
      get: async (signal) => {
        await gate(signal);
        return this.record && { ...this.record };
      },
      create: async (record, signal) => {
        await gate(signal);
        if (this.record) throw new ConflictError();
        return this.put(record);
      },
      replace: async (record, resourceVersion, signal) => {
        await gate(signal);
        if (!this.record) throw new Error('the lease does not exist');
        if (this.record.resourceVersion !== resourceVersion) throw new ConflictError();
        return this.put(record);
      },
    };
  }

  private put(record: LeaseRecord): StoredLeaseRecord {
    this.record = { ...record, resourceVersion: String(++this.version) };
    this.writes.push({ ...record, wall: this.clock.now(), mono: this.clock.monotonic() });
    return { ...this.record };
  }
}

