/**
 * Chaos: the Docker engine under the pods goes away while pods are being created on it, once
 * gracefully (SIGTERM: dockerd stops its containers, then exits) and once brutally (SIGKILL: the
 * containers outlive dockerd, and its next start stops them, since live-restore is off), and is
 * started again. The engine is the private engine C (hack/engine-c.sh), so engines A and B,
 * which other tests use at the same time, are never touched.
 *
 * What a user relies on, checked after every fault:
 * - the operator notices: its Docker events stream ends, the DockerHost goes NotReady
 *   (EngineUnreachable), and every pod bound to it turns Ready=False (HostNotReady);
 * - when the engine is back, every pod is Ready again (with a resync period far beyond the
 *   test: the host's return and the events must do it), those created during the outage too,
 *   and a pod deleted during the outage is gone with its containers;
 * - restart counts are the kubelet's. Every container (sandbox included) running when the engine
 *   went down either runs on as the same instance with its count (adopted: it never died) or was
 *   replaced by a newer attempt (it died, and that counted). And each count is exactly the number
 *   of instances that container replaced, measured by the test's own Docker events stream and
 *   lists, which see every instance, even those the operator removed since: one restart per
 *   death, no death counted twice across the outage, none lost;
 * - nothing is left over: every container and volume with the operator's labels belongs to a
 *   live pod, and no pod volume lost its labels (a dockerd shutting down loses the labels of a
 *   volume it is asked to create: the bug this test found, see DockerEngine.createVolume); each
 *   pod has one running sandbox, one running instance per container (of that sandbox) and a
 *   bounded number of dead ones; then the operator makes no Docker mutation for a while, and
 *   deleting every pod leaves nothing of them on the engine.
 *
 * Two engine behaviours are counted in the figures rather than asserted, because Docker 20.10,
 * not the operator, owns them: an instance the engine acknowledged while shutting down and no
 * longer has after its restart (`forgottenByEngine`: it never ran, so it is no death, and the
 * operator rightly creates that attempt again), and containerd shims of such instances that
 * outlive the engine (`engineLeakedShims`; `hack/engine-c.sh stop` ends them).
 *
 * The load (pod count, one or two members, creation gaps, when the fault hits within the
 * creations, how long the engine stays down, which pod is deleted) is drawn from a seeded PRNG;
 * the seed is printed and DOCKERPOD_CHAOS_SEED replays it. The short form (CI) runs one fault
 * per scenario; the full form (DOCKERPOD_CHAOS_FULL=1) more pods and three faults in a row.
 */
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL, labelInt, SANDBOX_NAME } from '../../src/planner/labels.js';
import type { ContainerSummary, DockerEngine, EventStream } from '../../src/runtime/docker/types.js';
import { chaosSeed, chaosSize, pick, prng, reportFigures } from '../support/chaos.js';
import { useDockerScope } from '../support/docker-scope.js';
import { ENGINE_C_ENDPOINT, engineC, engineCAdapter, engineCClient, engineCStrays, ensureEngineC, useEngineC } from '../support/engine-c.js';
import { TEST_IMAGES } from '../support/engines.js';
import { eventually } from '../support/exec.js';
import { conditionOf, createHost, createPod, deletePod, hostReady, IDLE, isReady, podWith, waitForHost, waitGone } from '../support/fleet.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';

