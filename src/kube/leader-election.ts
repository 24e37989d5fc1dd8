/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's tools/leaderelection does it
 * (LeaderElector with a LeaseLock), so several operator replicas can run and only one reconciles:
 *   - acquire: every retryPeriod * (1 + random * 1.2) (client-go's JitterFactor), try to take the
 *     lease. It is taken only when its holder is empty, or when the record has not CHANGED for the
 *     holder's leaseDurationSeconds as measured on the LOCAL clock since this elector last saw it
 *     change (renewTime is never compared with our clock, so skewed clocks do not matter). The
 *     measure uses the clock's timers, which are monotonic: a wall-clock step cannot expire a lease.
 *     Unlike client-go, a candidate also tries at the very moment the record it watches expires,
 *     rather than at its next jittered attempt: the judgment is the same, but a dead leader is
 *     replaced leaseDuration + at most one attempt period after its last renewal (at most 19.4 s
 *     with the defaults) instead of up to one more jittered period later (23.8 s);
 *   - every write is a replace quoting the resourceVersion last seen (a 409 means someone else
 *     wrote first); a new holder increments leaseTransitions, a renewal keeps it and acquireTime;
 *   - lead: onStartedLeading(signal), then renew every retryPeriod (an optimistic replace, falling
 *     back to read-then-replace). When no renew attempt that began in the last renewDeadline has
 *     succeeded, leadership stops at once: the signal aborts and onStoppedLeading runs, even if a
 *     request is still in flight (each request is itself aborted after renewDeadline);
 *   - a renew that finds another holder in the lease (typically after a 409) also stops leadership
 *     at once. client-go keeps retrying until renewDeadline in that case; stepping down at once is
 *     the safer reading, since the other holder is already entitled to act;
 *   - after stepping down the elector goes back to acquiring (rather than returning, as client-go's
 *     Run does): a replica cut off from the API server for a while becomes a candidate again. It
 *     first waits until the promise returned by onStartedLeading settles, so two terms of one
 *     elector never overlap. If the lease is still its own and unchanged, it is simply renewed;
 *   - when run()'s signal aborts while leading (client-go's ReleaseOnCancel): the term's signal
 *     aborts at once; after onStartedLeading's promise settles (waiting at most renewDeadline) the
 *     lease is released as client-go releases it (holderIdentity "", leaseDurationSeconds 1,
 *     acquireTime = renewTime = now, leaseTransitions kept), then onStoppedLeading runs and run()
 *     resolves. A standby sees the empty holder at its next attempt and takes over.
 * Unlike client-go, onStoppedLeading runs only when a term ends (not when run() ends without ever
 * leading), onNewLeader is called synchronously and never with the empty identity, and
 * leaseDurationSeconds is rounded up (never down) to whole seconds.
 */
import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';
import { ConflictError, type LeaseRecord, type LeaseStore, type StoredLeaseRecord } from './lease-store.js';

export {
  ConflictError, clientLeaseStore, formatMicroTime, leaseRecordOf, leaseSpecOf, parseMicroTime, type LeaseRecord, type LeaseStore, type StoredLeaseRecord,
} from './lease-store.js';

/** client-go's JitterFactor: acquire attempts are retryPeriod * (1 + random * 1.2) apart. */
export const JITTER_FACTOR = 1.2;

/** Where the elector reports what it does. */
export interface LeaderElectorLogger {
  info(msg: string, meta?: object): void;
  warn(msg: string, meta?: object): void;
}

