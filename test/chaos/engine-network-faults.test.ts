/**
 * Network faults on the Docker path (issue 8): the operator reaches engine B (mutual TLS) only
 * through a TCP fault proxy (host `pb`), and engine A only through an HTTP-aware one (host `pa`,
 * plain HTTP over TCP in front of A's socket). Short heartbeat periods and deadlines are set
 * through the operator's options, so every rule is exercised in seconds:
 *
 * - under the default call deadline (120 s), passes held by a stalled `pb` take every worker; they
 *   are abandoned when `pb` goes NotReady, so a pod on `pa` is Ready within the heartbeat rule
 *   instead of after the call deadline (the operator is then restarted with a short deadline);
 * - a stall shorter than the heartbeat timeout does not flip `pb`, and the calls it held succeed;
 * - a longer stall makes a pass's call time out (the pass fails and is retried with back-off, no
 *   pass runs much longer than its calls' deadline), `pb` goes NotReady (EngineUnreachable) within
 *   one heartbeat period plus the heartbeat timeout, a pod on `pa` created meanwhile becomes
 *   Ready, and when the proxy passes again `pb` is Ready and its pods converge;
 * - connections reset at random moments while pods are created and deleted: every pod ends with
 *   exactly one running sandbox and its members, deleted ones with nothing;
 * - answers delayed (0.6 s, 1.5 s in the full form): calls are slower but succeed, nothing is
 *   created twice;
 * - create answers lost (the engine created the container, the client never heard): the pod ends
 *   Ready on exactly the containers whose answers were lost, none created twice.
 *
 * Duplicates are counted from the engines' own `create` events (the operator collects a spare
 * sandbox as garbage, so a final listing alone would hide one).
 */
import { expect } from 'chai';
import type Docker from 'dockerode';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import type { Logger } from '../../src/observability/logger.js';
import { LABEL } from '../../src/planner/labels.js';
import { JsonLineSplitter } from '../../src/runtime/docker/dockerode-engine.js';
import { CHAOS_FULL, chaosSeed, chaosSize, pick, prng, reportFigures } from '../support/chaos.js';
import { useDockerScope } from '../support/docker-scope.js';
import { engineConnectOptions, TEST_IMAGES, type EngineName } from '../support/engines.js';
import { startFaultProxy, targetOf, type FaultProxy } from '../support/fault-proxy.js';
import { createHost, createHostB, createPod, deletePod, getHost, hostReady, IDLE, isReady, podWith, waitForHost, waitForPod, waitGone } from '../support/fleet.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';

const HEARTBEAT_MS = 2000;
const HEARTBEAT_TIMEOUT_MS = chaosSize(4500, 7000);
/** Below the heartbeat timeout, so a heartbeat's ping (bounded by both) times out on this one. */
const CALL_TIMEOUT_MS = chaosSize(4000, 6000);
/**
 * Well under half the call deadline: a call on a new TLS connection waits for two delayed flights
 * (handshake, answer) plus the engine's own time (a start takes up to a second on a loaded machine).
 */
const DELAY_MS = chaosSize(600, 1500);
/** How long one heartbeat may wait for the engine: its ping and info together, each within the call deadline. */
const HEARTBEAT_DEADLINE_MS = Math.min(HEARTBEAT_TIMEOUT_MS, CALL_TIMEOUT_MS);
/** The latest a host goes NotReady after its engine stops answering: one period, then a heartbeat that times out. */
const RULE_MS = HEARTBEAT_MS + HEARTBEAT_TIMEOUT_MS;
/** Room for a loaded 2-core machine on top of every deadline. */
const SLACK_MS = 2000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 10 ms until it holds; fails after `timeoutMs` saying `what`. */
async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

interface LogLine { level: string; message: string; meta: Record<string, unknown> }

/** A logger that keeps every line (the operator's pass results, with their errors and retry counts). */
function keepingLogger(lines: LogLine[], base: Record<string, unknown> = {}): Logger {
  const at = (level: string) => (message: string, meta: Record<string, unknown> = {}): void => void lines.push({ level, message, meta: { ...base, ...meta } });
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: (meta) => keepingLogger(lines, { ...base, ...meta }) };
}

/** `names` pinned to `host`, each with members `members` idling until SIGTERM. */
function pods(names: string[], host: string, members = ['main']): DockerPod[] {
  return names.map((name) => podWith(name, { hostName: host, containers: members.map((m) => ({ name: m, image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE] })) }));
}

