/**
 * `npm run bench:reaction [-- --quick] [--kills K]`: how fast the operator brings a killed member
 * back. K pods (sandbox + 1 member, restartPolicy Always; default 50, `--quick` 10) on engine A,
 * each killed once (`docker kill`, SIGKILL), so the crash-loop back-off never applies (the
 * kubelet's first restart is immediate; back-off starts at the second). Measured from the kill
 * call returning to the engine's `start` event of the new member arriving at this process's own
 * events stream, and to the DockerPod's status showing the member running again (restartCount 1,
 * Ready) on a watch. The operator runs in its own process (operator-process.ts), driven by its
 * Docker events stream, with the resync at 10 minutes so that it cannot be what reacts.
 * Two baselines in the same run, on the same engine, killed in turn with the operator's pods:
 * - `replace`: a minimal event-driven controller here, with dockerode: on the member's `die`
 *   event it creates and starts a replacement joined to the sandbox (what the operator must do
 *   at least; the floor of an event-driven controller);
 * - `docker-restart`: Docker's own restart policy (`always`) on the member (the engine restarts
 *   the same container, after no delay as the container ran more than 10 s). Docker takes a
 *   `docker kill` for a manual stop and does not restart after one, so here the member's process
 *   is SIGKILLed from the host (the engines run on this machine), as a crash.
 * Target: operator p50 < 300 ms. Writes bench/results/reaction-<time>.json.
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type Docker from 'dockerode';
import type { DockerPod } from '../src/api/v1alpha1/dockerpod.js';
import { GROUP, VERSION } from '../src/api/v1alpha1/group.js';
import { LABEL } from '../src/planner/labels.js';
import { removeLabelled } from '../test/support/docker-scope.js';
import { assertEngineReady, engineClient, TEST_IMAGES } from '../test/support/engines.js';
import { removeCgroupParent } from '../test/support/host-proc.js';
import { BenchApi, idlePod } from './api.js';
import { BENCH_LABEL, intFlag, ms, onInterrupt, quantile, quick, ratio, runIdentity, sleep, writeResult } from './common.js';
import { EngineWatch, type SeenEvent } from './engine-watch.js';
import { OperatorProcess } from './operator-process.js';

const KILLS = intFlag('kills') ?? (quick ? 10 : 50);
/** One more pod per variant, killed first and not counted (cold code paths). */
const PODS = KILLS + 1;
const TARGET_P50_MS = 300;
const WAIT_MS = 30_000;
const VARIANT = 'dev.dockerpod.bench.variant';
const INDEX = 'dev.dockerpod.bench.index';
const COMMAND = ['sh', '-c', "trap 'exit 0' TERM; sleep 86400 & wait"];

const run = runIdentity('reaction');
const prefix = `dpbench-${run.id}`;

type Variant = 'replace' | 'docker-restart' | 'operator';

interface Target {
  variant: Variant;
  index: number;
  /** The member to kill now. */
  member: string;
  sandbox?: string;
  /** The operator's pod. */
  pod?: { name: string; uid: string };
}

// ---------------------------------------------------------------------------------------------
// The direct pods of the baselines

function memberBody(t: { variant: Variant; index: number; sandbox: string }): Docker.ContainerCreateOptions {
  const join = `container:${t.sandbox}`;
  const restart = t.variant === 'docker-restart' ? { RestartPolicy: { Name: 'always' } } : {};
  return {
    Image: TEST_IMAGES.busybox, Cmd: COMMAND, Labels: { ...run.labels, [VARIANT]: t.variant, [INDEX]: String(t.index) },
    HostConfig: { NetworkMode: join, IpcMode: join, CgroupParent: `${run.cgroupRoot}/direct`, ...restart },
  };
}

async function directPod(docker: Docker, variant: Variant, index: number): Promise<Target> {
  const sandbox = await docker.createContainer({
    name: `${prefix}-${variant}-${index}-sandbox`, Image: TEST_IMAGES.pause, Labels: { ...run.labels, [VARIANT]: `${variant}-sandbox` },
    HostConfig: { NetworkMode: 'none', IpcMode: 'shareable', CgroupParent: `${run.cgroupRoot}/direct` },
  });
  await sandbox.start();
  const member = await docker.createContainer(memberBody({ variant, index, sandbox: sandbox.id }));
  await member.start();
  return { variant, index, member: member.id, sandbox: sandbox.id };
}

