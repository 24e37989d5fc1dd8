/**
 * LeaderElector against an in-memory LeaseStore on a FakeClock: acquiring an empty or released
 * lease, respecting a lease its holder renews (judged by the local clock since the record last
 * changed, never by renewTime, and immune to wall-clock steps), taking over a lease that stopped
 * changing, stepping down on a 409 that reveals another holder or when renewals fail past the
 * renew deadline, releasing on abort so a standby takes over within a retry period, jitter, and the
 * MicroTime conversions of the client-node store.
 */
import { expect } from 'chai';
import type { V1Lease, V1MicroTime } from '@kubernetes/client-node';
import {
  ConflictError,
  LeaderElector,
  formatMicroTime,
  leaseRecordOf,
  leaseSpecOf,
  parseMicroTime,
  type LeaderElectorOptions,
  type LeaseRecord,
  type LeaseStore,
  type StoredLeaseRecord,
} from '../../../src/kube/leader-election.js';
import { FakeClock } from '../../../src/util/clock.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A Lease in memory with resourceVersions, conflicts, failures and hanging calls on demand. */
class MemoryLeaseStore implements LeaseStore {
  lease: StoredLeaseRecord | undefined;
  failing = false;
  hanging = false;
  gets = 0;
  private version = 0;

  async get(signal?: AbortSignal): Promise<StoredLeaseRecord | undefined> {
    this.gets++;
    await this.gate(signal);
    return this.lease ? { ...this.lease } : undefined;
  }

  async create(record: LeaseRecord, signal?: AbortSignal): Promise<StoredLeaseRecord> {
    await this.gate(signal);
    if (this.lease) throw new ConflictError();
    return this.put(record);
  }

  async replace(record: LeaseRecord, resourceVersion: string, signal?: AbortSignal): Promise<StoredLeaseRecord> {
    await this.gate(signal);
    if (!this.lease) throw new Error('not found');
    if (this.lease.resourceVersion !== resourceVersion) throw new ConflictError();
    return this.put(record);
  }

  /** Writes a record as another party would. */
  put(record: LeaseRecord): StoredLeaseRecord {
    this.lease = { ...record, resourceVersion: String(++this.version) };
    return { ...this.lease };
  }

  /** A metadata-only change: a new resourceVersion, the same record. */
  touch(): void {
    if (this.lease) this.lease = { ...this.lease, resourceVersion: String(++this.version) };
  }

  private async gate(signal?: AbortSignal): Promise<void> {
    await Promise.resolve();
    if (this.hanging) await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    if (this.failing) throw new Error('injected failure');
  }
}

const held = (holderIdentity: string, at: number, extra: Partial<LeaseRecord> = {}): LeaseRecord => ({
  holderIdentity, leaseDurationSeconds: 15, acquireTime: at, renewTime: at, leaseTransitions: 0, ...extra,
});

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Candidate {
  elector: LeaderElector;
  events: string[];
  terms: AbortSignal[];
  warnings: string[];
  controller: AbortController;
  done: Promise<void>;
}

/** Starts an elector (jitter off unless `random` is given) and lets its first attempt finish. */
async function candidate(store: MemoryLeaseStore, clock: FakeClock, identity: string, options: Partial<LeaderElectorOptions> = {}): Promise<Candidate> {
  const events: string[] = [];
  const terms: AbortSignal[] = [];
  const warnings: string[] = [];
  const elector = new LeaderElector({
    lease: { namespace: 'default', name: 'dockerpod-operator' },
    identity,
    clock,
    store,
    random: () => 0,
    logger: { info: () => undefined, warn: (msg) => warnings.push(msg) },
    onStartedLeading: (signal) => {
      terms.push(signal);
      events.push('started');
      signal.addEventListener('abort', () => events.push(`aborted (lease holder ${store.lease?.holderIdentity || 'none'})`));
    },
    onStoppedLeading: () => events.push('stopped'),
    onNewLeader: (id) => events.push(`leader ${id}`),
    ...options,
  });
  const controller = new AbortController();
  const done = elector.run(controller.signal);
  await settle();
  return { elector, events, terms, warnings, controller, done };
}