/** Stops of samplers and event counters still running: a failed test must not leave them holding the process open. */
const openWatchers = new Set<() => void>();

/** Registers `stop` until it is called once. */
function tracked(stop: () => void): () => void {
  const once = (): void => {
    openWatchers.delete(once);
    stop();
  };
  openWatchers.add(once);
  return once;
}

/** Samples, every 20 ms, each host's readiness in the fleet and how long the longest running pass has run. */
function sampler(t: TestOperator, hosts: string[]): { flips: Array<{ host: string; ready: boolean; atMs: number }>; maxPassMs: number; stop: () => void } {
  const state = { flips: [] as Array<{ host: string; ready: boolean; atMs: number }>, maxPassMs: 0, stop: (): void => undefined };
  const last = new Map(hosts.map((h) => [h, t.operator.fleet.isReady(h)]));
  const timer = setInterval(() => {
    for (const h of hosts) {
      const ready = t.operator.fleet.isReady(h);
      if (ready !== last.get(h)) state.flips.push({ host: h, ready, atMs: Date.now() });
      last.set(h, ready);
    }
    state.maxPassMs = Math.max(state.maxPassMs, ...t.operator.queue.runningMs(), ...t.operator.hosts.queue.runningMs());
  }, 20);
  state.stop = tracked(() => clearInterval(timer));
  return state;
}

/** Resolves right after the host at `endpoint` finished a heartbeat (its `info` call), a whole period before the next. */
async function afterHeartbeat(t: TestOperator, endpoint: string): Promise<void> {
  const mark = t.calls.calls.length;
  await waitFor(() => t.calls.calls.slice(mark).some((c) => c.endpoint === endpoint && c.operation === 'info'), 2 * HEARTBEAT_MS + SLACK_MS, 'a heartbeat');
}

