/**
 * Timing and outcome of every engine call, for metrics and for tests that count what the
 * reconciler did (a steady state must cost no mutating call).
 */
import type { DockerEngine, EventHandlers, EventStream } from './types.js';

/** One finished call on an engine. */
export interface EngineCall {
  operation: string;
  outcome: 'ok' | 'error';
  durationMs: number;
  endpoint: string;
}

/** Receives every finished call. */
export type EngineCallRecorder = (call: EngineCall) => void;

/** The operations that change an engine's state. */
export const MUTATING_OPERATIONS: ReadonlySet<string> = new Set([
  'createContainer', 'startContainer', 'stopContainer', 'killContainer', 'removeContainer', 'pullImage', 'createVolume', 'removeVolume', 'putArchive',
]);

type AsyncOperation = Exclude<keyof DockerEngine, 'endpoint' | 'events'>;

const ASYNC_OPERATIONS: readonly AsyncOperation[] = [
  'ping', 'info', 'listContainers', 'inspectContainer', 'createContainer', 'startContainer', 'stopContainer', 'killContainer',
  'removeContainer', 'exec', 'startExec', 'logs', 'inspectImage', 'pullImage', 'createVolume', 'removeVolume', 'listVolumes', 'putArchive',
];

/**
 * `engine` with every call reported to `recorder` once it settles (outcome and wall time);
 * results and errors pass through unchanged (`logs` and `startExec` settle once their stream is
 * open: their time is the wait for the engine's answer, not the stream's life). An events
 * subscription is reported once, when its stream ends (outcome 'error' when onEnd got an error,
 * durationMs 0: a stream's life is no latency).
 */
export function instrument(engine: DockerEngine, recorder: EngineCallRecorder): DockerEngine {
  const endpoint = engine.endpoint;
  const timed = (operation: AsyncOperation) => async (...args: unknown[]): Promise<unknown> => {
    const start = performance.now();
    const report = (outcome: 'ok' | 'error'): void => recorder({ operation, outcome, durationMs: performance.now() - start, endpoint });
    try {
      const result = await (engine[operation] as (...a: unknown[]) => Promise<unknown>).apply(engine, args);
      report('ok');
      return result;
    } catch (err) {
      report('error');
      throw err;
    }
  };
  const wrapped = Object.fromEntries(ASYNC_OPERATIONS.map((operation) => [operation, timed(operation)]));
  const events = (options: Parameters<DockerEngine['events']>[0], handlers: EventHandlers): EventStream =>
    engine.events(options, {
      onEvent: (event) => handlers.onEvent(event),
      onEnd: (error) => {
        recorder({ operation: 'events', outcome: error ? 'error' : 'ok', durationMs: 0, endpoint });
        handlers.onEnd(error);
      },
    });
  return { ...(wrapped as unknown as Omit<DockerEngine, 'endpoint' | 'events'>), endpoint, events };
}

/** Which calls to count: any field given must match. */
export interface CallFilter {
  operation?: string;
  outcome?: 'ok' | 'error';
  endpoint?: string;
}

/** Keeps the calls an instrumented engine reports; pass `counter.record` to instrument(). */
export class CallCounter {
  readonly calls: EngineCall[] = [];

  /** The recorder (a bound function). */
  readonly record: EngineCallRecorder = (call) => {
    this.calls.push(call);
  };

  /** Number of recorded calls matching `filter` (all when absent). */
  count(filter: CallFilter = {}): number {
    return this.calls.filter((c) => Object.entries(filter).every(([key, value]) => value === undefined || c[key as keyof EngineCall] === value)).length;
  }

  /** Number of recorded calls of a mutating operation (see MUTATING_OPERATIONS), failed ones included. */
  mutating(): number {
    return this.calls.filter((c) => MUTATING_OPERATIONS.has(c.operation)).length;
  }

  /** Forgets every recorded call. */
  reset(): void {
    this.calls.length = 0;
  }
}
