/**
 * `npm run bench:apiserver [-- --quick]`: the embedded API server at two sizes (500 and 5,000
 * DockerPods; `--quick`: 100 and 1,000), through client-node over HTTPS with a token, as the
 * operator and kubectl reach it. Per size: create throughput, a full LIST (median of 5) and its
 * cost per object, status merge-patch throughput at concurrency 8, and a watch fan-out: 10
 * watchers while status patches arrive at 200/s, with every event's delivery latency per watcher
 * and a check that no watcher missed one. The headline is linearity: the per-object cost of a
 * LIST at the big size over the small one (1.0 is linear). Figures are compared in the README
 * with the upstream SLOs (sig-scalability api_call_latency: mutating and GET p99 <= 1 s, LIST
 * p99 <= 30 s cluster-scoped at 5,000 nodes). Prints a table and writes
 * bench/results/apiserver-<time>.json. No Docker engine is needed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import { allCrds } from '../src/api/v1alpha1/crds.js';
import { dockerpodValidators } from '../src/apiserver/dockerpod-validators.js';
import { kubeconfigYaml, startApiServer, type RunningApiServer } from '../src/apiserver/index.js';
import type { KubeObject } from '../src/apiserver/resources/types.js';
import { poolAgents } from '../src/kube/pooled-agents.js';
import { testServingCert } from '../test/support/apiserver.js';
import { quantile, timed } from './pod-floor.js';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [100, 1000] : [500, 5000];
const WATCHERS = 10;
const WRITE_RATE = 200;
const WRITE_SECONDS = quick ? 2 : 5;
const G = { group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerpods' };

interface SizeResult {
  objects: number;
  createPerSec: number;
  listMs: number;
  listUsPerObject: number;
  patchPerSec: number;
  patchP99Ms: number;
  watchEvents: number;
  watchMissed: number;
  watchP50Ms: number;
  watchP99Ms: number;
}

function pod(i: number): object {
  return {
    apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerPod',
    metadata: { name: `bench-${i}`, namespace: 'default', labels: { app: 'bench', shard: String(i % 10) } },
    spec: { containers: [{ name: 'app', image: 'busybox:1.36', command: ['sh', '-c', 'sleep 1d'], ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  };
}

async function start(): Promise<{ server: RunningApiServer; kc: KubeConfig }> {
  const tls = testServingCert();
  const token = 'bench-token-0123456789';
  const server = await startApiServer({ token, tls: { cert: tls.cert, key: tls.key }, crds: allCrds() as unknown as KubeObject[], validators: dockerpodValidators() });
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml({ server: server.url, token, caData: tls.ca }));
  poolAgents(kc);
  return { server, kc };
}

async function listMs(api: CustomObjectsApi, want: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const list = (await api.listNamespacedCustomObject({ ...G, namespace: 'default' })) as { items: unknown[] };
    times.push(performance.now() - t0);
    if (list.items.length !== want) throw new Error(`listed ${list.items.length} objects, want ${want}`);
  }
  return quantile(times, 0.5);
}

const patchStatus = (api: CustomObjectsApi, i: number, seq: number): Promise<unknown> =>
  api.patchNamespacedCustomObjectStatus({ ...G, namespace: 'default', name: `bench-${i}`, body: { status: { message: `seq-${seq}-${Date.now()}` } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

/** 10 watchers; writes at WRITE_RATE for WRITE_SECONDS; every watcher must see every write. */
async function fanOut(kc: KubeConfig, api: CustomObjectsApi, size: number): Promise<Pick<SizeResult, 'watchEvents' | 'watchMissed' | 'watchP50Ms' | 'watchP99Ms'>> {
  const list = (await api.listNamespacedCustomObject({ ...G, namespace: 'default', limit: 1 })) as { metadata: { resourceVersion: string } };
  const latencies: number[] = [];
  const seen = Array.from({ length: WATCHERS }, () => new Set<string>());
  const aborts: Array<{ abort(): void }> = [];
  for (let w = 0; w < WATCHERS; w++) {
    const req = await new Watch(kc).watch(`/apis/dockerpod.dev/v1alpha1/namespaces/default/dockerpods`, { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true }, (_type: string, obj: { status?: { message?: string } }) => {
      const m = /^seq-(\d+)-(\d+)$/.exec(obj.status?.message ?? '');
      if (!m?.[1] || !m[2]) return;
      seen[w]?.add(m[1]);
      latencies.push(Date.now() - Number(m[2]));
    }, () => undefined);
    aborts.push(req);
  }
  const total = WRITE_RATE * WRITE_SECONDS;
  const t0 = performance.now();
  const writes: Array<Promise<unknown>> = [];
  for (let seq = 0; seq < total; seq++) {
    // Paced, not bursted: the rate is the point.
    const due = t0 + (seq * 1000) / WRITE_RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    writes.push(patchStatus(api, seq % size, seq));
  }
  await Promise.all(writes);
  await new Promise((r) => setTimeout(r, 1000));
  for (const a of aborts) a.abort();
  const missed = seen.reduce((sum, s) => sum + (total - s.size), 0);
  return { watchEvents: latencies.length, watchMissed: missed, watchP50Ms: quantile(latencies, 0.5), watchP99Ms: quantile(latencies, 0.99) };
}

async function measure(size: number): Promise<SizeResult> {
  const { server, kc } = await start();
  const api = kc.makeApiClient(CustomObjectsApi);
  try {
    const created = await timed(size, 16, async (i) => void (await api.createNamespacedCustomObject({ ...G, namespace: 'default', body: pod(i) })));
    const list = await listMs(api, size);
    const patches = Math.min(size, 2000);
    const patched = await timed(patches, 8, async (i) => void (await patchStatus(api, i, -1)));
    const watch = await fanOut(kc, api, size);
    return {
      objects: size,
      createPerSec: Math.round((size * 1000) / created.wallMs),
      listMs: Math.round(list),
      listUsPerObject: Math.round((list * 1000) / size),
      patchPerSec: Math.round((patches * 1000) / patched.wallMs),
      patchP99Ms: Math.round(quantile(patched.perTaskMs, 0.99)),
      ...watch,
    };
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const rows: SizeResult[] = [];
  for (const size of SIZES) rows.push(await measure(size));
  console.table(rows);
  const [small, big] = rows;
  const linearity = small && big ? { listCostRatio: +(big.listUsPerObject / Math.max(1, small.listUsPerObject)).toFixed(2), patchRateRatio: +(big.patchPerSec / Math.max(1, small.patchPerSec)).toFixed(2) } : {};
  console.log('per-object LIST cost, big/small (1.0 = linear):', linearity);
  const result = { benchmark: 'apiserver', quick, machine: { hostname: hostname(), cpus: cpus().length, node: process.version }, at: new Date().toISOString(), watchers: WATCHERS, writeRate: WRITE_RATE, rows, linearity };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const file = new URL(`./results/apiserver-${result.at.replace(/[:.]/g, '-')}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
  if (rows.some((r) => r.watchMissed > 0)) process.exitCode = 1;
}

await main();