/** The `replace` baseline's controller: a member that died is replaced at once (create + start). */
function replaceOnDie(docker: Docker, watch: EngineWatch, targets: Map<string, Target>): void {
  watch.onEvent((e) => {
    if (e.action !== 'die' || e.attributes[VARIANT] !== 'replace') return;
    const t = targets.get(e.id);
    if (!t?.sandbox) return;
    const sandbox = t.sandbox;
    void (async () => {
      const c = await docker.createContainer(memberBody({ variant: 'replace', index: t.index, sandbox }));
      await c.start();
    })().catch((err: Error) => console.error(`replace baseline: ${err.message}`));
  });
}

// ---------------------------------------------------------------------------------------------
// The operator's pods, and a watch of their statuses

/** Times when each pod's member was first seen running again after a restart. */
class RestartWatch {
  readonly runningAgain = new Map<string, number>();
  private controller: AbortController | undefined;

  async open(kc: KubeConfig): Promise<void> {
    this.controller = await new Watch(kc).watch(`/apis/${GROUP}/${VERSION}/namespaces/default/dockerpods`, { allowWatchBookmarks: false }, (_type: string, pod: DockerPod) => {
      const member = pod.status?.containerStatuses?.find((c) => c.name === 'main');
      const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
      const name = pod.metadata.name ?? '';
      if ((member?.restartCount ?? 0) >= 1 && member?.state?.running && ready && !this.runningAgain.has(name)) this.runningAgain.set(name, performance.now());
    }, () => undefined);
  }

  /** Resolves once `name` runs again (or after WAIT_MS, with undefined). */
  async wait(name: string): Promise<number | undefined> {
    const deadline = performance.now() + WAIT_MS;
    while (!this.runningAgain.has(name) && performance.now() < deadline) await sleep(5);
    return this.runningAgain.get(name);
  }

  close(): void {
    this.controller?.abort();
  }
}

async function operatorPods(api: BenchApi, docker: Docker): Promise<Target[]> {
  const pods = Array.from({ length: PODS }, (_, i) => idlePod(`react-${String(i).padStart(3, '0')}`, { hostName: 'a' }));
  await api.createPods(pods, 8);
  await api.waitReady(PODS, 120_000, 500);
  const list = await docker.listContainers({ filters: JSON.stringify({ label: [`${LABEL.managedBy}=${run.instance}`, `${LABEL.container}=main`] }) });
  return pods.map((p, index) => {
    const c = list.find((x) => x.Labels[LABEL.name] === p.metadata.name);
    if (!c) throw new Error(`no member of ${p.metadata.name ?? ''}`);
    return { variant: 'operator', index, member: c.Id, pod: { name: p.metadata.name ?? '', uid: c.Labels[LABEL.uid] ?? '' } };
  });
}

// ---------------------------------------------------------------------------------------------
// Kills

/** The `start` event that means `t`'s member runs again. */
function restarted(t: Target): (e: SeenEvent) => boolean {
  if (t.variant === 'docker-restart') return (e) => e.action === 'start' && e.id === t.member;
  if (t.variant === 'replace') return (e) => e.action === 'start' && e.id !== t.member && e.attributes[VARIANT] === 'replace' && e.attributes[INDEX] === String(t.index);
  return (e) => e.action === 'start' && e.id !== t.member && e.attributes[LABEL.uid] === t.pod?.uid && e.attributes[LABEL.container] === 'main';
}

interface Kill {
  variant: Variant;
  index: number;
  toStartMs: number;
  /** Operator only: to the status showing the member running and the pod Ready. */
  toStatusMs?: number;
}

async function kill(docker: Docker, watch: EngineWatch, statuses: RestartWatch, t: Target): Promise<Kill> {
  const started = watch.next(restarted(t), WAIT_MS, `restart of ${t.variant} #${t.index}`);
  if (t.variant === 'docker-restart') {
    // Docker takes `docker kill` for a manual stop and does not restart: its policy is for crashes, so the process is killed from the host.
    const pid = (await docker.getContainer(t.member).inspect()).State.Pid;
    process.kill(pid, 'SIGKILL');
  } else {
    await docker.getContainer(t.member).kill();
  }
  const killed = performance.now();
  const e = await started;
  const result: Kill = { variant: t.variant, index: t.index, toStartMs: e.at - killed };
  if (t.pod) {
    const at = await statuses.wait(t.pod.name);
    if (at !== undefined) result.toStatusMs = at - killed;
  }
  return result;
}

