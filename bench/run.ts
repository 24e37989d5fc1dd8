/**
 * `npm run bench [-- --quick]`: the engine-floor benchmark on test engine A. Prints a table and
 * writes bench/results/<timestamp>.json. Needs the test engines (hack/ensure-docker.sh) and
 * images (hack/test-images.sh). Absolute times are noisy on small machines; compare ratios.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { engineClient, assertEngineReady } from '../test/support/engines.js';
import { removeLabelled } from '../test/support/docker-scope.js';
import { removeCgroupParent } from '../test/support/host-proc.js';
import { quantile, removePod, startPod, timed, type BenchPod, type BenchScope } from './pod-floor.js';

const quick = process.argv.includes('--quick');
const PODS = quick ? 6 : 24;
const LABEL = 'dev.dockerpod.bench.run';

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

async function runCase({ name, concurrency, concurrentMembers }: Case, docker: ReturnType<typeof engineClient>, scope: BenchScope): Promise<Row[]> {
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

async function main(): Promise<void> {
  const docker = engineClient('a');
  await assertEngineReady('a', docker);
  const runId = randomBytes(4).toString('hex');
  const scope: BenchScope = { labels: { [LABEL]: runId }, prefix: `dpbench-${runId}` };
  const rows: Row[] = [];
  try {
    // One warm-up pod so the first measured pod does not pay for cold caches.
    await removePod(await startPod(docker, scope, 'warmup', { members: 2, concurrentMembers: true }));
    for (const concurrency of [1, 8]) {
      rows.push(...(await runCase({ name: 'members sequential', concurrency, concurrentMembers: false }, docker, scope)));
      rows.push(...(await runCase({ name: 'members concurrent', concurrency, concurrentMembers: true }, docker, scope)));
    }
  } finally {
    await removeLabelled(docker, LABEL, runId);
    // The cgroupfs driver never removes the parents it creates.
    removeCgroupParent(`/${scope.prefix}`);
  }
  console.table(rows);
  const result = { benchmark: 'pod-floor', quick, machine: { hostname: hostname(), cpus: cpus().length, node: process.version }, engine: (await docker.version()).Version, at: new Date().toISOString(), rows };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const file = new URL(`./results/pod-floor-${result.at.replace(/[:.]/g, '-')}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
}

await main();