/** Counts the engine's own container `create` events per pod uid (operator instance `instance`). */
async function countCreates(docker: Docker, instance: string): Promise<{ creates: Map<string, number>; stop: () => void }> {
  const creates = new Map<string, number>();
  const filters = JSON.stringify({ type: ['container'], event: ['create'], label: [`${LABEL.managedBy}=${instance}`] });
  const stream = (await docker.getEvents({ filters })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const splitter = new JsonLineSplitter((event) => {
    const uid = (event as { Actor?: { Attributes?: Record<string, string> } }).Actor?.Attributes?.[LABEL.uid] ?? '';
    creates.set(uid, (creates.get(uid) ?? 0) + 1);
  });
  stream.on('data', (chunk: Buffer) => splitter.push(chunk));
  stream.on('error', () => undefined);
  return { creates, stop: tracked(() => stream.destroy()) };
}

/** Every container (any state) of the pod with `uid` on the engine. */
async function containersOf(docker: Docker, uid: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${LABEL.uid}=${uid}`] } });
}
/** Containers as `container#attempt:state`, for messages. */
const summarize = (list: Docker.ContainerInfo[]): string => list.map((c) => `${c.Labels[LABEL.container] ?? '?'}#${c.Labels[LABEL.attempt] ?? '?'}:${c.State}`).sort().join(', ');

/** Asserts the pod runs whole on the engine: one running sandbox, one running instance of each member, nothing else. */
async function expectWhole(docker: Docker, pod: DockerPod, members: string[]): Promise<Docker.ContainerInfo[]> {
  const list = await containersOf(docker, pod.metadata.uid ?? '');
  const running = list.filter((c) => c.State === 'running');
  const sandboxes = running.filter((c) => c.Labels[LABEL.role] === 'sandbox');
  const names = running.filter((c) => c.Labels[LABEL.role] === 'member').map((c) => c.Labels[LABEL.container]).sort();
  expect({ sandboxes: sandboxes.length, members: names, total: list.length }, `${pod.metadata.name}: ${summarize(list)}`).to.deep.equal({ sandboxes: 1, members: [...members].sort(), total: 1 + members.length });
  return list;
}

describe('chaos: network faults on the Docker path (proxies in front of engines A and B)', function () {
  this.timeout(chaosSize(120_000, 600_000));
  const scope = useDockerScope(['a', 'b']);
  const lines: LogLine[] = [];
  let api: TestApiServer;
  let t: TestOperator;
  let pa: FaultProxy;
  let pb: FaultProxy;
  const made: string[] = [];

  const engine = (name: EngineName): Docker => scope.engine(name);
  const errorsOn = (proxy: FaultProxy): number => t.calls.count({ endpoint: proxy.endpoint, outcome: 'error' });
  const create = async (list: DockerPod[]): Promise<DockerPod[]> => {
    made.push(...list.map((p) => p.metadata.name ?? ''));
    return Promise.all(list.map((p) => createPod(t, p)));
  };
  const ready = (names: string[], timeoutMs: number): Promise<DockerPod[]> => Promise.all(names.map((n) => waitForPod(t, n, isReady, timeoutMs)));
  /** An operator on the suite's API server (same instance label: it adopts the pods of the one before). */
  const startOperator = async (dockerCallTimeoutMs?: number): Promise<void> => {
    t = await startTestOperator(scope, { api, engine: 'none', heartbeatPeriodMs: HEARTBEAT_MS, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS, logger: keepingLogger(lines), ...(dockerCallTimeoutMs ? { dockerCallTimeoutMs } : {}) });
  };

  before(async function () {
    this.timeout(60_000);
    pa = await startFaultProxy(targetOf(engineConnectOptions('a').endpoint));
    pb = await startFaultProxy(targetOf(engineConnectOptions('b').endpoint));
    api = await startTestApiServer();
    // First with the operator's default call deadline (120 s), far longer than the heartbeat rule.
    await startOperator();
    scope.beforeCleanup(async () => {
      pa.pass();
      pb.pass();
      await Promise.all(made.map((n) => deletePod(t, n)));
      await Promise.all(made.map((n) => waitGone(t, n, 30_000).catch(() => undefined)));
      await t.stop();
      await Promise.all([api.close(), pa.close(), pb.close()]);
    });
    await createHost(t, 'pa', { endpoint: pa.endpoint });
    await createHostB(t, 'pb', { endpoint: pb.endpoint });
    await Promise.all(['pa', 'pb'].map((h) => waitForHost(t, h, (x) => hostReady(x).status === 'True', 20_000)));
  });

  afterEach(function () {
    pa.pass();
    pb.pass();
    for (const stop of [...openWatchers]) stop();
  });

  it('every worker held by calls to a stalled pb is freed when pb goes NotReady, so a pod on pa is Ready within the heartbeat rule', async function () {
    const gauge = await t.operator.metrics.registry.getSingleMetric('controller_runtime_max_concurrent_reconciles')?.get();
    const workers = gauge?.values.find((v) => v.labels['controller'] === 'dockerpod')?.value ?? 0;
    expect(workers).to.be.above(0);
    const watch = sampler(t, ['pb']);
    // Right after a heartbeat, so every worker is taken by pb's pods well before pb can go NotReady.
    await afterHeartbeat(t, pb.endpoint);
    pb.stall();
    const stalled = Date.now();
    const names = Array.from({ length: workers }, (_, i) => `held-${i}`);
    made.push(...names, 'free-a');
    const onB = await Promise.all(pods(names, 'pb').map((p) => createPod(t, p)));
    // Every worker now waits on pb (the operator's passes observe the engine first).
    await waitFor(() => t.operator.queue.inFlight() === workers, 10_000, 'every worker busy on pb');
    const heldAt = Date.now();
    await createPod(t, pods(['free-a'], 'pa')[0] as DockerPod);
    await waitForPod(t, 'free-a', isReady, RULE_MS + 2 * SLACK_MS);
    const otherHostPodReadyMs = Date.now() - heldAt;
    const maxPassMs = watch.maxPassMs;
    pb.pass();
    const passed = Date.now();
    const finals = await ready(names, 60_000);
    const recoverMs = Date.now() - passed;
    watch.stop();
    expect(watch.flips.some((f) => !f.ready), 'pb went NotReady').to.equal(true);
    expect(maxPassMs, 'no pass outlived the heartbeat rule by much').to.be.below(RULE_MS + SLACK_MS);
    for (const pod of finals) await expectWhole(engine('b'), pod, ['main']);
    reportFigures('network-stall-starvation', { faults: 1, callTimeoutMs: 120_000, workers, heldPasses: onB.length, otherHostPodReadyMs, maxPassMs, notReadyMs: (watch.flips.find((f) => !f.ready)?.atMs ?? 0) - stalled, ruleMs: RULE_MS, recoverMs });
  });

  describe(`with a ${CALL_TIMEOUT_MS} ms call deadline`, function () {
    before(async function () {
      this.timeout(60_000);
      await t.operator.stop(10_000);
      await startOperator(CALL_TIMEOUT_MS);
      await Promise.all(['pa', 'pb'].map((h) => waitFor(() => t.operator.fleet.isReady(h), 20_000, `${h} Ready`)));
      await t.operator.queue.onIdle();
    });

    it('a stall shorter than the heartbeat timeout flips nothing, and the calls it held succeed', async function () {
      const stallMs = Math.round(HEARTBEAT_TIMEOUT_MS / 2);
      const before = hostReady(await getHost(t, 'pb'));
      const heldBefore = pb.stats().held;
      const mark = t.calls.calls.length;
      const watch = sampler(t, ['pb']);
      pb.stall();
      const started = Date.now();
      await create(pods(['short-1'], 'pb'));
      await sleep(stallMs);
      pb.pass();
      const [pod] = await ready(['short-1'], 20_000);
      const readyMs = Date.now() - started;
      await sleep(HEARTBEAT_MS);
      watch.stop();
      const calls = t.calls.calls.slice(mark).filter((c) => c.endpoint === pb.endpoint && c.operation !== 'events');
      const held = calls.filter((c) => c.durationMs >= stallMs * 0.8);
      expect(held.length, 'the stall held calls').to.be.at.least(1);
      expect(calls.filter((c) => c.outcome === 'error'), 'and none of them failed').to.deep.equal([]);
      expect(watch.flips, 'pb never left Ready').to.deep.equal([]);
      expect(hostReady(await getHost(t, 'pb')), 'its condition did not move').to.deep.equal(before);
      await expectWhole(engine('b'), pod as DockerPod, ['main']);
      reportFigures('network-short-stall', { faults: 1, stallMs, ruleMs: RULE_MS, heldConnections: pb.stats().held - heldBefore, heldCalls: held.length, failedCalls: 0, flips: 0, readyMs, duplicates: 0 });
    });

    it('a longer stall: calls time out, passes retry, pb goes NotReady after the heartbeat rule, pa keeps working, all recover', async function () {
      const watch = sampler(t, ['pa', 'pb']);
      const errors = errorsOn(pb);
      const from = lines.length;
      // Right after a heartbeat: the pod's calls then time out a period before the next heartbeat can.
      await afterHeartbeat(t, pb.endpoint);
      pb.stall();
      const stalled = Date.now();
      const [onB] = await create(pods(['stall-b'], 'pb'));
      await create(pods(['stall-a'], 'pa'));
      await ready(['stall-a'], RULE_MS + SLACK_MS);
      const aReadyMs = Date.now() - stalled;
      const down = await waitForHost(t, 'pb', (h) => hostReady(h).status === 'False', RULE_MS + SLACK_MS);
      const apiNotReadyMs = Date.now() - stalled;
      // The full form keeps the engine away longer: passes of its pods back off meanwhile.
      await sleep(chaosSize(0, 10_000));
      expect(pb.mode().kind, 'stall-a became Ready and pb NotReady while pb was stalled').to.equal('stall');
      pb.pass();
      const passed = Date.now();
      await waitForHost(t, 'pb', (h) => hostReady(h).status === 'True', RULE_MS + SLACK_MS);
      const hostBackMs = Date.now() - passed;
      await ready(['stall-b'], 30_000);
      const recoverMs = Date.now() - passed;
      watch.stop();

      const notReady = watch.flips.find((f) => f.host === 'pb' && !f.ready);
      const notReadyMs = (notReady?.atMs ?? 0) - stalled;
      expect(notReady, 'pb went NotReady').to.not.equal(undefined);
      expect(notReadyMs, 'not before a heartbeat waited its whole deadline').to.be.at.least(HEARTBEAT_DEADLINE_MS - 300);
      expect(notReadyMs, 'within one period and a heartbeat timeout').to.be.at.most(RULE_MS + SLACK_MS);
      expect(hostReady(down)).to.deep.include({ reason: 'EngineUnreachable', message: `ping timed out after ${CALL_TIMEOUT_MS} ms` });
      expect(watch.flips.filter((f) => f.host === 'pa'), 'pa never flipped').to.deep.equal([]);
      const passes = lines.slice(from).filter((l) => l.meta['name'] === 'stall-b' && ['reconciled', 'reconcile failed'].includes(l.message));
      const failed = passes.filter((l) => l.message === 'reconcile failed');
      expect(String(failed[0]?.meta['error']), 'the first pass failed on its call deadline').to.match(new RegExp(`timed out after ${CALL_TIMEOUT_MS} ms`));
      expect(passes.indexOf(failed[0] as LogLine), 'and was retried').to.be.below(passes.length - 1);
      expect(failed.map((l) => l.meta['retries']), 'with the back-off count growing').to.deep.equal(failed.map((_, i) => i));
      expect(watch.maxPassMs, 'no pass outlived its call deadline by much').to.be.below(CALL_TIMEOUT_MS + 2 * SLACK_MS);
      await expectWhole(engine('b'), onB as DockerPod, ['main']);
      const abandoned = failed.filter((l) => /abandoned/.test(String(l.meta['error']))).length;
      reportFigures('network-long-stall', {
        faults: 1, callTimeoutMs: CALL_TIMEOUT_MS, failedCalls: errorsOn(pb) - errors, timeoutsFired: failed.length - abandoned, abandonedAtNotReady: abandoned, failedPasses: failed.length,
        notReadyMs, apiNotReadyMs, ruleMs: RULE_MS, otherHostPodReadyMs: aReadyMs, maxPassMs: watch.maxPassMs, hostBackMs, recoverMs, duplicates: 0, halfCreatedLeft: 0,
      });
    });

    it('connections reset mid-call while pods are created and deleted: each ends whole, or with nothing', async function () {
      const rand = prng(chaosSeed('network-resets'));
      const count = chaosSize(3, 10);
      const created = await countCreates(engine('b'), t.instance);
      const watch = sampler(t, ['pb']);
      const errors = errorsOn(pb);
      const resetsBefore = pb.stats().resets;
      const names = Array.from({ length: count }, (_, i) => `reset-${i}`);
      const creating = create(pods(names, 'pb', ['main', 'side']));
      const shuffled = [...names];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = pick(rand, 0, i);
        [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
      }
      const doomed = shuffled.slice(0, Math.max(1, Math.floor(count / 3)));
      const chaosUntil = Date.now() + chaosSize(3000, 20_000);
      let pulses = 0;
      let deleted = false;
      while (Date.now() < chaosUntil) {
        await sleep(pick(rand, 20, 250));
        pb.reset();
        await sleep(pick(rand, 0, 40));
        pb.pass();
        pulses++;
        if (!deleted && Date.now() > chaosUntil - chaosSize(1500, 10_000)) {
          deleted = true;
          await creating;
          await Promise.all(doomed.map((n) => deletePod(t, n)));
        }
      }
      const stopped = Date.now();
      const survivors = names.filter((n) => !doomed.includes(n));
      const all = await creating;
      const finals = await ready(survivors, 60_000);
      await Promise.all(doomed.map((n) => waitGone(t, n, 60_000)));
      const convergedMs = Date.now() - stopped;
      watch.stop();
      created.stop();
      for (const pod of finals) await expectWhole(engine('b'), pod, ['main', 'side']);
      const leftovers = (await Promise.all(all.filter((p) => doomed.includes(p.metadata.name ?? '')).map((p) => containersOf(engine('b'), p.metadata.uid ?? '')))).flat();
      expect(summarize(leftovers), 'nothing of the deleted pods').to.equal('');
      const creates = finals.map((p) => created.creates.get(p.metadata.uid ?? '') ?? 0);
      expect(creates, 'each container of a surviving pod created once').to.deep.equal(finals.map(() => 3));
      const duplicates = creates.reduce((n, c) => n + c - 3, 0);
      reportFigures('network-resets', {
        faults: pulses, resetConnections: pb.stats().resets - resetsBefore, failedCalls: errorsOn(pb) - errors, pods: count, deleted: doomed.length,
        hostFlips: watch.flips.length, convergedMs, duplicates, halfCreatedLeft: leftovers.length,
      });
    });

    it('answers delayed by about a second: calls are slower but succeed, nothing is created twice', async function () {
      const count = chaosSize(2, 6);
      const created = await countCreates(engine('b'), t.instance);
      const watch = sampler(t, ['pb']);
      const delayedBefore = pb.stats().delayedChunks;
      pb.delay(DELAY_MS);
      await sleep(50);
      const mark = t.calls.calls.length;
      const started = Date.now();
      const names = Array.from({ length: count }, (_, i) => `slow-${i}`);
      await create(pods(names, 'pb'));
      const finals = await ready(names, 60_000 + count * 15 * DELAY_MS);
      const readyMs = Date.now() - started;
      const calls = t.calls.calls.slice(mark).filter((c) => c.endpoint === pb.endpoint && c.operation !== 'events');
      pb.pass();
      watch.stop();
      created.stop();
      const durations = calls.map((c) => c.durationMs).sort((x, y) => x - y);
      const median = durations[Math.floor(durations.length / 2)] ?? 0;
      expect(calls.filter((c) => c.outcome === 'error').length, 'no call failed').to.equal(0);
      expect(median, 'calls waited for the delay').to.be.at.least(DELAY_MS * 0.9);
      expect(durations[durations.length - 1] ?? 0, 'and stayed under the deadline').to.be.below(CALL_TIMEOUT_MS);
      expect(watch.flips, 'pb stayed Ready').to.deep.equal([]);
      for (const pod of finals) await expectWhole(engine('b'), pod, ['main']);
      const creates = finals.map((p) => created.creates.get(p.metadata.uid ?? '') ?? 0);
      expect(creates, 'each container created once').to.deep.equal(finals.map(() => 2));
      const duplicates = creates.reduce((n, c) => n + c - 2, 0);
      reportFigures('network-delay', { delayMs: DELAY_MS, calls: calls.length, medianCallMs: Math.round(median), maxCallMs: Math.round(durations[durations.length - 1] ?? 0), delayedChunks: pb.stats().delayedChunks - delayedBefore, pods: count, readyMs, hostFlips: 0, duplicates });
    });

    it('lost create answers: the pod ends Ready on the very containers the engine made, none created twice', async function () {
      const rand = prng(chaosSeed('network-lost-create'));
      const count = chaosSize(1, 5);
      const created = await countCreates(engine('a'), t.instance);
      const isCreate = (r: { method: string; path: string }): boolean => r.method === 'POST' && /^\/v[\d.]+\/containers\/create(\?|$)/.test(r.path);
      // Short form: the sandbox's and both members' answers are lost; full form: each with probability 1/2.
      if (CHAOS_FULL) pa.loseResponses((r) => isCreate(r) && rand() < 0.5);
      else pa.loseResponses(isCreate, 3);
      const names = Array.from({ length: count }, (_, i) => `lost-${i}`);
      const started = Date.now();
      await create(pods(names, 'pa', ['main', 'side']));
      const finals = await ready(names, 60_000);
      const readyMs = Date.now() - started;
      pa.pass();
      created.stop();
      const lost = pa.stats().lost;
      expect(lost.length, 'answers were lost').to.be.at.least(CHAOS_FULL ? 1 : 3);
      const current = new Set(finals.flatMap((p) => [p.status?.sandboxID ?? '', ...(p.status?.containerStatuses ?? []).map((s) => (s.containerID ?? '').replace('docker://', ''))]));
      const lostIds = lost.map((l) => /"Id":"([0-9a-f]{64})"/.exec(l.head)?.[1] ?? `(no id in ${l.head.slice(0, 80)})`);
      expect(lostIds.filter((id) => !current.has(id)), 'each container whose answer was lost is the one the pod runs on').to.deep.equal([]);
      for (const pod of finals) await expectWhole(engine('a'), pod, ['main', 'side']);
      const creates = finals.map((p) => created.creates.get(p.metadata.uid ?? '') ?? 0);
      expect(creates, 'each container created once, the lost ones included').to.deep.equal(finals.map(() => 3));
      const duplicates = creates.reduce((n, c) => n + c - 3, 0);
      expect(finals.map((p) => p.status?.restartCount ?? 0)).to.deep.equal(finals.map(() => 0));
      reportFigures('network-lost-create', { faults: lost.length, pods: count, lostAnswers: lost.length, adopted: lostIds.length, readyMs, duplicates, halfCreatedLeft: 0 });
    });
  });
});
