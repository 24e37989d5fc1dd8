/**
 * The controller's work queue: a level-triggered queue of object keys ("namespace/name") with the
 * semantics of client-go's workqueue as controller-runtime drives it.
 *
 * - Keys, not events: a key waiting to run is stored once, so a burst of adds coalesces into one pass.
 * - A key is never reconciled twice at once: an add for a key in flight only marks it dirty, and it
 *   runs exactly once more when the current pass ends.
 * - Outcomes: success forgets the key's back-off; `requeueAfterMs` forgets it and adds the key after
 *   that delay; a thrown error re-adds it after the key's exponential back-off (which then grows);
 *   a {@link TerminalError} forgets it and does not retry (the reconciler reports it in status).
 * - Only the error path is rate-limited. An event-driven `add` while a key waits out its back-off
 *   (or any other delay) makes the key due at once, as in controller-runtime's priority queue, where
 *   a key has one entry and an immediate add clears its "ready at" time. The failure count is kept
 *   until a pass succeeds, so a retry that fails again still backs off further.
 * - Reconciles never run on the caller's stack: `add` only records the key.
 * - Concurrency comes from p-queue; de-duplication, dirty tracking and back-off live in this layer.
 * - Time comes from the injected {@link Clock}. Delays only ever use `clock.setTimeout`, which runs
 *   on monotonic time, so a wall-clock step neither fires nor loses a delayed key.
 * - Every pass gets a fresh `reconcileID` (a UUID, as controller-runtime's), handed to the reconciler
 *   and reported with the result, so all log lines of one pass can be found together.
 * - Metrics hooks ({@link WorkQueueHooks}) see what client-go's workqueue metrics count: an add when
 *   a key becomes due (not when it already was), the time a key waited from becoming due to its pass
 *   starting, and every rate-limited retry; `depth()`, `inFlight()` and `runningMs()` answer the
 *   gauges at scrape time. The queue itself knows nothing of any metrics library.
 *
 * Not carried over from client-go: the overall token bucket (10 qps, burst 100) combined with the
 * per-key limiter; retries here are bounded per key only.
 */
import { randomUUID } from 'node:crypto';
import PQueue from 'p-queue';
import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';

/**
 * An error the reconciler cannot fix by retrying (for example an invalid spec): the reconciler
 * reports it in the object's status and the queue forgets the key instead of retrying. It is also
 * recognised when it is the `cause` (at any depth) of the error thrown, like Go's `errors.Is`.
 */
export class TerminalError extends Error {
  override name = 'TerminalError';
}

/** What a pass asks of the queue besides "done". */
export interface ReconcileResult {
  /** Reconcile the key again after this many milliseconds (ignored unless > 0). */
  requeueAfterMs?: number;
}

/** What the queue tells a reconciler about its pass. */
export interface PassInfo {
  /** Unique per pass (a UUID): the `reconcileID` of the pass's log lines. */
  reconcileID: string;
}

/**
 * Reconciles the object named by `key`. `signal` aborts only when the queue's shutdown grace period
 * runs out (or {@link WorkQueue.abort} is called) while the pass is still running.
 */
export type Reconciler = (key: string, signal: AbortSignal, pass: PassInfo) => Promise<ReconcileResult | void>;

/** How a pass ended, as reported to `onResult`. */
export type Outcome = 'success' | 'error' | 'requeue_after' | 'terminal_error';

/** One finished pass, for logs and metrics. */
export interface PassResult {
  key: string;
  outcome: Outcome;
  /** Wall time the pass took by the injected clock, never negative (a clock step reads as 0). */
  durationMs: number;
  /** The thrown error, present for 'error' and 'terminal_error'. */
  error?: unknown;
  /** Consecutive failed passes of the key before this one: 0 on a first attempt. */
  retries: number;
  /** The pass's id, as given to the reconciler. */
  reconcileID: string;
}

/**
 * Callbacks for metrics, with client-go's workqueue meanings. Whatever they throw is ignored.
 * Gauges (depth, workers busy, how long passes have run) are read from the queue instead.
 */