const HOST = 'c';
const HEARTBEAT_MS = 1000;
const GRACE_MS = 3000;
const PODS = { group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerpods', namespace: 'default' };

type Fault = 'term' | 'kill';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One container instance engine C held, as the test first saw it. */
interface Seen {
  id: string;
  uid: string;
  container: string;
  attempt: number;
  sandboxAttempt: number;
  /** When and how it was first seen (an event's action, or `list`), for the messages of a failure. */
  firstSeen: string;
}

/**
 * Every container instance of the operator's that engine C ever held, seen independently of the
 * operator: through a Docker events stream of the test's own (reopened after the engine is back
 * with `since` the last event seen, so the new daemon replays what happened before the reconnect)
 * and a list every 200 ms. The operator removes all but the newest instances of a container;
 * this log keeps every one, which is what honest restart counts are measured against.
 */
class InstanceLog {
  private readonly seen = new Map<string, Seen>();
  private stream: EventStream | undefined;
  private sinceSec = Math.floor(Date.now() / 1000) - 1;
  private stopped = false;
  private reopen: NodeJS.Timeout | undefined;
  private poller: Promise<void> | undefined;

  constructor(private readonly engine: DockerEngine, private readonly labels: Record<string, string>) {}

  start(): void {
    this.open();
    this.poller = this.pollLoop();
  }

  /** A final list, then the stream and the poller stop. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.poll().catch(() => undefined);
    this.stopped = true;
    clearTimeout(this.reopen);
    this.stream?.close();
    await this.poller;
  }

  /** The instances of one container of a pod (`POD` for the sandbox), by attempt. */
  of(uid: string, container: string): Seen[] {
    return [...this.seen.values()].filter((s) => s.uid === uid && s.container === container).sort((a, b) => a.attempt - b.attempt);
  }

  private open(): void {
    this.stream = this.engine.events({ since: this.sinceSec, labels: this.labels }, {
      onEvent: (e) => {
        this.sinceSec = Number(e.timeNano / 1_000_000_000n);
        this.note(e.id, e.labels, e.action);
      },
      onEnd: () => {
        if (!this.stopped) this.reopen = setTimeout(() => this.open(), 100);
      },
    });
  }

  private note(id: string, labels: Record<string, string>, how: string): void {
    const uid = labels[LABEL.uid];
    if (this.seen.has(id) || !uid) return;
    const firstSeen = `${new Date().toISOString().slice(11, 23)} ${how}`;
    this.seen.set(id, { id, uid, container: labels[LABEL.container] ?? '', attempt: labelInt(labels, LABEL.attempt), sandboxAttempt: labelInt(labels, LABEL.sandboxAttempt), firstSeen });
  }

  private async poll(): Promise<void> {
    for (const c of await this.engine.listContainers(this.labels)) this.note(c.id, c.labels, `list:${c.state}`);
  }

  private async pollLoop(): Promise<void> {
    while (!this.stopped) {
      await this.poll().catch(() => undefined);
      await sleep(200);
    }
  }
}

/** A pod pinned to C with restartPolicy Always: one member, or two sharing an emptyDir. */
function loadPod(name: string, members: number): DockerPod {
  const shared = members === 2;
  const member = (n: string): DockerPod['spec']['containers'][number] => ({
    name: n,
    image: TEST_IMAGES.busybox,
    command: ['sh', '-c', IDLE],
    ...(shared ? { volumeMounts: [{ name: 'shared', mountPath: '/shared' }] } : {}),
  });
  return podWith(name, {
    hostName: HOST,
    restartPolicy: 'Always',
    containers: shared ? [member('main'), member('side')] : [member('main')],
    ...(shared ? { volumes: [{ name: 'shared', emptyDir: {} }] } : {}),
  });
}

/** Every DockerPod in `default`. */
async function listPods(t: TestOperator): Promise<DockerPod[]> {
  return ((await t.custom.listNamespacedCustomObject(PODS)) as { items: DockerPod[] }).items;
}

/** What one scenario keeps track of. */
interface Scenario {
  t: TestOperator;
  fault: Fault;
  rand: () => number;
  log: InstanceLog;
  /** Pods of this scenario that should be live, by name. */
  live: Map<string, DockerPod>;
  deleted: Map<string, string>;
  created: number;
}

/** Creates `count` pods of the scenario, `gap()` ms apart; resolves once every create answered. */
async function createPods(s: Scenario, count: number, gap: () => number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const name = `${s.fault}-${s.created++}`;
    const pod = await createPod(s.t, loadPod(name, pick(s.rand, 1, 2)));
    s.live.set(name, pod);
    await sleep(gap());
  }
}

/** Waits until every live pod of the scenario is Ready (and Running). */
async function allReady(s: Scenario, timeoutMs: number): Promise<void> {
  await eventually(async () => {
    const pods = (await listPods(s.t)).filter((p) => s.live.has(p.metadata.name ?? ''));
    const waiting = pods.filter((p) => !isReady(p) || p.status?.phase !== 'Running').map((p) => `${p.metadata.name ?? ''}: ${p.status?.summary ?? ''} ${conditionOf(p, 'Ready').reason ?? ''}`);
    if (pods.length !== s.live.size || waiting.length > 0) throw new Error(`not all ${s.live.size} pods Ready: ${waiting.join('; ')}`);
  }, timeoutMs, 250);
}