/** Configuration of a LeaderElector (the durations of client-go's LeaderElectionConfig). */
export interface LeaderElectorOptions {
  /** The Lease, for log messages (the store decides where the record really lives). */
  lease: { namespace: string; name: string };
  /** This candidate's identity, unique among the replicas (e.g. the pod name). */
  identity: string;
  /** How long a lease that stopped changing is respected by the others; default 15 s. */
  leaseDurationMs?: number;
  /** The leader stops when no renew has succeeded for this long; default 10 s. */
  renewDeadlineMs?: number;
  /** Time between attempts; default 2 s. */
  retryPeriodMs?: number;
  clock?: Clock;
  logger?: LeaderElectorLogger;
  store: LeaseStore;
  /** Start the leader's work; stop it when `signal` aborts. A returned promise should settle then. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Leadership has ended (deadline missed, lease lost, or released on abort). */
  onStoppedLeading(): void;
  /** Another (or this) identity was seen holding the lease. */
  onNewLeader?(identity: string): void;
  /** Source of the acquire jitter (tests pass a constant); default Math.random. */
  random?: () => number;
}

interface Timing { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number }

/** One period of leadership. */
interface Term {
  controller: AbortController;
  /** Given to onStartedLeading: aborts with run()'s signal or when the term ends. */
  signal: AbortSignal;
  /** Fires renewDeadline after the start of the last successful attempt. */
  deadline: Deadline;
  /** Settles when onStartedLeading's promise does; never rejects. */
  work: Promise<void>;
  ended: boolean;
}

/** Node's longest timer; a longer leaseDurationSeconds would otherwise fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const silent: LeaderElectorLogger = { info: () => undefined, warn: () => undefined };

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** client-go's NewLeaderElector checks. */
function validate(t: Timing, identity: string): void {
  if (identity === '') throw new Error('leader election: identity must not be empty');
  if (!(t.retryPeriodMs > 0)) throw new Error('leader election: retryPeriod must be greater than zero');
  if (t.leaseDurationMs <= t.renewDeadlineMs) throw new Error('leader election: leaseDuration must be greater than renewDeadline');
  if (t.renewDeadlineMs <= JITTER_FACTOR * t.retryPeriodMs) throw new Error('leader election: renewDeadline must be greater than retryPeriod*JitterFactor');
}

const recordOf = (r: LeaseRecord): LeaseRecord => ({
  holderIdentity: r.holderIdentity, leaseDurationSeconds: r.leaseDurationSeconds, acquireTime: r.acquireTime, renewTime: r.renewTime, leaseTransitions: r.leaseTransitions,
});

/** Whether two records are the same (client-go compares the raw records). */
function sameRecord(a: LeaseRecord, b: LeaseRecord): boolean {
  return a.holderIdentity === b.holderIdentity && a.leaseDurationSeconds === b.leaseDurationSeconds && a.acquireTime === b.acquireTime
    && a.renewTime === b.renewTime && a.leaseTransitions === b.leaseTransitions;
}

/** A signal that aborts after `ms` on `clock` or with `parent`; `done()` frees the timer. */
function boundedSignal(clock: Clock, ms: number, parent?: AbortSignal): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const timer = clock.setTimeout(() => controller.abort(new Error(`timed out after ${ms} ms`)), ms);
  return { signal: parent ? AbortSignal.any([parent, controller.signal]) : controller.signal, done: () => timer.cancel() };
}

/** Resolves when `work` settles or `signal` aborts, whichever comes first; its listener is then removed. */
function settledOrAborted(work: Promise<void>, signal: AbortSignal, cleanup?: () => void): Promise<void> {
  if (signal.aborted) return Promise.resolve(cleanup?.());
  return new Promise((resolve) => {
    const done = (): void => { signal.removeEventListener('abort', done); cleanup?.(); resolve(); };
    signal.addEventListener('abort', done, { once: true });
    void work.then(done);
  });
}

/** Sleeps on `clock` until `ms` pass or `signal` aborts, leaving no listener or timer behind. */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  let timer: TimerHandle | undefined;
  const elapsed = new Promise<void>((resolve) => { timer = clock.setTimeout(resolve, ms); });
  return settledOrAborted(elapsed, signal, () => timer?.cancel());
}

/** A timer that remembers having fired; its action can be bound after it was started. */
class Deadline {
  fired = false;
  private action: (() => void) | undefined;
  private readonly handle: TimerHandle;

  constructor(clock: Clock, ms: number) {
    this.handle = clock.setTimeout(() => {
      this.fired = true;
      this.action?.();
    }, ms);
  }

