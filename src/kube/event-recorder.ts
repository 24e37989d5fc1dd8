/**
 * Kubernetes Events (core/v1) about objects, aggregated and rate-limited as client-go's
 * tools/record events_cache does:
 *   - a repeat of the same (source, object uid, type, reason, message) does not create a new
 *     Event: it merge-patches the existing one's `count` and `lastTimestamp`;
 *   - a token bucket per object (burst 25, then one Event per 5 minutes) drops the excess, so a
 *     hot loop cannot flood the API server;
 *   - writes run in the background, serialized per Event (repeats that arrive while a write is in
 *     flight are folded into the next write), retried a few times on 5xx/429/network errors, then
 *     logged and given up; nothing is ever thrown into the caller.
 * The Event name is `<object name>.<16 hex digits of a hash of the key>`: deterministic, so after a
 * restart (an empty cache) the create meets 409 and the recorder adopts the existing Event and
 * continues its count; when the Event has been garbage-collected (404 on patch) it is re-created.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { ApiException, PatchStrategy, setHeaderOptions, type CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { systemClock, type Clock } from '../util/clock.js';

/** The object an Event is about. */
export interface InvolvedObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/** Event type, as core/v1 defines it. */
export type EventType = 'Normal' | 'Warning';

/** Where write failures are reported. */
export interface EventRecorderLogger {
  warn(msg: string, meta?: object): void;
}

/** Identity and limits of a recorder. */
export interface EventRecorderOptions {
  /** `source.component` and `reportingComponent`. */
  component: string;
  /** `source.host` and `reportingInstance`; default the machine's hostname. */
  host?: string;
  clock?: Clock;
  /** Events per object before the rate limit applies; default 25. */
  burst?: number;
  /** One more Event per object every `refillMs`; default 5 minutes. */
  refillMs?: number;
  /** Where failed writes are logged; default console.warn. */
  logger?: EventRecorderLogger;
}

/** What a recorder did, for tests and metrics. */
export interface EventRecorderStats {
  created: number;
  patched: number;
  /** Records dropped by the rate limit. */
  dropped: number;
  /** Writes given up after their attempts failed. */
  failed: number;
}

/** One aggregated Event: what the server has, and what this recorder has seen. */
interface Series {
  name: string;
  namespace: string;
  template: Omit<CoreV1Event, 'count' | 'firstTimestamp' | 'lastTimestamp'>;
  first: Date;
  last: Date;
  /** Count the Event already had when this recorder adopted it (after a 409 on create). */
  base: number;
  /** Records accepted for this Event. */
  recorded: number;
  /** Records already written (or given up). */
  written: number;
  exists: boolean;
  draining?: Promise<void> | undefined;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const MAX_ENTRIES = 4096;
const MAX_ATTEMPTS = 3;
const RETRY_MS = 200;

const consoleLogger: EventRecorderLogger = { warn: (msg, meta) => console.warn(msg, meta ?? {}) };

const codeOf = (err: unknown): number | undefined => (err instanceof ApiException ? err.code : undefined);

/** 5xx, 429 and errors without an HTTP status (connection refused, reset) are worth another try. */
function retryable(err: unknown): boolean {
  const code = codeOf(err);
  return code === undefined || code === 429 || code >= 500;
}

/** Kubernetes `Time`: whole seconds. */
const seconds = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000);
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Sets `key` as the most recently used entry, evicting the least recently used beyond the cap. */
function touch<V>(map: Map<string, V>, key: string, value: V, evictable: (v: V) => boolean): void {
  map.delete(key);
  map.set(key, value);
  if (map.size <= MAX_ENTRIES) return;
  for (const [k, v] of map) {
    if (evictable(v)) {
      map.delete(k);
      return;
    }
  }
}

/**
 * Records Events about objects. Guarantees: `record()` returns at once and never throws; repeats
 * are aggregated into one Event (count, lastTimestamp); at most `burst` records per object are
 * written, then one per `refillMs`; `flush()` resolves once every accepted record has been written
 * or given up (a failed write is attempted at most 3 times, with retries waiting on the clock).
 */
export class EventRecorder {
  private readonly clock: Clock;
  private readonly host: string;
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly logger: EventRecorderLogger;
  private readonly series = new Map<string, Series>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly running = new Set<Promise<void>>();
  private readonly counters: EventRecorderStats = { created: 0, patched: 0, dropped: 0, failed: 0 };

  constructor(
    private readonly core: CoreV1Api,
    private readonly options: EventRecorderOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.host = options.host ?? hostname();
    this.burst = options.burst ?? 25;
    this.refillMs = options.refillMs ?? 5 * 60_000;
    this.logger = options.logger ?? consoleLogger;
  }

  /** Records an Event about `obj` in the background (dropped when the object's rate limit is spent). */
  record(obj: InvolvedObject, type: EventType, reason: string, message: string): void {
    this.recordFrom(this.options.component, obj, { type, reason, message });
  }