const key = (uid: string, container: string): string => `${uid}/${container}`;

/** Each running container of the operator's on C (sandboxes included) by pod uid and container name: its id and attempt. */
async function runningNow(t: TestOperator): Promise<Map<string, { id: string; attempt: number }>> {
  const list = await engineCAdapter().listContainers({ [LABEL.managedBy]: t.instance });
  return new Map(list.filter((c) => c.state === 'running').map((c) => [key(c.labels[LABEL.uid] ?? '', c.labels[LABEL.container] ?? ''), { id: c.id, attempt: labelInt(c.labels, LABEL.attempt) }]));
}

/** The operator noticed: events stream ended, host NotReady, every pod bound to C Ready=False with HostNotReady. */
async function expectNoticed(s: Scenario, streamEndsBefore: number): Promise<void> {
  const host = await waitForHost(s.t, HOST, (h) => hostReady(h).status === 'False', 2 * HEARTBEAT_MS + 5000);
  expect(hostReady(host).reason).to.equal('EngineUnreachable');
  expect(s.t.calls.count({ operation: 'events' }), 'the operator\'s events stream of C ended').to.be.greaterThan(streamEndsBefore);
  await eventually(async () => {
    const bound = (await listPods(s.t)).filter((p) => p.status?.hostName === HOST && !p.metadata.deletionTimestamp);
    const wrong = bound.filter((p) => conditionOf(p, 'Ready').status !== 'False' || conditionOf(p, 'Ready').reason !== 'HostNotReady');
    if (wrong.length > 0) throw new Error(`pods on NotReady host c not Ready=False/HostNotReady: ${wrong.map((p) => `${p.metadata.name ?? ''} ${JSON.stringify(conditionOf(p, 'Ready'))}`).join('; ')}`);
  }, 5000, 100);
}

/** One fault, from the load that precedes it to every pod Ready again; returns its figures. */
async function faultRound(s: Scenario): Promise<Record<string, number>> {
  const { t, rand } = s;
  const ranBefore = [...s.live.keys()];
  // The load: a batch of new pods created with random gaps, the fault somewhere within it.
  const batch = chaosSize(5, 8);
  const creating = createPods(s, batch, () => pick(rand, 20, 250));
  // Awaited once the engine is back; until then a failed create must not count as unhandled.
  creating.catch(() => undefined);
  await sleep(pick(rand, 100, 1200));
  const atFault = await runningNow(t);
  const streamEnds = t.calls.count({ operation: 'events' });
  const faultAt = Date.now();
  await engineC(s.fault);
  const goneAt = Date.now();
  await expectNoticed(s, streamEnds);
  const notReadyAt = Date.now();
  // During the outage a pod that ran before is deleted: it must be gone, with its containers, once C is back.
  const victim = ranBefore[pick(rand, 0, ranBefore.length - 1)] ?? '';
  s.deleted.set(victim, s.live.get(victim)?.metadata.uid ?? '');
  s.live.delete(victim);
  await deletePod(t, victim);
  await sleep(pick(rand, 0, 1500));
  await engineC('start');
  const backAt = Date.now();
  await creating;
  await waitForHost(t, HOST, (h) => hostReady(h).status === 'True', 2 * HEARTBEAT_MS + 5000);
  await allReady(s, chaosSize(60_000, 180_000));
  const readyAt = Date.now();
  await waitGone(t, victim, 30_000);
  const { checked, survived } = await expectRunningAtFaultAccounted(s, atFault);
  return { engineGoneMs: goneAt - faultAt, notReadyAfterGoneMs: notReadyAt - goneAt, downMs: backAt - goneAt, allReadyAfterBackMs: readyAt - backAt, runningAtFault: checked, survivedFault: survived };
}

/**
 * Every container of a live pod that ran when the engine went down either still runs as the same
 * instance with the same attempt (it never died: adopted, not counted) or was replaced by a newer
 * attempt (it died, and that death was counted). Returns how many were checked, and survived.
 */