  onFire(action: () => void): void {
    this.action = action;
  }

  cancel(): void {
    this.handle.cancel();
  }
}

/**
 * Elects one leader among the candidates sharing a Lease. Guarantees: at most one term at a time
 * in this elector; a term ends (signal aborted, onStoppedLeading called) no later than renewDeadline
 * after the start of its last successful renew attempt; others never take the lease before it has
 * stayed unchanged for leaseDuration on their own clocks, which is longer than renewDeadline.
 */
export class LeaderElector {
  private readonly clock: Clock;
  private readonly logger: LeaderElectorLogger;
  private readonly timing: Timing;
  private readonly random: () => number;
  private readonly store: LeaseStore;
  /** The record last seen (read or written), and the resourceVersion a replace quotes. */
  private observed: LeaseRecord | undefined;
  private observedVersion = '';
  /** The observed record has not changed for its leaseDurationSeconds (measured by a timer). */
  private expired = true;
  private expiry: TimerHandle | undefined;
  /** Wakes a candidate waiting between attempts when the observed record expires. */
  private onExpired: (() => void) | undefined;
  private reported = '';
  private term: Term | undefined;
  private running = false;

  constructor(private readonly options: LeaderElectorOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silent;
    this.random = options.random ?? Math.random;
    this.store = options.store;
    const { leaseDurationMs = 15_000, renewDeadlineMs = 10_000, retryPeriodMs = 2_000 } = options;
    this.timing = { leaseDurationMs, renewDeadlineMs, retryPeriodMs };
    validate(this.timing, options.identity);
  }

  /** Whether this elector is leading now (a term is running). */
  isLeader(): boolean {
    return this.term !== undefined && !this.term.ended;
  }

  /** The holder of the lease as last seen, undefined when nobody holds it (or before the first read). */
  leader(): string | undefined {
    const holder = this.observed?.holderIdentity;
    return holder === '' ? undefined : holder;
  }

  /** A copy of the record last seen (read or written). */
  record(): LeaseRecord | undefined {
    return this.observed ? recordOf(this.observed) : undefined;
  }

  /**
   * Campaigns until `signal` aborts: acquire, lead, and after losing the lease acquire again.
   * Resolves once `signal` has aborted and the lease, if held, has been released.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error('leader election: run() is already running');
    this.running = true;
    try {
      for (;;) {
        const deadline = await this.acquire(signal);
        if (!deadline) return;
        await this.lead(deadline, signal);
      }
    } finally {
      this.running = false;
      this.forget();
    }
  }

  private describe(): { lease: string; identity: string } {
    return { lease: `${this.options.lease.namespace}/${this.options.lease.name}`, identity: this.options.identity };
  }

  /** Tries until the lease is ours; returns the deadline of the winning attempt, or undefined on abort. */
  private async acquire(signal: AbortSignal): Promise<Deadline | undefined> {
    if (signal.aborted) return undefined;
    this.logger.info('leader election: attempting to acquire the lease', this.describe());
    while (!signal.aborted) {
      const deadline = new Deadline(this.clock, this.timing.renewDeadlineMs);
      if (await this.attempt(signal)) return deadline;
      deadline.cancel();
      await this.pause(signal);
    }
    return undefined;
  }

  /** Waits one jittered retry period, or less when the lease held by another expires meanwhile. */
  private async pause(signal: AbortSignal): Promise<void> {
    const wake = new AbortController();
    this.onExpired = () => wake.abort();
    try {
      await sleep(this.clock, this.timing.retryPeriodMs * (1 + this.random() * JITTER_FACTOR), AbortSignal.any([signal, wake.signal]));
    } finally {
      this.onExpired = undefined;
    }
  }

  private async lead(deadline: Deadline, signal: AbortSignal): Promise<void> {
    if (deadline.fired) return;
    if (signal.aborted) { deadline.cancel(); return this.release(); }
    const term = this.startTerm(deadline, signal);
    await this.renewLoop(term, signal);
    if (term.ended) return settledOrAborted(term.work, signal);
    await this.resign(term);
  }