  /**
   * The same recorder under another source (as kube-scheduler's Events are not the kubelet's): its
   * Events have their own aggregation and their own rate limit per object; flush and stats are shared.
   */
  from(component: string): { record(obj: InvolvedObject, type: EventType, reason: string, message: string): void } {
    return { record: (obj, type, reason, message) => this.recordFrom(component, obj, { type, reason, message }) };
  }

  private recordFrom(component: string, obj: InvolvedObject, what: { type: EventType; reason: string; message: string }): void {
    const { reason } = what;
    try {
      this.accept(obj, what, component);
    } catch (err) {
      this.logger.warn('event recorder: cannot record event', { reason, error: (err as Error).message });
    }
  }

  /** Resolves once every write started so far (and any they lead to) has finished. */
  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** A copy of the counters. */
  stats(): EventRecorderStats {
    return { ...this.counters };
  }

  private accept(obj: InvolvedObject, what: { type: EventType; reason: string; message: string }, component: string): void {
    const { type, reason, message } = what;
    const m = obj.metadata;
    const objectKey = [component, this.host, obj.apiVersion, obj.kind, m.namespace, m.name, m.uid].join('\u0000');
    if (!this.take(objectKey)) {
      this.counters.dropped++;
      return;
    }
    const key = [objectKey, type, reason, message].join('\u0000');
    const now = seconds(this.clock.now());
    const series = this.series.get(key) ?? this.newSeries(key, obj, { ...what, component }, now);
    series.recorded++;
    series.last = now;
    touch(this.series, key, series, (s) => s.draining === undefined);
    if (series.draining) return;
    const draining = this.drain(series);
    series.draining = draining;
    this.running.add(draining);
    void draining.then(() => this.running.delete(draining));
  }

  /** Takes a token from the object's bucket, refilled continuously at one per `refillMs`. */
  private take(objectKey: string): boolean {
    const now = this.clock.now();
    const bucket = this.buckets.get(objectKey) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + Math.max(0, now - bucket.at) / this.refillMs);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    touch(this.buckets, objectKey, bucket, () => true);
    return allowed;
  }

  private newSeries(key: string, obj: InvolvedObject, what: { type: EventType; reason: string; message: string; component: string }, now: Date): Series {
    const { component } = what;
    const m = obj.metadata;
    const name = `${m.name ?? 'unknown'}.${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
    const namespace = m.namespace ?? 'default';
    const template: Series['template'] = {
      metadata: { name, namespace },
      involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion },
      reason: what.reason,
      message: what.message,
      type: what.type,
      source: { component, host: this.host },
      reportingComponent: component,
      reportingInstance: this.host,
    };
    return { name, namespace, template, first: now, last: now, base: 0, recorded: 0, written: 0, exists: false };
  }

  /** Writes until the server has every record of the series; never rejects. */
  private async drain(series: Series): Promise<void> {
    while (series.written < series.recorded) {
      const target = series.recorded;
      await this.writeWithRetries(series);
      series.written = target;
    }
    series.draining = undefined;
  }

  private async writeWithRetries(series: Series): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.write(series);
      } catch (err) {
        if (attempt >= MAX_ATTEMPTS || !retryable(err)) return this.giveUp(series, err, attempt);
        await this.clock.sleep(RETRY_MS * 2 ** (attempt - 1));
      }
    }
  }

  private giveUp(series: Series, err: unknown, attempts: number): void {
    this.counters.failed++;
    const detail = err instanceof ApiException ? { code: err.code, body: String(err.body) } : { error: (err as Error).message };
    this.logger.warn('event recorder: giving up on an event write', { event: `${series.namespace}/${series.name}`, attempts, ...detail });
  }

  /** Patches the Event when it exists (re-creating it after a 404), else creates it. */
  private async write(series: Series): Promise<void> {
    if (series.exists) {
      try {
        return await this.patch(series);
      } catch (err) {
        if (codeOf(err) !== 404) throw err;
        series.exists = false;
      }
    }
    await this.create(series);
  }

  private async create(series: Series): Promise<void> {
    const body: CoreV1Event = { ...series.template, count: series.base + series.recorded, firstTimestamp: series.first, lastTimestamp: series.last };
    try {
      await this.core.createNamespacedEvent({ namespace: series.namespace, body });
      series.exists = true;
      this.counters.created++;
    } catch (err) {
      if (codeOf(err) !== 409) throw err;
      await this.adopt(series);
    }
  }

  /** The Event exists already (written before a restart): continue its count. */
  private async adopt(series: Series): Promise<void> {
    const existing = await this.core.readNamespacedEvent({ name: series.name, namespace: series.namespace });
    series.base = existing.count ?? 1;
    series.first = existing.firstTimestamp ?? series.first;
    series.exists = true;
    await this.patch(series);
  }

  private async patch(series: Series): Promise<void> {
    const body = { count: series.base + series.recorded, lastTimestamp: rfc3339(series.last) };
    await this.core.patchNamespacedEvent({ name: series.name, namespace: series.namespace, body }, MERGE);
    this.counters.patched++;
  }
}
