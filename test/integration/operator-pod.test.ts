/**
 * The operator end to end on a real engine, driven through the embedded API server with the real
 * client library: examples/web.yaml becomes a Ready pod whose containers share the sandbox's
 * namespaces and cgroup parent, with the kubelet's resource settings and a kubelet-faithful status.
 */
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../src/planner/labels.js';
import { useDockerScope } from '../support/docker-scope.js';
import { eventually } from '../support/exec.js';
import { cgroupsOf, namespaceOf, removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, webPod, type TestOperator } from '../support/operator.js';

const GROUP = 'dockerpod.dev';
const VERSION = 'v1alpha1';

async function createPod(t: TestOperator, pod: DockerPod): Promise<DockerPod> {
  return (await t.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: 'default', plural: 'dockerpods', body: pod })) as DockerPod;
}

async function getPod(t: TestOperator, name: string): Promise<DockerPod> {
  return (await t.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: 'default', plural: 'dockerpods', name })) as DockerPod;
}

async function waitFor(t: TestOperator, name: string, check: (p: DockerPod) => boolean, timeoutMs = 20_000): Promise<DockerPod> {
  return eventually(async () => {
    const pod = await getPod(t, name);
    if (!check(pod)) throw new Error(`pod ${name} not there yet: ${JSON.stringify(pod.status)}`);
    return pod;
  }, timeoutMs, 50);
}

const isReady = (p: DockerPod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

describe('operator: a DockerPod on a real engine', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a']);
  let t: TestOperator;

  before(async () => { t = await startTestOperator(scope); });
  scope.beforeCleanup(async () => t.stop());
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  it('runs examples/web.yaml to Ready: one sandbox, two members sharing net and ipc, one cgroup parent, kubelet memory limits', async function () {
    await createPod(t, webPod('web'));
    const pod = await waitFor(t, 'web', isReady);
    expect(pod.status?.phase).to.equal('Running');
    expect(pod.status?.readyContainers).to.equal('2/2');
    expect(pod.status?.summary).to.equal('Running');
    expect(pod.status?.podIP).to.match(/^10\.213\.1\.\d+$/);
    expect(pod.metadata.finalizers).to.include('dockerpod.dev/cleanup');

    const containers = await t.engine.listContainers({ [LABEL.managedBy]: t.instance, [LABEL.uid]: pod.metadata.uid ?? '' });
    const roles = containers.map((c) => `${c.labels[LABEL.role]}:${c.labels[LABEL.container]}`).sort();
    expect(roles).to.deep.equal(['member:app', 'member:sidecar', 'sandbox:POD']);
    const details = await Promise.all(containers.map((c) => t.engine.inspectContainer(c.id)));
    const byName = Object.fromEntries(details.map((d) => [d?.labels[LABEL.container] ?? '', d]));
    const [sbx, app, sidecar] = [byName['POD'], byName['app'], byName['sidecar']];
    if (!sbx || !app || !sidecar) throw new Error('missing containers');
    for (const kind of ['net', 'ipc'] as const) {
      expect(namespaceOf(app.pid, kind), kind).to.equal(namespaceOf(sbx.pid, kind));
      expect(namespaceOf(sidecar.pid, kind), kind).to.equal(namespaceOf(sbx.pid, kind));
    }
    for (const kind of ['mnt', 'pid'] as const) expect(new Set([sbx, app, sidecar].map((c) => namespaceOf(c.pid, kind))).size, kind).to.equal(3);
    const parent = `/dockerpod-test-${scope.id}/pod${pod.metadata.uid ?? ''}`;
    for (const c of [sbx, app, sidecar]) {
      expect(c.hostConfig.cgroupParent).to.equal(parent);
      expect(cgroupsOf(c.pid).some((p) => p.startsWith(`${parent}/`))).to.equal(true);
    }
    expect(app.hostConfig.memory).to.equal(268435456);
    expect(sidecar.hostConfig.memory).to.equal(134217728);
    for (const c of [app, sidecar]) expect((await t.engine.exec(c.id, ['hostname'], 5000)).stdout.trim()).to.equal('web');
  });

  it('lets the sidecar reach the app on localhost:8080', async function () {
    const pod = await waitFor(t, 'web', isReady);
    const sidecarId = pod.status?.containerStatuses?.find((s) => s.name === 'sidecar')?.containerID?.replace('docker://', '') ?? '';
    const body = await eventually(async () => {
      const r = await t.engine.exec(sidecarId, ['wget', '-qO-', 'http://localhost:8080/'], 5000);
      if (r.exitCode !== 0) throw new Error(r.stderr);
      return r.stdout;
    });
    expect(body.trim()).to.equal('hello from a DockerPod');
  });
});

describe('operator: a host that refuses negative OOM scores', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a']);
  let t: TestOperator;

  before(async () => { t = await startTestOperator(scope, { negativeOomScores: true }); });
  scope.beforeCleanup(async () => t.stop());
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  it('detects the refusal once, warns, and runs the pod without them instead of leaving it stuck', async function () {
    const created = await createPod(t, webPod('oom'));
    const pod = await waitFor(t, 'oom', isReady, 30_000);
    expect(pod.status?.phase).to.equal('Running');
    await t.operator.events.flush();
    const { CoreV1Api } = await import('@kubernetes/client-node');
    const events = await t.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${created.metadata.uid ?? ''},reason=OOMScoreAdjustmentRefused` });
    expect(events.items.map((e) => e.type)).to.deep.equal(['Warning']);
  });
});
