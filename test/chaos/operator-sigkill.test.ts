/**
 * Crash safety (issue 8, first fault): the operator is a separate process (the built `dockerpod
 * operator`) that is SIGKILLed at seeded random moments, as a node crash or an OOM kill would stop
 * it mid-pass, while 50 DockerPods spread over engines A and B are created, updated (a spec change
 * that must replace one member, a metadata-only change that must replace nothing), deleted and
 * re-created under the same name (new UID).
 *
 * Every round kills the operator that converged the previous round while it works on the round's
 * operations; every other round also 1-2 freshly spawned ones (the first within 1.2 s of its spawn,
 * during its start-up); then starts one more and waits, within a bound, until every invariant holds:
 * - the API serves exactly the live pods, each Ready on its host with `observedGeneration` equal to
 *   its generation (no status stuck);
 * - each live pod has on its own engine exactly one sandbox and one running container per spec
 *   container (at most one exited last state besides), the status naming them, its emptyDir volume,
 *   its pod cgroup holding exactly those containers; a member whose spec changed was replaced with
 *   the new spec (env checked on the engine), and nothing else of a pod that lived through the round
 *   was replaced;
 * - nothing of a deleted pod (by UID) is left on either engine: no container, volume or container
 *   cgroup, and no object of an unknown pod.
 * After the last round everything is deleted, which must leave nothing of the instance anywhere.
 *
 * Sizes: 50 pods in both forms, chaosSize(10, 100) rounds. The seed is printed; DOCKERPOD_CHAOS_SEED
 * replays the operations and kill offsets.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { LABEL } from '../../src/planner/labels.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { chaosSeed, chaosSize, CHAOS_FULL, prng, reportFigures } from '../support/chaos.js';
import {
  apiProblems, declareHostB, engineVerdict, listPods, makePlan, runOps,
  type EngineObjects, type Expectation, type Fresh, type Round, type SlotModel, type UidLog, type Verdict,
} from '../support/chaos-pods.js';
import { useDockerScope } from '../support/docker-scope.js';
import type { EngineName } from '../support/engines.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { OperatorProcess, operatorArgs } from '../support/operator-process.js';
import { buildOnce } from '../support/repo.js';

const SCENARIO = 'operator-sigkill';
const PODS = 50;
const ROUNDS = chaosSize(10, 100);
/** How long a round may take to converge after the last start (start-up included) before a status counts as stuck. */
const CONVERGE_BOUND_MS = 90_000;
const CGROUP_FS = '/sys/fs/cgroup';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** The child directories (container cgroups) of a pod's cgroup in every hierarchy that has it. */
function cgroupReader(root: string): (uid: string) => string[][] {
  const hierarchies = readdirSync(CGROUP_FS).map((h) => join(CGROUP_FS, h)).filter((h) => statSync(h).isDirectory());
  return (uid) =>
    hierarchies
      .map((h) => join(h, root, `pod${uid}`))
      .filter((dir) => existsSync(dir))
      .map((dir) => readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name));
}

