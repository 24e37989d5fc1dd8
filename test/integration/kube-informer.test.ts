/**
 * The Informer against the embedded API server over HTTPS with the real client-node: initial list
 * then events, bookmarks, resuming a dropped watch without a relist, 410 -> relist that emits only
 * the missed changes, back-off on server errors without a request storm, the inactivity watchdog,
 * and a stop() that leaves no watch open and no handler running.
 */
import { expect } from 'chai';
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions, type KubernetesObject } from '@kubernetes/client-node';
import { Informer, type InformerOptions } from '../../src/kube/index.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';

const GROUP = 'dockerpod.dev';
const VERSION = 'v1alpha1';
const PLURAL = 'dockerpods';
const NS = 'default';
const PATH = `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`;
const RESOURCE_ID = `${GROUP}/${PLURAL}`;
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

type Pod = KubernetesObject & { spec: Record<string, unknown> };
type PodList = { items: Pod[]; metadata?: { resourceVersion?: string } };

const pod = (name: string): Pod => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'DockerPod',
  metadata: { name, namespace: NS },
  spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] },
});

/** The same object as the API server stores it, for writes that bypass HTTP. */
const storedPod = (name: string): Record<string, unknown> => ({ ...pod(name), metadata: { name, namespace: NS } });

async function until<T>(check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Informer (list+watch cache) against the embedded API server', function () {
  this.timeout(10_000);
  let api: TestApiServer;
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  let informer: Informer<Pod> | undefined;
  let seen: string[];

  async function serve(bookmarkIntervalMs: number): Promise<void> {
    api = await startTestApiServer({ watch: { bookmarkIntervalMs } });
    kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    custom = kc.makeApiClient(CustomObjectsApi);
  }

  const create = async (name: string): Promise<Pod> =>
    (await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, body: pod(name) })) as Pod;
  const label = async (name: string, value: string): Promise<Pod> =>
    (await custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name, body: { metadata: { labels: { v: value } } } }, MERGE)) as Pod;
  const remove = async (name: string): Promise<void> => {
    await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name });
  };
  const watchCount = (): number => api.server.core.store.watchCount();

  function makeInformer(options: Partial<InformerOptions<Pod>> = {}): Informer<Pod> {
    const list = (): Promise<PodList> => custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL }) as Promise<PodList>;
    informer = new Informer<Pod>({ kubeConfig: kc, path: PATH, list, backoff: { initialMs: 50, maxMs: 400 }, ...options });
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name ?? ''}`));
    informer.on('update', (o, old) => seen.push(`update ${o.metadata?.name ?? ''} ${old.metadata?.resourceVersion ?? ''}->${o.metadata?.resourceVersion ?? ''}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name ?? ''}`));
    return informer;
  }

  async function started(options: Partial<InformerOptions<Pod>> = {}): Promise<Informer<Pod>> {
    const inf = makeInformer(options);
    inf.start();
    expect(await inf.waitForSync(5000)).to.equal(true);
    await until(() => watchCount() === 1);
    return inf;
  }

  beforeEach(() => {
    seen = [];
    informer = undefined;
  });
  afterEach(async () => {
    await informer?.stop();
    await api.close();
  });

  it('lists first, then follows events: add for new keys, update only on a new resourceVersion, delete', async function () {
    await serve(100);
    const created = await create('a');
    await create('b');
    const inf = await started();
    expect(seen).to.deep.equal(['add a', 'add b']);
    expect(inf.get(NS, 'a')?.metadata?.name).to.equal('a');
    expect(inf.get(undefined, 'a')).to.equal(undefined);
    await create('c');
    const a = await label('a', '1');
    await label('a', '1'); // no change: the server keeps the resourceVersion, so no event
    await remove('c');
    const probe = await create('probe');
    await until(() => inf.get(NS, 'probe'));
    expect(seen.slice(2)).to.deep.equal([
      'add c',
      `update a ${created.metadata?.resourceVersion ?? ''}->${a.metadata?.resourceVersion ?? ''}`,
      'delete c',
      'add probe',
    ]);
    expect(inf.list().map((o) => o.metadata?.name).sort()).to.deep.equal(['a', 'b', 'probe']);
    expect(inf.get(NS, 'c')).to.equal(undefined);
    expect(Number(inf.lastResourceVersion())).to.be.at.least(Number(probe.metadata?.resourceVersion));
    expect(inf.stats()).to.deep.include({ lists: 1, watches: 1, restarts: 0 });
  });

  it('advances lastResourceVersion on bookmarks, without events', async function () {
    await serve(50);
    await create('a');
    const inf = await started();
    const synced = Number(inf.lastResourceVersion());
    // A write elsewhere moves the server's version; only a bookmark can tell this watch about it.
    const secret = await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: NS, body: { metadata: { name: 's' }, stringData: { k: 'v' } } });
    const target = Number(secret.metadata?.resourceVersion);
    expect(target).to.be.greaterThan(synced);
    await until(() => Number(inf.lastResourceVersion()) >= target);
    expect(seen).to.deep.equal(['add a']);
    expect(inf.stats()).to.deep.include({ lists: 1, watches: 1 });
  });

  it('resumes a dropped watch from the last resourceVersion, without a relist', async function () {
    await serve(50);
    await create('a');
    const inf = await started();
    await create('b');
    await until(() => seen.includes('add b'));
    api.server.faults.dropWatches();
    await create('c');
    await label('a', 'x');
    await until(() => seen.length >= 4);
    await until(() => watchCount() === 1);
    expect(seen).to.deep.equal(['add a', 'add b', 'add c', seen[3]]);
    expect(seen[3]).to.match(/^update a /);
    expect(inf.stats().lists).to.equal(1);
    expect(inf.stats().watches).to.equal(2);
  });

  it('relists after 410 Expired and emits exactly the changes it missed', async function () {
    await serve(50);
    for (const name of ['a', 'b', 'd']) await create(name);
    const inf = await started();
    expect(seen).to.deep.equal(['add a', 'add b', 'add d']);
    // All in one tick: the watch is cut, changes happen that no watch sees, and the history is
    // compacted, so the informer's re-watch from its last version can only get 410.
    const store = api.server.core.store;
    api.server.faults.dropWatches();
    store.remove(RESOURCE_ID, NS, 'a');
    store.put(RESOURCE_ID, storedPod('c'));
    const b = store.get(RESOURCE_ID, NS, 'b') ?? {};
    store.put(RESOURCE_ID, { ...b, metadata: { ...b.metadata, labels: { v: 'changed' } } });
    api.server.faults.compactHistory();
    await until(() => seen.length >= 6);
    await sleep(200);
    expect(seen.slice(3).map((e) => e.split(' ').slice(0, 2).join(' ')).sort()).to.deep.equal(['add c', 'delete a', 'update b']);
    expect(inf.list().map((o) => o.metadata?.name).sort()).to.deep.equal(['b', 'c', 'd']);
    expect(inf.stats()).to.deep.include({ lists: 2, restarts: 1 });
    expect(Number(inf.lastResourceVersion())).to.be.at.least(store.currentRV());
    // And it watches again from the relist's version.
    await until(() => watchCount() === 1);
    await create('e');
    await until(() => seen.includes('add e'));
  });

  it('backs off on server errors, recovers, and makes few requests', async function () {
    await serve(50);
    await create('a');
    const inf = await started();
    api.server.resetStats();
    const before = inf.stats();
    const began = Date.now();
    // The re-watch after the drop, then two relists fail; a change made meanwhile (in process, so
    // it takes none of the failures) must be picked up by the relist that finally succeeds.
    api.server.faults.failNext(3, 500);
    api.server.faults.dropWatches();
    api.server.core.store.put(RESOURCE_ID, storedPod('late'));
    await until(() => inf.get(NS, 'late'));
    await until(() => watchCount() === 1);
    const elapsed = Date.now() - began;
    const stats = api.server.stats();
    expect(stats.byCode['500']).to.equal(3);
    // Failures spaced by back-off (50 + 100 + 200 ms), not retried in a burst.
    expect(elapsed).to.be.at.least(300);
    // 3 failures, 1 list, 1 watch, and the dropped watch: nothing more.
    expect(stats.total, JSON.stringify(stats)).to.be.at.most(6);
    const after = inf.stats();
    expect(after.lists - before.lists).to.equal(3);
    expect(after.watches - before.watches).to.equal(2);
    expect(after.restarts - before.restarts).to.equal(3);
    expect(seen).to.deep.equal(['add a', 'add late']);
  });

  it('is not synced until the first list succeeds; a failing first list is retried with back-off', async function () {
    await serve(50);
    await create('a');
    api.server.faults.failNext(2, 503);
    const inf = makeInformer();
    inf.start();
    expect(inf.hasSynced()).to.equal(false);
    expect(inf.lastResourceVersion()).to.equal('');
    await until(() => inf.stats().lists >= 2);
    expect(inf.hasSynced()).to.equal(false);
    expect(seen).to.deep.equal([]);
    expect(await inf.waitForSync(5000)).to.equal(true);
    expect(inf.hasSynced()).to.equal(true);
    expect(inf.stats()).to.deep.include({ lists: 3, restarts: 2 });
    expect(seen).to.deep.equal(['add a']);
  });

  it('waitForSync resolves false after its timeout while the API server keeps failing', async function () {
    await serve(50);
    api.server.faults.failNext(100, 500);
    const inf = makeInformer({ backoff: { initialMs: 100, maxMs: 200 } });
    inf.start();
    expect(await inf.waitForSync(300)).to.equal(false);
    const lists = inf.stats().lists;
    expect(lists).to.be.within(2, 4);
    await inf.stop();
    expect(await inf.waitForSync(1000)).to.equal(false);
  });

  it('watchdog: a silent watch is ended and resumed from the last version, without a relist or a leak', async function () {
    await serve(60_000); // no bookmarks within the test
    await create('a');
    const inf = await started({ inactivityTimeoutMs: 300 });
    await until(() => inf.stats().watches >= 3, 3000);
    const stats = inf.stats();
    expect(stats.lists).to.equal(1);
    expect(stats.restarts).to.be.at.least(2);
    await until(() => watchCount() === 1);
    // Still current after the restarts.
    await create('b');
    await until(() => seen.includes('add b'));
    expect(seen).to.deep.equal(['add a', 'add b']);
    // At most one watch request every inactivity period: no storm.
    await sleep(600);
    expect(inf.stats().watches - stats.watches).to.be.at.most(4);
  });

  it('watchdog: a watch whose response never comes is abandoned and aborted once it does', async function () {
    await serve(100);
    const inf = await started({ inactivityTimeoutMs: 300 });
    api.server.faults.setLatency(700);
    api.server.faults.dropWatches();
    await until(() => inf.stats().restarts >= 1, 3000);
    api.server.faults.reset();
    await create('b');
    await until(() => seen.includes('add b'), 5000);
    await until(() => watchCount() === 1, 5000);
    await sleep(800); // abandoned requests have all come back and been aborted
    expect(watchCount()).to.equal(1);
    expect(inf.stats().lists).to.equal(1);
  });

  it('stop() leaves no watch open on the server, restarts nothing, and no handler runs after it', async function () {
    await serve(50);
    const inf = await started();
    let stopped = false;
    let afterStop = 0;
    const count = (): void => {
      if (stopped) afterStop++;
    };
    inf.on('add', count);
    inf.on('delete', count);
    await create('a');
    await until(() => seen.includes('add a'));
    const watches = inf.stats().watches;
    const stopping = inf.stop();
    stopped = true;
    await stopping;
    await until(() => watchCount() === 0, 2000);
    await create('b');
    await remove('a');
    await sleep(300);
    expect(afterStop).to.equal(0);
    expect(seen).to.deep.equal(['add a']);
    expect(watchCount()).to.equal(0);
    expect(inf.stats().watches).to.equal(watches);
    inf.start(); // a stopped informer stays stopped
    await sleep(100);
    expect(inf.stats().watches).to.equal(watches);
  });

  it('stop() while a watch request is still waiting for its response leaves no watch behind', async function () {
    await serve(50);
    const inf = await started();
    api.server.faults.setLatency(300);
    api.server.faults.dropWatches();
    await until(() => inf.stats().watches === 2);
    await inf.stop();
    await until(() => watchCount() === 0, 2000);
    await sleep(400);
    expect(watchCount()).to.equal(0);
    expect(inf.stats().watches).to.equal(2);
  });
});
