/**
 * The EventRecorder against the embedded API server over HTTPS with the real client-node: Events
 * created with every field, repeats aggregated into count/lastTimestamp by merge patch, a per-object
 * rate limit, adoption of an Event written before a restart, and server errors that never reach
 * the caller.
 */
import { expect } from 'chai';
import { CoreV1Api, CustomObjectsApi, KubeConfig, type CoreV1Event, type KubernetesObject } from '@kubernetes/client-node';
import { EventRecorder, type InvolvedObject } from '../../src/kube/index.js';
import { FakeClock } from '../../src/util/clock.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';

const GROUP = 'dockerpod.dev';
const VERSION = 'v1alpha1';
const NS = 'default';
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

const target = (name: string, uid: string): InvolvedObject => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'DockerPod',
  metadata: { name, namespace: NS, uid, resourceVersion: '7' },
});

const iso = (value: unknown): string => new Date(value as string | Date).toISOString();

describe('EventRecorder against the embedded API server', function () {
  this.timeout(10_000);
  let api: TestApiServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let clock: FakeClock;
  let warnings: string[];

  const recorder = (options: { burst?: number; refillMs?: number; fake?: boolean } = {}): EventRecorder =>
    new EventRecorder(core, {
      component: 'dockerpod-operator',
      host: 'node-1',
      ...(options.fake === false ? {} : { clock }),
      ...(options.burst === undefined ? {} : { burst: options.burst }),
      ...(options.refillMs === undefined ? {} : { refillMs: options.refillMs }),
      logger: { warn: (msg) => warnings.push(msg) },
    });
  const eventsOf = async (uid: string): Promise<CoreV1Event[]> => (await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.uid=${uid}` })).items;

  beforeEach(async () => {
    api = await startTestApiServer();
    kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
    clock = new FakeClock(T0);
    warnings = [];
  });
  afterEach(async () => api.close());

  it('creates an Event about the object with every field set', async function () {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const pod = (await custom.createNamespacedCustomObject({
      group: GROUP, version: VERSION, namespace: NS, plural: 'dockerpods',
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'DockerPod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] } },
    })) as KubernetesObject;
    const rec = recorder();
    rec.record(pod as InvolvedObject, 'Normal', 'Scheduled', 'bound to engine local');
    await rec.flush();
    const uid = pod.metadata?.uid ?? '';
    const [event, ...rest] = await eventsOf(uid);
    expect(rest).to.deep.equal([]);
    expect(event?.metadata.name).to.match(/^web\.[0-9a-f]{16}$/);
    expect(event?.metadata.namespace).to.equal(NS);
    expect(event?.involvedObject).to.deep.equal({ apiVersion: `${GROUP}/${VERSION}`, kind: 'DockerPod', name: 'web', namespace: NS, uid, resourceVersion: pod.metadata?.resourceVersion });
    expect(event).to.deep.include({ reason: 'Scheduled', message: 'bound to engine local', type: 'Normal', count: 1, reportingComponent: 'dockerpod-operator', reportingInstance: 'node-1' });
    expect(event?.source).to.deep.equal({ component: 'dockerpod-operator', host: 'node-1' });
    expect(iso(event?.firstTimestamp)).to.equal(new Date(T0).toISOString());
    expect(iso(event?.lastTimestamp)).to.equal(new Date(T0).toISOString());
    expect(rec.stats()).to.deep.equal({ created: 1, patched: 0, dropped: 0, failed: 0 });
  });

  it('aggregates a repeat into the same Event: count 2 and a later lastTimestamp, by one merge patch', async function () {
    const rec = recorder();
    const obj = target('a', 'uid-a');
    rec.record(obj, 'Warning', 'BackOff', 'restarting failed container app');
    await rec.flush();
    await clock.advance(5_000);
    api.server.resetStats();
    rec.record(obj, 'Warning', 'BackOff', 'restarting failed container app');
    await rec.flush();
    const events = await eventsOf('uid-a');
    expect(events).to.have.length(1);
    expect(events[0]?.count).to.equal(2);
    expect(iso(events[0]?.firstTimestamp)).to.equal(new Date(T0).toISOString());
    expect(iso(events[0]?.lastTimestamp)).to.equal(new Date(T0 + 5_000).toISOString());
    expect(api.server.stats().byMethod).to.deep.equal({ PATCH: 1, GET: 1 });
    // Another message is another Event.
    rec.record(obj, 'Warning', 'BackOff', 'restarting failed container sidecar');
    await rec.flush();
    expect((await eventsOf('uid-a')).map((e) => e.count).sort()).to.deep.equal([1, 2]);
  });

  it('folds repeats recorded while a write is in flight into one more write', async function () {
    const rec = recorder();
    const obj = target('a', 'uid-a');
    for (let i = 0; i < 5; i++) rec.record(obj, 'Normal', 'Pulled', 'image pulled');
    await rec.flush();
    const events = await eventsOf('uid-a');
    expect(events.map((e) => e.count)).to.deep.equal([5]);
    const stats = rec.stats();
    expect(stats.created).to.equal(1);
    expect(stats.patched).to.equal(1);
  });

  it('keeps another source apart: its own Event, source and rate limit per object, flushed and counted with the rest', async function () {
    const rec = recorder({ burst: 2, refillMs: 60_000 });
    const obj = target('a', 'uid-a');
    for (let i = 0; i < 3; i++) rec.record(obj, 'Warning', 'FailedCreatePodSandBox', `attempt ${i}`);
    rec.from('dockerpod-scheduler').record(obj, 'Normal', 'Rescheduled', 'moving the pod to b');
    await rec.flush();
    const events = await eventsOf('uid-a');
    expect(events.map((e) => `${e.source?.component ?? ''}/${e.reason ?? ''}`).sort()).to.deep.equal([
      'dockerpod-operator/FailedCreatePodSandBox', 'dockerpod-operator/FailedCreatePodSandBox', 'dockerpod-scheduler/Rescheduled',
    ]);
    expect(events.find((e) => e.reason === 'Rescheduled')).to.deep.include({ reportingComponent: 'dockerpod-scheduler', reportingInstance: 'node-1' });
    expect(rec.stats()).to.deep.include({ created: 3, dropped: 1 });
  });

  it('rate-limits per object: burst, then one more per refill period; other objects unaffected', async function () {
    const rec = recorder({ burst: 3, refillMs: 60_000 });
    const obj = target('a', 'uid-a');
    for (let i = 0; i < 5; i++) rec.record(obj, 'Normal', `Reason${i}`, 'm');
    rec.record(target('b', 'uid-b'), 'Normal', 'Other', 'm');
    await rec.flush();
    expect((await eventsOf('uid-a')).map((e) => e.reason).sort()).to.deep.equal(['Reason0', 'Reason1', 'Reason2']);
    expect(await eventsOf('uid-b')).to.have.length(1);
    expect(rec.stats().dropped).to.equal(2);
    // Repeats take tokens too (as in client-go): still empty.
    rec.record(obj, 'Normal', 'Reason0', 'm');
    await clock.advance(30_000);
    rec.record(obj, 'Normal', 'Reason0', 'm');
    await rec.flush();
    expect(rec.stats().dropped).to.equal(4);
    await clock.advance(30_000);
    rec.record(obj, 'Normal', 'Reason0', 'm');
    rec.record(obj, 'Normal', 'Reason0', 'm');
    await rec.flush();
    const reason0 = (await eventsOf('uid-a')).find((e) => e.reason === 'Reason0');
    expect(reason0?.count).to.equal(2);
    expect(rec.stats().dropped).to.equal(5);
  });

  it('never throws into the caller on server errors: retries a few times, then logs and gives up', async function () {
    const rec = recorder({ fake: false });
    const obj = target('a', 'uid-a');
    api.server.faults.failNext(3, 500);
    expect(() => rec.record(obj, 'Warning', 'Failed', 'boom')).to.not.throw();
    await rec.flush();
    expect(rec.stats()).to.deep.include({ created: 0, failed: 1 });
    expect(warnings).to.have.length(1);
    expect(await eventsOf('uid-a')).to.deep.equal([]);
    // One transient failure is retried, and the next record writes the whole count.
    api.server.faults.failNext(1, 503);
    rec.record(obj, 'Warning', 'Failed', 'boom');
    await rec.flush();
    expect((await eventsOf('uid-a')).map((e) => e.count)).to.deep.equal([2]);
    // A client error (400, not retryable) is given up at once.
    api.server.faults.failNext(1, 400);
    rec.record(obj, 'Warning', 'Failed', 'boom');
    await rec.flush();
    expect(rec.stats()).to.deep.include({ created: 1, failed: 2 });
    expect(warnings).to.have.length(2);
  });

  it('continues the count of an Event written before a restart, and re-creates one that was deleted', async function () {
    const obj = target('a', 'uid-a');
    const first = recorder();
    first.record(obj, 'Normal', 'Started', 'started');
    first.record(obj, 'Normal', 'Started', 'started');
    await first.flush();
    const second = recorder(); // a new process: empty cache, same deterministic name
    second.record(obj, 'Normal', 'Started', 'started');
    await second.flush();
    const [event] = await eventsOf('uid-a');
    expect(event?.count).to.equal(3);
    await core.deleteNamespacedEvent({ namespace: NS, name: event?.metadata.name ?? '' });
    second.record(obj, 'Normal', 'Started', 'started');
    await second.flush();
    expect((await eventsOf('uid-a')).map((e) => e.count)).to.deep.equal([4]);
    expect(warnings).to.deep.equal([]);
  });
});
