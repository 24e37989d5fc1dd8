/**
 * Issue 8, third fault: the API server goes away or forgets, in the middle of a burst of pod
 * creations, spec updates and deletions.
 *
 * 1. `dockerpod standalone` (API server and operator in one process, objects in a data dir) is
 *    restarted, with SIGTERM and with SIGKILL, several times while a burst runs through its API.
 *    Every write the API acknowledged before a restart is still there after it (same uid, a
 *    resourceVersion and spec at least as new; a deletion still a deletion), resourceVersions keep
 *    their order across restarts, and at the end every live pod is Ready for its latest spec with
 *    one sandbox and one running container per spec container, and nothing is left of a deleted one.
 * 2. An in-process operator against the test API server: every watch is dropped, the operator's
 *    re-watch reaches the server late (held), pods are created, updated and deleted meanwhile, and
 *    the history is compacted, so the re-watch gets 410 Expired. Each informer relists exactly
 *    once per fault (no loop) and no change of the gap is missed.
 * 3. The API server answers 503 to everything for a few seconds while pods exist, and, separately,
 *    refuses every watch (429, as API priority and fairness sheds load) while lists still answer:
 *    the operator's requests stay few (back-off, not a hot loop) and it recovers by itself:
 *    changes made after the outage are acted on. (The watch refusal is the regression test of the
 *    informer's back-off: a list that answered reset it, so each informer listed and re-watched
 *    every 250 ms for as long as watches were refused, ~14 requests/s for the two.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { ObservedRequest } from '../../src/apiserver/server.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { chaosSeed, chaosSize, pick, prng, reportFigures } from '../support/chaos.js';
import { SCOPE_LABEL, useDockerScope } from '../support/docker-scope.js';
import { eventually } from '../support/exec.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';
import { convergence, listPods, lostAcks, planBurst, PodBurst, removeContainers, rvOrderViolations, type BurstOp, type EngineFigures } from '../support/pod-burst.js';
import { buildOnce } from '../support/repo.js';
import { freePort, StandaloneProcess, standaloneArgs } from '../support/standalone-process.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves once `check` holds, polling every 20 ms; false after `timeoutMs`. */
async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Where a burst's pods live: their API, their engine, the operator instance that owns their containers. */
interface Target {
  custom: CustomObjectsApi;
  docker: Parameters<typeof convergence>[2];
  instance: string;
}

/** Waits until the API and the engine match the burst's model; the time it took and the engine's figures. */
async function converge(burst: PodBurst, { custom, docker, instance }: Target, timeoutMs: number): Promise<{ ms: number; figures: EngineFigures }> {
  const began = Date.now();
  let last: string[] = [];
  try {
    const figures = await eventually(async () => {
      const result = await convergence(burst, custom, docker, instance);
      last = result.problems;
      if (result.problems.length > 0) throw new Error(result.problems.join('\n'));
      return result.figures;
    }, timeoutMs, 250);
    return { ms: Date.now() - began, figures };
  } catch (err) {
    throw new Error(`not converged after ${timeoutMs} ms:\n  ${last.slice(0, 20).join('\n  ')}`, { cause: err });
  }
}