describe('LeaderElector', function () {
  let clock: FakeClock;
  let store: MemoryLeaseStore;
  const running: Candidate[] = [];

  const start = async (identity: string, options: Partial<LeaderElectorOptions> = {}): Promise<Candidate> => {
    const c = await candidate(store, clock, identity, options);
    running.push(c);
    return c;
  };
  const elapsed = (): number => clock.now() - T0;

  beforeEach(() => {
    clock = new FakeClock(T0);
    store = new MemoryLeaseStore();
  });
  afterEach(async () => {
    for (const c of running.splice(0)) c.controller.abort();
    await clock.advance(60_000);
  });

  it('creates and acquires a missing lease, renews it every retry period, and releases it on abort', async function () {
    const a = await start('a');
    expect(a.elector.isLeader()).to.equal(true);
    expect(a.elector.leader()).to.equal('a');
    expect(a.events).to.deep.equal(['leader a', 'started']);
    expect(store.lease).to.deep.equal({ ...held('a', T0), resourceVersion: '1' });

    await clock.advance(2000);
    expect(store.lease).to.deep.include({ holderIdentity: 'a', acquireTime: T0, renewTime: T0 + 2000, leaseTransitions: 0, resourceVersion: '2' });

    a.controller.abort();
    await a.done;
    expect(a.elector.isLeader()).to.equal(false);
    expect(a.terms[0]?.aborted).to.equal(true);
    expect(a.events).to.deep.equal(['leader a', 'started', 'aborted (lease holder a)', 'stopped']);
    expect(store.lease).to.deep.include({ holderIdentity: '', leaseDurationSeconds: 1, acquireTime: T0 + 2000, renewTime: T0 + 2000, leaseTransitions: 0 });
  });

  it('acquires a lease whose holder is empty at once, counting a transition', async function () {
    store.put(held('', T0, { leaseTransitions: 4, renewTime: T0 + 3_600_000 }));
    const a = await start('a');
    expect(a.elector.isLeader()).to.equal(true);
    expect(store.lease).to.deep.include({ holderIdentity: 'a', acquireTime: T0, renewTime: T0, leaseTransitions: 5 });
  });

  it('does not take a lease another holder keeps renewing, even across a wall-clock step', async function () {
    store.put(held('other', T0));
    const a = await start('a');
    for (let i = 1; i <= 30; i++) {
      await clock.advance(2000);
      if (i === 11) clock.step(3_600_000); // just after the change made at i = 10 was seen
      if (i % 5 === 0) store.put(held('other', T0, { renewTime: clock.now() }));
      expect(a.elector.isLeader(), `after ${elapsed()} ms`).to.equal(false);
    }
    expect(a.elector.leader()).to.equal('other');
    expect(a.events).to.deep.equal(['leader other']);
    expect(store.lease?.holderIdentity).to.equal('other');
  });

  for (const [when, renewTime] of [['in the future', T0 + 3_600_000], ['in the past', T0 - 3_600_000]] as const) {
    it(`takes a lease over once it has not changed for leaseDuration on the local clock (renewTime ${when})`, async function () {
      store.put(held('other', T0 - 60_000, { renewTime, leaseTransitions: 2 }));
      const a = await start('a');
      await clock.advance(14_999);
      expect(a.elector.isLeader()).to.equal(false);
      // At the moment of expiry, not at the next attempt (16 s): the candidate wakes when the record it watches expires.
      await clock.advance(1);
      expect(a.elector.isLeader()).to.equal(true);
      expect(store.lease).to.deep.include({ holderIdentity: 'a', acquireTime: T0 + 15_000, renewTime: T0 + 15_000, leaseTransitions: 3 });
      expect(a.events).to.deep.equal(['leader other', 'leader a', 'started']);
    });
  }

  it('restarts the expiry when the record changes', async function () {
    store.put(held('other', T0));
    const a = await start('a');
    await clock.advance(10_000);
    store.put(held('other', T0, { renewTime: clock.now() }));
    await clock.advance(16_000);
    expect(a.elector.isLeader(), 'not before 15 s after the change was seen (at 12 s)').to.equal(false);
    await clock.advance(2000);
    expect(a.elector.isLeader()).to.equal(true);
    expect(store.lease?.leaseTransitions).to.equal(1);
  });

  it('stops leading at once when a renew meets a 409 and the lease has another holder', async function () {
    const a = await start('a');
    await clock.advance(1000);
    store.put(held('b', clock.now(), { leaseTransitions: 1 }));
    await clock.advance(1000);
    expect(a.elector.isLeader()).to.equal(false);
    expect(a.elector.leader()).to.equal('b');
    expect(a.terms[0]?.aborted).to.equal(true);
    expect(String((a.terms[0]?.reason as Error).message)).to.match(/held by b/);
    expect(a.events).to.deep.equal(['leader a', 'started', 'leader b', 'aborted (lease holder b)', 'stopped']);
    await clock.advance(12_000);
    expect(a.elector.isLeader(), 'b\'s lease is respected afterwards').to.equal(false);
    expect(store.lease?.holderIdentity).to.equal('b');
  });

  it('keeps leading through a 409 caused by a metadata-only change', async function () {
    const a = await start('a');
    await clock.advance(1000);
    store.touch();
    await clock.advance(1000);
    expect(a.elector.isLeader()).to.equal(true);
    expect(a.events).to.deep.equal(['leader a', 'started']);
    expect(store.lease).to.deep.include({ holderIdentity: 'a', renewTime: T0 + 2000, leaseTransitions: 0, resourceVersion: '3' });
  });

  it('stops leading when renewals fail for the renew deadline, then campaigns again', async function () {
    const a = await start('a');
    await clock.advance(2000);
    store.failing = true;
    await clock.advance(9999);
    expect(a.elector.isLeader(), '9.999 s after the last successful renew started').to.equal(true);
    await clock.advance(1);
    expect(a.elector.isLeader(), '10 s after it started').to.equal(false);
    expect(a.terms[0]?.aborted).to.equal(true);
    expect(a.events).to.deep.equal(['leader a', 'started', 'aborted (lease holder a)', 'stopped']);

    store.failing = false;
    await clock.advance(2000);
    expect(a.elector.isLeader(), 'its own unchanged lease is renewed again').to.equal(true);
    expect(a.terms).to.have.length(2);
    expect(a.terms[1]?.aborted).to.equal(false);
    expect(store.lease).to.deep.include({ holderIdentity: 'a', acquireTime: T0, leaseTransitions: 0 });
  });

  it('stops leading at the deadline even while a renew request hangs', async function () {
    const a = await start('a');
    await clock.advance(2000);
    store.hanging = true;
    await clock.advance(9999);
    expect(a.elector.isLeader()).to.equal(true);
    await clock.advance(1);
    expect(a.elector.isLeader()).to.equal(false);
    expect(a.events.at(-1)).to.equal('stopped');
  });

  it('releases on abort so that a standby acquires within one retry period', async function () {
    const a = await start('a');
    const b = await start('b');
    await clock.advance(5000);
    expect([a.elector.isLeader(), b.elector.isLeader()]).to.deep.equal([true, false]);
    expect(b.elector.leader()).to.equal('a');

    a.controller.abort();
    await a.done;
    expect(a.events).to.deep.equal(['leader a', 'started', 'aborted (lease holder a)', 'stopped']);
    expect(store.lease).to.deep.include({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 0 });
    expect(b.elector.isLeader()).to.equal(false);

    await clock.advance(1000);
    expect(b.elector.isLeader(), 'at b\'s next attempt, 1 s later').to.equal(true);
    expect(store.lease).to.deep.include({ holderIdentity: 'b', leaseDurationSeconds: 15, leaseTransitions: 1 });
    expect(b.events).to.deep.equal(['leader a', 'leader b', 'started']);
  });

  it('spaces acquire attempts retryPeriod * (1 + random * 1.2) apart', async function () {
    store.put(held('other', T0, { leaseDurationSeconds: 3600 }));
    await start('a', { random: () => 1 });
    expect(store.gets).to.equal(1);
    await clock.advance(4399);
    expect(store.gets).to.equal(1);
    await clock.advance(1);
    expect(store.gets).to.equal(2);
    await clock.advance(4400);
    expect(store.gets).to.equal(3);
  });

  it('logs a failing onStartedLeading and keeps the lease', async function () {
    const a = await start('a', { onStartedLeading: () => Promise.reject(new Error('boom')) });
    await clock.advance(2000);
    expect(a.elector.isLeader()).to.equal(true);
    expect(a.warnings).to.include('leader election: onStartedLeading failed');
  });

  it('refuses a second run() at the same time', async function () {
    const a = await start('a');
    let error: unknown;
    await a.elector.run(new AbortController().signal).catch((err: unknown) => { error = err; });
    expect(String(error)).to.match(/already running/);
  });

  it('validates its timing as client-go does', function () {
    const base = { lease: { namespace: 'default', name: 'l' }, identity: 'a', store: new MemoryLeaseStore(), onStartedLeading: () => undefined, onStoppedLeading: () => undefined };
    expect(() => new LeaderElector({ ...base, leaseDurationMs: 10_000 })).to.throw(/leaseDuration must be greater than renewDeadline/);
    expect(() => new LeaderElector({ ...base, renewDeadlineMs: 2400 })).to.throw(/JitterFactor/);
    expect(() => new LeaderElector({ ...base, identity: '' })).to.throw(/identity/);
    expect(() => new LeaderElector(base)).not.to.throw();
  });
});

