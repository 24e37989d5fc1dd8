/**
 * A hashed timing wheel: many keyed deadlines (one per probe of every container, say) on ONE
 * underlying clock timer. Deadlines are rounded up to ticks of `tickMs`; a tick's entries live in
 * slot `tick % slots`, keyed for O(1) schedule and cancel. A deadline further away than one turn
 * of the wheel stays in its slot and is skipped until its turn comes (the "rounds" of a hashed
 * wheel), so the span is unbounded.
 *
 * Guarantees: a callback never runs before its deadline (by the injected clock) and normally
 * within `tickMs` after it; callbacks due at one wake run in deadline order (ties in the order
 * they were scheduled); a callback may schedule and cancel freely, including its own key.
 * Rescheduling a key replaces its deadline. Wall-clock steps are tolerated: a wake that finds
 * nothing due simply re-arms.
 */

/** Longest delay a Node timer supports. */
const MAX_TIMER_MS = 2 ** 31 - 1;
import type { Clock, TimerHandle } from './clock.js';

/** Options of a wheel. */
export interface TimerWheelOptions {
  /** Resolution: deadlines are rounded up to a multiple of it (default 20 ms). */
  tickMs?: number;
  /** Slots in the wheel; one turn spans tickMs * slots (default 1024, ~20 s). */
  slots?: number;
  /** Receives what a callback threw (default: rethrown once the wake's other callbacks ran). */
  onError?: (err: unknown, key: string) => void;
}

/** What a due key is handed to. */
export type DueCallback = (key: string, atMs: number) => void;

interface Entry {
  key: string;
  at: number;
  tick: number;
  seq: number;
}

/** Keyed deadlines over one clock timer (see the module comment). */
export class TimerWheel {
  private readonly tickMs: number;
  private readonly buckets: Array<Map<string, Entry>>;
  private readonly entries = new Map<string, Entry>();
  /** Last tick whose entries have all been collected. */
  private cursor: number;
  private seq = 0;
  private timer: TimerHandle | undefined;
  private armedTick = Infinity;
  private firing = false;
  private readonly onError: ((err: unknown, key: string) => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: DueCallback,
    options: TimerWheelOptions = {},
  ) {
    this.tickMs = Math.max(1, options.tickMs ?? 20);
    this.buckets = Array.from({ length: Math.max(1, options.slots ?? 1024) }, () => new Map<string, Entry>());
    this.cursor = Math.floor(clock.now() / this.tickMs);
    this.onError = options.onError;
  }

  /** Number of keys waiting. */
  get size(): number {
    return this.entries.size;
  }

  /** Whether `key` has a deadline. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The deadline of `key` (ms since the epoch), if it has one. */
  deadline(key: string): number | undefined {
    return this.entries.get(key)?.at;
  }

  /** Sets (or moves) the deadline of `key` to `atMs`; a deadline in the past fires at once (at the latest at the next tick). */
  schedule(key: string, atMs: number): void {
    this.remove(key);
    const nowTick = this.nowTick();
    const tick = Math.max(Math.ceil(atMs / this.tickMs), this.cursor + 1);
    const entry: Entry = { key, at: atMs, tick, seq: this.seq++ };
    this.entries.set(key, entry);
    this.bucket(tick).set(key, entry);
    if (this.firing) return;
    // An armed wake that is already overdue by the wall clock (it stepped forward) is re-armed
    // to run now rather than when the old delay runs out.
    if (tick < this.armedTick || this.armedTick <= nowTick) this.arm(Math.min(tick, this.armedTick));
  }

  /** Drops the deadline of `key`; returns whether it had one. */
  cancel(key: string): boolean {
    // The clock timer stays armed: a wake with nothing due only re-arms, which is cheaper than
    // searching for the next deadline on every cancel.
    return this.remove(key);
  }

  /** Drops every deadline and the clock timer. */
  clear(): void {
    for (const bucket of this.buckets) bucket.clear();
    this.entries.clear();
    this.disarm();
  }

  private bucket(tick: number): Map<string, Entry> {
    return this.buckets[tick % this.buckets.length] as Map<string, Entry>;
  }

  private remove(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.bucket(entry.tick).delete(key);
    return true;
  }

  private disarm(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.armedTick = Infinity;
  }

  private arm(tick: number): void {
    this.disarm();
    this.armedTick = tick;
    // Node fires a timer over 2^31-1 ms at once: clamp, and an early wake finds nothing due and re-arms.
    this.timer = this.clock.setTimeout(() => this.wake(), Math.min(MAX_TIMER_MS, Math.max(0, tick * this.tickMs - this.clock.now())));
  }

  /**
   * Arms for the first non-empty slot after the cursor. Its entries may belong to a later turn
   * (then the wake finds nothing due and re-arms), but no deadline can come before it.
   */
  private armNext(): void {
    this.disarm();
    if (this.entries.size === 0) return;
    const slots = this.buckets.length;
    for (let tick = this.cursor + 1; tick <= this.cursor + slots; tick++) {
      if (this.bucket(tick).size > 0) return this.arm(tick);
    }
  }

  private wake(): void {
    this.timer = undefined;
    this.armedTick = Infinity;
    const due = this.collect(this.nowTick());
    this.firing = true;
    let failure: { err: unknown } | undefined;
    try {
      for (const entry of due) {
        // Skip what an earlier callback of this wake cancelled or rescheduled.
        if (this.entries.get(entry.key) !== entry) continue;
        this.entries.delete(entry.key);
        const thrown = this.fire(entry);
        failure ??= thrown;
      }
    } finally {
      this.firing = false;
      this.armNext();
    }
    if (failure) throw failure.err;
  }

  /** Runs one callback; returns what it threw when there is no onError to take it. */
  private fire(entry: Entry): { err: unknown } | undefined {
    try {
      this.onDue(entry.key, entry.at);
    } catch (err) {
      if (!this.onError) return { err };
      this.onError(err, entry.key);
    }
    return undefined;
  }

  /**
   * The current tick. When the clock stepped back behind the cursor, the cursor follows it:
   * every entry's tick stays after the cursor (the invariant collect() relies on), and new
   * deadlines are not held back until the old time comes round again.
   */
  private nowTick(): number {
    const tick = Math.floor(this.clock.now() / this.tickMs);
    if (tick < this.cursor) this.cursor = tick;
    return tick;
  }

  /** Takes every entry of ticks up to `nowTick` out of its slot, in deadline order. */
  private collect(nowTick: number): Entry[] {
    const due: Entry[] = [];
    const last = Math.min(nowTick, this.cursor + this.buckets.length);
    for (let tick = this.cursor + 1; tick <= last; tick++) {
      const bucket = this.bucket(tick);
      for (const entry of bucket.values()) {
        if (entry.tick > nowTick) continue;
        bucket.delete(entry.key);
        due.push(entry);
      }
    }
    this.cursor = nowTick;
    return due.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
}
