/**
 * A list+watch cache written directly on client-node's `Watch`, fixing what its `ListWatch` gets
 * wrong: every failure is retried with back-off (a failed list too), `stop()` really stops (its
 * abort never triggers a restart, and no handler runs afterwards), bookmarks are requested, and an
 * inactivity watchdog ends a watch that has gone silent (client-node 1.4 has no watch timeout).
 *
 * One loop drives everything, so at most one list or watch is in flight at a time (plus, rarely,
 * a watch request that the watchdog abandoned before its response headers came and that is aborted
 * the moment they do). The loop: list; then watch from the list's resourceVersion, and after each
 * watch ends:
 *   - normal end after at least one line      -> watch again at once from the last version;
 *   - normal end without any line              -> back-off, then watch again (no tight loop);
 *   - silent for `inactivityTimeoutMs`         -> abort, watch again at once from the last version;
 *     (still waiting for response headers)     -> abandon, back-off, watch again;
 *   - 410 Gone (ERROR event or HTTP status)    -> relist at once (back-off first if the version
 *                                                 came straight from a list: no list/410 storm);
 *   - any other error                          -> back-off, then relist.
 * The back-off doubles at each pause and starts afresh only after a watch that delivered an event
 * or bookmark or stayed open a while, never after a successful list alone (lists that answer while
 * every watch is refused must not loop).
 * A relist is diffed against the cache: add, update or delete only for what changed.
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';

/** What the informer needs of an object: its identity and version (timestamps may be strings or Dates). */
export interface CachedObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}
import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';

/** Where the informer reports restarts and failures. */
export interface InformerLogger {
  info(msg: string, meta?: object): void;
  warn(msg: string, meta?: object): void;
}

/** How to list and watch one resource, and the timing of recovery. */
export interface InformerOptions<T> {
  kubeConfig: KubeConfig;
  /** Collection path, e.g. '/apis/dockerpod.dev/v1alpha1/dockerpods' or a namespaced one. */
  path: string;
  /** Lists the same collection as `path`; its `metadata.resourceVersion` is where the watch starts. */
  list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  clock?: Clock;
  /** No line (event or bookmark) for this long ends the watch, which then resumes; default 70 s. */
  inactivityTimeoutMs?: number;
  /** Label selector of the watch (the list function must use the same one). */
  labelSelector?: string;
  /** Server-side `timeoutSeconds` of each watch; default 300. */
  watchTimeoutSeconds?: number;
  /** Back-off after errors: doubles from `initialMs` up to `maxMs`; default 250 ms to 30 s. */
  backoff?: { initialMs: number; maxMs: number };
  logger?: InformerLogger;
}

/** Request counters of an informer. */
export interface InformerStats {
  /** List calls made (failed ones included). */
  lists: number;
  /** Watch requests started. */
  watches: number;
  /** Recoveries: after a failed list, a failed watch, a 410 or the watchdog (not normal watch ends). */
  restarts: number;
}

/** How one watch request ended. */
type Outcome = 'ended' | 'empty' | 'stalled' | 'hung' | 'expired' | 'failed' | 'stopped';

/** What the loop does after each outcome. */
const NEXT: Record<Outcome, { relist: boolean; backoff: boolean; restart: boolean }> = {
  ended: { relist: false, backoff: false, restart: false },
  empty: { relist: false, backoff: true, restart: false },
  stalled: { relist: false, backoff: false, restart: true },
  hung: { relist: false, backoff: true, restart: true },
  expired: { relist: true, backoff: false, restart: true },
  failed: { relist: true, backoff: true, restart: true },
  stopped: { relist: false, backoff: false, restart: false },
};

type InformerEvent = 'add' | 'update' | 'delete';
type Handler<T> = (obj: T, old: T) => void;
type Query = Record<string, string | number | boolean | undefined>;

/**
 * A watch open this long before it ended shows the server serves watches, so the back-off starts
 * afresh at the next trouble; shorter ones (refused, 410 at once, closed at once) do not.
 */
