/**
 * The embedded API server driven by @kubernetes/client-node 1.4 over HTTPS with a bearer token,
 * as the operator will drive it: list and watch from a resourceVersion, bookmarks, 410 Expired
 * after compaction and the relist that follows, optimistic concurrency (409), status merge
 * patches, Leases with MicroTime, Events and Secrets, selectors and paging, fault injection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  V1MicroTime,
  Watch,
  makeInformer,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { rawRequest, startTestApiServer, type TestApiServer } from '../support/apiserver.js';

const GROUP = 'dockerpod.dev';
const VERSION = 'v1alpha1';
const PLURAL = 'dockerpods';
const NS = 'default';

type Pod = KubernetesObject & { spec: Record<string, unknown>; status?: Record<string, unknown> };

const pod = (name: string, labels: Record<string, string> = {}): Pod => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'DockerPod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] },
});

interface Received {
  type: string;
  name?: string;
  rv?: string;
  code?: number;
}

/** Starts a client-node watch and collects its events until stopped. */
async function collectWatch(kc: KubeConfig, path: string, query: Record<string, string | boolean>): Promise<{ events: Received[]; ended: Promise<unknown>; stop: () => void }> {
  const events: Received[] = [];
  let resolveEnd: (err: unknown) => void = () => undefined;
  const ended = new Promise((r) => (resolveEnd = r));
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type, obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) => {
      events.push({ type, ...(obj.metadata?.name ? { name: obj.metadata.name } : {}), ...(obj.metadata?.resourceVersion ? { rv: obj.metadata.resourceVersion } : {}), ...(obj.code ? { code: obj.code } : {}) });
    },
    resolveEnd,
  );
  return { events, ended, stop: () => controller.abort() };
}

async function until<T>(check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function expectApiError(promise: Promise<unknown>, code: number): Promise<{ message?: string; reason?: string }> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(ApiException);
    const e = err as ApiException<string>;
    expect(e.code, String(e.body)).to.equal(code);
    return typeof e.body === 'string' ? (JSON.parse(e.body) as { message?: string; reason?: string }) : {};
  }
  throw new Error(`expected an HTTP ${code} error`);
}

