/**
 * The work queue keeps client-go / controller-runtime semantics: keys are de-duplicated while
 * waiting, a key is never reconciled twice at once (adds during a pass coalesce into exactly one
 * more pass), errors back off exponentially per key (capped), success and requeue-after forget the
 * back-off, terminal errors are not retried, event adds bypass a back-off, concurrency is bounded,
 * delays run on the injected clock's monotonic timers (a clock step neither fires nor loses them),
 * and shutdown stops taking keys, drops delayed ones and aborts passes still running after the
 * grace period. Everything runs on a FakeClock with reconciles settled by hand: no real sleeps.
 */
import { expect } from 'chai';
import {
  TerminalError,
  WorkQueue,
  type PassResult,
  type ReconcileResult,
  type WorkQueueOptions,
} from '../../../src/controller/work-queue.js';
import { FakeClock } from '../../../src/util/clock.js';

/** One reconcile call, settled by the test. */
interface Call {
  key: string;
  signal: AbortSignal;
  resolve: (r?: ReconcileResult) => void;
  reject: (e: unknown) => void;
}

/** Lets timers' and settled reconciles' continuations (promises, p-queue microtasks) run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

/** A queue on a FakeClock whose reconciler records its calls and waits to be settled. */
class Harness {
  readonly clock = new FakeClock();
  readonly calls: Call[] = [];
  readonly results: PassResult[] = [];
  readonly queue: WorkQueue;
  maxPerKey = 0;
  maxTotal = 0;
  private readonly running = new Map<string, number>();
  private total = 0;

  constructor(options: Partial<WorkQueueOptions> = {}) {
    this.queue = new WorkQueue((key, signal) => this.reconcile(key, signal), {
      concurrency: 1,
      clock: this.clock,
      onResult: (r) => this.results.push(r),
      ...options,
    });
  }

  /** Number of calls for `key` (or all calls). */
  count(key?: string): number {
    return key === undefined ? this.calls.length : this.calls.filter((c) => c.key === key).length;
  }

  /** The latest call for `key`. */
  last(key: string): Call {
    const call = this.calls.filter((c) => c.key === key).at(-1);
    if (!call) throw new Error(`no call for ${key}`);
    return call;
  }

  /** Settles the latest call for `key` and lets the queue react. */
  async succeed(key: string, result?: ReconcileResult): Promise<void> {
    this.last(key).resolve(result);
    await flush();
  }

  /** Fails the latest call for `key` and lets the queue react. */
  async fail(key: string, error: unknown = new Error('boom')): Promise<void> {
    this.last(key).reject(error);
    await flush();
  }

  /** Outcomes reported so far. */
  outcomes(): string[] {
    return this.results.map((r) => `${r.key}:${r.outcome}`);
  }

  private reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    const perKey = (this.running.get(key) ?? 0) + 1;
    this.running.set(key, perKey);
    this.total++;
    this.maxPerKey = Math.max(this.maxPerKey, perKey);
    this.maxTotal = Math.max(this.maxTotal, this.total);
    return new Promise<ReconcileResult | void>((resolve, reject) => {
      this.calls.push({ key, signal, resolve, reject });
    }).finally(() => {
      this.running.set(key, (this.running.get(key) ?? 1) - 1);
      this.total--;
    });
  }
}

/** Started harness with `key` in flight. */
async function inFlight(key: string, options: Partial<WorkQueueOptions> = {}): Promise<Harness> {
  const h = new Harness(options);
  h.queue.start();
  h.queue.add(key);
  await flush();
  expect(h.count(key)).to.equal(1);
  return h;
}

