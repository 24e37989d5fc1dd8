/**
 * The work queue's metrics hooks count what client-go's workqueue metrics count: an add only when
 * a key becomes due (a key already waiting or already marked dirty adds nothing; a dirty key that
 * moves to waiting after its pass is not counted twice), the wait from becoming due to the pass's
 * start (including the wait behind the key's own pass), each rate-limited retry; `runningMs()`
 * gives how long each pass in flight has run; every pass gets its own reconcileID, the same one
 * the reconciler and onResult see; and `abort()` ends a shutdown's grace period at once.
 * FakeClock only, passes settled by hand.
 */
import { expect } from 'chai';
import { WorkQueue, type PassInfo, type PassResult, type ReconcileResult } from '../../../src/controller/work-queue.js';
import { FakeClock } from '../../../src/util/clock.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

interface Pass { key: string; signal: AbortSignal; info: PassInfo; resolve: (r?: ReconcileResult) => void; reject: (e: unknown) => void }

function harness(concurrency = 1): { clock: FakeClock; queue: WorkQueue; passes: Pass[]; events: string[]; results: PassResult[] } {
  const clock = new FakeClock();
  const passes: Pass[] = [];
  const events: string[] = [];
  const results: PassResult[] = [];
  const queue = new WorkQueue((key, signal, info) => new Promise((resolve, reject) => passes.push({ key, signal, info, resolve, reject })), {
    concurrency,
    clock,
    hooks: {
      onAdd: (key) => events.push(`add ${key}`),
      onStart: (key, queuedMs) => events.push(`start ${key} after ${queuedMs}`),
      onRetry: (key) => events.push(`retry ${key}`),
    },
    onResult: (r) => results.push(r),
  });
  return { clock, queue, passes, events, results };
}

describe('WorkQueue metrics hooks', function () {
  it('counts an add only when a key becomes due, and the wait until its pass starts', async function () {
    const h = harness();
    h.queue.add('ns/a');
    h.queue.add('ns/a');
    await h.clock.advance(30);
    h.queue.start();
    await flush();
    expect(h.events).to.deep.equal(['add ns/a', 'start ns/a after 30']);
  });

  it('counts a key added during its pass once, and its wait includes the rest of the pass', async function () {
    const h = harness();
    h.queue.start();
    h.queue.add('ns/a');
    await flush();
    await h.clock.advance(10);
    h.queue.add('ns/a');
    h.queue.add('ns/a');
    await h.clock.advance(40);
    h.passes[0]?.resolve();
    await flush();
    expect(h.events).to.deep.equal(['add ns/a', 'start ns/a after 0', 'add ns/a', 'start ns/a after 40']);
    expect(h.passes).to.have.length(2);
  });

  it('reports each rate-limited retry and the add when its back-off ends', async function () {
    const h = harness();
    h.queue.start();
    h.queue.add('ns/a');
    await flush();
    h.passes[0]?.reject(new Error('engine down'));
    await flush();
    expect(h.events).to.deep.equal(['add ns/a', 'start ns/a after 0', 'retry ns/a']);
    await h.clock.advance(5);
    await flush();
    expect(h.events.slice(3)).to.deep.equal(['add ns/a', 'start ns/a after 0']);
    expect(h.queue.depth()).to.equal(0);
  });

  it('gives each pass its own reconcileID, the one onResult reports', async function () {
    const h = harness(2);
    h.queue.start();
    h.queue.add('ns/a');
    h.queue.add('ns/b');
    await flush();
    const ids = h.passes.map((p) => p.info.reconcileID);
    expect(new Set(ids).size).to.equal(2);
    for (const p of h.passes) p.resolve();
    await flush();
    expect(h.results.map((r) => r.reconcileID)).to.have.members(ids);
  });

  it('tells how long each pass in flight has run', async function () {
    const h = harness(2);
    h.queue.start();
    h.queue.add('ns/a');
    await flush();
    await h.clock.advance(100);
    h.queue.add('ns/b');
    await flush();
    await h.clock.advance(20);
    expect(h.queue.runningMs().sort((x, y) => x - y)).to.deep.equal([20, 120]);
    h.passes[0]?.resolve();
    await flush();
    expect(h.queue.runningMs()).to.deep.equal([20]);
  });

  it('abort() ends a waiting shutdown at once, aborting the passes still running', async function () {
    const h = harness();
    h.queue.start();
    h.queue.add('ns/a');
    await flush();
    let result: unknown;
    void h.queue.shutdown(30_000).then((r) => { result = r; });
    await flush();
    expect(result).to.equal(undefined);
    expect(await h.queue.abort()).to.deep.equal({ drained: false, abandoned: ['ns/a'] });
    expect(h.passes[0]?.signal.aborted).to.equal(true);
    expect(result).to.deep.equal({ drained: false, abandoned: ['ns/a'] });
  });

  it('a hook that throws does not break the queue', async function () {
    const clock = new FakeClock();
    let passes = 0;
    const queue = new WorkQueue(() => { passes++; return Promise.resolve(); }, { concurrency: 1, clock, hooks: { onAdd: () => { throw new Error('metrics down'); }, onStart: () => { throw new Error('metrics down'); } } });
    queue.start();
    queue.add('ns/a');
    await flush();
    expect(passes).to.equal(1);
  });
});