describe('embedded API server with @kubernetes/client-node', function () {
  let api: TestApiServer;
  let kc: KubeConfig;
  let custom: CustomObjectsApi;

  beforeEach(async function () {
    api = await startTestApiServer({ watch: { bookmarkIntervalMs: 100 } });
    kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    custom = kc.makeApiClient(CustomObjectsApi);
  });
  afterEach(async () => api.close());

  const create = async (p: Pod): Promise<Pod> =>
    (await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, body: p })) as Pod;

  it('creates, reads and lists custom resources, with server-set metadata', async function () {
    const created = await create(pod('a'));
    expect(created.metadata?.uid).to.match(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.generation).to.equal(1);
    expect(created.metadata?.creationTimestamp).to.be.a('string');
    const got = (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'a' })) as Pod;
    expect(got.metadata?.resourceVersion).to.equal(created.metadata?.resourceVersion);
    expect(got.spec['restartPolicy'], 'schema default').to.equal('Always');
    const list = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL })) as { kind: string; items: Pod[]; metadata: { resourceVersion: string } };
    expect(list.kind).to.equal('DockerPodList');
    expect(list.items.map((i) => i.metadata?.name)).to.deep.equal(['a']);
    expect(Number(list.metadata.resourceVersion)).to.be.at.least(Number(created.metadata?.resourceVersion));
  });

  it('rejects a request without the bearer token with 401', async function () {
    const anonymous = new KubeConfig();
    anonymous.loadFromFile(api.kubeconfigPath);
    const user = anonymous.getCurrentUser();
    if (user) Object.assign(user, { token: undefined });
    await expectApiError(anonymous.makeApiClient(CoreV1Api).listNamespace(), 401);
    const wrong = await rawRequest(api, 'GET', '/api/v1/namespaces', { headers: { Authorization: 'Bearer not-the-token' } });
    expect(wrong.status).to.equal(401);
    expect(wrong.body).to.deep.include({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('watches from a resourceVersion: only later changes, in order, with DELETED last', async function () {
    const a = await create(pod('a'));
    const w = await collectWatch(kc, `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`, { resourceVersion: a.metadata?.resourceVersion ?? '' });
    await create(pod('b'));
    await custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'a', body: { metadata: { labels: { x: 'y' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'b' });
    await until(() => w.events.length >= 3);
    w.stop();
    expect(w.events.map((e) => `${e.type} ${e.name ?? ''}`)).to.deep.equal(['ADDED b', 'MODIFIED a', 'DELETED b']);
    const rvs = w.events.map((e) => Number(e.rv));
    expect(rvs).to.deep.equal([...rvs].sort((x, y) => x - y));
  });

  it('watch from resourceVersion 0 starts with the current state as ADDED', async function () {
    await create(pod('a'));
    await create(pod('b'));
    const w = await collectWatch(kc, `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`, { resourceVersion: '0' });
    await until(() => w.events.length >= 2);
    w.stop();
    expect(w.events.map((e) => `${e.type} ${e.name ?? ''}`)).to.deep.equal(['ADDED a', 'ADDED b']);
  });

  it('sends bookmarks only to watches that allow them', async function () {
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`;
    const list = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL })) as { metadata: { resourceVersion: string } };
    const withBookmarks = await collectWatch(kc, path, { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true });
    const without = await collectWatch(kc, path, { resourceVersion: list.metadata.resourceVersion });
    await until(() => withBookmarks.events.some((e) => e.type === 'BOOKMARK'));
    await new Promise((r) => setTimeout(r, 250));
    withBookmarks.stop();
    without.stop();
    expect(withBookmarks.events.find((e) => e.type === 'BOOKMARK')?.rv).to.equal(list.metadata.resourceVersion);
    expect(without.events).to.deep.equal([]);
  });

  it('answers a watch from a compacted resourceVersion with ERROR 410 Expired; a relist and re-watch then work', async function () {
    const a = await create(pod('a'));
    await create(pod('b'));
    api.server.faults.compactHistory();
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`;
    const stale = await collectWatch(kc, path, { resourceVersion: a.metadata?.resourceVersion ?? '' });
    await stale.ended;
    expect(stale.events).to.deep.equal([{ type: 'ERROR', code: 410 }]);
    const relist = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL })) as { items: Pod[]; metadata: { resourceVersion: string } };
    expect(relist.items.map((i) => i.metadata?.name)).to.deep.equal(['a', 'b']);
    const fresh = await collectWatch(kc, path, { resourceVersion: relist.metadata.resourceVersion });
    await create(pod('c'));
    await until(() => fresh.events.length >= 1);
    fresh.stop();
    expect(fresh.events.map((e) => `${e.type} ${e.name ?? ''}`)).to.deep.equal(['ADDED c']);
  });

  it('an informer relists after its watch is dropped and the history compacted, and misses no change', async function () {
    await create(pod('a'));
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`;
    const informer = makeInformer<Pod>(kc, path, () => custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL }) as never);
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name ?? ''}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name ?? ''}`));
    await informer.start();
    await until(() => seen.includes('add a'));
    await create(pod('b'));
    await until(() => seen.includes('add b'));
    // Changes made while no watch is open, then the history is gone: only a relist can see them.
    api.server.faults.compactHistory();
    await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'a' });
    await create(pod('c'));
    api.server.faults.compactHistory();
    api.server.faults.dropWatches();
    await until(() => seen.includes('add c') && seen.includes('delete a'), 10_000);
    await informer.stop();
    expect(informer.list().map((o) => o.metadata?.name).sort()).to.deep.equal(['b', 'c']);
  });

  it('refuses a replace with a stale resourceVersion with 409 Conflict, and one without it with 422', async function () {
    const a = await create(pod('a'));
    await custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'a', body: { spec: { restartPolicy: 'Never', containers: a.spec['containers'] } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const stale = await expectApiError(custom.replaceNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'a', body: a }), 409);
    expect(stale.message).to.equal('Operation cannot be fulfilled on dockerpods.dockerpod.dev "a": the object has been modified; please apply your changes to the latest version and try again');
    const noVersion = { ...a, metadata: { ...a.metadata, resourceVersion: undefined } };
    const missing = await expectApiError(custom.replaceNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'a', body: noVersion }), 422);
    expect(missing.message).to.equal('DockerPod.dockerpod.dev "a" is invalid: metadata.resourceVersion: Invalid value: "0x0": must be specified for an update');
  });

  it('treats a resourceVersion inside a merge patch as a precondition', async function () {
    const a = await create(pod('a'));
    await custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'a', body: { metadata: { labels: { v: '1' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await expectApiError(
      custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'a', body: { metadata: { resourceVersion: a.metadata?.resourceVersion, labels: { v: '2' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
      409,
    );
  });

  it('status merge patch changes only the status; the main endpoint ignores status; generation follows spec only', async function () {
    await create(pod('a'));
    const patched = (await custom.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'a', body: { status: { phase: 'Running' }, spec: { restartPolicy: 'Never' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Pod;
    expect(patched.status).to.deep.equal({ phase: 'Running' });
    expect(patched.spec['restartPolicy']).to.equal('Always');
    expect(patched.metadata?.generation).to.equal(1);
    const main = (await custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'a', body: { status: { phase: 'Failed' }, spec: { restartPolicy: 'Never' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Pod;
    expect(main.status).to.deep.equal({ phase: 'Running' });
    expect(main.spec['restartPolicy']).to.equal('Never');
    expect(main.metadata?.generation).to.equal(2);
  });

  it('does not write (nor bump the resourceVersion) when an update changes nothing', async function () {
    const a = await create(pod('a'));
    const same = (await custom.replaceNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'a', body: a })) as Pod;
    expect(same.metadata?.resourceVersion).to.equal(a.metadata?.resourceVersion);
  });

  it('creates and replaces a Lease with MicroTime timestamps (6 fractional digits), and refuses 3 digits', async function () {
    const coordination = kc.makeApiClient(CoordinationV1Api);
    const now = new V1MicroTime();
    const lease = await coordination.createNamespacedLease({ namespace: NS, body: { metadata: { name: 'leader' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: now, renewTime: now, leaseTransitions: 0 } } });
    expect(String(lease.spec?.renewTime)).to.match(/\.\d{6}Z$/);
    const renewed = await coordination.replaceNamespacedLease({ name: 'leader', namespace: NS, body: { ...lease, spec: { ...lease.spec, renewTime: new V1MicroTime() } } });
    expect(Number(renewed.metadata?.resourceVersion)).to.be.greaterThan(Number(lease.metadata?.resourceVersion));
    await expectApiError(coordination.replaceNamespacedLease({ name: 'leader', namespace: NS, body: lease }), 409);
    // A plain Date has 3 fractional digits: real API servers refuse it (kubernetes#141204), and so does this one.
    const millis = await rawRequest(api, 'POST', `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`, {
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'millis' }, spec: { renewTime: '2026-01-01T00:00:00.123Z' } },
    });
    expect(millis.status).to.equal(422);
    expect((millis.body as { message: string }).message).to.include('spec.renewTime');
  });

  it('stores Events and lists them by involvedObject field selectors, in any order', async function () {
    const core = kc.makeApiClient(CoreV1Api);
    const a = await create(pod('a'));
    const involved = { apiVersion: `${GROUP}/${VERSION}`, kind: 'DockerPod', name: 'a', namespace: NS, uid: a.metadata?.uid ?? '' };
    await core.createNamespacedEvent({ namespace: NS, body: { metadata: { name: 'a.1' }, involvedObject: involved, reason: 'Scheduled', message: 'bound to local', type: 'Normal', source: { component: 'dockerpod-operator' }, count: 1 } });
    await core.createNamespacedEvent({ namespace: NS, body: { metadata: { name: 'other.1' }, involvedObject: { ...involved, name: 'other', uid: 'x' }, reason: 'Other', message: 'm', type: 'Normal' } });
    const events = await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.uid=${involved.uid},involvedObject.name=a,involvedObject.kind=DockerPod,involvedObject.namespace=${NS}` });
    expect(events.items.map((e) => e.reason)).to.deep.equal(['Scheduled']);
    const bad = await expectApiError(core.listNamespacedEvent({ namespace: NS, fieldSelector: 'spec.nope=1' }), 400);
    expect(bad.message).to.equal('field label not supported: spec.nope');
  });

  it('turns Secret stringData into base64 data', async function () {
    const core = kc.makeApiClient(CoreV1Api);
    const secret = await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 's' }, stringData: { password: 'hunter2' } } });
    expect(secret.data).to.deep.equal({ password: Buffer.from('hunter2').toString('base64') });
    expect(secret.type).to.equal('Opaque');
    expect(secret).to.not.have.property('stringData');
  });

  it('filters lists by label selector and pages them with limit and continue', async function () {
    for (const [name, tier] of [['a', 'web'], ['b', 'db'], ['c', 'web'], ['d', 'web']] as const) await create(pod(name, { tier }));
    const web = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, labelSelector: 'tier in (web)' })) as { items: Pod[] };
    expect(web.items.map((i) => i.metadata?.name)).to.deep.equal(['a', 'c', 'd']);
    const first = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, limit: 3 })) as { items: Pod[]; metadata: { continue?: string; remainingItemCount?: number } };
    expect(first.items.map((i) => i.metadata?.name)).to.deep.equal(['a', 'b', 'c']);
    expect(first.metadata.remainingItemCount).to.equal(1);
    const second = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, limit: 3, _continue: first.metadata.continue ?? '' })) as { items: Pod[]; metadata: { continue?: string } };
    expect(second.items.map((i) => i.metadata?.name)).to.deep.equal(['d']);
    expect(second.metadata.continue).to.equal(undefined);
  });

  it('fails the next requests with the injected status, then recovers', async function () {
    api.server.faults.failNext(2, 503);
    const core = kc.makeApiClient(CoreV1Api);
    await expectApiError(core.listNamespace(), 503);
    await expectApiError(core.listNamespace(), 503);
    const namespaces = await core.listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).to.include('default');
  });

  it('delays every request by the injected latency, and counts requests by method and code', async function () {
    const core = kc.makeApiClient(CoreV1Api);
    api.server.resetStats();
    api.server.faults.setLatency(150);
    const started = Date.now();
    await core.listNamespace();
    expect(Date.now() - started).to.be.at.least(150);
    api.server.faults.reset();
    await create(pod('a'));
    const stats = api.server.stats();
    expect(stats.byMethod).to.deep.equal({ GET: 1, POST: 1 });
    expect(stats.byCode).to.deep.equal({ '200': 1, '201': 1 });
    expect(stats.writesByResource).to.deep.equal({ dockerpods: 1 });
  });

  it('restarted in process on the same data dir, keeps objects; watches from before the restart get 410', async function () {
    const dataDir = mkdtempSync(join(tmpdir(), 'dp-restart-'));
    const first = await startTestApiServer({ dataDir });
    const kc1 = new KubeConfig();
    kc1.loadFromFile(first.kubeconfigPath);
    const created = (await kc1.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, body: pod('kept') })) as Pod;
    await first.close();
    const second = await startTestApiServer({ dataDir });
    try {
      const kc2 = new KubeConfig();
      kc2.loadFromFile(second.kubeconfigPath);
      const got = (await kc2.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'kept' })) as Pod;
      expect(got.metadata?.uid).to.equal(created.metadata?.uid);
      const w = await collectWatch(kc2, `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`, { resourceVersion: String(Number(created.metadata?.resourceVersion) - 1) });
      await w.ended;
      expect(w.events).to.deep.equal([{ type: 'ERROR', code: 410 }]);
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('deletes an object with a finalizer in two steps: deletionTimestamp first, removal when the finalizer goes', async function () {
    const a = await create({ ...pod('a'), metadata: { name: 'a', finalizers: ['dockerpod.dev/cleanup'] } });
    const w = await collectWatch(kc, `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`, { resourceVersion: a.metadata?.resourceVersion ?? '' });
    const deleting = (await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'a' })) as Pod;
    expect(deleting.metadata?.deletionTimestamp).to.be.a('string');
    const adding = await expectApiError(
      custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'a', body: { metadata: { finalizers: ['dockerpod.dev/cleanup', 'x.io/new'] } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
      422,
    );
    expect(adding.message).to.include('no new finalizers can be added if the object is being deleted');
    await custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'a', body: { metadata: { finalizers: null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await until(() => w.events.length >= 2);
    w.stop();
    expect(w.events.map((e) => e.type)).to.deep.equal(['MODIFIED', 'DELETED']);
    await expectApiError(custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'a' }), 404);
  });
});
