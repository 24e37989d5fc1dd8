/**
 * The operator as the benchmarks run it, inside the operator process (operator-child.ts): against
 * the benchmark's API server (its kubeconfig), with the engine clients made by the real adapter
 * (dialling the counting proxies instead of the engines when given) or by a sharded fake engine,
 * every engine call counted by a CallCounter, a logger that keeps passes and warnings, and the
 * resyncs counted.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Operator } from '../src/controller/operator.js';
import { connectEngine } from '../src/runtime/docker/dockerode-engine.js';
import { CallCounter, instrument } from '../src/runtime/docker/instrumented-engine.js';
import type { DockerEngine } from '../src/runtime/docker/types.js';
import { TEST_IMAGES } from '../test/support/engines.js';
import { recordingLogger, sleep, type PassRecord, type RunIdentity } from './common.js';
import { ShardedFakeEngine } from './sharded-engine.js';

/** How to run the operator (plain data: it crosses the IPC channel). */
export interface HarnessOptions {
  kubeconfigPath: string;
  run: RunIdentity;
  /** DockerHosts (declared already) that must be Ready before the operator counts as started. */
  hosts: string[];
  /** Host name -> endpoint to dial instead of the DockerHost's own (the counting proxies). */
  endpoints?: Record<string, string>;
  /** Every host is a sharded fake engine in this process. */
  fake?: boolean;
  resyncPeriodMs: number;
  concurrency?: number;
  /** Network of the sandboxes (default none: nothing here needs one, and 2,000 veths would only slow the engines). */
  podNetwork?: string;
}

/** A running operator and what the benchmark reads from it. */
export interface Harness {
  operator: Operator;
  calls: CallCounter;
  passes: PassRecord[];
  warnings: string[];
  /** The fake engines by host name (with `fake`). */
  fakes: Map<string, ShardedFakeEngine>;
  /** Resyncs started so far. */
  resyncs(): number;
  stop(): Promise<void>;
}

const FAKE_VERSION = { version: '20.10.24', apiVersion: '1.41', minApiVersion: '1.12' };

/** Starts the operator and waits until every host is Ready. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const kc = new KubeConfig();
  kc.loadFromFile(options.kubeconfigPath);
  const calls = new CallCounter();
  const passes: PassRecord[] = [];
  const warnings: string[] = [];
  const fakes = new Map<string, ShardedFakeEngine>();
  const real = (o: Parameters<typeof connectEngine>[0], name: string): DockerEngine => {
    const endpoint = options.endpoints?.[name];
    return connectEngine(endpoint ? { ...o, endpoint } : o);
  };
  const fake = (o: Parameters<typeof connectEngine>[0], name: string): DockerEngine => {
    const engine = fakes.get(name) ?? new ShardedFakeEngine(o.endpoint, [TEST_IMAGES.pause, TEST_IMAGES.busybox]);
    fakes.set(name, engine);
    return engine;
  };
  const operator = new Operator({
    kubeConfig: kc,
    settings: { instance: options.run.instance, extraLabels: options.run.labels, pauseImage: TEST_IMAGES.pause, podNetwork: options.podNetwork ?? 'none', cgroupRoot: options.run.cgroupRoot, negativeOomScores: false },
    localAddress: '127.0.0.1',
    connect: (o, name) => instrument((options.fake ? fake : real)(o, name), calls.record),
    ...(options.fake ? { probe: () => Promise.resolve(FAKE_VERSION) } : {}),
    concurrency: options.concurrency ?? 8,
    resyncPeriodMs: options.resyncPeriodMs,
    logger: recordingLogger(passes, warnings),
  });
  let resyncs = 0;
  // The resync timer calls this.resync(): an own property shadows the method, so every resync is counted.
  const resync = operator.resync.bind(operator);
  operator.resync = async () => {
    resyncs++;
    await resync();
  };
  if (!(await operator.start(30_000))) throw new Error('the operator did not sync');
  const deadline = performance.now() + 30_000;
  while (!options.hosts.every((h) => operator.fleet.isReady(h))) {
    if (performance.now() > deadline) throw new Error(`hosts not Ready: ${options.hosts.filter((h) => !operator.fleet.isReady(h)).join(', ')}; ${warnings.slice(-3).join(' | ')}`);
    await sleep(50);
  }
  return { operator, calls, passes, warnings, fakes, resyncs: () => resyncs, stop: () => operator.stop(10_000).then(() => undefined) };
}

/** Waits until the operator has had nothing to do and made no engine call for `quietMs` (at most `maxMs`); resolves with the time waited (ms). */
export async function settle(h: Harness, quietMs = 1000, maxMs = 120_000): Promise<number> {
  const t0 = performance.now();
  let lastCalls = -1;
  let quietSince = performance.now();
  while (performance.now() - t0 < maxMs) {
    await h.operator.queue.onIdle();
    if (h.calls.calls.length !== lastCalls) {
      lastCalls = h.calls.calls.length;
      quietSince = performance.now();
    } else if (performance.now() - quietSince >= quietMs) break;
    await sleep(Math.min(100, quietMs / 4));
  }
  return quietSince - t0;
}