async function expectRunningAtFaultAccounted(s: Scenario, atFault: Map<string, { id: string; attempt: number }>): Promise<{ checked: number; survived: number }> {
  const now = await runningNow(s.t);
  const uids = new Set([...s.live.values()].map((p) => p.metadata.uid ?? ''));
  const relevant = [...atFault].filter(([k]) => uids.has(k.split('/')[0] ?? ''));
  const survived = relevant.filter(([k, was]) => now.get(k)?.id === was.id);
  const wrong = relevant.filter(([k, was]) => {
    const current = now.get(k);
    return current === undefined || (current.id === was.id ? current.attempt !== was.attempt : current.attempt <= was.attempt);
  });
  expect(wrong.map(([k, was]) => `${k}: ${JSON.stringify(now.get(k))} (was ${JSON.stringify(was)} when the engine went down)`)).to.deep.equal([]);
  return { checked: relevant.length, survived: survived.length };
}

/** The pod's sandboxes: exactly one running, at most one dead one kept besides (for the status). */
function sandboxProblems(name: string, sandboxes: ContainerSummary[]): string[] {
  const running = sandboxes.filter((c) => c.state === 'running').length;
  return [...(running === 1 ? [] : [`${name}: ${running} running sandboxes`]), ...(sandboxes.length > 2 ? [`${name}: ${sandboxes.length} sandboxes kept`] : [])];
}

/** One spec container: exactly one running instance, in the live sandbox; the newest two of before the last pass plus the one it started at most. */
function memberProblems(name: string, instances: ContainerSummary[], sandbox: ContainerSummary | undefined): string[] {
  const running = instances.filter((c) => c.state === 'running');
  const problems = running.length === 1 ? [] : [`${name}: ${running.length} running instances`];
  if (instances.length > 3) problems.push(`${name}: ${instances.length} instances kept`);
  const joined = running[0]?.labels[LABEL.sandboxAttempt];
  if (sandbox && joined !== undefined && joined !== sandbox.labels[LABEL.sandboxAttempt]) problems.push(`${name}: runs in sandbox attempt ${joined}, the live one is ${sandbox.labels[LABEL.sandboxAttempt] ?? '?'}`);
  return problems;
}

/** Problems of one live pod's objects on C: sandboxes, instances of each container, nothing else, its volume. */
function podProblems(pod: DockerPod, containers: ContainerSummary[], volumes: string[]): string[] {
  const uid = pod.metadata.uid ?? '';
  const name = pod.metadata.name ?? '';
  const mine = containers.filter((c) => c.labels[LABEL.uid] === uid);
  const named = (n: string): ContainerSummary[] => mine.filter((c) => c.labels[LABEL.container] === n);
  const sandboxes = named(SANDBOX_NAME);
  const sandbox = sandboxes.find((c) => c.state === 'running');
  const specNames = pod.spec.containers.map((c) => c.name);
  const unknown = mine.filter((c) => ![SANDBOX_NAME, ...specNames].includes(c.labels[LABEL.container] ?? '')).map((c) => `${name}: unknown container ${c.name}`);
  const wantVolumes = pod.spec.volumes?.length ? [`dp_${uid}_shared`] : [];
  const haveVolumes = volumes.filter((v) => v.includes(uid));
  const volumeProblem = JSON.stringify(haveVolumes) === JSON.stringify(wantVolumes) ? [] : [`${name}: labelled volumes ${JSON.stringify(haveVolumes)}, want ${JSON.stringify(wantVolumes)}`];
  return [...sandboxProblems(name, sandboxes), ...specNames.flatMap((n) => memberProblems(`${name}/${n}`, named(n), sandbox)), ...unknown, ...volumeProblem];
}

/** Containers and volumes of the operator's on C that no live pod owns, and problems of the live pods' objects. */
async function leftovers(t: TestOperator): Promise<{ orphans: string[]; problems: string[] }> {
  const engine = engineCAdapter();
  const labels = { [LABEL.managedBy]: t.instance };
  const [containers, volumes, pods, all] = await Promise.all([engine.listContainers(labels), engine.listVolumes(labels), listPods(t), engineCClient().listVolumes()]);
  const uids = new Set(pods.map((p) => p.metadata.uid ?? ''));
  const orphans = [
    ...containers.filter((c) => !uids.has(c.labels[LABEL.uid] ?? '')).map((c) => `container ${c.name} (${c.state})`),
    ...volumes.filter((v) => ![...uids].some((uid) => v.startsWith(`dp_${uid}_`))).map((v) => `volume ${v}`),
    // C is this test's own engine: a pod volume without the operator's labels is one no sweep or teardown would ever find.
    ...(all.Volumes ?? []).filter((v) => v.Name.startsWith('dp_') && !volumes.includes(v.Name)).map((v) => `volume ${v.Name} without the operator's labels`),
  ];
  return { orphans, problems: pods.flatMap((p) => podProblems(p, containers, volumes)) };
}

