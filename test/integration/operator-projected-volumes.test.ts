/**
 * configMap and secret volumes on a real engine: keys as files with their modes, the Secret on a
 * tmpfs, mounts read-only, a changed ConfigMap seen by the running container (same container),
 * and a missing ConfigMap: FailedMount, ContainerCreating and no container until it exists.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../src/planner/labels.js';
import { useDockerScope } from '../support/docker-scope.js';
import { eventually } from '../support/exec.js';
import { TEST_IMAGES } from '../support/engines.js';
import { createPod, deletePod, isReady, waitForPod, waitGone, IDLE, podWith } from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';

const SECRET = 's3cr3t-value';

const idOf = (p: DockerPod, name: string): string => p.status?.containerStatuses?.find((s) => s.name === name)?.containerID?.replace('docker://', '') ?? '';

async function sh(t: TestOperator, id: string, script: string): Promise<string> {
  const r = await t.engine.exec(id, ['sh', '-c', script], 5000);
  return r.stdout + r.stderr;
}

async function eventsOf(t: TestOperator, uid: string): Promise<string[]> {
  await t.operator.events.flush();
  const events = await t.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${uid}` });
  return events.items.map((e) => `${e.type ?? ''}/${e.reason ?? ''}: ${e.message ?? ''}`);
}

describe('operator: configMap and secret volumes on a real engine', function () {
  this.timeout(90_000);
  const scope = useDockerScope(['a']);
  let t: TestOperator;
  let core: CoreV1Api;

  before(async () => {
    t = await startTestOperator(scope, { projectedVolumeRefreshMs: 1000 });
    core = t.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg' }, data: { key: 'v1\n', other: 'x' } } });
    await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'sec' }, data: { token: Buffer.from(SECRET).toString('base64') } } });
  });
  scope.beforeCleanup(async () => t.stop());
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  it('mounts a ConfigMap and a Secret as read-only files with their modes, the Secret on tmpfs, and follows ConfigMap changes', async () => {
    const created = await createPod(t, podWith('files', {
      volumes: [
        { name: 'cfg', configMap: { name: 'cfg' } },
        { name: 'sec', secret: { secretName: 'sec', items: [{ key: 'token', path: 'auth/token', mode: 0o400 }] } },
      ],
      containers: [{ name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }, { name: 'sec', mountPath: '/sec' }] }],
    }));
    const ready = await waitForPod(t, 'files', isReady, 30_000);
    const id = idOf(ready, 'app');
    const listing = await sh(t, id, 'ls -lL /cfg; cat /cfg/key');
    expect(listing).to.match(/-rw-r--r--\s+1 root\s+root\s+3 .* key/);
    expect(listing).to.match(/-rw-r--r--\s+1 root\s+root\s+1 .* other/);
    expect(listing.endsWith('v1\n')).to.equal(true);
    expect(await sh(t, id, 'ls -l /cfg/key /cfg/..data')).to.match(/key -> \.\.data\/key/);
    expect(await sh(t, id, 'ls -lL /sec/auth/token; cat /sec/auth/token')).to.match(new RegExp(`^-r--------\\s+1 root\\s+root\\s+${SECRET.length} .*token\\n${SECRET}$`));
    expect(await sh(t, id, 'grep " /sec " /proc/mounts')).to.match(/^tmpfs \/sec tmpfs ro[, ]/);
    expect(await sh(t, id, 'grep " /cfg " /proc/mounts')).to.match(/ \/cfg \S+ ro[, ]/);
    expect(await sh(t, id, 'echo x > /cfg/new 2>&1 || true')).to.include('Read-only file system');
    // The helper that wrote them is gone.
    const left = await t.engine.listContainers({ [LABEL.managedBy]: t.instance, [LABEL.uid]: created.metadata.uid ?? '' });
    expect(left.map((c) => c.labels[LABEL.container]).sort()).to.deep.equal(['POD', 'app']);

    const cm = await core.readNamespacedConfigMap({ namespace: 'default', name: 'cfg' });
    await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'cfg', body: { ...cm, data: { key: 'v2\n', other: 'x' } } });
    await eventually(async () => {
      const out = await sh(t, id, 'cat /cfg/key');
      if (out !== 'v2\n') throw new Error(`still ${out}`);
    }, 10_000, 200);
    const after = await waitForPod(t, 'files', isReady);
    expect(idOf(after, 'app')).to.equal(id);
    expect(after.status?.containerStatuses?.[0]?.restartCount).to.equal(0);
    const events = await eventsOf(t, created.metadata.uid ?? '');
    expect(events.filter((e) => e.includes(SECRET))).to.deep.equal([]);
    await deletePod(t, 'files');
    await waitGone(t, 'files');
  });

  it('a missing ConfigMap: FailedMount, ContainerCreating, no container; it starts once the ConfigMap exists', async () => {
    const created = await createPod(t, podWith('late', {
      volumes: [{ name: 'cfg', configMap: { name: 'late-cfg' } }],
      containers: [{ name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }],
    }));
    const uid = created.metadata.uid ?? '';
    const waiting = await waitForPod(t, 'late', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ContainerCreating' && p.status.sandboxID !== undefined, 30_000);
    expect(waiting.status?.phase).to.equal('Pending');
    await eventually(async () => {
      const events = await eventsOf(t, uid);
      if (!events.includes('Warning/FailedMount: MountVolume.SetUp failed for volume "cfg" : configmap "late-cfg" not found')) throw new Error(events.join('\n'));
    }, 10_000, 200);
    const list = await t.engine.listContainers({ [LABEL.managedBy]: t.instance, [LABEL.uid]: uid });
    expect(list.map((c) => c.labels[LABEL.container])).to.deep.equal(['POD']);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'late-cfg' }, data: { hello: 'world' } } });
    const ready = await waitForPod(t, 'late', isReady, 30_000);
    expect(await sh(t, idOf(ready, 'app'), 'cat /cfg/hello')).to.equal('world');
    await deletePod(t, 'late');
    await waitGone(t, 'late');
  });

  it('mounts one ConfigMap key as a file with subPath, read-only', async () => {
    await createPod(t, podWith('cm-sub', {
      volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }],
      containers: [{ name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE], volumeMounts: [{ name: 'cfg', mountPath: '/etc/app.conf', subPath: 'other' }] }],
    }));
    const ready = await waitForPod(t, 'cm-sub', isReady, 20_000);
    expect(await sh(t, idOf(ready, 'app'), 'cat /etc/app.conf; echo; ls /etc | grep -c "^app.conf$"; echo y > /etc/app.conf 2>&1 || true')).to.match(/^x\n1\n.*Read-only file system/s);
    await deletePod(t, 'cm-sub');
    await waitGone(t, 'cm-sub');
  });
});