const HEALTHY_WATCH_MS = 1000;

const silent: InformerLogger = { info: () => undefined, warn: () => undefined };

/** The HTTP status of a client-node watch error, or the `code` of an ERROR event's Status. */
function statusOf(value: unknown): number | undefined {
  const v = (value ?? {}) as { statusCode?: unknown; code?: unknown };
  if (typeof v.statusCode === 'number') return v.statusCode;
  return typeof v.code === 'number' ? v.code : undefined;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}

/** The cache key: `namespace/name`, or `name` for cluster-scoped objects. */
function keyFor(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

const keyOf = (obj: CachedObject): string => keyFor(obj.metadata?.namespace, obj.metadata?.name ?? '');
const versionOf = (obj: CachedObject): string | undefined => obj.metadata?.resourceVersion;

/**
 * One watch request: turns client-node's callbacks into a single outcome, re-arms the watchdog on
 * every line, and makes sure the request is aborted once the outcome is known (even when client-node
 * has not yet handed out its AbortController).
 */
class WatchAttempt {
  readonly outcome: Promise<Outcome>;
  /** Settles once client-node's `watch()` has returned (its request is aborted by then if finished). */
  opened: Promise<void> = Promise.resolve();
  error: unknown;
  private resolveOutcome: (o: Outcome) => void = () => undefined;
  private controller: AbortController | undefined;
  private finished = false;
  private lines = 0;
  /** Events and bookmarks handed on (ERROR lines are not). */
  private delivered = 0;
  /** When the server answered 200 and the stream began; unset while waiting, or when it refused. */
  private openedAt: number | undefined;
  private endedAt = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly inactivityMs: number,
    private readonly onEvent: (type: string, obj: unknown) => void,
  ) {
    this.outcome = new Promise((resolve) => (this.resolveOutcome = resolve));
  }

  start(watch: Watch, path: string, query: Query): void {
    this.arm();
    const opening = watch.watch(path, query, (type: string, obj: unknown) => this.line(type, obj), (err: unknown) => this.done(err));
    this.opened = opening.then(
      (controller) => {
        this.controller = controller;
        // client-node returns only after calling done() when the answer was not 200.
        if (this.finished) controller.abort();
        else this.openedAt = this.clock.now();
      },
      (err: unknown) => this.fail(err),
    );
  }

  /** Ends the attempt without a restart; the request is aborted now or as soon as it can be. */
  cancel(): void {
    this.finish('stopped');
  }

  /**
   * Whether this watch showed that the server serves watches: it delivered an event or bookmark, or
   * stayed open for HEALTHY_WATCH_MS. A refused watch, or one that failed or ended at once, did not.
   */
  provedHealthy(): boolean {
    return this.delivered > 0 || (this.openedAt !== undefined && this.endedAt - this.openedAt >= HEALTHY_WATCH_MS);
  }

  private arm(): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => this.finish(this.controller ? 'stalled' : 'hung'), this.inactivityMs);
  }

  private line(type: string, obj: unknown): void {
    if (this.finished) return;
    this.lines++;
    this.arm();
    if (type === 'ERROR') return this.fail(obj);
    this.delivered++;
    this.onEvent(type, obj);
  }

  private done(err: unknown): void {
    if (err === null || err === undefined) return this.finish(this.lines > 0 ? 'ended' : 'empty');
    this.fail(err);
  }

  private fail(err: unknown): void {
    if (this.finished) return;
    this.error = err;
    this.finish(statusOf(err) === 410 ? 'expired' : 'failed');
  }

  private finish(outcome: Outcome): void {
    if (this.finished) return;
    this.finished = true;
    this.endedAt = this.clock.now();
    this.timer?.cancel();
    this.controller?.abort();
    this.resolveOutcome(outcome);
  }
}