interface VariantSummary {
  variant: Variant;
  kills: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  statusP50Ms?: number;
  statusP99Ms?: number;
}

function summarise(kills: Kill[]): VariantSummary[] {
  return (['replace', 'docker-restart', 'operator'] as const).map((variant) => {
    const mine = kills.filter((k) => k.variant === variant && k.index > 0);
    const times = mine.map((k) => k.toStartMs);
    const status = mine.map((k) => k.toStatusMs).filter((v): v is number => v !== undefined);
    return {
      variant, kills: mine.length, p50Ms: ms(quantile(times, 0.5)), p99Ms: ms(quantile(times, 0.99)), meanMs: ms(times.reduce((a, b) => a + b, 0) / Math.max(1, times.length)),
      ...(status.length > 0 ? { statusP50Ms: ms(quantile(status, 0.5)), statusP99Ms: ms(quantile(status, 0.99)) } : {}),
    };
  });
}

async function cleanup(docker: Docker, op: OperatorProcess | undefined, api: BenchApi | undefined): Promise<void> {
  await op?.stop();
  await api?.close();
  await removeLabelled(docker, BENCH_LABEL, run.id);
  const problems = removeCgroupParent(run.cgroupRoot);
  if (problems.length > 0) console.warn(`cgroup parents left: ${problems.join('; ')}`);
}

async function main(): Promise<void> {
  const docker = engineClient('a');
  await assertEngineReady('a', docker);
  let api: BenchApi | undefined;
  let op: OperatorProcess | undefined;
  const watch = new EngineWatch(docker, BENCH_LABEL, run.id);
  const statuses = new RestartWatch();
  const kills: Kill[] = [];
  let cleaned: Promise<void> | undefined;
  const cleanOnce = (): Promise<void> => (cleaned ??= cleanup(docker, op, api));
  onInterrupt(cleanOnce);
  try {
    api = await BenchApi.start();
    await api.declareHost('a', 'a', PODS);
    op = await OperatorProcess.start({ kubeconfigPath: api.server.kubeconfigPath, run, hosts: ['a'], resyncPeriodMs: 600_000 });
    const ops = await operatorPods(api, docker);
    const replace = await Promise.all(ops.map((_, i) => directPod(docker, 'replace', i)));
    const restart = await Promise.all(ops.map((_, i) => directPod(docker, 'docker-restart', i)));
    // Fingerprints of the first resync, and a quiet operator, before the first kill.
    await op.resync();
    await op.settle(1000);
    await watch.start();
    await statuses.open(api.kc);
    replaceOnDie(docker, watch, new Map(replace.map((t) => [t.member, t])));
    console.log(`reaction: ${KILLS} kills (+1 warm-up) per variant, in turn`);
    // In turn (baseline, baseline, operator) so that machine noise hits all three alike.
    const order = ops.flatMap((t, i) => [replace[i], restart[i], t]).filter((t): t is Target => t !== undefined);
    for (const t of order) {
      kills.push(await kill(docker, watch, statuses, t));
      await sleep(200);
    }
  } finally {
    watch.stop();
    statuses.close();
    await cleanOnce();
  }
  report(kills);
}

function report(kills: Kill[]): void {
  const rows = summarise(kills);
  console.table(rows);
  const [replace, restart, operator] = rows;
  const ratios = { operatorOverReplaceP50: ratio(operator?.p50Ms ?? NaN, replace?.p50Ms ?? NaN), operatorOverDockerRestartP50: ratio(operator?.p50Ms ?? NaN, restart?.p50Ms ?? NaN) };
  const target = { figure: 'operator kill -> start p50, ms', value: operator?.p50Ms ?? NaN, target: `< ${TARGET_P50_MS}`, met: (operator?.p50Ms ?? Infinity) < TARGET_P50_MS };
  console.log('ratios:', ratios, 'target:', target);
  writeResult('reaction', { kills: KILLS, rows, ratios, targets: [target], samples: kills });
}

await main();