export interface WorkQueueHooks {
  /** The key became due: newly waiting, or marked to run again while in flight (workqueue_adds_total). */
  onAdd?: (key: string) => void;
  /** A pass of the key starts, `queuedMs` after the key became due (workqueue_queue_duration_seconds). */
  onStart?: (key: string, queuedMs: number) => void;
  /** The key was re-added with its back-off after a failure (workqueue_retries_total). */
  onRetry?: (key: string) => void;
}

/** Options of a {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Most passes running at once (controller-runtime's MaxConcurrentReconciles); an integer >= 1. */
  concurrency: number;
  /** Source of time and timers; default the system clock. */
  clock?: Clock;
  /** First back-off after a failure, in ms; default 5 (client-go's). */
  baseDelayMs?: number;
  /**
   * Back-off cap, in ms; default 300 000 (5 min). client-go caps at 1000 s (~16.7 min); a pod whose
   * Docker engine was briefly unreachable should not wait a quarter of an hour to be repaired once
   * it is back, and a key retried every 5 minutes costs next to nothing.
   */
  maxDelayMs?: number;
  /** Called after every pass; whatever it throws is ignored so it cannot break the queue. */
  onResult?: (r: PassResult) => void;
  /** Metrics callbacks (see {@link WorkQueueHooks}). */
  hooks?: WorkQueueHooks;
}

/** What {@link WorkQueue.shutdown} reports. */
export interface ShutdownResult {
  /** True when every in-flight pass ended within the grace period. */
  drained: boolean;
  /** Keys still in flight when the grace period ran out (their signals were aborted). */
  abandoned: string[];
}

const DEFAULT_BASE_DELAY_MS = 5;
const DEFAULT_MAX_DELAY_MS = 300_000;
/** Longest delay a Node timer supports; longer delays are clamped to it (~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** How deep `cause` chains are followed when looking for a TerminalError. */
const MAX_CAUSE_DEPTH = 16;