  private startTerm(deadline: Deadline, signal: AbortSignal): Term {
    const controller = new AbortController();
    const term: Term = { controller, signal: AbortSignal.any([signal, controller.signal]), deadline, work: Promise.resolve(), ended: false };
    this.term = term;
    deadline.onFire(() => this.stepDown(term, 'renew deadline exceeded'));
    this.logger.info('leader election: became leader', this.describe());
    term.work = this.startWork(term.signal);
    return term;
  }

  private startWork(signal: AbortSignal): Promise<void> {
    const failed = (err: unknown): void => this.logger.warn('leader election: onStartedLeading failed', { ...this.describe(), error: errorText(err) });
    try {
      return Promise.resolve(this.options.onStartedLeading(signal)).catch(failed);
    } catch (err) {
      failed(err);
      return Promise.resolve();
    }
  }

  /** Renews every retryPeriod until the term ends or `signal` aborts. */
  private async renewLoop(term: Term, signal: AbortSignal): Promise<void> {
    for (;;) {
      await sleep(this.clock, this.timing.retryPeriodMs, term.signal);
      if (term.ended || signal.aborted) return;
      const deadline = new Deadline(this.clock, this.timing.renewDeadlineMs);
      const renewed = await this.attempt(term.signal);
      if (renewed && !term.ended) {
        term.deadline.cancel();
        term.deadline = deadline;
        deadline.onFire(() => this.stepDown(term, 'renew deadline exceeded'));
        continue;
      }
      deadline.cancel();
      const holder = this.leader();
      if (holder !== undefined && holder !== this.options.identity) this.stepDown(term, `the lease is held by ${holder}`);
    }
  }

  private endTerm(term: Term, reason: string): void {
    term.ended = true;
    term.deadline.cancel();
    if (this.term === term) this.term = undefined;
    term.controller.abort(new Error(`leader election: ${reason}`));
  }

  /** Stops leading at once (deadline missed or lease lost); the lease is not touched. */
  private stepDown(term: Term, reason: string): void {
    if (term.ended) return;
    this.endTerm(term, reason);
    this.logger.warn('leader election: stopped leading', { ...this.describe(), reason });
    this.notifyStopped();
  }

  /** run()'s signal aborted while leading: wait (bounded) for the work, release, then report. */
  private async resign(term: Term): Promise<void> {
    this.endTerm(term, 'stopping');
    const bounded = boundedSignal(this.clock, this.timing.renewDeadlineMs);
    await settledOrAborted(term.work, bounded.signal, bounded.done);
    await this.release();
    this.logger.info('leader election: stopped leading and released the lease', this.describe());
    this.notifyStopped();
  }

  private notifyStopped(): void {
    try {
      this.options.onStoppedLeading();
    } catch (err) {
      this.logger.warn('leader election: onStoppedLeading failed', { ...this.describe(), error: errorText(err) });
    }
  }

  /** One bounded try, then reports a change of leader. */
  private async attempt(signal: AbortSignal): Promise<boolean> {
    const bounded = boundedSignal(this.clock, this.timing.renewDeadlineMs, signal);
    try {
      return await this.tryAcquireOrRenew(bounded.signal);
    } finally {
      bounded.done();
      this.reportLeader();
    }
  }