/**
 * Restart counts against the instance log, per container of every live pod of the scenario: the
 * attempts the engine ever held are 0..n without a gap, and n is the status's restartCount (the
 * kubelet's rule: one restart per instance replaced; never a death counted twice, none lost).
 * An attempt may show up twice only when the engine forgot the first one (acknowledged while it
 * shut down, gone after its restart: names are unique, so two never coexist); it never ran, so
 * it is no death and the operator rightly reuses its number. Those are counted as `forgotten`.
 */
function attemptProblems(label: string, seen: Seen[], restartCount: number): { problem?: string; forgotten: number } {
  const attempts = [...new Set(seen.map((x) => x.attempt))];
  const forgotten = seen.length - attempts.length;
  const ok = attempts.every((a, i) => a === i) && attempts.length - 1 === restartCount;
  return ok ? { forgotten } : { forgotten, problem: `${label}: restartCount ${restartCount}, instances seen: ${seen.map((x) => `${x.attempt}@sandbox${x.sandboxAttempt} (${x.id.slice(0, 12)}, ${x.firstSeen})`).join(', ')}` };
}

/** Restart counts of every live pod of the scenario, checked against the instance log (sandbox attempts as well). */
async function restartProblems(s: Scenario): Promise<{ counted: number; expected: number; forgotten: number; problems: string[] }> {
  const pods = (await listPods(s.t)).filter((p) => s.live.has(p.metadata.name ?? ''));
  const out = { counted: 0, expected: 0, forgotten: 0, problems: [] as string[] };
  for (const pod of pods) {
    const uid = pod.metadata.uid ?? '';
    const name = pod.metadata.name ?? '';
    const sandboxes = s.log.of(uid, SANDBOX_NAME);
    const sandbox = attemptProblems(`${name}/sandbox`, sandboxes, Math.max(...sandboxes.map((x) => x.attempt)));
    const statuses = pod.status?.containerStatuses ?? [];
    const members = statuses.map((c) => attemptProblems(`${name}/${c.name}`, s.log.of(uid, c.name), c.restartCount));
    out.problems.push(...[sandbox, ...members].flatMap((r) => (r.problem ? [r.problem] : [])));
    out.forgotten += [sandbox, ...members].reduce((n, r) => n + r.forgotten, 0);
    out.counted += statuses.reduce((n, c) => n + c.restartCount, 0);
    out.expected += statuses.reduce((n, c) => n + new Set(s.log.of(uid, c.name).map((x) => x.attempt)).size - 1, 0);
    if (pod.status?.restartCount !== statuses.reduce((n, c) => n + c.restartCount, 0)) out.problems.push(`${name}: RESTARTS ${pod.status?.restartCount ?? '?'} is not the sum of its containers'`);
  }
  return out;
}