/**
 * A cache of one resource kept current by list+watch. Guarantees: `start()` never throws and
 * retries forever with back-off until `stop()`; at most one list or watch in flight (see the file
 * comment); 'add' fires for a key new to the cache, 'update' only when the resourceVersion changed,
 * 'delete' for a key that was cached; after `stop()` resolves no handler runs and no watch request
 * of this informer is open. A handler that throws is logged and does not disturb the informer.
 */
export class Informer<T extends CachedObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: Record<InformerEvent, Array<Handler<T>>> = { add: [], update: [], delete: [] };
  private readonly clock: Clock;
  private readonly logger: InformerLogger;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly watcher: Watch;
  private readonly stopping = new AbortController();
  private readonly stopped: Promise<undefined>;
  private readonly openings = new Set<Promise<void>>();
  private readonly syncWaiters = new Set<(synced: boolean) => void>();
  private readonly counters: InformerStats = { lists: 0, watches: 0, restarts: 0 };
  private attempt: WatchAttempt | undefined;
  private loop: Promise<void> = Promise.resolve();
  private started = false;
  private synced = false;
  private rv = '';
  /** The version came from a list and no watch line has moved it since. */
  private rvFromList = false;
  private delayMs: number;

  constructor(private readonly options: InformerOptions<T>) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silent;
    this.backoff = options.backoff ?? { initialMs: 250, maxMs: 30_000 };
    this.delayMs = this.backoff.initialMs;
    this.watcher = new Watch(options.kubeConfig);
    this.stopped = new Promise((resolve) => this.stopping.signal.addEventListener('abort', () => resolve(undefined), { once: true }));
  }

  /** Registers a handler; handlers run synchronously, in registration order, after the cache changed. */
  on(event: 'add', handler: (obj: T) => void): void;
  on(event: 'update', handler: (obj: T, old: T) => void): void;
  on(event: 'delete', handler: (obj: T) => void): void;
  on(event: InformerEvent, handler: Handler<T>): void {
    this.handlers[event].push(handler);
  }

  /** Starts listing and watching in the background; a second call, or one after stop(), does nothing. */
  start(): void {
    if (this.started || this.isStopped()) return;
    this.started = true;
    this.loop = this.run();
  }

  /** Stops for good: resolves once no request of this informer is open; no handler runs after that. */
  async stop(): Promise<void> {
    if (!this.isStopped()) {
      this.stopping.abort();
      this.attempt?.cancel();
      for (const waiter of [...this.syncWaiters]) waiter(false);
    }
    await this.loop;
    await Promise.all([...this.openings]);
  }

  /** True once a list has succeeded (and from then on). */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true when synced, false after `timeoutMs` or on stop(). */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.isStopped()) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (synced: boolean): void => {
        timer.cancel();
        this.syncWaiters.delete(done);
        resolve(synced);
      };
      const timer = this.clock.setTimeout(() => done(false), timeoutMs);
      this.syncWaiters.add(done);
    });
  }

  /** The cached object, if any (the cache's own instance: do not mutate it). */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(keyFor(namespace, name));
  }

  /** Every cached object (the cache's own instances: do not mutate them). */
  list(): T[] {
    return [...this.cache.values()];
  }

  /** The resourceVersion the next watch starts from ('' before the first list). */
  lastResourceVersion(): string {
    return this.rv;
  }

  /** A copy of the request counters. */
  stats(): InformerStats {
    return { ...this.counters };
  }

  private isStopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    let relist = true;
    while (!this.isStopped()) {
      if (relist && !(await this.relist())) {
        await this.pause();
        continue;
      }
      relist = await this.watchCycle();
    }
  }

  /** One list; false when it failed (or stop() came first). */
  private async relist(): Promise<boolean> {
    this.counters.lists++;
    try {
      const result = await Promise.race([this.options.list(), this.stopped]);
      if (result === undefined || this.isStopped()) return false;
      this.replace(result.items, result.metadata?.resourceVersion ?? '');
      // The back-off is not reset here: a list that answers while every watch fails (429 shedding,
      // RBAC without `watch`) would otherwise relist every initial delay, forever. Only a watch
      // that proves healthy (watchCycle) resets it.
      this.markSynced();
      return true;
    } catch (err) {
      this.counters.restarts++;
      this.logger.warn('informer: list failed, retrying after back-off', { path: this.options.path, error: describe(err), delayMs: this.delayMs });
      return false;
    }
  }

  /** One watch and the pause after it; returns whether a relist comes next. */
  private async watchCycle(): Promise<boolean> {
    const attempt = new WatchAttempt(this.clock, this.options.inactivityTimeoutMs ?? 70_000, (type, obj) => this.apply(type, obj as T));
    this.attempt = attempt;
    this.counters.watches++;
    attempt.start(this.watcher, this.options.path, this.query());
    this.track(attempt.opened);
    const outcome = await attempt.outcome;
    this.attempt = undefined;
    if (attempt.provedHealthy()) this.delayMs = this.backoff.initialMs;
    const next = NEXT[outcome];
    if (next.restart) this.noteRestart(outcome, attempt.error);
    if (next.backoff || (outcome === 'expired' && this.rvFromList)) await this.pause();
    return next.relist;
  }

  private query(): Query {
    return {
      allowWatchBookmarks: true,
      timeoutSeconds: this.options.watchTimeoutSeconds ?? 300,
      resourceVersion: this.rv === '' ? undefined : this.rv,
      labelSelector: this.options.labelSelector || undefined,
    };
  }

  private track(opening: Promise<void>): void {
    this.openings.add(opening);
    void opening.then(() => this.openings.delete(opening));
  }

  private noteRestart(outcome: Outcome, error: unknown): void {
    this.counters.restarts++;
    const meta = { path: this.options.path, resourceVersion: this.rv, ...(error === undefined ? {} : { error: describe(error) }) };
    if (outcome === 'failed') this.logger.warn('informer: watch failed, relisting after back-off', meta);
    else this.logger.info(`informer: watch ${outcome}, restarting`, meta);
  }

  private async pause(): Promise<void> {
    const ms = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
    await this.clock.sleep(ms, this.stopping.signal);
  }

  private markSynced(): void {
    this.synced = true;
    for (const waiter of [...this.syncWaiters]) waiter(true);
  }

  /** Applies one watch event; BOOKMARK (and anything unknown) only moves the version. */
  private apply(type: string, obj: T): void {
    if (this.isStopped()) return;
    if (type === 'ADDED' || type === 'MODIFIED') this.upsert(obj);
    else if (type === 'DELETED') this.remove(obj);
    const rv = versionOf(obj);
    if (rv) {
      this.rv = rv;
      this.rvFromList = false;
    }
  }

  private upsert(obj: T): void {
    const key = keyOf(obj);
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    if (!old) this.emit('add', obj, obj);
    else if (versionOf(old) !== versionOf(obj)) this.emit('update', obj, old);
  }

  private remove(obj: T): void {
    const key = keyOf(obj);
    if (!this.cache.delete(key)) return;
    this.emit('delete', obj, obj);
  }

  /** Replaces the cache with a list, emitting only the differences. */
  private replace(items: T[], rv: string): void {
    const previous = new Map(this.cache);
    this.cache.clear();
    for (const item of items) this.cache.set(keyOf(item), item);
    this.rv = rv;
    this.rvFromList = true;
    for (const [key, obj] of this.cache) {
      const old = previous.get(key);
      if (!old) this.emit('add', obj, obj);
      else if (versionOf(old) !== versionOf(obj)) this.emit('update', obj, old);
    }
    for (const [key, old] of previous) if (!this.cache.has(key)) this.emit('delete', old, old);
  }

  private emit(event: InformerEvent, obj: T, old: T): void {
    for (const handler of this.handlers[event]) {
      if (this.isStopped()) return;
      try {
        handler(obj, old);
      } catch (err) {
        this.logger.warn(`informer: ${event} handler threw`, { path: this.options.path, key: keyOf(obj), error: describe(err) });
      }
    }
  }
}