describe('WorkQueue', function () {
  describe('options', function () {
    const reconcile = (): Promise<void> => Promise.resolve();
    it('rejects a concurrency that is not an integer >= 1', function () {
      expect(() => new WorkQueue(reconcile, { concurrency: 0 })).to.throw(RangeError);
      expect(() => new WorkQueue(reconcile, { concurrency: 1.5 })).to.throw(RangeError);
    });
    it('rejects a non-positive base delay and a cap below it', function () {
      expect(() => new WorkQueue(reconcile, { concurrency: 1, baseDelayMs: 0 })).to.throw(RangeError);
      expect(() => new WorkQueue(reconcile, { concurrency: 1, baseDelayMs: 10, maxDelayMs: 5 })).to.throw(RangeError);
    });
  });

  describe('adding keys', function () {
    it('keeps adds made before start and runs nothing until start', async function () {
      const h = new Harness();
      h.queue.add('ns/a');
      await flush();
      expect(h.count()).to.equal(0);
      expect(h.queue.depth()).to.equal(1);
      h.queue.start();
      await flush();
      expect(h.count('ns/a')).to.equal(1);
      expect(h.queue.depth()).to.equal(0);
      expect(h.queue.inFlight()).to.equal(1);
    });

    it('says a key is busy while it waits or runs, and not once its pass ended or while it is delayed', async function () {
      const h = new Harness();
      h.queue.add('ns/a');
      h.queue.addAfter('ns/b', 1000);
      expect([h.queue.busy('ns/a'), h.queue.busy('ns/b')]).to.deep.equal([true, false]);
      h.queue.start();
      await flush();
      expect(h.queue.busy('ns/a'), 'in flight').to.equal(true);
      await h.succeed('ns/a');
      expect(h.queue.busy('ns/a'), 'done').to.equal(false);
    });

    it('de-duplicates a key while it waits', async function () {
      const h = new Harness();
      for (let i = 0; i < 5; i++) h.queue.add('ns/a');
      h.queue.add('ns/b');
      expect(h.queue.depth()).to.equal(2);
      h.queue.start();
      await flush();
      await h.succeed('ns/a');
      await h.succeed('ns/b');
      expect(h.count('ns/a')).to.equal(1);
      expect(h.count('ns/b')).to.equal(1);
      expect(h.outcomes()).to.deep.equal(['ns/a:success', 'ns/b:success']);
    });

    it('never runs a reconcile on the stack of add()', async function () {
      const h = new Harness();
      h.queue.start();
      h.queue.add('ns/a');
      expect(h.count()).to.equal(0);
      await flush();
      expect(h.count()).to.equal(1);
    });
  });

  describe('a key in flight', function () {
    it('is never reconciled twice at once, even with free workers', async function () {
      const h = await inFlight('ns/a', { concurrency: 4 });
      h.queue.add('ns/a');
      await flush();
      expect(h.queue.inFlight()).to.equal(1);
      expect(h.count('ns/a')).to.equal(1);
      await h.succeed('ns/a');
      expect(h.count('ns/a')).to.equal(2);
      expect(h.maxPerKey).to.equal(1);
    });

    it('coalesces a burst of adds during a pass into exactly one more pass', async function () {
      const h = await inFlight('ns/a');
      for (let i = 0; i < 100; i++) h.queue.add('ns/a');
      expect(h.queue.depth()).to.equal(0);
      await h.succeed('ns/a');
      expect(h.count('ns/a')).to.equal(2);
      await h.succeed('ns/a');
      await h.clock.advance(60_000);
      await h.queue.onIdle();
      expect(h.count('ns/a')).to.equal(2);
      expect(h.maxPerKey).to.equal(1);
    });

    it('runs only once when nothing adds it again', async function () {
      const h = await inFlight('ns/a');
      await h.succeed('ns/a');
      await h.queue.onIdle();
      expect(h.count('ns/a')).to.equal(1);
    });

    it('runs once more when a delayed add falls due during the pass', async function () {
      const h = await inFlight('ns/a');
      h.queue.addAfter('ns/a', 10);
      await h.clock.advance(10);
      expect(h.count('ns/a')).to.equal(1);
      await h.succeed('ns/a');
      expect(h.count('ns/a')).to.equal(2);
    });
  });

  describe('outcomes', function () {
    it('retries a failing key after 5, 10, 20 ms and counts the retries', async function () {
      const h = await inFlight('ns/a');
      for (const [i, delay] of [5, 10, 20].entries()) {
        await h.fail('ns/a');
        expect(h.queue.retries('ns/a')).to.equal(i + 1);
        expect(h.queue.depth()).to.equal(0);
        await h.clock.advance(delay - 1);
        expect(h.count('ns/a')).to.equal(i + 1);
        await h.clock.advance(1);
        expect(h.count('ns/a')).to.equal(i + 2);
      }
      expect(h.results.map((r) => r.retries)).to.deep.equal([0, 1, 2]);
      expect(h.results.every((r) => r.outcome === 'error' && r.error instanceof Error)).to.equal(true);
    });

    it('caps the back-off at maxDelayMs, 5 minutes by default', async function () {
      const h = await inFlight('ns/a');
      for (let n = 0; n < 20; n++) {
        const delay = Math.min(5 * 2 ** n, 300_000);
        await h.fail('ns/a');
        await h.clock.advance(delay - 1);
        expect(h.count('ns/a'), `retry ${n + 1}`).to.equal(n + 1);
        await h.clock.advance(1);
        expect(h.count('ns/a'), `retry ${n + 1}`).to.equal(n + 2);
      }
      expect(h.queue.retries('ns/a')).to.equal(20);
    });

    it('honours custom base and cap', async function () {
      const h = await inFlight('ns/a', { baseDelayMs: 100, maxDelayMs: 250 });
      for (const [n, delay] of [100, 200, 250, 250].entries()) {
        await h.fail('ns/a');
        await h.clock.advance(delay - 1);
        expect(h.count('ns/a')).to.equal(n + 1);
        await h.clock.advance(1);
        expect(h.count('ns/a')).to.equal(n + 2);
      }
    });

    it('forgets the back-off on success', async function () {
      const h = await inFlight('ns/a');
      await h.fail('ns/a');
      await h.clock.advance(5);
      await h.fail('ns/a');
      await h.clock.advance(10);
      expect(h.queue.retries('ns/a')).to.equal(2);
      await h.succeed('ns/a');
      expect(h.queue.retries('ns/a')).to.equal(0);
      expect(h.results.at(-1)).to.include({ outcome: 'success', retries: 2 });
      h.queue.add('ns/a');
      await flush();
      await h.fail('ns/a');
      await h.clock.advance(5);
      expect(h.count('ns/a')).to.equal(5);
    });

    it('forgets the back-off and adds the key after requeueAfterMs', async function () {
      const h = await inFlight('ns/a');
      await h.fail('ns/a');
      await h.clock.advance(5);
      await h.succeed('ns/a', { requeueAfterMs: 1000 });
      expect(h.queue.retries('ns/a')).to.equal(0);
      expect(h.results.at(-1)).to.include({ outcome: 'requeue_after', retries: 1 });
      expect(h.queue.depth()).to.equal(0);
      await h.clock.advance(999);
      expect(h.count('ns/a')).to.equal(2);
      await h.clock.advance(1);
      expect(h.count('ns/a')).to.equal(3);
    });

    it('treats requeueAfterMs <= 0 as plain success', async function () {
      const h = await inFlight('ns/a');
      await h.succeed('ns/a', { requeueAfterMs: 0 });
      await h.clock.advance(60_000);
      expect(h.count('ns/a')).to.equal(1);
      expect(h.outcomes()).to.deep.equal(['ns/a:success']);
    });

    it('does not retry a TerminalError and forgets the back-off', async function () {
      const h = await inFlight('ns/a');
      await h.fail('ns/a');
      await h.clock.advance(5);
      const terminal = new TerminalError('spec.image is empty');
      await h.fail('ns/a', terminal);
      expect(h.queue.retries('ns/a')).to.equal(0);
      expect(h.results.at(-1)).to.deep.include({ outcome: 'terminal_error', error: terminal, retries: 1 });
      await h.clock.advance(600_000);
      expect(h.count('ns/a')).to.equal(2);
      expect(h.clock.pending()).to.equal(0);
    });

    it('recognises a TerminalError wrapped as a cause', async function () {
      const h = await inFlight('ns/a');
      await h.fail('ns/a', new Error('apply failed', { cause: new TerminalError('invalid') }));
      await h.clock.advance(600_000);
      expect(h.outcomes()).to.deep.equal(['ns/a:terminal_error']);
      expect(h.count('ns/a')).to.equal(1);
    });

    it('reports the pass duration by the injected clock', async function () {
      const h = await inFlight('ns/a');
      await h.clock.advance(42);
      await h.succeed('ns/a');
      const { reconcileID, ...rest } = h.results[0] ?? { reconcileID: '' };
      expect(rest).to.deep.equal({ key: 'ns/a', outcome: 'success', durationMs: 42, retries: 0 });
      expect(reconcileID).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it('keeps working when onResult throws', async function () {
      const h = await inFlight('ns/a', { onResult: () => { throw new Error('metrics down'); } });
      h.queue.add('ns/a');
      await h.succeed('ns/a');
      await h.succeed('ns/a');
      await h.queue.onIdle();
      expect(h.count('ns/a')).to.equal(2);
    });
  });

  describe('event adds during a back-off (controller-runtime: only the error path is rate-limited)', function () {
    it('run the key at once, keep its failure count, and cancel the pending retry', async function () {
      const h = await inFlight('ns/a', { baseDelayMs: 1000 });
      await h.fail('ns/a');
      expect(h.clock.pending()).to.equal(1);
      h.queue.add('ns/a');
      await flush();
      expect(h.count('ns/a')).to.equal(2);
      expect(h.clock.pending()).to.equal(0);
      expect(h.queue.retries('ns/a')).to.equal(1);
      await h.fail('ns/a');
      expect(h.results.at(-1)).to.include({ outcome: 'error', retries: 1 });
      expect(h.queue.retries('ns/a')).to.equal(2);
      await h.clock.advance(1999);
      expect(h.count('ns/a')).to.equal(2);
      await h.clock.advance(1);
      expect(h.count('ns/a')).to.equal(3);
    });

    it('an error on a pass that was re-added meanwhile retries right after it', async function () {
      const h = await inFlight('ns/a', { baseDelayMs: 1000 });
      h.queue.add('ns/a');
      await h.fail('ns/a');
      expect(h.count('ns/a')).to.equal(2);
      expect(h.clock.pending()).to.equal(0);
    });
  });

  describe('addAfter', function () {
    it('waits on the clock and does not count in depth meanwhile', async function () {
      const h = new Harness();
      h.queue.start();
      h.queue.addAfter('ns/a', 100);
      await flush();
      expect(h.queue.depth()).to.equal(0);
      await h.clock.advance(99);
      expect(h.count()).to.equal(0);
      await h.clock.advance(1);
      expect(h.count('ns/a')).to.equal(1);
    });

    it('keeps the soonest of several pending delays', async function () {
      const h = new Harness();
      h.queue.start();
      h.queue.addAfter('ns/a', 100);
      h.queue.addAfter('ns/a', 50);
      h.queue.addAfter('ns/b', 50);
      h.queue.addAfter('ns/b', 100);
      await h.clock.advance(50);
      expect(h.count('ns/a')).to.equal(1);
      expect(h.count('ns/b')).to.equal(0);
      await h.succeed('ns/a');
      expect(h.count('ns/b')).to.equal(1);
      await h.succeed('ns/b');
      await h.clock.advance(1000);
      expect(h.count()).to.equal(2);
      expect(h.clock.pending()).to.equal(0);
    });

    it('does nothing for a key already waiting', function () {
      const h = new Harness();
      h.queue.add('ns/a');
      h.queue.addAfter('ns/a', 100);
      expect(h.clock.pending()).to.equal(0);
      expect(h.queue.depth()).to.equal(1);
    });

    it('with a delay <= 0 adds at once', async function () {
      const h = new Harness();
      h.queue.start();
      h.queue.addAfter('ns/a', 0);
      h.queue.addAfter('ns/b', -5);
      await flush();
      expect(h.count('ns/a')).to.equal(1);
      await h.succeed('ns/a');
      expect(h.count('ns/b')).to.equal(1);
    });

    it('is superseded by an immediate add', async function () {
      const h = new Harness();
      h.queue.start();
      h.queue.addAfter('ns/a', 100);
      h.queue.add('ns/a');
      await flush();
      await h.succeed('ns/a');
      await h.clock.advance(100);
      expect(h.count('ns/a')).to.equal(1);
    });
  });

  describe('clock steps', function () {
    it('neither fire nor lose a delayed key', async function () {
      const h = new Harness();
      h.queue.start();
      h.queue.addAfter('ns/a', 1000);
      h.clock.step(3_600_000);
      await flush();
      expect(h.count()).to.equal(0);
      h.clock.step(-7_200_000);
      await h.clock.advance(999);
      expect(h.count()).to.equal(0);
      await h.clock.advance(1);
      expect(h.count('ns/a')).to.equal(1);
    });

    it('do not confuse which pending delay is soonest', async function () {
      const h = new Harness();
      h.queue.start();
      h.queue.addAfter('ns/a', 1000);
      h.clock.step(3_600_000);
      h.queue.addAfter('ns/a', 10);
      h.queue.addAfter('ns/b', 10);
      h.clock.step(-7_200_000);
      h.queue.addAfter('ns/b', 1000);
      await h.clock.advance(10);
      expect(h.count('ns/a')).to.equal(1);
      await h.succeed('ns/a');
      expect(h.count('ns/b')).to.equal(1);
      await h.succeed('ns/b');
      await h.clock.advance(1000);
      expect(h.count()).to.equal(2);
    });

    it('read as a zero duration rather than a negative one', async function () {
      const h = await inFlight('ns/a');
      h.clock.step(-60_000);
      await h.succeed('ns/a');
      expect(h.results[0]?.durationMs).to.equal(0);
    });
  });

  describe('concurrency', function () {
    it('never has more than N keys in flight and runs them all', async function () {
      const h = new Harness({ concurrency: 3 });
      h.queue.start();
      const keys = Array.from({ length: 10 }, (_, i) => `ns/k${i}`);
      for (const key of keys) h.queue.add(key);
      await flush();
      expect(h.queue.inFlight()).to.equal(3);
      expect(h.queue.depth()).to.equal(7);
      for (const key of keys) {
        await h.succeed(key);
        expect(h.queue.inFlight()).to.be.at.most(3);
      }
      await h.queue.onIdle();
      expect(h.calls.map((c) => c.key)).to.deep.equal(keys);
      expect(h.maxTotal).to.equal(3);
    });

    it('with concurrency 1 runs keys one at a time in FIFO order', async function () {
      const h = new Harness();
      h.queue.add('ns/b');
      h.queue.add('ns/a');
      h.queue.add('ns/b');
      h.queue.start();
      await flush();
      await h.succeed('ns/b');
      await h.succeed('ns/a');
      expect(h.calls.map((c) => c.key)).to.deep.equal(['ns/b', 'ns/a']);
      expect(h.maxTotal).to.equal(1);
    });
  });

  describe('onIdle', function () {
    it('waits for waiting and in-flight keys, not for future delays', async function () {
      const h = new Harness();
      h.queue.add('ns/a');
      h.queue.addAfter('ns/b', 1000);
      let idle = false;
      void h.queue.onIdle().then(() => { idle = true; });
      await flush();
      expect(idle, 'not started').to.equal(false);
      h.queue.start();
      await flush();
      expect(idle, 'in flight').to.equal(false);
      await h.succeed('ns/a');
      expect(idle).to.equal(true);
    });

    it('resolves at once when idle', async function () {
      await new Harness().queue.onIdle();
    });
  });

  describe('shutdown', function () {
    it('starts no new key, lets the in-flight pass finish, and reports drained', async function () {
      const h = await inFlight('ns/a');
      h.queue.add('ns/b');
      h.queue.add('ns/a');
      let result: unknown;
      void h.queue.shutdown(30_000).then((r) => { result = r; });
      expect(h.queue.depth()).to.equal(0);
      await flush();
      expect(result).to.equal(undefined);
      await h.succeed('ns/a');
      expect(result).to.deep.equal({ drained: true, abandoned: [] });
      expect(h.count('ns/b')).to.equal(0);
      expect(h.count('ns/a')).to.equal(1);
      expect(h.clock.pending()).to.equal(0);
    });

    it('drops delayed keys and ignores later adds', async function () {
      const h = new Harness();
      h.queue.start();
      h.queue.addAfter('ns/a', 100);
      h.queue.addRateLimited('ns/b');
      expect(await h.queue.shutdown(1000)).to.deep.equal({ drained: true, abandoned: [] });
      expect(h.clock.pending()).to.equal(0);
      h.queue.add('ns/c');
      h.queue.addAfter('ns/d', 10);
      h.queue.start();
      await h.clock.advance(10_000);
      expect(h.count()).to.equal(0);
      expect(h.queue.depth()).to.equal(0);
    });

    it('does not retry a pass that fails after shutdown', async function () {
      const h = await inFlight('ns/a');
      const done = h.queue.shutdown(1000);
      await h.fail('ns/a');
      expect(await done).to.deep.equal({ drained: true, abandoned: [] });
      await h.clock.advance(10_000);
      expect(h.count('ns/a')).to.equal(1);
      expect(h.outcomes()).to.deep.equal(['ns/a:error']);
    });

    it('aborts passes still running after the grace period and reports them abandoned', async function () {
      const h = new Harness({ concurrency: 2 });
      h.queue.start();
      h.queue.add('ns/a');
      h.queue.add('ns/b');
      await flush();
      let result: unknown;
      void h.queue.shutdown(500).then((r) => { result = r; });
      await h.succeed('ns/a');
      await h.clock.advance(499);
      expect(h.last('ns/b').signal.aborted).to.equal(false);
      expect(result).to.equal(undefined);
      await h.clock.advance(1);
      expect(h.last('ns/b').signal.aborted).to.equal(true);
      expect(h.last('ns/a').signal.aborted).to.equal(false);
      expect(result).to.deep.equal({ drained: false, abandoned: ['ns/b'] });
      await h.fail('ns/b', h.last('ns/b').signal.reason);
      expect(h.queue.inFlight()).to.equal(0);
      expect(h.clock.pending()).to.equal(0);
    });

    it('returns the same promise when called again', async function () {
      const h = await inFlight('ns/a');
      const first = h.queue.shutdown(100);
      expect(h.queue.shutdown(5)).to.equal(first);
      await h.clock.advance(100);
      expect(await first).to.deep.equal({ drained: false, abandoned: ['ns/a'] });
    });

    it('waits for ever with an infinite grace period', async function () {
      const h = await inFlight('ns/a');
      let result: unknown;
      void h.queue.shutdown(Infinity).then((r) => { result = r; });
      await h.clock.advance(86_400_000);
      expect(result).to.equal(undefined);
      await h.succeed('ns/a');
      expect(result).to.deep.equal({ drained: true, abandoned: [] });
    });
  });
});