/** The whole scenario for one kind of fault. */
async function runScenario(t: TestOperator, fault: Fault): Promise<void> {
  const startedAt = Date.now();
  const rand = prng(chaosSeed(`engine-restart/${fault}`));
  const s: Scenario = { t, fault, rand, log: new InstanceLog(engineCAdapter(), { [LABEL.managedBy]: t.instance }), live: new Map(), deleted: new Map(), created: 0 };
  s.log.start();
  try {
    await ensureEngineC();
    const straysBefore = new Set(await engineCStrays());
    await waitForHost(t, HOST, (h) => hostReady(h).status === 'True', 2 * HEARTBEAT_MS + 5000);
    await createPods(s, chaosSize(6, 16), () => 0);
    await allReady(s, 60_000);
    const rounds: Array<Record<string, number>> = [];
    for (let i = 0; i < chaosSize(1, 3); i++) rounds.push(await faultRound(s));
    // Garbage of the last passes (a dead sandbox kept for the status) may take one more pass.
    const left = await eventually(async () => {
      const found = await leftovers(t);
      if (found.orphans.length + found.problems.length > 0) throw new Error(`left on engine C: ${[...found.orphans, ...found.problems].join('; ')}`);
      return found;
    }, 15_000, 250);
    const mutations = t.calls.mutating();
    await sleep(1500);
    expect(t.calls.mutating() - mutations, 'Docker mutations with every pod Ready and nothing failing').to.equal(0);
    await s.log.stop();
    const strays = (await engineCStrays()).filter((id) => !straysBefore.has(id));
    const restarts = await restartProblems(s);
    expect(restarts.problems).to.deep.equal([]);
    await expectTeardown(s);
    // Times are the worst round's: the fault command until dockerd was gone (SIGTERM: it stops its
    // containers first), then until the host was NotReady, down until C answered again, then until
    // every pod was Ready. runningAtFault counts containers (sandboxes too) of pods still live.
    reportFigures(`engine-restart/${fault}`, {
      pods: s.created,
      deletedDuringOutage: s.deleted.size,
      faults: rounds.length,
      runningAtFault: sum(rounds, 'runningAtFault'),
      survivedFault: sum(rounds, 'survivedFault'),
      engineGoneMs: max(rounds, 'engineGoneMs'),
      notReadyAfterGoneMs: max(rounds, 'notReadyAfterGoneMs'),
      downMs: max(rounds, 'downMs'),
      allReadyAfterBackMs: max(rounds, 'allReadyAfterBackMs'),
      restartsCounted: restarts.counted,
      restartsExpected: restarts.expected,
      forgottenByEngine: restarts.forgotten,
      orphans: left.orphans.length,
      engineLeakedShims: strays.length,
      durationMs: Date.now() - startedAt,
    });
  } finally {
    await s.log.stop();
  }
}

const sum = (rounds: Array<Record<string, number>>, k: string): number => rounds.reduce((n, r) => n + (r[k] ?? 0), 0);
const max = (rounds: Array<Record<string, number>>, k: string): number => Math.max(...rounds.map((r) => r[k] ?? 0));

/** Deleting every pod of the scenario leaves nothing of them on C (nor of the pods deleted during outages). */
async function expectTeardown(s: Scenario): Promise<void> {
  const uids = [...[...s.live.values()].map((p) => p.metadata.uid ?? ''), ...s.deleted.values()];
  await Promise.all([...s.live.keys()].map((n) => deletePod(s.t, n)));
  await Promise.all([...s.live.keys()].map((n) => waitGone(s.t, n, 30_000)));
  const engine = engineCAdapter();
  const labels = { [LABEL.managedBy]: s.t.instance };
  const [containers, volumes] = await Promise.all([engine.listContainers(labels), engineCClient().listVolumes()]);
  // Volumes by name, labelled or not.
  const left = [...containers.filter((c) => uids.includes(c.labels[LABEL.uid] ?? '')).map((c) => c.name), ...(volumes.Volumes ?? []).map((v) => v.Name).filter((v) => uids.some((u) => v.includes(u)))];
  expect(left, 'containers and volumes left after deleting every pod').to.deep.equal([]);
}

describe('chaos: the Docker engine restarted and SIGKILLed under load (engine C)', function () {
  this.timeout(chaosSize(120_000, 600_000));
  const scope = useDockerScope([]);
  const cgroupParent = `/dockerpod-test-${scope.id}`;
  let t: TestOperator;

  before(async function () {
    this.timeout(120_000);
    // A long resync: recovery must come from the host's return and the events, not from a periodic relist.
    t = await startTestOperator(scope, { engine: 'none', heartbeatPeriodMs: HEARTBEAT_MS, hostFailureGraceMs: GRACE_MS, resyncPeriodMs: 300_000 });
  });
  scope.beforeCleanup(async () => t.stop());
  // After the scope's cleanup (which stops the operator): C is started if a test left it down, cleaned, stopped.
  useEngineC(scope, cgroupParent);

  before(async function () {
    this.timeout(30_000);
    await createHost(t, HOST, { endpoint: ENGINE_C_ENDPOINT });
    await waitForHost(t, HOST, (h) => hostReady(h).status === 'True', 15_000);
  });

  it('SIGTERM (dockerd stops its containers) while pods are created, then started again: all Ready, honest restart counts, no orphan', async function () {
    this.timeout(chaosSize(90_000, 600_000));
    await runScenario(t, 'term');
  });

  it('SIGKILL (containers outlive dockerd, its next start stops them) while pods are created, then started again: all Ready, honest restart counts, no orphan', async function () {
    this.timeout(chaosSize(90_000, 600_000));
    await runScenario(t, 'kill');
  });
});
