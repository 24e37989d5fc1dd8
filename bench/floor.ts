/**
 * `npm run bench:floor [-- --quick]`: the engine's floor for the pod recipe on test engine A
 * (pod-floor.ts: direct dockerode calls, a sandbox and two members, sequential and concurrent,
 * at concurrency 1 and 8, then torn down). Every operator benchmark is a ratio against figures
 * like these, measured in its own run. Prints a table and writes bench/results/pod-floor-<time>.json.
 */
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { removeLabelled } from '../test/support/docker-scope.js';
import { assertEngineReady, engineClient } from '../test/support/engines.js';
import { removeCgroupParent } from '../test/support/host-proc.js';
import { BENCH_LABEL, quick, ratio, writeResult } from './common.js';
import { quantile, removePod, startPod, timed, type BenchPod, type BenchScope } from './pod-floor.js';

const PODS = quick ? 6 : 24;

interface Row {
  case: string;
  concurrency: number;
  pods: number;
  wallMs: number;
  perPodMs: number;
  p50Ms: number;
  p99Ms: number;
}

interface Case {
  name: string;
  concurrency: number;
  concurrentMembers: boolean;
}

async function runCase({ name, concurrency, concurrentMembers }: Case, docker: Docker, scope: BenchScope): Promise<Row[]> {
  const pods: BenchPod[] = [];
  const start = await timed(PODS, concurrency, async (i) => {
    pods[i] = await startPod(docker, scope, `${name.replace(/\W+/g, '-')}-c${concurrency}-${i}`, { members: 2, concurrentMembers });
  });
  const stop = await timed(PODS, concurrency, async (i) => {
    const pod = pods[i];
    if (pod) await removePod(pod);
  });
  const row = (kind: string, r: { wallMs: number; perTaskMs: number[] }): Row => ({
    case: `${kind} (${name})`,
    concurrency,
    pods: PODS,
    wallMs: Math.round(r.wallMs),
    perPodMs: Math.round(r.wallMs / PODS),
    p50Ms: Math.round(quantile(r.perTaskMs, 0.5)),
    p99Ms: Math.round(quantile(r.perTaskMs, 0.99)),
  });
  return [row('start', start), row('teardown', stop)];
}

/** Starting members concurrently over one after the other, per concurrency (the floor's own ratio). */
function ratios(rows: Row[]): Record<string, number> {
  const perPod = (c: string, concurrency: number): number => rows.find((r) => r.case === c && r.concurrency === concurrency)?.perPodMs ?? NaN;
  return Object.fromEntries([1, 8].map((c) => [`concurrentOverSequentialC${c}`, ratio(perPod('start (members concurrent)', c), perPod('start (members sequential)', c))]));
}

async function main(): Promise<void> {
  const docker = engineClient('a');
  await assertEngineReady('a', docker);
  const runId = randomBytes(4).toString('hex');
  const scope: BenchScope = { labels: { [BENCH_LABEL]: runId }, prefix: `dpbench-${runId}` };
  const rows: Row[] = [];
  try {
    // One warm-up pod so the first measured pod does not pay for cold caches.
    await removePod(await startPod(docker, scope, 'warmup', { members: 2, concurrentMembers: true }));
    for (const concurrency of [1, 8]) {
      rows.push(...(await runCase({ name: 'members sequential', concurrency, concurrentMembers: false }, docker, scope)));
      rows.push(...(await runCase({ name: 'members concurrent', concurrency, concurrentMembers: true }, docker, scope)));
    }
  } finally {
    await removeLabelled(docker, BENCH_LABEL, runId);
    // The cgroupfs driver never removes the parents it creates.
    removeCgroupParent(`/${scope.prefix}`);
  }
  console.table(rows);
  writeResult('pod-floor', { engine: (await docker.version()).Version, rows, ratios: ratios(rows) });
}

await main();
