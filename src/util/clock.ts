/**
 * Time as an injectable dependency: everything that waits or compares times takes a Clock, so
 * tests drive back-off, timeouts and resyncs without sleeping, and clock steps can be simulated.
 */

/** Handle of a scheduled callback. */
export interface TimerHandle {
  cancel(): void;
}

/** The operations on time the project uses. */
export interface Clock {
  /** Milliseconds since the epoch: wall time, for timestamps. It may step (NTP, an operator, a VM resume). */
  now(): number;
  /**
   * Milliseconds on a monotonic clock with an arbitrary origin: for measuring how long something
   * took or has waited in memory. Never steps, unlike now(); timers run on it.
   */
  monotonic(): number;
  /** Runs `fn` after `ms` milliseconds (never keeps the process alive on its own). */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Resolves after `ms` milliseconds, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  },
};

/**
 * `clock` seen through its monotonic time: now() is clock.monotonic(), which never steps. For
 * components that keep deadlines in memory (a timer wheel, probe periods) and must not see the
 * wall clock jump; timers are the clock's own.
 */
export function monotonicView(clock: Clock): Clock {
  return {
    now: () => clock.monotonic(),
    monotonic: () => clock.monotonic(),
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    sleep: (ms, signal) => clock.sleep(ms, signal),
  };
}

/**
 * A manual clock for tests: time only moves with `advance()`, which fires due timers in order.
 * `step()` changes the wall time without firing anything, to simulate a clock step.
 */
export class FakeClock implements Clock {
  /** Monotonic time: what timers run on (real timers ignore wall-clock steps too). */
  private current: number;
  /** Wall time minus monotonic time, changed only by step(). */
  private offset = 0;
  private timers: Array<{ at: number; seq: number; fn: () => void; cancelled: boolean }> = [];
  private seq = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current + this.offset;
  }

  /** The time timers run on: moved only by advance(), never by step(). */
  monotonic(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      // The listener goes with the timer: a long-lived signal must not collect one per sleep.
      const onAbort = (): void => { handle.cancel(); resolve(); };
      const handle = this.setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Number of timers still pending. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in time order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      const next = this.timers.filter((t) => !t.cancelled && t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.current = Math.max(this.current, next.at);
      next.cancelled = true;
      next.fn();
      // Let promise continuations scheduled by the timer run before the next one fires.
      await new Promise((r) => setImmediate(r));
    }
    this.timers = this.timers.filter((t) => !t.cancelled);
    this.current = target;
  }

  /** Changes the wall time by `ms` (may be negative) without moving timers: a clock step. */
  step(ms: number): void {
    this.offset += ms;
  }
}
