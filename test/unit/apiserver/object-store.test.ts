/**
 * The object store under the API server: one monotonically increasing resourceVersion, copies in
 * and out, watchers told in order, and the watch history window (events after a version, or
 * "too old" once the window or a compaction has passed it).
 */
import { expect } from 'chai';
import { ObjectStore } from '../../../src/apiserver/store/object-store.js';
import type { StoredEvent } from '../../../src/apiserver/store/types.js';

const pod = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> & { metadata: Record<string, unknown> } => ({ metadata: { name, namespace: 'default' }, ...extra });
const RES = 'dockerpod.dev/dockerpods';

describe('ObjectStore', function () {
  it('gives every write the next resourceVersion, deletions included', function () {
    const store = new ObjectStore();
    const a = store.put(RES, pod('a'));
    const b = store.put(RES, pod('b'));
    const a2 = store.put(RES, pod('a', { spec: 1 }));
    const gone = store.remove(RES, 'default', 'b');
    expect([a, b, a2, gone].map((o) => o?.metadata?.['resourceVersion'])).to.deep.equal(['1', '2', '3', '4']);
    expect(store.currentRV()).to.equal(4);
    expect(store.remove(RES, 'default', 'b')).to.equal(undefined);
    expect(store.currentRV()).to.equal(4);
  });

  it('returns copies: changing what it returned or was given does not change what it stores', function () {
    const store = new ObjectStore();
    const input = pod('a', { spec: { x: 1 } });
    const out = store.put(RES, input);
    (input['spec'] as { x: number }).x = 2;
    (out['spec'] as { x: number }).x = 3;
    (store.get(RES, 'default', 'a')?.['spec'] as { x: number }).x = 4;
    expect(store.get(RES, 'default', 'a')?.['spec']).to.deep.equal({ x: 1 });
  });

  it('lists by resource and namespace, ordered by namespace then name', function () {
    const store = new ObjectStore();
    store.put(RES, { metadata: { name: 'b', namespace: 'ns1' } });
    store.put(RES, { metadata: { name: 'a', namespace: 'ns2' } });
    store.put(RES, { metadata: { name: 'a', namespace: 'ns1' } });
    store.put('/secrets', { metadata: { name: 'a', namespace: 'ns1' } });
    const names = (ns?: string): string[] => store.list(RES, ns).map((o) => `${String(o.metadata?.['namespace'])}/${String(o.metadata?.['name'])}`);
    expect(names()).to.deep.equal(['ns1/a', 'ns1/b', 'ns2/a']);
    expect(names('ns2')).to.deep.equal(['ns2/a']);
  });

  it('tells watchers of their resource and namespace each change in order, with the previous state', function () {
    const store = new ObjectStore();
    const seen: StoredEvent[] = [];
    store.watch({ resourceId: RES, namespace: 'default', onEvent: (e) => seen.push(e), onClose: () => undefined });
    store.put(RES, pod('a', { v: 1 }));
    store.put(RES, { metadata: { name: 'other', namespace: 'elsewhere' } });
    store.put('/secrets', pod('s'));
    store.put(RES, pod('a', { v: 2 }));
    store.remove(RES, 'default', 'a');
    expect(seen.map((e) => [e.type, e.rv])).to.deep.equal([['ADDED', 1], ['MODIFIED', 4], ['DELETED', 5]]);
    expect(seen[1]?.prev?.['v']).to.equal(1);
  });

  describe('history window', function () {
    const cases = [
      { name: 'from the current version: nothing yet', from: 3, size: 10, want: [] as number[] },
      { name: 'from an older version: the changes after it', from: 1, size: 10, want: [2, 3] },
      { name: 'from 0 with a full history: everything', from: 0, size: 10, want: [1, 2, 3] },
      { name: 'from a version the window still reaches (just dropped)', from: 1, size: 2, want: [2, 3] },
      { name: 'from a version older than the window: too old', from: 0, size: 2, want: 'too old' as const },
    ];
    for (const c of cases) {
      it(c.name, function () {
        const store = new ObjectStore({ historySize: c.size });
        for (const n of ['a', 'b', 'c']) store.put(RES, pod(n));
        const r = store.eventsSince(c.from, RES);
        expect(r.ok ? r.events.map((e) => e.rv) : 'too old').to.deep.equal(c.want);
      });
    }

    it('compaction makes every older version too old, while newer changes are served again', function () {
      const store = new ObjectStore();
      store.put(RES, pod('a'));
      store.put(RES, pod('b'));
      store.compact();
      expect(store.eventsSince(1, RES)).to.deep.equal({ ok: false, oldest: 3 });
      expect(store.eventsSince(2, RES)).to.deep.equal({ ok: true, events: [] });
      store.put(RES, pod('c'));
      const r = store.eventsSince(2, RES);
      expect(r.ok && r.events.map((e) => e.rv)).to.deep.equal([3]);
    });
  });

  it('dropWatches closes every watcher and forgets it', function () {
    const store = new ObjectStore();
    let closed = 0;
    store.watch({ resourceId: RES, onEvent: () => undefined, onClose: () => closed++ });
    store.watch({ resourceId: '/secrets', onEvent: () => undefined, onClose: () => closed++ });
    store.dropWatches();
    expect(closed).to.equal(2);
    expect(store.watchCount()).to.equal(0);
  });
});