describe('chaos: operator SIGKILL at random moments, 50 pods on two engines', function () {
  this.timeout(120_000);
  const scope = useDockerScope(['a', 'b']);
  const instance = `test-${scope.id}`;
  const cgroupRoot = `/dockerpod-test-${scope.id}`;
  let api: TestApiServer | undefined;
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  let current: OperatorProcess | undefined;
  const killCurrent = (): void => {
    if (current?.running) current.child.kill('SIGKILL');
  };

  before(async function () {
    this.timeout(180_000);
    buildOnce();
    api = await startTestApiServer();
    kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    custom = kc.makeApiClient(CustomObjectsApi);
    await declareHostB(kc, custom);
    process.once('exit', killCurrent);
  });
  scope.beforeCleanup(async () => {
    await current?.stop('SIGKILL');
  });
  after(async () => {
    await current?.stop('SIGKILL');
    process.off('exit', killCurrent);
    await api?.close();
    removeCgroupParent(cgroupRoot);
  });

  function spawnOperator(): OperatorProcess {
    if (!api) throw new Error('the API server did not start');
    current = new OperatorProcess(operatorArgs(scope, api, ['--concurrency', '8']));
    return current;
  }

  const hasStarted = (p: OperatorProcess): boolean => p.lines().some((l) => l['message'] === 'operator started');

  async function engineObjects(engine: EngineName): Promise<EngineObjects> {
    const docker = scope.engine(engine);
    const filters = JSON.stringify({ label: [`${LABEL.managedBy}=${instance}`] });
    const [containers, volumes] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listVolumes({ filters })]);
    return { containers, volumes: volumes.Volumes ?? [] };
  }

  async function engines(): Promise<Record<EngineName, EngineObjects>> {
    const [a, b] = await Promise.all([engineObjects('a'), engineObjects('b')]);
    return { a, b };
  }

  /** Containers started for a new spec must carry it: their env has the member's REVISION. */
  async function envProblems(fresh: Fresh[]): Promise<string[]> {
    const found = await Promise.all(
      fresh.map(async (f) => {
        // Gone since the list (the operator still at work): a problem for this look, not an error.
        const info = await scope.engine(f.engine).getContainer(f.id).inspect().catch(() => undefined);
        const env = info?.Config.Env ?? [];
        return env.includes(`REVISION=${f.revision}`) ? [] : [`${f.pod}: container ${f.id.slice(0, 12)} does not run revision ${f.revision}${info ? '' : ' (gone)'}`];
      }),
    );
    return found.flat();
  }

  const figures = {
    seed: 0, rounds: 0, pods: PODS, creates: 0, recreates: 0, updates: 0, metadataUpdates: 0, deletes: 0,
    kills: 0, killsDuringStartup: 0, killsWhileWorking: 0, createdNotStartedAtKills: 0,
    maxConvergeMs: 0, meanConvergeMs: 0, maxStartupMs: 0, keptLastStates: 0, leaks: 0, duplicates: 0, teardownMs: 0, durationMs: 0,
  };

  let convergeTotalMs = 0;

  /** SIGKILLs `proc` (it must not have died on its own), counting where in its life the kill landed and what it left half-done. */
  async function kill(proc: OperatorProcess): Promise<void> {
    const startedAtKill = hasStarted(proc);
    const exit = await proc.stop('SIGKILL');
    expect(exit.signal, `the operator ended on its own (${JSON.stringify(exit)}):\n${proc.tail()}`).to.equal('SIGKILL');
    figures.kills += 1;
    if (startedAtKill) figures.killsWhileWorking += 1;
    else figures.killsDuringStartup += 1;
    const objects = await engines();
    figures.createdNotStartedAtKills += [...objects.a.containers, ...objects.b.containers].filter((c) => c.State === 'created').length;
  }

  /** One look at everything: API first, then (only once the API has converged) the engines, then the new containers' env. */
  async function check(exp: Expectation): Promise<{ problems: string[]; verdict?: Verdict }> {
    const pods = await listPods(custom);
    const problems = apiProblems(pods, exp);
    if (problems.length > 0) return { problems };
    const verdict = engineVerdict({ pods, engines: await engines(), cgroups: cgroupReader(cgroupRoot) }, exp);
    figures.leaks = verdict.leaks;
    figures.duplicates = verdict.duplicates;
    return { problems: verdict.problems.length > 0 ? verdict.problems : await envProblems(verdict.fresh), verdict };
  }

  /** Polls until every invariant holds; fails at the bound with what is still wrong. */
  async function converge(round: number, exp: Expectation, proc: OperatorProcess): Promise<Verdict> {
    const deadline = Date.now() + CONVERGE_BOUND_MS;
    for (;;) {
      const { problems, verdict } = await check(exp);
      if (problems.length === 0 && verdict) return verdict;
      if (Date.now() > deadline) {
        const shown = problems.slice(0, 15).join('\n  ');
        throw new Error(`round ${round}: not converged ${CONVERGE_BOUND_MS} ms after the operator's start (seed ${figures.seed}):\n  ${shown}\noperator log:\n${proc.tail(25)}`);
      }
      await sleep(250);
    }
  }

  function count(round: Round): void {
    figures.creates += round.ops.filter((o) => o.kind === 'create').length;
    figures.updates += round.ops.filter((o) => o.kind === 'update').length;
    figures.metadataUpdates += round.ops.filter((o) => o.kind === 'touch').length;
    figures.deletes += round.ops.filter((o) => o.kind === 'delete').length;
  }

  /** One round: operations under way, the working operator killed, maybe fresh ones killed too, then a last start and convergence. */
  async function playRound(r: number, round: Round, prev: { model: SlotModel[]; ids: Map<string, Record<string, string>> }, uids: UidLog): Promise<Verdict> {
    const t0 = Date.now();
    const ops = runOps(custom, round.ops, t0, uids);
    ops.catch(() => undefined);
    await sleep(t0 + round.workKillMs - Date.now());
    if (current) await kill(current);
    for (const lifetimeMs of round.respawnKillsMs) {
      const proc = spawnOperator();
      await sleep(lifetimeMs);
      await kill(proc);
    }
    const t1 = Date.now();
    const proc = spawnOperator();
    // A create that waits for its name to be free needs a running operator to tear the old pod down.
    await ops;
    await proc.waitForLine('operator started', CONVERGE_BOUND_MS);
    const startupMs = Date.now() - t1;
    figures.maxStartupMs = Math.max(figures.maxStartupMs, startupMs);
    const verdict = await converge(r, { model: round.after, before: prev.model, uids, previousIds: prev.ids }, proc);
    const ms = Date.now() - t1;
    figures.maxConvergeMs = Math.max(figures.maxConvergeMs, ms);
    convergeTotalMs += ms;
    figures.keptLastStates = Math.max(figures.keptLastStates, verdict.kept);
    count(round);
    // The full form runs for minutes (7-11 measured, more on a busy machine): one line per round shows it progressing.
    if (CHAOS_FULL) console.log(`      round ${r + 1}/${ROUNDS}: ${round.ops.length} operations, ${1 + round.respawnKillsMs.length} kills, converged ${ms} ms after the last start (start-up ${startupMs} ms)`);
    figures.rounds += 1;
    return verdict;
  }

  /** Deleting every pod must leave nothing of the instance on either engine, and SIGTERM must stop the operator cleanly. */
  async function teardown(model: SlotModel[], uids: UidLog): Promise<void> {
    const t0 = Date.now();
    const none = model.map((s) => ({ ...s, live: false }));
    const ops = none.flatMap((to, slot) => (model[slot]?.live ? [{ kind: 'delete' as const, slot, atMs: 0, to }] : []));
    await runOps(custom, ops, t0, uids);
    const proc = current ?? spawnOperator();
    await converge(ROUNDS, { model: none, before: model, uids, previousIds: new Map() }, proc);
    figures.teardownMs = Date.now() - t0;
    const left = await engines();
    expect([...left.a.containers, ...left.b.containers].map((c) => c.Labels[LABEL.name]), 'containers left').to.deep.equal([]);
    expect([...left.a.volumes, ...left.b.volumes].map((v) => v.Name), 'volumes left').to.deep.equal([]);
    const exit = await proc.stop('SIGTERM');
    expect(exit, proc.tail()).to.deep.equal({ code: 0, signal: null });
  }

  it(`converges after every one of ${ROUNDS} rounds of SIGKILLs: one sandbox and one container per spec container with the current spec, nothing left of deleted pods, no status stuck`, async function () {
    this.timeout(CHAOS_FULL ? 3_600_000 : 300_000);
    const t0 = Date.now();
    figures.seed = chaosSeed(SCENARIO);
    const plan = makePlan(prng(figures.seed), PODS, ROUNDS);
    const uids: UidLog = new Map();
    let prev = { model: plan[0]?.after.map((s) => ({ ...s, live: false })) ?? [], ids: new Map<string, Record<string, string>>() };
    try {
      await spawnOperator().waitForLine('operator started', 60_000);
      for (const [r, round] of plan.entries()) {
        const verdict = await playRound(r, round, prev, uids);
        prev = { model: round.after, ids: verdict.ids };
      }
      await teardown(prev.model, uids);
    } finally {
      figures.durationMs = Date.now() - t0;
      figures.meanConvergeMs = Math.round(convergeTotalMs / Math.max(1, figures.rounds));
      // Creates beyond each slot's first: pods made again under a name an earlier pod had.
      figures.recreates = [...uids.values()].reduce((n, list) => n + list.length - 1, 0);
      reportFigures(SCENARIO, figures);
    }
  });
});
