/**
 * The operator process of the benchmarks (started by operator-process.ts, bundled and run by
 * plain node, without the TypeScript loader): the operator alone, so that this process's CPU
 * time, RSS, heap and event-loop lag are the operator's (and the fake engine's, when there is
 * one). It answers the benchmark's requests on the IPC channel: settle, resync, open and close a
 * measurement window, weigh the heap, profile a window.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { MUTATING_OPERATIONS } from '../src/runtime/docker/instrumented-engine.js';
import { collectGarbage, quantile, round2, startProcessProbe, type ProcessProbe } from './common.js';
import { settle, startHarness, type Harness, type HarnessOptions } from './harness.js';
import { serve } from './rpc.js';

/** What the operator did and cost over a window. */
export interface OperatorWindow {
  probe: ProcessProbe;
  /** Engine calls by host endpoint and operation. */
  calls: Record<string, Record<string, number>>;
  callCount: number;
  mutatingCalls: number;
  passes: number;
  passP50Ms: number;
  passP99Ms: number;
  resyncs: number;
  warnings: string[];
}

/** Memory of this process with every module loaded and no operator yet (after a full GC): the floor under the operator's own. */
collectGarbage();
const floor = process.memoryUsage();

let harness: Harness | undefined;
let mark: { stop: () => ProcessProbe; fromCall: number; fromPass: number; fromResync: number; fromWarn: number } | undefined;
let session: Session | undefined;

function must(): Harness {
  if (!harness) throw new Error('the operator is not started');
  return harness;
}

function closeWindow(): OperatorWindow {
  const h = must();
  if (!mark) throw new Error('no window is open');
  const probe = mark.stop();
  const calls: Record<string, Record<string, number>> = {};
  const slice = h.calls.calls.slice(mark.fromCall);
  for (const c of slice) {
    const byOp = (calls[c.endpoint] ??= {});
    byOp[c.operation] = (byOp[c.operation] ?? 0) + 1;
  }
  const passes = h.passes.slice(mark.fromPass).map((p) => p.durationMs);
  const result = {
    probe, calls, callCount: slice.length, mutatingCalls: slice.filter((c) => MUTATING_OPERATIONS.has(c.operation)).length,
    passes: passes.length, passP50Ms: round2(quantile(passes, 0.5)), passP99Ms: round2(quantile(passes, 0.99)),
    resyncs: h.resyncs() - mark.fromResync, warnings: h.warnings.slice(mark.fromWarn, mark.fromWarn + 10),
  };
  mark = undefined;
  return result;
}

async function stop(): Promise<void> {
  await harness?.stop();
  harness = undefined;
}

serve({
  init: async (options: HarnessOptions) => {
    harness = await startHarness(options);
    return { pid: process.pid, floor };
  },
  settle: (args: { quietMs: number; maxMs: number }) => settle(must(), args.quietMs, args.maxMs),
  resync: () => must().operator.resync(),
  mark: () => {
    const h = must();
    // A clean heap at the start, so the window's RSS and heap samples are not last phase's garbage.
    collectGarbage();
    mark = { stop: startProcessProbe(), fromCall: h.calls.calls.length, fromPass: h.passes.length, fromResync: h.resyncs(), fromWarn: h.warnings.length };
  },
  window: closeWindow,
  counts: () => ({ calls: must().calls.calls.length, passes: must().passes.length, resyncs: must().resyncs(), warnings: must().warnings.slice(-5) }),
  heap: (args: { dropFakes: boolean }) => {
    if (args.dropFakes) for (const f of must().fakes.values()) f.dropState();
    collectGarbage();
    return process.memoryUsage();
  },
  profileStart: async () => {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  },
  profileStop: async (args: { file: string }) => {
    if (!session) throw new Error('no profile is running');
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(args.file, JSON.stringify(profile));
    session.disconnect();
    session = undefined;
  },
  stop,
}, stop);
