/**
 * What the operator benchmarks share: flags, the run's identity and labels, process probes (CPU,
 * RSS, event-loop delay), a recording logger, parallel removal of what a run created, and the
 * result file. Every figure a benchmark reports comes from these, so they are measured alike.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type Docker from 'dockerode';
import type { Logger } from '../src/observability/logger.js';

export { quantile } from './pod-floor.js';

/** The label on every Docker object a benchmark creates; its value is the run id. */
export const BENCH_LABEL = 'dev.dockerpod.bench.run';

/** Whether `--quick` was given. */
export const quick = process.argv.includes('--quick');

/** A positive integer flag `--name N`, or undefined. */
export function intFlag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}

/** A comma-separated list of positive integers `--name 100,1000`, or undefined. */
export function listFlag(name: string): number[] | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const values = (process.argv[i + 1] ?? '').split(',').map(Number);
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`--${name} needs positive integers separated by commas`);
  return values;
}

/** The identity of one run: id, operator instance, cgroup root, and the labels of everything it creates. */
export interface RunIdentity {
  id: string;
  instance: string;
  cgroupRoot: string;
  labels: Record<string, string>;
}

/** A fresh run identity for benchmark `name`. */
export function runIdentity(name: string): RunIdentity {
  const id = randomBytes(4).toString('hex');
  return { id, instance: `bench-${name}-${id}`, cgroupRoot: `/dpbench-${id}`, labels: { [BENCH_LABEL]: id } };
}

/** Milliseconds rounded, for tables. */
export const ms = (v: number): number => Math.round(v);
/** Two decimals. */
export const round2 = (v: number): number => Math.round(v * 100) / 100;
/** a / b with two decimals. */
export const ratio = (a: number, b: number): number => round2(a / b);
/** Resolves after `delay` ms. */
export const sleep = (delay: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, delay));

/** The machine and runtime a result came from. */
export function machine(): Record<string, unknown> {
  return {
    hostname: hostname(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memoryGiB: round2(totalmem() / 1024 ** 3),
    node: process.version, loadavg: loadavg().map(round2),
  };
}

/** bench/results/<name>-<time>.<ext> (the directory is made). */
export function resultPath(name: string, ext: string, at = new Date().toISOString()): string {
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  return new URL(`./results/${name}-${at.replace(/[:.]/g, '-')}.${ext}`, import.meta.url).pathname;
}

/** Writes bench/results/<name>-<time>.json and returns its path. */
export function writeResult(name: string, result: Record<string, unknown>): string {
  const at = new Date().toISOString();
  const file = resultPath(name, 'json', at);
  writeFileSync(file, `${JSON.stringify({ benchmark: name, quick, at, machine: machine(), ...result }, null, 2)}\n`);
  console.log(`wrote ${file}`);
  return file;
}

/**
 * The event-loop delay histogram's sampling interval: a sample is "late" by what exceeds it.
 * 20 ms, not 10: the sampler's own wake-ups cost ~0.4% of a core at 10 ms and ~0.1% at 20 ms,
 * which would be a fifth of an idle operator's budget.
 */
const LOOP_RESOLUTION_MS = 20;

/** What a probe saw over its window. */
export interface ProcessProbe {
  wallMs: number;
  cpuMs: number;
  /** CPU time over wall time, in % of one core. */
  cpuPercentOfCore: number;
  /** Event-loop lag (delay beyond the 20 ms sampling interval), ms. */
  loopLagMs: { p50: number; p99: number; max: number };
  eventLoopUtilization: number;
  /** RSS and V8 heap sampled every second (MB). */
  rssMb: { mean: number; max: number; last: number };
  heapUsedMb: { mean: number; max: number; last: number };
}

const mb = (bytes: number): number => round2(bytes / 1024 ** 2);
const summary = (values: number[]): { mean: number; max: number; last: number } => ({
  mean: mb(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)), max: mb(Math.max(...values)), last: mb(values.at(-1) ?? 0),
});