describe('chaos: API server faults in the middle of a burst', function () {
  describe('dockerpod standalone restarted (SIGTERM, SIGKILL) during a burst', function () {
    this.timeout(chaosSize(150_000, 600_000));
    const scope = useDockerScope(['a']);
    const instance = `test-${scope.id}`;
    let dataDir = '';
    let proc: StandaloneProcess | undefined;

    before(function () {
      this.timeout(180_000);
      buildOnce();
      dataDir = mkdtempSync(join(tmpdir(), 'dp-chaos-standalone-'));
    });
    scope.beforeCleanup(async () => {
      // Killed, not drained: what its pods left on the engine is removed here, many at a time.
      await proc?.stop('SIGKILL');
      await removeContainers(scope.engine('a'), SCOPE_LABEL, scope.id);
    });
    after(() => {
      rmSync(dataDir, { recursive: true, force: true });
      removeCgroupParent(`/dockerpod-test-${scope.id}`);
    });

    it('loses no acknowledged write, keeps resourceVersions in order, and converges with no duplicate or leftover', async function () {
      const seed = chaosSeed('apiserver-faults/standalone-restart');
      const rand = prng(seed);
      const restarts = chaosSize(3, 10);
      const creates = chaosSize(10, 40);
      // Every restart is both kinds at least once; the rest are drawn.
      const signals: NodeJS.Signals[] = Array.from({ length: restarts }, (_, i) => (i === 0 ? 'SIGTERM' : i === 1 ? 'SIGKILL' : rand() < 0.5 ? 'SIGTERM' : 'SIGKILL'));
      const args = standaloneArgs(scope, dataDir, await freePort(), ['--concurrency', '8']);
      proc = await StandaloneProcess.start(args);
      const kc = new KubeConfig();
      kc.loadFromFile(join(dataDir, 'kubeconfig'));
      const custom = kc.makeApiClient(CustomObjectsApi);
      const burst = new PodBurst(custom, rand);
      const plan = planBurst(rand, { prefix: 'sa', creates, updateOdds: 0.5, deleteOdds: 0.3, maxDeletes: Math.ceil(creates / 4) });
      // The plan in restarts + 1 windows: a window opens as the restart before it begins (its ops
      // meet the stopping, then absent, server), and a restart comes once half of the window before
      // it is acknowledged, so ops are always in flight or pending when the signal goes out.
      const window = Math.ceil(plan.length / (restarts + 1));
      let allowed = window;
      const began = Date.now();
      const running = burst.run(plan, 3, [50, 300], (i) => until(() => i < allowed, 600_000));
      const lost: string[] = [];
      const downtimes: number[] = [];
      /** Per restart: signal, ms to exit + ms to serve again. */
      const phases: string[] = [];
      let checked = 0;
      let duringBurst = 0;
      for (const [i, signal] of signals.entries()) {
        await until(() => burst.acks.length >= i * window + Math.ceil(window / 2), 60_000);
        await sleep(pick(rand, 0, 200));
        if (burst.acks.length < plan.length) duringBurst++;
        const acknowledged = burst.snapshot();
        allowed += window;
        const down = Date.now();
        const exit = await proc.stop(signal, 45_000);
        const stopped = Date.now();
        if (signal === 'SIGTERM') expect(exit, `SIGTERM must exit 0:\n${proc.tail()}`).to.deep.equal({ code: 0, signal: null });
        else expect(exit.signal).to.equal('SIGKILL');
        proc = await StandaloneProcess.start(args);
        downtimes.push(Date.now() - down);
        phases.push(`${signal.slice(3)}:${stopped - down}+${Date.now() - stopped}`);
        burst.epoch++;
        const { items } = await listPods(custom);
        lost.push(...lostAcks(acknowledged, items, burst.deleteSent));
        checked += acknowledged.size;
      }
      allowed = plan.length;
      await running;
      const burstMs = Date.now() - began;
      const { ms: convergeMs, figures } = await converge(burst, { custom, docker: scope.engine('a'), instance }, chaosSize(90_000, 300_000));
      const order = rvOrderViolations(burst.acks);
      const { items } = await listPods(custom);
      // The final state too was persisted: one more restart serves every live pod as it is now.
      const final = burst.snapshot();
      await proc.stop('SIGKILL');
      proc = await StandaloneProcess.start(args);
      lost.push(...lostAcks(final, (await listPods(custom)).items, burst.deleteSent));
      expect(items.map((p) => p.metadata.name).sort()).to.deep.equal(burst.livePods().sort());
      const uids = new Set(items.map((p) => p.metadata.uid));

      reportFigures('apiserver-faults/standalone-restart', {
        seed, pods: creates, updates: plan.filter((o) => o.kind === 'update').length, deletes: burst.deletedPods().length,
        restarts, sigterm: signals.filter((s) => s === 'SIGTERM').length, sigkill: signals.filter((s) => s === 'SIGKILL').length, restartsMidBurst: duringBurst,
        downtimeMsMax: Math.max(...downtimes), downtimes: phases.join(' '), retries: burst.retries, acksChecked: checked, lost: lost.length, rvOrderViolations: order.length,
        duplicates: figures.duplicates + (items.length - uids.size), leftovers: figures.leftovers, burstMs, convergeMs,
      });
      expect(duringBurst, 'every restart must come in the middle of the burst').to.equal(restarts);
      expect(lost, 'acknowledged writes lost across a restart').to.deep.equal([]);
      expect(order).to.deep.equal([]);
      expect(uids.size).to.equal(items.length);
      expect(figures.duplicates).to.equal(0);
    });
  });

  describe('operator against a test API server that drops watches, compacts its history, and goes away', function () {
    this.timeout(chaosSize(120_000, 600_000));
    const scope = useDockerScope(['a']);
    /** Cluster-wide lists by resource: the operator's informers (the test lists in its namespace only). */
    const lists = new Map<string, number>();
    /** Every request while `recording` (as it arrives, before any injected fault answers it). */
    const recorded: ObservedRequest[] = [];
    let recording = false;
    const onRequest = (r: ObservedRequest): void => {
      if (r.verb === 'list' && r.namespace === undefined) lists.set(r.resource, (lists.get(r.resource) ?? 0) + 1);
      if (recording) recorded.push(r);
    };
    let api: TestApiServer | undefined;
    let t: TestOperator | undefined;
    /** The model of every pod of this operator: the outage happens while the first burst's pods exist. */
    let shared: PodBurst | undefined;

    before(async function () {
      this.timeout(60_000);
      api = await startTestApiServer({ onRequest });
      // No periodic resync within the test: a change the watches miss must stay missed, not be
      // rescued by the safety net a minute later.
      t = await startTestOperator(scope, { api, engine: 'a', resyncPeriodMs: 600_000 });
    });
    scope.beforeCleanup(async () => {
      await t?.stop();
      await removeContainers(scope.engine('a'), SCOPE_LABEL, scope.id);
    });
    after(async () => {
      await api?.close();
      removeCgroupParent(`/dockerpod-test-${scope.id}`);
    });

    const operator = (): TestOperator => {
      if (!t) throw new Error('the operator did not start');
      return t;
    };
    const informerLists = (op: TestOperator): { pods: number; hosts: number } => ({ pods: op.operator.informer.stats().lists, hosts: op.operator.hosts.informer.stats().lists });

    it('relists once per informer per dropped watch + 410 and misses no change made in the gap', async function () {
      const op = operator();
      const server = op.api.server;
      const seed = chaosSeed('apiserver-faults/watch-drop-410');
      const rand = prng(seed);
      const faults = chaosSize(2, 6);
      const creates = chaosSize(8, 40);
      const burst = new PodBurst(op.custom, rand);
      shared = burst;
      // Per fault, a pod to update and one to delete in its gap, made before the burst.
      const gapPods: BurstOp[] = Array.from({ length: faults }, (_, f) => [{ kind: 'create' as const, pod: `gap-${f}-u` }, { kind: 'create' as const, pod: `gap-${f}-d` }]).flat();
      await Promise.all(gapPods.map((o) => burst.perform(o)));
      await converge(burst, { custom: op.custom, docker: scope.engine('a'), instance: op.instance }, 60_000);

      const before = { informers: informerLists(op), server: { pods: lists.get('dockerpods') ?? 0, hosts: lists.get('dockerhosts') ?? 0 }, restarts: op.operator.informer.stats().restarts };
      const plan = planBurst(rand, { prefix: 'w', creates, updateOdds: 0.5, deleteOdds: 0.3, maxDeletes: Math.ceil(creates / 4) });
      // The plan in faults + 1 windows, as for the restarts above: a fault comes once half of the
      // window before it is acknowledged, and the next window's ops run in its gap.
      const window = Math.ceil(plan.length / (faults + 1));
      let allowed = window;
      const running = burst.run(plan, 3, [50, 250], (i) => until(() => i < allowed, 600_000));
      const planAcks = (): number => burst.acks.filter((a) => a.pod.startsWith('w-')).length;
      let changesInGaps = 0;
      let midBurst = 0;
      const relistMs: number[] = [];
      for (let f = 0; f < faults; f++) {
        await until(() => planAcks() >= f * window + Math.ceil(window / 2), 60_000);
        if (planAcks() < plan.length) midBurst++;
        const acksBefore = burst.acks.length;
        const release = server.faults.holdWatches();
        server.faults.dropWatches();
        allowed += window;
        // The gap: the burst goes on, and one pod of each kind of change is certain.
        await Promise.all([
          burst.perform({ kind: 'create', pod: `gap-${f}-c` }),
          burst.perform({ kind: 'update', pod: `gap-${f}-u` }),
          burst.perform({ kind: 'delete', pod: `gap-${f}-d` }),
        ]);
        await sleep(pick(rand, 50, 300));
        server.faults.compactHistory();
        changesInGaps += burst.acks.length - acksBefore;
        const released = Date.now();
        release();
        // This fault is over once both informers relisted (a next fault must not merge with it).
        const target = { pods: before.informers.pods + f + 1, hosts: before.informers.hosts + f + 1 };
        const relisted = await until(() => informerLists(op).pods >= target.pods && informerLists(op).hosts >= target.hosts, 20_000);
        expect(relisted, `no relist after fault ${f}: ${JSON.stringify(informerLists(op))}`).to.equal(true);
        relistMs.push(Date.now() - released);
        // Faults a second apart, not back to back: a watch that has not lasted that long does not
        // yet count as working, and the informers would rightly back off further at each fault.
        await sleep(1200);
      }
      allowed = plan.length;
      await running;
      const { ms: convergeMs, figures } = await converge(burst, { custom: op.custom, docker: scope.engine('a'), instance: op.instance }, chaosSize(60_000, 300_000));
      const after = { informers: informerLists(op), server: { pods: lists.get('dockerpods') ?? 0, hosts: lists.get('dockerhosts') ?? 0 }, restarts: op.operator.informer.stats().restarts };

      reportFigures('apiserver-faults/watch-drop-410', {
        seed, pods: creates + faults * 3, updates: plan.filter((o) => o.kind === 'update').length + faults, deletes: burst.deletedPods().length,
        faults, faultsMidBurst: midBurst, changesInGaps,
        relistsPods: after.informers.pods - before.informers.pods, relistsHosts: after.informers.hosts - before.informers.hosts,
        serverListsPods: after.server.pods - before.server.pods, serverListsHosts: after.server.hosts - before.server.hosts,
        relistMsMax: Math.max(...relistMs), convergeMs, lost: 0, duplicates: figures.duplicates, leftovers: figures.leftovers,
      });
      expect(midBurst, 'every fault must come in the middle of the burst').to.equal(faults);
      // Exactly one relist per informer per fault, seen by both the informers and the server.
      expect(after.informers.pods - before.informers.pods).to.equal(faults);
      expect(after.informers.hosts - before.informers.hosts).to.equal(faults);
      expect(after.server.pods - before.server.pods).to.equal(faults);
      expect(after.server.hosts - before.server.hosts).to.equal(faults);
      // Each relist came from a 410 (a restart of the pods informer), not from a normal watch end.
      expect(after.restarts - before.restarts).to.equal(faults);
      expect(figures.duplicates).to.equal(0);
    });

    /** What the operator asked for during an outage. */
    interface Outage {
      requests: ObservedRequest[];
      seconds: number;
      /** Requests the server failed with the injected code. */
      failed: number;
    }

    /**
     * One outage of `outageMs` while the shared operator has pods: `begin` injects the fault (every
     * open watch is dropped with it) and the operator's requests are recorded until it is cleared.
     * Then a pod is created, one of the others updated and another deleted, and the operator must
     * act on all three by itself. Prints the figures; returns the recorded requests.
     */
    async function outage(scenario: string, tag: string, fault: { code: number; begin: (server: TestApiServer['server']) => void }): Promise<Outage> {
      const op = operator();
      const server = op.api.server;
      const seed = chaosSeed(scenario);
      const rand = prng(seed);
      const outageMs = chaosSize(5_000, 20_000);
      const burst = shared ?? new PodBurst(op.custom, rand);
      // Pods of the burst before are the ones the outage happens to (two made here when run alone).
      if (burst.livePods().length < 2) await Promise.all([`${tag}-0`, `${tag}-1`].map((pod) => burst.perform({ kind: 'create', pod })));
      await converge(burst, { custom: op.custom, docker: scope.engine('a'), instance: op.instance }, 60_000);
      const live = burst.livePods();
      const u = pick(rand, 0, live.length - 1);
      const updated = live[u] ?? '';
      const deleted = live[(u + 1) % live.length] ?? '';

      fault.begin(server);
      server.resetStats();
      recording = true;
      const began = Date.now();
      server.faults.dropWatches();
      await sleep(outageMs);
      recording = false;
      // Requests that came in the window have their answers by now.
      await sleep(200);
      const seconds = (Date.now() - began) / 1000;
      const requests = recorded.splice(0);
      const failed = server.stats().byCode[String(fault.code)] ?? 0;
      server.faults.reset();
      const ended = Date.now();

      // Changes after the outage: the operator must pick them up without help.
      await Promise.all([
        burst.perform({ kind: 'create', pod: `${tag}-c` }),
        burst.perform({ kind: 'update', pod: updated }),
        burst.perform({ kind: 'delete', pod: deleted }),
      ]);
      const { figures } = await converge(burst, { custom: op.custom, docker: scope.engine('a'), instance: op.instance }, 60_000);
      const byVerb = (verb: string): number => requests.filter((r) => r.verb === verb).length;
      reportFigures(scenario, {
        seed, pods: burst.livePods().length, outageMs, requestsDuringOutage: requests.length, requestsPerSecond: Number((requests.length / seconds).toFixed(2)),
        lists: byVerb('list'), watches: byVerb('watch'), failed,
        other: requests.filter((r) => !['list', 'watch'].includes(r.verb)).map((r) => `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}`).join(', '),
        recoveredMs: Date.now() - ended, lost: 0, duplicates: figures.duplicates,
      });
      expect(figures.duplicates).to.equal(0);
      return { requests, seconds, failed };
    }

    it('makes few requests while the API server answers 503 to everything, and recovers by itself', async function () {
      const { requests, seconds, failed } = await outage('apiserver-faults/outage-503', 'o', { code: 503, begin: (server) => server.faults.failNext(1_000_000, 503, 'injected outage') });
      expect(requests.length, 'the operator made no request at all: the outage went unnoticed').to.be.greaterThan(0);
      expect(failed).to.be.at.least(requests.length);
      // Back-off, not a hot loop: a few requests a second at most, in total.
      expect(requests.length / seconds, JSON.stringify(requests)).to.be.below(5);
    });

    it('backs off while watches are refused (429) but lists answer, and recovers by itself', async function () {
      // A list that succeeds is no proof the informer works again: only a watch that delivers is.
      const { requests, seconds, failed } = await outage('apiserver-faults/outage-watch-429', 'r', { code: 429, begin: (server) => server.faults.refuseWatches(429) });
      const watches = requests.filter((r) => r.verb === 'watch').length;
      expect(failed).to.be.at.least(watches);
      expect(watches, 'no watch was tried').to.be.greaterThan(0);
      expect(requests.length / seconds, JSON.stringify(requests)).to.be.below(5);
    });
  });
});
