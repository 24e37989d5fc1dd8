/**
 * Fault injection for tests of the operator against a misbehaving API server: fail the next
 * N requests with a chosen status, add latency, drop every open watch, compact the history, hold
 * new watch requests (a client whose re-watch reaches the server late).
 */
import { apiError, type ApiError } from '../errors.js';
import type { ObjectStore } from '../store/object-store.js';

/** The fault hooks of a running server. */
export class Faults {
  private failures: Array<{ code: number; message: string }> = [];
  private latency = 0;
  /** Every new watch request fails with this while set (lists and other requests are served). */
  private watchRefusal: { code: number; message: string } | undefined;
  /** Settles when held watch requests may go on; undefined when none are held. */
  private watchHold: { released: Promise<void>; release: () => void } | undefined;

  constructor(private readonly store: ObjectStore) {}

  /** The next `count` API requests fail with `code`. */
  failNext(count: number, code = 500, message = 'injected failure'): void {
    for (let i = 0; i < count; i++) this.failures.push({ code, message });
  }

  /** Every request waits this long before it is handled. */
  setLatency(ms: number): void {
    this.latency = ms;
  }

  /** Ends every open watch, as a restart or a network cut would. */
  dropWatches(): void {
    this.store.dropWatches();
  }

  /** Forgets the event history: the next watch from an older resourceVersion gets 410 Expired. */
  compactHistory(): void {
    this.store.compact();
  }

  /**
   * New watch requests wait, unanswered, until the returned function is called (or `reset()`);
   * other requests and open watches are untouched. With `dropWatches()` this is a re-watch that
   * reaches the server late: whatever changes meanwhile is only in the history, so a
   * `compactHistory()` before the release makes that re-watch end with 410 Expired.
   */
  holdWatches(): () => void {
    if (!this.watchHold) {
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      this.watchHold = { released, release };
    }
    const hold = this.watchHold;
    return () => {
      hold.release();
      if (this.watchHold === hold) this.watchHold = undefined;
    };
  }

  /**
   * Every new watch request fails with `code` until `reset()`, while lists and other requests are
   * served: API priority and fairness shedding watches (429), or RBAC that grants list but not watch.
   */
  refuseWatches(code = 429, message = 'injected watch refusal'): void {
    this.watchRefusal = { code, message };
  }

  /** Clears every fault (held watch requests go on). */
  reset(): void {
    this.failures = [];
    this.latency = 0;
    this.watchRefusal = undefined;
    this.watchHold?.release();
    this.watchHold = undefined;
  }

  /**
   * Applies pending faults to one request (`method` and `url` tell a watch from the rest): waits,
   * then returns the failure to answer with, if any.
   */
  async apply(method = 'GET', url?: URL): Promise<ApiError | undefined> {
    if (this.latency > 0) await new Promise((r) => setTimeout(r, this.latency));
    const watch = isWatch(method, url);
    if (this.watchHold && watch) await this.watchHold.released;
    if (this.watchRefusal && watch) return apiError.withCode(this.watchRefusal.code, this.watchRefusal.message);
    const failure = this.failures.shift();
    return failure ? apiError.withCode(failure.code, failure.message) : undefined;
  }
}

/** Whether a request is a watch (`GET ...?watch=true`). */
function isWatch(method: string, url: URL | undefined): boolean {
  return method === 'GET' && ['true', '1'].includes(url?.searchParams.get('watch') ?? '');
}
