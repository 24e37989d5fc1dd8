/**
 * `npm run bench:scale [-- --quick] [--sizes 100,1000,5000] [--cpu-prof]`: what each pod costs
 * the operator as the fleet grows. For each size N (default 100, 1,000 and 5,000; `--quick` 100
 * and 500), a fresh operator process (operator-process.ts: compiled, plain node) against a fresh
 * API server, with one DockerHost whose engine is a fake one behind the real DockerEngine
 * interface (sharded-engine.ts: one FakeEngine per pod, so the engine's own cost stays flat and
 * the curve shows the operator), N DockerPods (one member, scheduled, not pinned) are created at
 * once and awaited until all are Ready and the operator is quiet. Per pod: the operator process's
 * CPU time over that window (reconcile, scheduling, status writes, watch handling: the fake
 * engine's share is small and included), its heap after a full GC (the fake engine's share
 * weighed apart by dropping its state and collecting again), RSS, passes, engine calls and API
 * requests. The headlines: the biggest size's per-pod cost over the smallest's (1.0 = linear;
 * below 1, fixed costs amortised), and, with three sizes, the marginal cost per pod of the last
 * step (1,000 -> 5,000) over the first's (100 -> 1,000), which a cost growing with N cannot hide. A 50-pod round first warms the code paths up.
 * `--cpu-prof` profiles each size's window (bench/results/scale-<N>-<time>.cpuprofile; the
 * profiler's own cost is then in the figures). Writes bench/results/scale-<time>.json.
 */
import { BenchApi, idlePod } from './api.js';
import { listFlag, ms, quick, ratio, resultPath, round2, runIdentity, writeResult } from './common.js';
import { OperatorProcess } from './operator-process.js';

const SIZES = listFlag('sizes') ?? (quick ? [100, 500] : [100, 1000, 5000]);
const WARM_UP = 50;
const PROFILE = process.argv.includes('--cpu-prof');
/** Linear or better: the per-pod cost of the biggest size at most this much above the smallest's. */
const LINEAR_LIMIT = 1.2;

interface Row {
  pods: number;
  /** First POST to every pod Ready, and to the operator quiet. */
  readyMs: number;
  settledMs: number;
  cpuMsPerPod: number;
  /** CPU per pod added since the previous size: (total here - total there) / (pods here - pods there); the first size's own average. */
  marginalCpuMsPerPod: number;
  /** Operator heap per pod (after GC, the fake engine's state left out), KiB. */
  heapKiBPerPod: number;
  /** Heap per pod added since the previous size (as marginalCpuMsPerPod). */
  marginalHeapKiBPerPod: number;
  /** The fake engine's heap per pod, KiB (for reference). */
  engineHeapKiBPerPod: number;
  rssKiBPerPod: number;
  passesPerPod: number;
  engineCallsPerPod: number;
  apiRequestsPerPod: number;
  apiWritesPerPod: number;
  loopLagP99Ms: number;
}

async function measure(size: number, profile: boolean): Promise<Row> {
  const run = runIdentity('scale');
  const api = await BenchApi.start();
  let op: OperatorProcess | undefined;
  try {
    await api.declareHost('fake', 'fake', size + 10);
    op = await OperatorProcess.start({ kubeconfigPath: api.server.kubeconfigPath, run, hosts: ['fake'], fake: true, resyncPeriodMs: 600_000 });
    await op.settle(500);
    const before = await op.heap();
    api.server.server.resetStats();
    const lists = api.readinessLists;
    const pods = Array.from({ length: size }, (_, i) => idlePod(`scale-${String(i).padStart(5, '0')}`));
    await op.mark();
    if (profile) await op.profileStart();
    const t0 = performance.now();
    await api.createPods(pods, 16);
    const readyAt = await api.waitReady(size, 600_000, size >= 1000 ? 1000 : 250);
    await op.settle(1000);
    const settledAt = performance.now();
    if (profile) await op.profileStop(resultPath(`scale-${size}`, 'cpuprofile'));
    const w = await op.window();
    const stats = api.server.server.stats();
    const withEngine = await op.heap();
    const without = await op.heap(true);
    const per = (v: number): number => round2(v / size);
    const kib = (bytes: number): number => round2(bytes / 1024 / size);
    return {
      pods: size, readyMs: ms(readyAt - t0), settledMs: ms(settledAt - t0 - 1000), cpuMsPerPod: per(w.probe.cpuMs), marginalCpuMsPerPod: NaN,
      heapKiBPerPod: kib(without.heapUsed - before.heapUsed), marginalHeapKiBPerPod: NaN, engineHeapKiBPerPod: kib(withEngine.heapUsed - without.heapUsed), rssKiBPerPod: kib(withEngine.rss - before.rss),
      passesPerPod: per(w.passes), engineCallsPerPod: per(w.callCount),
      // The benchmark's own requests (its creates, and its readiness LISTs) are left out.
      apiRequestsPerPod: per(stats.total - size - (api.readinessLists - lists)), apiWritesPerPod: per(Object.values(stats.writesByResource).reduce((a, b) => a + b, 0) - size),
      loopLagP99Ms: w.probe.loopLagMs.p99,
    };
  } finally {
    await op?.stop();
    await api.close();
  }
}

