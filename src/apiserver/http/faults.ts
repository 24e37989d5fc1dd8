/**
 * Fault injection for tests of the operator against a misbehaving API server: fail the next
 * N requests with a chosen status, add latency, drop every open watch, compact the history.
 */
import { apiError, type ApiError } from '../errors.js';
import type { ObjectStore } from '../store/object-store.js';

/** The fault hooks of a running server. */
export class Faults {
  private failures: Array<{ code: number; message: string }> = [];
  private latency = 0;

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

  /** Clears every fault. */
  reset(): void {
    this.failures = [];
    this.latency = 0;
  }

  /** Applies pending faults to one request: waits, then returns the failure to answer with, if any. */
  async apply(): Promise<ApiError | undefined> {
    if (this.latency > 0) await new Promise((r) => setTimeout(r, this.latency));
    const failure = this.failures.shift();
    return failure ? apiError.withCode(failure.code, failure.message) : undefined;
  }
}