  /** client-go's tryAcquireOrRenew. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = this.clock.now();
    const seconds = Math.ceil(this.timing.leaseDurationMs / 1000);
    const desired: LeaseRecord = { holderIdentity: this.options.identity, leaseDurationSeconds: seconds, acquireTime: now, renewTime: now, leaseTransitions: 0 };
    if (await this.renewOptimistically(desired, signal)) return true;
    let current: StoredLeaseRecord | undefined;
    try {
      current = await this.store.get(signal);
    } catch (err) {
      this.logger.warn('leader election: cannot read the lease', { ...this.describe(), error: errorText(err) });
      return false;
    }
    if (!current) return this.write('create', () => this.store.create(desired, signal));
    this.observe(current);
    if (current.holderIdentity !== '' && !this.expired && !this.holds()) return false;
    const record = this.holds() ? continued(desired, current) : { ...desired, leaseTransitions: current.leaseTransitions + 1 };
    const version = current.resourceVersion;
    return this.write('update', () => this.store.replace(record, version, signal));
  }

  /** The fast path: a leader whose lease is still valid replaces it assuming nothing changed. */
  private async renewOptimistically(desired: LeaseRecord, signal: AbortSignal): Promise<boolean> {
    const old = this.observed;
    if (!old || !this.holds() || this.expired) return false;
    const version = this.observedVersion;
    return this.write('renew', () => this.store.replace(continued(desired, old), version, signal), true);
  }

  private holds(): boolean {
    return this.observed?.holderIdentity === this.options.identity;
  }

  private async write(action: string, fn: () => Promise<StoredLeaseRecord>, quiet = false): Promise<boolean> {
    try {
      const stored = await fn();
      this.setObserved(stored, stored.resourceVersion);
      return true;
    } catch (err) {
      const level = quiet ? 'info' : 'warn';
      this.logger[level](`leader election: cannot ${action} the lease`, { ...this.describe(), conflict: err instanceof ConflictError, error: errorText(err) });
      return false;
    }
  }

  /** Takes in a record read from the store: its age restarts only when it changed. */
  private observe(current: StoredLeaseRecord): void {
    if (this.observed && sameRecord(this.observed, current)) {
      this.observedVersion = current.resourceVersion;
      return;
    }
    this.setObserved(current, current.resourceVersion);
  }

  private setObserved(record: LeaseRecord, version: string): void {
    this.observed = recordOf(record);
    this.observedVersion = version;
    this.expiry?.cancel();
    const ms = Math.min(record.leaseDurationSeconds * 1000, MAX_TIMER_MS);
    this.expired = !(ms > 0);
    this.expiry = this.expired ? undefined : this.clock.setTimeout(() => {
      this.expired = true;
      this.onExpired?.();
    }, ms);
  }

  /** After run(): nothing observed any more (a later run starts from a fresh observation). */
  private forget(): void {
    this.expiry?.cancel();
    [this.expiry, this.expired, this.observed, this.observedVersion, this.reported] = [undefined, true, undefined, '', ''];
  }

  /** client-go's maybeReportTransition (without the empty identity). */
  private reportLeader(): void {
    const holder = this.observed?.holderIdentity ?? '';
    if (holder === this.reported) return;
    this.reported = holder;
    if (holder === '') return;
    this.logger.info('leader election: new leader', { ...this.describe(), leader: holder });
    try {
      this.options.onNewLeader?.(holder);
    } catch (err) {
      this.logger.warn('leader election: onNewLeader failed', { ...this.describe(), error: errorText(err) });
    }
  }

  /** client-go's release: if the lease is still ours, empty its holder and shorten it to 1 s. */
  private async release(): Promise<void> {
    const bounded = boundedSignal(this.clock, this.timing.renewDeadlineMs);
    try {
      const current = await this.store.get(bounded.signal);
      if (!current) return;
      this.observe(current);
      if (!this.holds()) return;
      const now = this.clock.now();
      const released: LeaseRecord = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: current.leaseTransitions };
      const stored = await this.store.replace(released, current.resourceVersion, bounded.signal);
      this.setObserved(stored, stored.resourceVersion);
    } catch (err) {
      this.logger.warn('leader election: cannot release the lease', { ...this.describe(), error: errorText(err) });
    } finally {
      bounded.done();
      this.reportLeader();
    }
  }
}

/** A renewal of `old` by its holder: acquireTime and leaseTransitions are kept. */
function continued(desired: LeaseRecord, old: LeaseRecord): LeaseRecord {
  return { ...desired, acquireTime: old.acquireTime, leaseTransitions: old.leaseTransitions };
}