/**
 * Linearity, two ways: the average per-pod cost of the biggest size over the smallest's (fixed
 * costs make small sizes dear, so this flatters), and the marginal cost per pod of the last step
 * over the first step's (with three sizes or more: this one shows a term that grows with N).
 */
function judge(rows: Row[]): { linearity: Record<string, number>; targets: Array<{ figure: string; value: number; target: string; met: boolean }> } {
  const small = rows[0];
  const big = rows.at(-1);
  if (!small || !big) return { linearity: {}, targets: [] };
  const first = rows[1];
  const linearity: Record<string, number> = {
    cpuPerPodRatio: ratio(big.cpuMsPerPod, small.cpuMsPerPod),
    heapPerPodRatio: ratio(big.heapKiBPerPod, small.heapKiBPerPod),
    readyPerPodRatio: ratio(big.readyMs / big.pods, small.readyMs / small.pods),
  };
  const sizes = `${big.pods} / ${small.pods} pods`;
  const targets = [
    { figure: `CPU per pod, ${sizes}`, value: linearity['cpuPerPodRatio'] ?? NaN, target: `<= ${LINEAR_LIMIT}`, met: (linearity['cpuPerPodRatio'] ?? Infinity) <= LINEAR_LIMIT },
    { figure: `heap per pod, ${sizes}`, value: linearity['heapPerPodRatio'] ?? NaN, target: `<= ${LINEAR_LIMIT}`, met: (linearity['heapPerPodRatio'] ?? Infinity) <= LINEAR_LIMIT },
  ];
  if (rows.length >= 3 && first && first !== big) {
    linearity['marginalCpuRatio'] = ratio(big.marginalCpuMsPerPod, first.marginalCpuMsPerPod);
    linearity['marginalHeapRatio'] = ratio(big.marginalHeapKiBPerPod, first.marginalHeapKiBPerPod);
    const steps = `${rows.at(-2)?.pods ?? 0}->${big.pods} / ${small.pods}->${first.pods}`;
    targets.push({ figure: `marginal CPU per pod, ${steps}`, value: linearity['marginalCpuRatio'], target: `<= ${LINEAR_LIMIT}`, met: linearity['marginalCpuRatio'] <= LINEAR_LIMIT });
    targets.push({ figure: `marginal heap per pod, ${steps}`, value: linearity['marginalHeapRatio'], target: `<= ${LINEAR_LIMIT}`, met: linearity['marginalHeapRatio'] <= LINEAR_LIMIT });
  }
  return { linearity, targets };
}

async function main(): Promise<void> {
  console.log(`scale: warm-up with ${WARM_UP} pods, then ${SIZES.join(', ')} pods on a fake engine`);
  await measure(WARM_UP, false);
  const rows: Row[] = [];
  for (const size of SIZES) {
    const row = await measure(size, PROFILE);
    const previous = rows.at(-1);
    const marginal = (own: number, before: number): number => round2(previous ? (own * row.pods - before * previous.pods) / (row.pods - previous.pods) : own);
    row.marginalCpuMsPerPod = marginal(row.cpuMsPerPod, previous?.cpuMsPerPod ?? 0);
    row.marginalHeapKiBPerPod = marginal(row.heapKiBPerPod, previous?.heapKiBPerPod ?? 0);
    rows.push(row);
    console.log(`  ${size} pods: ${JSON.stringify(row)}`);
  }
  console.table(rows);
  const { linearity, targets } = judge(rows);
  console.log('linearity (1.0 = linear):', linearity);
  writeResult('scale', { sizes: SIZES, warmUpPods: WARM_UP, rows, linearity, targets });
}

await main();
