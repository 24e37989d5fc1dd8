/**
 * What users rely on after a pod is up, proved on a real engine: a killed member is restarted
 * (restartCount, Ready again) and a crash loop backs off with growing delays; a removed sandbox
 * makes the whole pod be recreated; shareProcessNamespace shares PIDs; deletion removes every
 * container before the object goes; a pass with nothing to do writes nothing and calls nothing
 * mutating; invalid pods are refused with a condition and a Warning Event, without touching the
 * engine, while a valid pod next to them runs.
 */
import { randomUUID } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../src/planner/labels.js';
import { useDockerScope } from '../support/docker-scope.js';
import { engineConnectOptions } from '../support/engines.js';
import { eventually } from '../support/exec.js';
import { namespaceOf, removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, webPod, type TestOperator } from '../support/operator.js';
import { startTestApiServer } from '../support/apiserver.js';

const ref = { group: 'dockerpod.dev', version: 'v1alpha1', namespace: 'default', plural: 'dockerpods' };

const isReady = (p: DockerPod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const statusOf = (p: DockerPod, name: string) => p.status?.containerStatuses?.find((s) => s.name === name);
const idOf = (p: DockerPod, name: string): string => statusOf(p, name)?.containerID?.replace('docker://', '') ?? '';

async function getPod(t: TestOperator, name: string): Promise<DockerPod | undefined> {
  try {
    return (await t.custom.getNamespacedCustomObject({ ...ref, name })) as DockerPod;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

async function waitFor(t: TestOperator, name: string, check: (p: DockerPod) => boolean, timeoutMs = 30_000): Promise<DockerPod> {
  return eventually(async () => {
    const pod = await getPod(t, name);
    if (!pod || !check(pod)) throw new Error(`pod ${name} not there yet: ${JSON.stringify(pod?.status)}`);
    return pod;
  }, timeoutMs, 50);
}

async function create(t: TestOperator, pod: DockerPod): Promise<DockerPod> {
  return (await t.custom.createNamespacedCustomObject({ ...ref, body: pod })) as DockerPod;
}

async function containersOf(t: TestOperator, uid: string): Promise<string[]> {
  const list = await t.engine.listContainers({ [LABEL.managedBy]: t.instance, [LABEL.uid]: uid });
  return list.map((c) => `${c.labels[LABEL.container] ?? ''}#${c.labels[LABEL.attempt] ?? ''}:${c.state}`).sort();
}

describe('operator: pod lifecycle on a real engine', function () {
  this.timeout(90_000);
  const scope = useDockerScope(['a']);
  let t: TestOperator;

  before(async () => { t = await startTestOperator(scope, { restartBackoffMs: 400 }); });
  scope.beforeCleanup(async () => t.stop());
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  it('restarts a killed member (restartCount 1, lastState terminated 137) and the pod is Ready again', async function () {
    const created = await create(t, webPod('killme', { terminationGracePeriodSeconds: 2 }));
    const ready = await waitFor(t, 'killme', isReady);
    await t.engine.killContainer(idOf(ready, 'app'));
    const back = await waitFor(t, 'killme', (p) => isReady(p) && statusOf(p, 'app')?.restartCount === 1);
    expect(statusOf(back, 'app')?.lastState?.terminated).to.deep.include({ exitCode: 137, reason: 'Error' });
    expect(statusOf(back, 'sidecar')?.restartCount).to.equal(0);
    expect(back.status?.restartCount).to.equal(1);
    expect(idOf(back, 'app')).to.not.equal(idOf(ready, 'app'));
    expect(await containersOf(t, created.metadata.uid ?? '')).to.deep.equal(['POD#0:running', 'app#0:exited', 'app#1:running', 'sidecar#0:running']);
  });

  it('backs off a crash-looping container with growing delays and reports CrashLoopBackOff', async function () {
    const pod = webPod('crashloop');
    pod.spec.containers = [{ name: 'crasher', image: pod.spec.containers[0]?.image ?? '', command: ['sh', '-c', 'exit 3'] }];
    await create(t, pod);
    const looping = await waitFor(t, 'crashloop', (p) => statusOf(p, 'crasher')?.state?.waiting?.reason === 'CrashLoopBackOff' && (statusOf(p, 'crasher')?.restartCount ?? 0) >= 2, 30_000);
    const waiting = statusOf(looping, 'crasher')?.state?.waiting;
    expect(waiting?.message).to.match(/^back-off [\d.]+(ms|s) restarting failed container=crasher pod=crashloop_default\(/);
    expect(statusOf(looping, 'crasher')?.lastState?.terminated).to.deep.include({ exitCode: 3, reason: 'Error' });
    expect(looping.status?.summary).to.equal('CrashLoopBackOff');
    expect(looping.status?.phase).to.equal('Running');
    // Restart times from the engine: each gap at least the back-off of its step (0, 400, 800, 1600 ms ...).
    const starts = await eventually(async () => {
      const list = await t.engine.listContainers({ [LABEL.managedBy]: t.instance, [LABEL.name]: 'crashloop', [LABEL.container]: 'crasher' });
      const details = await Promise.all(list.map((c) => t.engine.inspectContainer(c.id)));
      const times = details.map((d) => [Number(d?.labels[LABEL.attempt]), Date.parse(d?.startedAt ?? ''), Date.parse(d?.finishedAt ?? '')] as const).sort((a, b) => a[0] - b[0]);
      if (times.length < 2 || times[times.length - 1]?.[0] !== undefined && (times[times.length - 1]?.[0] ?? 0) < 3) throw new Error('not enough restarts yet');
      return times;
    }, 30_000, 200);
    const gaps = starts.slice(1).map((s, i) => s[1] - (starts[i]?.[2] ?? 0));
    const last = gaps[gaps.length - 1] ?? 0;
    expect(last, `gaps ${gaps.join(',')}`).to.be.greaterThan(750);
  });

  it('recreates the whole pod (new sandbox attempt) when the sandbox is removed, and it converges', async function () {
    const ready = await waitFor(t, 'killme', isReady);
    const sandboxId = ready.status?.sandboxID ?? '';
    await t.engine.removeContainer(sandboxId, { force: true, removeVolumes: true });
    const back = await waitFor(t, 'killme', (p) => isReady(p) && p.status?.sandboxID !== sandboxId);
    const live = (await containersOf(t, back.metadata.uid ?? '')).filter((c) => c.endsWith(':running'));
    expect(live).to.deep.equal(['POD#1:running', 'app#2:running', 'sidecar#1:running']);
  });

  it('with shareProcessNamespace, members share the sandbox PID namespace and see each other\'s processes', async function () {
    await create(t, webPod('sharedpid', { shareProcessNamespace: true }));
    const pod = await waitFor(t, 'sharedpid', isReady);
    const sidecar = await t.engine.inspectContainer(idOf(pod, 'sidecar'));
    const sandbox = await t.engine.inspectContainer(pod.status?.sandboxID ?? '');
    expect(namespaceOf(sidecar?.pid ?? 0, 'pid')).to.equal(namespaceOf(sandbox?.pid ?? 0, 'pid'));
    const ps = await t.engine.exec(idOf(pod, 'sidecar'), ['ps', '-o', 'pid,args'], 5000);
    expect(ps.stdout).to.match(/^\s*1\s+\/pause\s*$/m);
    expect(ps.stdout).to.include('httpd -f -v -p 8080');
  });

  it('posts the kubelet\'s Events on the pod', async function () {
    const pod = await waitFor(t, 'sharedpid', isReady);
    const core = t.kc.makeApiClient(CoreV1Api);
    await t.operator.events.flush();
    const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${pod.metadata.uid ?? ''}` });
    const reasons = events.items.map((e) => `${e.type ?? ''}/${e.reason ?? ''}: ${e.message ?? ''}`);
    expect(reasons).to.include.members(['Normal/Scheduled: Successfully assigned default/sharedpid to local', 'Normal/Created: Created container: app', 'Normal/Started: Started container app', 'Normal/Started: Started container sidecar']);
    // Placement from the scheduler's source (as kube-scheduler's), the rest from the operator's (as the kubelet's).
    expect(events.items.map((e) => `${e.reason === 'Scheduled' ? 'Scheduled' : 'other'}: ${e.source?.component ?? ''}`).filter((v, i, all) => all.indexOf(v) === i).sort()).to.deep.equal(['Scheduled: dockerpod-scheduler', 'other: dockerpod-operator']);
  });

  it('reports ErrImagePull, then ImagePullBackOff, for an image no registry serves; ErrImageNeverPull for a missing image with policy Never', async function () {
    const pod = webPod('pullfail');
    const first = pod.spec.containers[0];
    const second = pod.spec.containers[1];
    if (!first || !second) throw new Error('web pod has two containers');
    pod.spec.containers = [{ ...first, image: '127.0.0.1:1/nope/app:1' }, { ...second, image: 'dockerpod.dev/test/absent:1', imagePullPolicy: 'Never' }];
    await create(t, pod);
    const pulled = await waitFor(t, 'pullfail', (p) => ['ErrImagePull', 'ImagePullBackOff'].includes(statusOf(p, 'app')?.state?.waiting?.reason ?? ''));
    expect(statusOf(pulled, 'app')?.state?.waiting?.message).to.match(/^(Failed to pull image "127\.0\.0\.1:1\/nope\/app:1": |Back-off pulling image)/);
    expect(statusOf(pulled, 'sidecar')?.state?.waiting).to.deep.equal({ reason: 'ErrImageNeverPull', message: 'Container image "dockerpod.dev/test/absent:1" is not present with pull policy of Never' });
    await waitFor(t, 'pullfail', (p) => statusOf(p, 'app')?.state?.waiting?.reason === 'ImagePullBackOff');
    await t.custom.deleteNamespacedCustomObject({ ...ref, name: 'pullfail' });
  });

  it('publishes a hostPort on the Docker host through the sandbox', async function () {
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const pod = webPod('published');
    const app = pod.spec.containers[0];
    if (app) app.ports = [{ name: 'http', containerPort: 8080, hostPort: port, hostIP: '127.0.0.1', protocol: 'TCP' }];
    await create(t, pod);
    await waitFor(t, 'published', isReady);
    const body = await eventually(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      return res.text();
    }, 10_000, 100);
    expect(body.trim()).to.equal('hello from a DockerPod');
    await t.custom.deleteNamespacedCustomObject({ ...ref, name: 'published' });
  });

  it('makes no API write and no mutating Docker call on a pass with nothing to do', async function () {
    const pod = await waitFor(t, 'sharedpid', isReady);
    await t.operator.queue.onIdle();
    await t.operator.events.flush();
    t.api.server.resetStats();
    t.calls.reset();
    await t.operator.reconciler.reconcile(`default/${pod.metadata.name ?? ''}`);
    await t.operator.events.flush();
    // The DockerHost's own controller may write its status meanwhile (a heartbeat, or the room the
    // previous test's pod gave back); the pod's pass writes nothing.
    const { dockerhosts: _hostWrites, ...writes } = t.api.server.stats().writesByResource;
    expect(writes).to.deep.equal({});
    expect(t.calls.mutating(), JSON.stringify(t.calls.calls)).to.equal(0);
  });

  it('deletes every container of the pod, then lets the object go', async function () {
    const pod = await waitFor(t, 'sharedpid', isReady);
    await t.custom.deleteNamespacedCustomObject({ ...ref, name: 'sharedpid' });
    await eventually(async () => {
      if (await getPod(t, 'sharedpid')) throw new Error('still there');
    }, 30_000, 50);
    expect(await containersOf(t, pod.metadata.uid ?? '')).to.deep.equal([]);
  });
});

describe('operator: invalid pods', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a']);
  let t: TestOperator;

  // An API server without the project's validators, like a cluster without its webhook: the operator must judge.
  before(async () => { t = await startTestOperator(scope, { api: await startTestApiServer({ validators: new Map() }) }); });
  scope.beforeCleanup(async () => {
    await t.stop();
    await t.api.close();
  });
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  const cases: Array<{ name: string; mutate: (p: DockerPod) => void; message: string }> = [
    {
      name: 'duplicate container names',
      mutate: (p) => { const first = p.spec.containers[0]; if (first) p.spec.containers[1] = { ...first }; },
      message: 'spec.containers[1].name: Duplicate value: "app"',
    },
    { name: 'an unparseable quantity', mutate: (p) => { const c = p.spec.containers[0]; if (c) c.resources = { limits: { memory: '1e99' } }; }, message: 'spec.containers[0].resources.limits.memory: Invalid value: "1e99"' },
    // Pinned to its host, the pod meets the host's policy at admission; unpinned, the scheduler keeps it off hosts that refuse it (below).
    { name: 'hostNetwork without permission on the pinned host', mutate: (p) => { p.spec.hostNetwork = true; p.spec.hostName = 'local'; }, message: 'spec.hostNetwork: Forbidden: host namespaces are not allowed on host "local"' },
    {
      name: 'a capability outside Docker\'s default set',
      mutate: (p) => { const c = p.spec.containers[0]; if (c) c.securityContext = { capabilities: { add: ['SYS_ADMIN'] } }; p.spec.hostName = 'local'; },
      message: 'spec.containers[0].securityContext.capabilities.add: Forbidden: capabilities SYS_ADMIN are outside Docker\'s default set and not allowed on host "local" (spec.policy.allowedCapabilities)',
    },
    {
      name: 'a mount of the host engine\'s own socket',
      mutate: (p) => { p.spec.volumes = [{ name: 'sock', hostPath: { path: engineConnectOptions('a').endpoint.replace('unix://', '') } }]; p.spec.hostName = 'local'; },
      message: 'exposes the Docker engine\'s socket, which is not allowed on host "local" (spec.policy.allowDockerSocket)',
    },
  ];

  for (const c of cases) {
    it(`refuses ${c.name} with InvalidSpec, a Warning Event and no container`, async function () {
      const name = `bad-${cases.indexOf(c)}`;
      const pod = webPod(name);
      c.mutate(pod);
      const created = await create(t, pod);
      const refused = await waitFor(t, name, (p) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.reason === 'InvalidSpec') === true);
      expect(refused.status?.conditions?.find((x) => x.type === 'Ready')?.message).to.include(c.message);
      expect(refused.status?.reason).to.equal('InvalidSpec');
      await t.operator.events.flush();
      const events = await t.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${created.metadata.uid ?? ''},reason=InvalidSpec` });
      expect(events.items.map((e) => e.type)).to.deep.equal(['Warning']);
      expect(await containersOf(t, created.metadata.uid ?? '')).to.deep.equal([]);
    });
  }

  it('refuses an unpinned hostNetwork pod that no host allows with InvalidSpec, a Warning Event and no container', async function () {
    const pod = webPod('hostnet');
    pod.spec.hostNetwork = true;
    const created = await create(t, pod);
    const refused = await waitFor(t, 'hostnet', (p) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.reason === 'InvalidSpec') === true);
    expect(refused.status?.message).to.equal('spec.hostNetwork: Forbidden: host namespaces are not allowed on any DockerHost (spec.policy.allowHostNamespaces)');
    expect(refused.status?.conditions?.find((x) => x.type === 'PodScheduled')).to.deep.include({ status: 'False', reason: 'InvalidSpec' });
    await t.operator.events.flush();
    const events = await t.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${created.metadata.uid ?? ''},reason=InvalidSpec` });
    expect(events.items.map((e) => e.type)).to.deep.equal(['Warning']);
    expect(await containersOf(t, created.metadata.uid ?? '')).to.deep.equal([]);
  });

  it('refuses a pod without an image that got past the schema, and runs a valid pod created at the same time', async function () {
    // Stored directly, as a CRD schema change could leave such an object behind.
    const bad = webPod('noimage');
    const uid = randomUUID();
    t.api.server.core.store.put('dockerpod.dev/dockerpods', {
      ...bad,
      metadata: { name: 'noimage', namespace: 'default', uid, generation: 1, creationTimestamp: new Date().toISOString().slice(0, 19) + 'Z' },
      spec: { ...bad.spec, containers: [{ name: 'app', image: '' }] },
    });
    await create(t, webPod('good'));
    const refused = await waitFor(t, 'noimage', (p) => p.status?.conditions?.some((x) => x.reason === 'InvalidSpec') === true);
    expect(refused.status?.message).to.include('spec.containers[0].image: Required value');
    await waitFor(t, 'good', isReady);
    expect(await containersOf(t, uid)).to.deep.equal([]);
  });
});
