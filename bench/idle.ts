/**
 * `npm run bench:idle [-- --quick] [--pods N] [--idle-s S] [--resync-s R] [--cpu-prof]`: what a steady fleet
 * costs when nothing happens. N Running DockerPods (sandbox + 1 member; default 1,000, `--quick`
 * 40), pinned half to engine A (unix socket) and half to engine B (TCP, mutual TLS), then S
 * seconds of nothing (default 300, `--quick` 30) with a resync every R seconds (default 30,
 * `--quick` 10, so the window holds several). Counted over the window:
 * - API requests and writes by resource: the embedded API server's own counters;
 * - Docker requests per engine by method and path class: a counting proxy on the wire in front of
 *   each engine (bench/engine-proxy.ts; for B it presents B's own certificate, so the operator's
 *   mutual TLS is unchanged), cross-checked by the operator's instrumented client (CallCounter);
 * - list calls per engine per resync; reconcile passes;
 * - the operator's CPU (% of one core), RSS and V8 heap (sampled every second), event-loop lag
 *   p99, measured inside the operator's own process (operator-process.ts: compiled, plain node),
 *   apart from the API server, the proxies and the benchmark's client.
 * Pods are created in batches; when the machine runs short (memory, or tasks near pid_max: each
 * container costs ~13 tasks, a shim's threads and its process) creation stops there and the
 * result says how many pods it held. Everything created carries the bench label and is removed.
 */
import type Docker from 'dockerode';
import type { RequestStats } from '../src/apiserver/server.js';
import { removeLabelled } from '../test/support/docker-scope.js';
import { assertEngineReady, engineClient } from '../test/support/engines.js';
import { removeCgroupParent } from '../test/support/host-proc.js';
import { BenchApi, idlePod } from './api.js';
import { BENCH_LABEL, intFlag, machineHeadroom, onInterrupt, quick, removeContainersFast, resultPath, round2, runIdentity, writeResult } from './common.js';
import { isMutating, type RequestCounts } from './engine-proxy.js';
import type { OperatorWindow } from './operator-child.js';
import { OperatorProcess } from './operator-process.js';

const PODS = intFlag('pods') ?? (quick ? 40 : 1000);
const IDLE_MS = (intFlag('idle-s') ?? (quick ? 30 : 300)) * 1000;
const RESYNC_MS = (intFlag('resync-s') ?? (quick ? 10 : 30)) * 1000;
/** `--cpu-prof`: a CPU profile of the operator process over the idle window. */
const PROFILE = process.argv.includes('--cpu-prof');
const BATCH = quick ? 40 : 100;
/** Stop creating pods below this much available memory (MB) or above this share of pid_max. */
const MIN_AVAILABLE_MB = 3000;
const MAX_TASK_SHARE = 0.85;
const HOSTS = ['a', 'b'] as const;
const TARGETS = { apiWrites: 0, mutatingDockerCalls: 0, listsPerEnginePerResync: 1, cpuPercentOfCore: 2, rssMb: 150 };

const run = runIdentity('idle');
const mb = (bytes: number): number => round2(bytes / 1024 ** 2);

/** Why the machine cannot take another batch, if it cannot. */
function machineFull(): string | undefined {
  const room = machineHeadroom();
  if (room.availableMb < MIN_AVAILABLE_MB) return `only ${room.availableMb} MB available`;
  return room.tasks > room.pidMax * MAX_TASK_SHARE ? `${room.tasks} tasks of pid_max ${room.pidMax}` : undefined;
}

