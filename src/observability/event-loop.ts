/**
 * Whether the event loop is stalled, for /healthz. A timer ticks every `intervalMs`; the lag of a
 * tick is how late it fired. /healthz itself runs on the loop, so it can only see a stall that has
 * just ended (a loop blocked right now cannot answer at all, and the kubelet's probe timeout
 * catches that): the monitor reports stalled while the last tick came more than `stallMs` late, or
 * while no tick has come for `intervalMs + stallMs`. One stall fails one probe; only a loop that
 * keeps stalling fails the probes in a row that make the kubelet restart the container.
 *
 * Default threshold, 5 s: half the leader election's renew deadline (10 s), so a loop that stalls
 * this long is about to lose the lease and should be restarted if it keeps doing so; and far above
 * anything a healthy process shows (GC pauses and parsing a large list take well under 100 ms).
 */

/** Options of an {@link EventLoopMonitor}. */
export interface EventLoopMonitorOptions {
  /** Tick period (default 1000 ms). */
  intervalMs?: number;
  /** Lag above which the loop counts as stalled (default 5000 ms). */
  stallMs?: number;
  /** Monotonic time in ms (default performance.now). */
  now?: () => number;
}

/** What the monitor last saw. */
export interface EventLoopState {
  stalled: boolean;
  /** How late the last tick fired, in ms. */
  lagMs: number;
  /** Time since the last tick, in ms. */
  sinceTickMs: number;
}

/** Measures the event loop's lag with a timer (unref'd: it never keeps the process alive). */
export class EventLoopMonitor {
  private readonly intervalMs: number;
  private readonly stallMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private lag = 0;

  constructor(options: EventLoopMonitorOptions = {}) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.stallMs = options.stallMs ?? 5000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Starts ticking (idempotent). */
  start(): void {
    if (this.timer) return;
    this.lastTick = this.now();
    this.schedule();
  }

  /** Stops ticking. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The loop's state as of now. */
  state(): EventLoopState {
    const sinceTickMs = Math.max(0, this.now() - this.lastTick);
    const stalled = this.lag > this.stallMs || sinceTickMs > this.intervalMs + this.stallMs;
    return { stalled, lagMs: this.lag, sinceTickMs };
  }

  private schedule(): void {
    const expected = this.now() + this.intervalMs;
    this.timer = setTimeout(() => {
      const now = this.now();
      this.lag = Math.max(0, now - expected);
      this.lastTick = now;
      this.schedule();
    }, this.intervalMs);
    this.timer.unref();
  }
}