describe('Lease MicroTime conversions', function () {
  const at = Date.UTC(2026, 10, 29, 9, 30, 0, 123);

  it('formats MicroTime with exactly six fractional digits', function () {
    expect(formatMicroTime(at)).to.equal('2026-11-29T09:30:00.123000Z');
    const json = JSON.parse(JSON.stringify(leaseSpecOf({ holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: at, renewTime: at + 1, leaseTransitions: 2 }))) as Record<string, unknown>;
    expect(json).to.deep.equal({ holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: '2026-11-29T09:30:00.123000Z', renewTime: '2026-11-29T09:30:00.124000Z', leaseTransitions: 2 });
  });

  it('parses the strings client-node hands back, and reads missing fields as empty', function () {
    expect(parseMicroTime('2026-11-29T09:30:00.123456Z')).to.equal(at);
    expect(parseMicroTime('2026-11-29T10:30:00.123000+01:00')).to.equal(at);
    expect(parseMicroTime(new Date(at))).to.equal(at);
    expect(parseMicroTime(undefined)).to.equal(0);
    expect(parseMicroTime('garbage')).to.equal(0);
    const lease: V1Lease = { metadata: { resourceVersion: '7' }, spec: { holderIdentity: 'b', renewTime: '2026-11-29T09:30:00.123456Z' as unknown as V1MicroTime } };
    expect(leaseRecordOf(lease)).to.deep.equal({ holderIdentity: 'b', leaseDurationSeconds: 0, acquireTime: 0, renewTime: at, leaseTransitions: 0, resourceVersion: '7' });
  });
});