/** Creates pods in batches until PODS or the machine's limit; returns how many run and why it stopped. */
async function createFleet(api: BenchApi): Promise<{ pods: number; stoppedBecause?: string; setupMs: number }> {
  const t0 = performance.now();
  let created = 0;
  while (created < PODS) {
    const full = machineFull();
    if (full) return { pods: created, stoppedBecause: full, setupMs: performance.now() - t0 };
    const size = Math.min(BATCH, PODS - created);
    const batch = Array.from({ length: size }, (_, i) => idlePod(`idle-${String(created + i).padStart(4, '0')}`, { hostName: HOSTS[(created + i) % 2] }));
    await api.createPods(batch, 8);
    created += size;
    await api.waitReady(created, 300_000, quick ? 500 : 2000);
    const room = machineHeadroom();
    console.log(`  ${created} pods Ready (${Math.round((performance.now() - t0) / 1000)} s; ${room.availableMb} MB available, ${room.tasks} tasks)`);
  }
  return { pods: created, setupMs: performance.now() - t0 };
}

interface EngineFigures {
  requests: RequestCounts;
  mutating: number;
  containerLists: number;
  volumeLists: number;
  containerListsPerResync: number;
}

function engineFigures(counts: RequestCounts, resyncs: number): EngineFigures {
  const mutating = Object.entries(counts).filter(([cls]) => isMutating(cls)).reduce((a, [, n]) => a + n, 0);
  const containerLists = counts['GET /containers/json'] ?? 0;
  const volumeLists = counts['GET /volumes'] ?? 0;
  return { requests: counts, mutating, containerLists, volumeLists, containerListsPerResync: round2(containerLists / Math.max(1, resyncs)) };
}

interface Window {
  operator: OperatorWindow;
  api: RequestStats;
  /** Counted by the proxies, per engine. */
  engines: Record<string, EngineFigures>;
  /** This process (API server, proxies, benchmark), for comparison: % of one core. */
  benchProcessCpuPercentOfCore: number;
}

async function idleWindow(api: BenchApi, op: OperatorProcess): Promise<Window> {
  api.server.server.resetStats();
  for (const p of api.proxies.values()) p.reset();
  const cpu = process.cpuUsage();
  await op.mark();
  if (PROFILE) await op.profileStart();
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  if (PROFILE) await op.profileStop(resultPath('idle', 'cpuprofile'));
  const operator = await op.window();
  const used = process.cpuUsage(cpu);
  const engines = Object.fromEntries([...api.proxies].map(([name, p]) => [name, engineFigures(p.counts, operator.resyncs)]));
  return { operator, api: api.server.server.stats(), engines, benchProcessCpuPercentOfCore: round2(((used.user + used.system) / 1000 / operator.probe.wallMs) * 100) };
}

function targets(w: Window): Array<{ figure: string; value: number; target: string; met: boolean }> {
  const writes = Object.values(w.api.writesByResource).reduce((a, b) => a + b, 0);
  const podWrites = (w.api.writesByResource['dockerpods'] ?? 0) + (w.api.writesByResource['events'] ?? 0);
  const mutating = Object.values(w.engines).reduce((a, e) => a + e.mutating, 0);
  const lists = Math.max(...Object.values(w.engines).map((e) => e.containerListsPerResync));
  const p = w.operator.probe;
  return [
    { figure: 'API writes (all resources)', value: writes, target: `= ${TARGETS.apiWrites}`, met: writes === TARGETS.apiWrites },
    { figure: 'API writes to DockerPods and Events', value: podWrites, target: `= ${TARGETS.apiWrites}`, met: podWrites === TARGETS.apiWrites },
    { figure: 'mutating Docker calls', value: mutating, target: `= ${TARGETS.mutatingDockerCalls}`, met: mutating === TARGETS.mutatingDockerCalls },
    { figure: 'container lists per engine per resync', value: lists, target: `= ${TARGETS.listsPerEnginePerResync}`, met: lists <= TARGETS.listsPerEnginePerResync },
    { figure: 'operator CPU, % of one core', value: p.cpuPercentOfCore, target: `< ${TARGETS.cpuPercentOfCore}`, met: p.cpuPercentOfCore < TARGETS.cpuPercentOfCore },
    { figure: 'operator RSS max, MB', value: p.rssMb.max, target: `< ${TARGETS.rssMb}`, met: p.rssMb.max < TARGETS.rssMb },
    { figure: 'event-loop lag p99, ms', value: p.loopLagMs.p99, target: 'report', met: true },
  ];
}