/**
 * A level-triggered, de-duplicating, rate-limited queue of keys (see the module comment for the
 * rules). Adds before `start()` are kept; nothing runs until it is called.
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly onResult: ((r: PassResult) => void) | undefined;
  private readonly hooks: WorkQueueHooks;
  private readonly workers: PQueue;
  /** Keys due and waiting for a worker, in FIFO order (a Set keeps insertion order). */
  private readonly waiting = new Set<string>();
  /** Keys in flight, with the controller of their pass's signal and when the pass started (clock ms). */
  private readonly processing = new Map<string, { controller: AbortController; startedAt: number }>();
  /** When each due key (waiting, or dirty in flight) became due, by the clock. */
  private readonly dueSince = new Map<string, number>();
  /** Keys in flight that were added again and must run once more. */
  private readonly dirty = new Set<string>();
  /** Pending timers per key: the first to fire adds the key and cancels the rest. */
  private readonly delayed = new Map<string, TimerHandle[]>();
  /** Consecutive failures per key. */
  private readonly failures = new Map<string, number>();
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private shutdownResult: Promise<ShutdownResult> | undefined;
  private onDrained: (() => void) | undefined;
  /** Ends the grace period of a shutdown in progress (set while one waits). */
  private endGrace: (() => void) | undefined;

  /** Throws a RangeError when the options are out of range. */
  constructor(private readonly reconcile: Reconciler, options: WorkQueueOptions) {
    this.clock = options.clock ?? systemClock;
    this.baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.onResult = options.onResult;
    this.hooks = options.hooks ?? {};
    validate(options.concurrency, this.baseDelayMs, this.maxDelayMs);
    this.workers = new PQueue({ concurrency: options.concurrency, autoStart: false });
  }

  /**
   * Makes `key` due now. A key already waiting is not added twice; a key in flight is marked dirty
   * and runs once more after its pass; any pending delay of the key (back-off included) is
   * superseded. Ignored after shutdown.
   */
  add(key: string): void {
    if (this.closed) return;
    this.cancelDelayed(key);
    if (this.waiting.has(key) || this.dirty.has(key)) return;
    this.dueSince.set(key, this.clock.now());
    this.call(() => this.hooks.onAdd?.(key));
    if (this.processing.has(key)) this.dirty.add(key);
    else this.enqueue(key);
  }

  /**
   * Adds `key` after `delayMs` (<= 0 or NaN: at once; clamped to 2^31-1 ms). When the key already
   * has a pending delay the soonest wins; when it is already due (waiting, or dirty in flight) this
   * does nothing. Ignored after shutdown.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.closed) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    if (this.waiting.has(key) || this.dirty.has(key)) return;
    // Several timers instead of comparing due times: the Clock exposes only wall time, which a
    // step would make lie; whichever timer fires first adds the key and cancels the others.
    const handle = this.clock.setTimeout(() => this.add(key), Math.min(delayMs, MAX_TIMER_MS));
    const handles = this.delayed.get(key);
    if (handles) handles.push(handle);
    else this.delayed.set(key, [handle]);
  }

  /**
   * Adds `key` after its current back-off (baseDelayMs * 2^failures, capped at maxDelayMs) and
   * counts one more failure. Ignored after shutdown.
   */
  addRateLimited(key: string): void {
    if (this.closed) return;
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    this.call(() => this.hooks.onRetry?.(key));
    this.addAfter(key, this.backoff(failures));
  }

  /** Resets the key's back-off: its next failure waits baseDelayMs again. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Begins handing keys to the reconciler. Idempotent; ignored after shutdown. */
  start(): void {
    if (this.closed) return;
    this.workers.start();
  }

  /**
   * Stops the queue: from now on no key starts, waiting and delayed keys are dropped and adds are
   * ignored. In-flight passes may finish; if some still run after `timeoutMs` (by the clock; Infinity
   * waits for ever) their signals are aborted, they are reported in `abandoned`, and the promise
   * resolves without waiting for them further. Later calls return the first call's promise.
   */
  shutdown(timeoutMs: number): Promise<ShutdownResult> {
    this.shutdownResult ??= this.close(timeoutMs);
    return this.shutdownResult;
  }

  /**
   * Stops the queue at once (a leader that lost its lease): like `shutdown(0)`, and when a shutdown
   * is already waiting for in-flight passes, its grace period ends now (their signals abort and its
   * promise resolves with them as `abandoned`). Returns the shutdown's promise.
   */
  abort(): Promise<ShutdownResult> {
    const result = this.shutdown(0);
    this.endGrace?.();
    return result;
  }

  /** Keys due and waiting for a worker (not in flight, not delayed). */
  depth(): number {
    return this.waiting.size;
  }

  /** Whether `key` has a pass running or is due and waiting for one (a delayed key is neither). */
  busy(key: string): boolean {
    return this.waiting.has(key) || this.processing.has(key);
  }

  /** Passes running now. */
  inFlight(): number {
    return this.processing.size;
  }

  /** How long each pass running now has run, in ms by the clock (workqueue_unfinished_work_seconds). */
  runningMs(): number[] {
    const now = this.clock.now();
    return [...this.processing.values()].map((p) => Math.max(0, now - p.startedAt));
  }

  /** Consecutive failures of `key` since it was last forgotten. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /**
   * Resolves once no key is waiting or in flight. Delays that have not fired yet do not count;
   * before `start()` a waiting key keeps it pending.
   */
  onIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(key: string): void {
    if (this.waiting.has(key)) return;
    this.waiting.add(key);
    // One worker task per waiting key; the task picks the oldest waiting key when it starts.
    void this.workers.add(() => this.runNext());
  }

  /** The oldest waiting key (none after shutdown, which empties `waiting` and refuses adds). */
  private takeNext(): string | undefined {
    const next = this.waiting.values().next();
    if (next.done) return undefined;
    this.waiting.delete(next.value);
    return next.value;
  }

  private async runNext(): Promise<void> {
    // p-queue starts a task synchronously inside add(): yield first so a reconcile never runs on
    // the stack of whoever added the key (an informer handler, or a finishing pass).
    await Promise.resolve();
    const key = this.takeNext();
    if (key === undefined) return;
    const controller = new AbortController();
    const started = this.clock.now();
    this.processing.set(key, { controller, startedAt: started });
    const retries = this.failures.get(key) ?? 0;
    const reconcileID = randomUUID();
    this.noteStart(key, started);
    let ended: { outcome: Outcome; error?: unknown };
    try {
      ended = { outcome: this.succeeded(key, await this.reconcile(key, controller.signal, { reconcileID })) };
    } catch (error) {
      ended = { outcome: this.failed(key, error), error };
    }
    this.finish(key);
    this.report({ key, ...ended, durationMs: Math.max(0, this.clock.now() - started), retries, reconcileID });
  }

  /** Reports how long the key waited since it became due (0 when unknown or the clock stepped back). */
  private noteStart(key: string, now: number): void {
    const since = this.dueSince.get(key);
    this.dueSince.delete(key);
    this.call(() => this.hooks.onStart?.(key, since === undefined ? 0 : Math.max(0, now - since)));
  }

  private succeeded(key: string, result: ReconcileResult | void): Outcome {
    this.forget(key);
    const after = result ? result.requeueAfterMs : undefined;
    if (after === undefined || !(after > 0)) return 'success';
    this.addAfter(key, after);
    return 'requeue_after';
  }

  private failed(key: string, error: unknown): Outcome {
    if (isTerminal(error)) {
      this.forget(key);
      return 'terminal_error';
    }
    this.addRateLimited(key);
    return 'error';
  }

  private finish(key: string): void {
    this.processing.delete(key);
    // A dirty key was counted as added (and its due time noted) when it was marked: it only moves to waiting now.
    if (this.dirty.delete(key) && !this.closed) this.enqueue(key);
    if (this.processing.size === 0) this.onDrained?.();
    this.notifyIdle();
  }

  private report(result: PassResult): void {
    this.call(() => this.onResult?.(result));
  }

  /** Runs a hook; a metrics or logging hook must not break the queue. */
  private call(hook: () => void): void {
    try {
      hook();
    } catch {
      // ignored on purpose
    }
  }

  private close(timeoutMs: number): Promise<ShutdownResult> {
    this.closed = true;
    this.workers.clear();
    this.waiting.clear();
    this.dirty.clear();
    this.dueSince.clear();
    for (const key of [...this.delayed.keys()]) this.cancelDelayed(key);
    this.notifyIdle();
    if (this.processing.size === 0) return Promise.resolve({ drained: true, abandoned: [] });
    return new Promise((resolve) => {
      const giveUp = (): void => {
        timer?.cancel();
        resolve(this.abandon());
      };
      const timer = Number.isFinite(timeoutMs) && timeoutMs > 0 ? this.clock.setTimeout(giveUp, timeoutMs) : undefined;
      this.endGrace = giveUp;
      this.onDrained = () => {
        this.onDrained = undefined;
        this.endGrace = undefined;
        timer?.cancel();
        resolve({ drained: true, abandoned: [] });
      };
      // A zero grace period abandons at once, without waiting for a timer tick.
      if (!(timeoutMs > 0)) giveUp();
    });
  }

  private abandon(): ShutdownResult {
    this.onDrained = undefined;
    this.endGrace = undefined;
    const abandoned = [...this.processing.keys()];
    for (const { controller } of this.processing.values()) {
      controller.abort(new Error('work queue shutdown: grace period elapsed'));
    }
    return { drained: false, abandoned };
  }

  private cancelDelayed(key: string): void {
    for (const handle of this.delayed.get(key) ?? []) handle.cancel();
    this.delayed.delete(key);
  }

  private backoff(failures: number): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(failures, 64));
  }

  private isIdle(): boolean {
    return this.waiting.size === 0 && this.processing.size === 0;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function validate(concurrency: number, baseDelayMs: number, maxDelayMs: number): void {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  }
  if (!(baseDelayMs > 0) || !Number.isFinite(baseDelayMs)) {
    throw new RangeError(`baseDelayMs must be a finite number > 0, got ${baseDelayMs}`);
  }
  if (!(maxDelayMs >= baseDelayMs)) {
    throw new RangeError(`maxDelayMs must be >= baseDelayMs, got ${maxDelayMs}`);
  }
}

function isTerminal(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current instanceof Error; depth++) {
    if (current instanceof TerminalError) return true;
    current = current.cause;
  }
  return false;
}
