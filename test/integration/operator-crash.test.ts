/**
 * Crash safety: the operator is a separate process (the built `dockerpod operator`) that is
 * SIGKILLed at random moments while DockerPods are created and deleted, as a node crash or an
 * OOM kill would stop it mid-pass. After the last start every live pod must be Ready with exactly
 * one sandbox and one container per spec container (deterministic names and adoption: no
 * duplicate from a create whose response was lost), nothing of a deleted pod may remain, and
 * deleting everything must leave nothing of the instance on the engine.
 *
 * The schedule (kill times, which pods are created and deleted when) comes from a seeded PRNG;
 * the seed is printed, and DOCKERPOD_CHAOS_SEED=<seed> replays the schedule (the moments within
 * the operator's work still depend on timing).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApiException, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../src/planner/labels.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { useDockerScope } from '../support/docker-scope.js';
import { ENGINE_ENV_FILE, parseEnvFile, TEST_IMAGES } from '../support/engines.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { webPod } from '../support/operator.js';
import { buildOnce, dockerpodBin } from '../support/repo.js';

const GROUP = 'dockerpod.dev';
const VERSION = 'v1alpha1';
const NAMESPACE = 'default';
const POD_COUNT = 20;
const MIN_ROUNDS = 10;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function chaosSeed(): number {
  const given = process.env['DOCKERPOD_CHAOS_SEED'];
  if (given === undefined || given === '') return randomInt(2 ** 31);
  const seed = Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`DOCKERPOD_CHAOS_SEED must be an integer, not "${given}"`);
  return seed;
}

/** One thing done to the API during a round, `atMs` after the operator process was spawned. */
interface Op {
  kind: 'create' | 'delete';
  pod: number;
  atMs: number;
}

/** One round: how long the operator lives (from spawn, or from its "operator started" line) and what happens meanwhile. */
interface Round {
  /** Killed during start-up (lifetime counted from spawn) rather than while working (counted from "operator started"). */
  early: boolean;
  lifetimeMs: number;
  ops: Op[];
}

/** The whole schedule, drawn up front so a seed always gives the same one. */
function makePlan(rand: () => number): Round[] {
  const pick = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const deletions = pick(2, 3);
  const rounds: Round[] = [];
  const created: number[] = [];
  let next = 0;
  let deleted = 0;
  for (let r = 0; r < MIN_ROUNDS || next < POD_COUNT || deleted < deletions; r++) {
    const round: Round = { early: rand() < 0.25, lifetimeMs: pick(100, 1500), ops: [] };
    // Offsets up to 2.5 s: some land during start-up, some while it works, some after the kill (operator down).
    for (let n = pick(1, 3); n > 0 && next < POD_COUNT; n--) round.ops.push({ kind: 'create', pod: next++, atMs: pick(0, 2500) });
    const deleteNow = r >= 2 && deleted < deletions && (rand() < 0.4 || r >= MIN_ROUNDS);
    const candidates = created.filter((i) => !rounds.some((x) => x.ops.some((o) => o.kind === 'delete' && o.pod === i)));
    if (deleteNow && candidates.length > 0) {
      round.ops.push({ kind: 'delete', pod: candidates[pick(0, candidates.length - 1)] ?? 0, atMs: pick(0, 2500) });
      deleted++;
    }
    created.push(...round.ops.filter((o) => o.kind === 'create').map((o) => o.pod));
    rounds.push(round);
  }
  return rounds;
}