async function cleanup(engines: Docker[], op: OperatorProcess | undefined, api: BenchApi | undefined): Promise<void> {
  // The operator first, so nothing recreates what the sweep removes.
  await op?.stop();
  await api?.close();
  // Both engines at once: 2,000 containers take minutes one engine after the other.
  await Promise.all(engines.map(async (docker) => {
    await removeContainersFast(docker, BENCH_LABEL, run.id);
    await removeLabelled(docker, BENCH_LABEL, run.id);
  }));
  // The cgroupfs driver never removes the parents it creates (both engines share this machine's cgroupfs).
  const problems = removeCgroupParent(run.cgroupRoot);
  if (problems.length > 0) console.warn(`cgroup parents left: ${problems.join('; ')}`);
}

function print(w: Window, rows: ReturnType<typeof targets>): void {
  console.table(rows);
  const o = w.operator;
  console.log(`engine requests in the window (proxies): ${JSON.stringify(Object.fromEntries(Object.entries(w.engines).map(([k, e]) => [k, e.requests])))}`);
  console.log(`engine calls in the window (operator's count): ${JSON.stringify(o.calls)}`);
  console.log(`API requests ${JSON.stringify(w.api.byMethod)}, writes ${JSON.stringify(w.api.writesByResource)}; resyncs ${o.resyncs}; passes ${o.passes}`);
  console.log(`operator: CPU ${o.probe.cpuMs} ms in ${o.probe.wallMs} ms; RSS ${JSON.stringify(o.probe.rssMb)} MB; heap ${JSON.stringify(o.probe.heapUsedMb)} MB; lag ${JSON.stringify(o.probe.loopLagMs)} ms; API server process ${w.benchProcessCpuPercentOfCore}% of a core`);
  if (o.warnings.length > 0) console.log(`warnings: ${o.warnings.join(' | ')}`);
}

async function main(): Promise<void> {
  const engines = [engineClient('a'), engineClient('b')];
  await assertEngineReady('a', engines[0] as Docker);
  await assertEngineReady('b', engines[1] as Docker);
  let api: BenchApi | undefined;
  let op: OperatorProcess | undefined;
  let result: Record<string, unknown>;
  let cleaned: Promise<void> | undefined;
  const cleanOnce = (): Promise<void> => (cleaned ??= cleanup(engines, op, api));
  onInterrupt(cleanOnce);
  try {
    api = await BenchApi.start({ proxies: ['a', 'b'] });
    for (const name of HOSTS) await api.declareHost(name, name, PODS);
    // The DockerHosts keep the engines' real endpoints; the operator dials the proxies instead.
    op = await OperatorProcess.start({ kubeconfigPath: api.server.kubeconfigPath, run, hosts: [...HOSTS], endpoints: api.proxyEndpoints(), resyncPeriodMs: RESYNC_MS });
    console.log(`idle: creating ${PODS} pods on engines A and B`);
    const fleet = await createFleet(api);
    // The first resync after a start fingerprints every pod and gives each one pass: done here, before the window.
    await op.resync();
    await op.settle(3000);
    console.log(`idle: ${fleet.pods} pods Running; ${IDLE_MS / 1000} s of nothing, resync every ${RESYNC_MS / 1000} s`);
    const window = await idleWindow(api, op);
    const rows = targets(window);
    print(window, rows);
    console.log(`operator process floor (runtime and modules, no operator): RSS ${mb(op.floor.rss)} MB, heap ${mb(op.floor.heapUsed)} MB`);
    result = { floorMb: { rss: mb(op.floor.rss), heapUsed: mb(op.floor.heapUsed) }, pods: fleet.pods, requestedPods: PODS, stoppedBecause: fleet.stoppedBecause ?? null, setupMs: Math.round(fleet.setupMs), idleMs: IDLE_MS, resyncPeriodMs: RESYNC_MS, targets: rows, window };
  } finally {
    await cleanOnce();
  }
  writeResult('idle', result);
}

await main();