/** Starts measuring this process; the returned function ends the window and reports it. */
export function startProcessProbe(): () => ProcessProbe {
  const delay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  delay.enable();
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const rss: number[] = [];
  const heap: number[] = [];
  const sample = (): void => {
    const m = process.memoryUsage();
    rss.push(m.rss);
    heap.push(m.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 1000);
  return () => {
    clearInterval(timer);
    sample();
    delay.disable();
    const used = process.cpuUsage(cpu);
    const wallMs = performance.now() - t0;
    const cpuMs = (used.user + used.system) / 1000;
    const lag = (q: number): number => round2(Math.max(0, delay.percentile(q) / 1e6 - LOOP_RESOLUTION_MS));
    return {
      wallMs: ms(wallMs), cpuMs: ms(cpuMs), cpuPercentOfCore: round2((cpuMs / wallMs) * 100),
      loopLagMs: { p50: lag(50), p99: lag(99), max: round2(Math.max(0, delay.max / 1e6 - LOOP_RESOLUTION_MS)) },
      eventLoopUtilization: round2(performance.eventLoopUtilization(elu).utilization),
      rssMb: summary(rss), heapUsedMb: summary(heap),
    };
  };
}

let gcFunction: (() => void) | undefined;

/** A full garbage collection (V8's gc exposed at run time, so `tsx bench/x.ts` needs no flag). */
export function collectGarbage(): void {
  if (!gcFunction) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  gcFunction();
  gcFunction();
}

/** One pass of the pod reconciler, from its 'reconciled' log line. */
export interface PassRecord {
  name: string;
  endMs: number;
  durationMs: number;
}

/** A Logger keeping the reconciler's passes and every warning and error (all else dropped). */
export function recordingLogger(passes: PassRecord[], warnings: string[]): Logger {
  const logger: Logger = {
    error: (message, meta) => warnings.push(`error: ${message} ${JSON.stringify(meta ?? {})}`),
    warn: (message, meta) => warnings.push(`warn: ${message} ${JSON.stringify(meta ?? {})}`),
    info: (message, meta) => {
      if (message === 'reconciled' && meta) passes.push({ name: String(meta['name']), endMs: performance.now(), durationMs: Number(meta['durationMs']) });
    },
    debug: () => undefined,
    child: () => logger,
  };
  return logger;
}

/** Runs `task(i)` for i < n, `concurrency` at a time. */
export async function inParallel(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < n; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

/** Force-removes every container carrying `label=value`, 8 at a time (a 1,000-pod run has 2,000); returns how many. */
export async function removeContainersFast(docker: Docker, label: string, value: string): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${label}=${value}`] }) });
  await inParallel(list.length, 8, async (i) => {
    const c = list[i];
    if (c) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  });
  return list.length;
}

/** What the machine has left: available memory (MB) and tasks (threads count against pid_max). */
export function machineHeadroom(): { availableMb: number; tasks: number; pidMax: number } {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const availableKb = Number(/MemAvailable:\s+(\d+)/.exec(meminfo)?.[1] ?? 0);
  const tasks = Number((readFileSync('/proc/loadavg', 'utf8').split(' ')[3] ?? '0/0').split('/')[1]);
  const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
  return { availableMb: Math.round(availableKb / 1024), tasks, pidMax };
}

let interruptHandler: (() => Promise<void>) | undefined;

/**
 * Runs `cleanup` when the run is interrupted (Ctrl-C) and exits 130: an idle run interrupted
 * while 2,000 containers run must not leave them behind. Call again to replace the cleanup.
 */
export function onInterrupt(cleanup: () => Promise<void>): void {
  if (!interruptHandler) {
    process.once('SIGINT', () => {
      console.error('interrupted: cleaning up');
      void (interruptHandler?.() ?? Promise.resolve()).finally(() => process.exit(130));
    });
  }
  interruptHandler = cleanup;
}