/** The operator as a child process, with its log lines. */
class OperatorProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private log = '';

  constructor(args: string[]) {
    // Port 0 for the metrics and health servers: the default ports may be taken on a test machine.
    this.child = spawn(process.execPath, [dockerpodBin(), 'operator', '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', ...args]);
    this.child.stdout.on('data', (c: Buffer) => (this.log += c.toString()));
    this.child.stderr.on('data', (c: Buffer) => (this.log += c.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  started(): boolean {
    return this.log.includes('"message":"operator started"');
  }

  /** Log lines of passes that did something on the engine. */
  passesWithActions(): number {
    return this.log.split('\n').filter((l) => l.includes('"message":"reconciled"') && !l.includes('"actions":[]')).length;
  }

  /** Passes that failed (the queue retries them with back-off), by error message. */
  failures(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const line of this.log.split('\n').filter((l) => l.includes('"message":"reconcile failed"'))) {
      const error = String((JSON.parse(line) as { error?: unknown }).error);
      counts.set(error, (counts.get(error) ?? 0) + 1);
    }
    return counts;
  }

  tail(lines = 30): string {
    return this.log.trimEnd().split('\n').slice(-lines).join('\n');
  }

  async waitStarted(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.started()) {
      if (!this.running || Date.now() > deadline) throw new Error(`operator did not start:\n${this.tail()}`);
      await sleep(10);
    }
  }

  async kill(signal: NodeJS.Signals, graceMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

const isReady = (p: DockerPod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

describe('operator: crash safety under SIGKILL', function () {
  this.timeout(150_000);
  const scope = useDockerScope(['a']);
  const instance = `test-${scope.id}`;
  let api: TestApiServer | undefined;
  let custom: CustomObjectsApi;
  let current: OperatorProcess | undefined;
  const killCurrent = (): void => {
    if (current?.running) current.child.kill('SIGKILL');
  };

  before(async function () {
    this.timeout(120_000);
    buildOnce();
    api = await startTestApiServer();
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    custom = kc.makeApiClient(CustomObjectsApi);
    process.once('exit', killCurrent);
  });
  scope.beforeCleanup(async () => {
    if (current) await current.kill('SIGKILL');
  });
  after(async () => {
    if (current) await current.kill('SIGKILL');
    process.off('exit', killCurrent);
    await api?.close();
    removeCgroupParent(`/dockerpod-test-${scope.id}`);
  });

  function startOperator(): OperatorProcess {
    if (!api) throw new Error('the API server did not start');
    const engineA = parseEnvFile(readFileSync(ENGINE_ENV_FILE, 'utf8'))['DOCKERPOD_ENGINE_A_HOST'] ?? '';
    const labels = Object.entries(scope.labels).map(([k, v]) => `${k}=${v}`).join(',');
    current = new OperatorProcess([
      '--kubeconfig', api.kubeconfigPath, '--docker-host', engineA, '--instance', instance, '--docker-labels', labels,
      '--pause-image', TEST_IMAGES.pause, '--oom-score-adj', 'false', '--cgroup-root', `/dockerpod-test-${scope.id}`,
      '--log-format', 'json', '--resync-period', '2s',
    ]);
    return current;
  }

  const podName = (i: number): string => `crash-${i}`;

  async function listPods(): Promise<DockerPod[]> {
    const list = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NAMESPACE, plural: 'dockerpods' })) as { items: DockerPod[] };
    return list.items;
  }

  async function runOp(op: Op, uids: Map<number, string>): Promise<void> {
    await sleep(op.atMs);
    if (op.kind === 'create') {
      const body = webPod(podName(op.pod), { restartPolicy: 'Always' });
      const created = (await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NAMESPACE, plural: 'dockerpods', body })) as DockerPod;
      uids.set(op.pod, created.metadata.uid ?? '');
      return;
    }
    try {
      await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NAMESPACE, plural: 'dockerpods', name: podName(op.pod) });
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
    }
  }

  /** Polls the API until `done` holds for the pod list; fails with what is missing. */
  async function waitForPods(done: (pods: DockerPod[]) => string | undefined, timeoutMs: number): Promise<DockerPod[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pods = await listPods();
      const missing = done(pods);
      if (missing === undefined) return pods;
      if (Date.now() > deadline) throw new Error(`${missing}\noperator log:\n${current?.tail() ?? ''}`);
      await sleep(200);
    }
  }

  async function managedObjects(): Promise<{ containers: Array<{ Id: string; State: string; Labels: Record<string, string> }>; volumes: string[] }> {
    const docker = scope.engine('a');
    const filters = JSON.stringify({ label: [`${LABEL.managedBy}=${instance}`] });
    const containers = await docker.listContainers({ all: true, filters });
    const volumes = ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => v.Name);
    return { containers, volumes };
  }

  it('converges after repeated SIGKILLs: every live pod Ready with exactly its containers, nothing left of deleted pods, nothing at all after deleting everything', async function () {
    const seed = chaosSeed();
    console.log(`      chaos seed ${seed} (replay with DOCKERPOD_CHAOS_SEED=${seed})`);
    const plan = makePlan(prng(seed));
    const uids = new Map<number, string>();
    const figures = { earlyKills: 0, workingKills: 0, passesLogged: 0, createdNotStarted: 0, partialPods: 0 };
    const t0 = Date.now();

    for (const round of plan) {
      const proc = startOperator();
      const ops = Promise.all(round.ops.map((op) => runOp(op, uids)));
      if (!round.early) await proc.waitStarted(20_000);
      await sleep(round.lifetimeMs);
      if (proc.started()) figures.workingKills++;
      else figures.earlyKills++;
      const exit = await proc.kill('SIGKILL');
      expect(exit.signal, `round ended with ${JSON.stringify(exit)}:\n${proc.tail()}`).to.equal('SIGKILL');
      figures.passesLogged += proc.passesWithActions();
      // What the kill interrupted: containers created but never started, pods with only some of their containers.
      const { containers } = await managedObjects();
      figures.createdNotStarted += containers.filter((c) => c.State === 'created').length;
      const perPod = new Map<string, number>();
      for (const c of containers) perPod.set(c.Labels[LABEL.uid] ?? '', (perPod.get(c.Labels[LABEL.uid] ?? '') ?? 0) + 1);
      figures.partialPods += [...perPod.values()].filter((n) => n < 3).length;
      await ops;
    }
    const chaosMs = Date.now() - t0;

    const deletedIdx = new Set(plan.flatMap((r) => r.ops).filter((o) => o.kind === 'delete').map((o) => o.pod));
    const liveIdx = [...Array(POD_COUNT).keys()].filter((i) => !deletedIdx.has(i));
    const deletedNames = new Set([...deletedIdx].map(podName));
    const liveNames = new Set(liveIdx.map(podName));

    const t1 = Date.now();
    const final = startOperator();
    await final.waitStarted(20_000);
    const startupMs = Date.now() - t1;
    const pods = await waitForPods((list) => {
      const byName = new Map(list.map((p) => [p.metadata.name ?? '', p]));
      const notReady = [...liveNames].filter((n) => !isReady(byName.get(n) ?? ({} as DockerPod)));
      const lingering = [...deletedNames].filter((n) => byName.has(n));
      const unexpected = [...byName.keys()].filter((n) => !liveNames.has(n) && !deletedNames.has(n));
      if (notReady.length + lingering.length + unexpected.length === 0) return undefined;
      return `not Ready: ${notReady.join(', ') || '-'}; deleted but still served: ${lingering.join(', ') || '-'}; unexpected: ${unexpected.join(', ') || '-'}`;
    }, 45_000);
    const convergeMs = Date.now() - t1;
    const failures = [...final.failures()].map(([error, n]) => `${n}x ${error}`);

    // Every live pod: one sandbox and one container per spec container, all running; no other uid on the engine.
    const { containers } = await managedObjects();
    const liveUids = new Set(pods.map((p) => p.metadata.uid ?? ''));
    for (const pod of pods) {
      const mine = containers.filter((c) => c.Labels[LABEL.uid] === pod.metadata.uid);
      const counts: Record<string, number> = {};
      for (const c of mine) {
        const key = `${c.Labels[LABEL.role]}:${c.Labels[LABEL.container]}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      expect(counts, `containers of ${pod.metadata.name}`).to.deep.equal({ 'sandbox:POD': 1, 'member:app': 1, 'member:sidecar': 1 });
      expect(mine.map((c) => c.State), `states of ${pod.metadata.name}`).to.deep.equal(['running', 'running', 'running']);
    }
    for (const i of deletedIdx) {
      const uid = uids.get(i);
      expect(uid, `uid of deleted ${podName(i)}`).to.be.a('string').and.not.equal('');
      expect(containers.filter((c) => c.Labels[LABEL.uid] === uid), `containers of deleted ${podName(i)}`).to.deep.equal([]);
    }
    expect([...new Set(containers.map((c) => c.Labels[LABEL.uid] ?? ''))].filter((u) => !liveUids.has(u)), 'containers of unknown pods').to.deep.equal([]);

    // Delete everything: the API lets go of the pods only once their containers and volumes are gone.
    const t2 = Date.now();
    await Promise.all(liveIdx.map((i) => runOp({ kind: 'delete', pod: i, atMs: 0 }, uids)));
    await waitForPods((list) => (list.length === 0 ? undefined : `still served: ${list.map((p) => p.metadata.name).join(', ')}`), 45_000);
    const teardownMs = Date.now() - t2;
    const left = await managedObjects();
    expect(left.containers.map((c) => `${c.Labels[LABEL.name]}/${c.Labels[LABEL.container]}`), 'containers left').to.deep.equal([]);
    expect(left.volumes, 'volumes left').to.deep.equal([]);

    const exit = await final.kill('SIGTERM');
    expect(exit, final.tail()).to.deep.equal({ code: 0, signal: null });

    console.log(
      `      ${plan.length} rounds (${figures.earlyKills} kills during start-up, ${figures.workingKills} while working; ` +
        `${figures.passesLogged} passes with actions completed by operators later killed; at the kills ${figures.createdNotStarted} containers were created but not started ` +
        `and ${figures.partialPods} pods had only some of their containers), ${POD_COUNT} pods created, ${deletedIdx.size} deleted during the rounds; ` +
        `chaos ${chaosMs} ms, converged ${convergeMs} ms after the last start (${startupMs} ms of it start-up), teardown of ${liveIdx.length} pods ${teardownMs} ms; ` +
        `failed passes of the last operator: ${failures.length === 0 ? 'none' : failures.join('; ')}`,
    );
  });
});
