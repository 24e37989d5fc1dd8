/**
 * Pod volumes on a real engine: an emptyDir is one labelled Docker volume shared by the pod's
 * containers and removed with the pod; `medium: Memory` is a tmpfs of `sizeLimit`; a hostPath is
 * mounted only under a prefix the DockerHost's policy lists (read-only when asked), and a pod whose
 * host path no host allows is refused with InvalidSpec and nothing created. A read-only hostPath
 * leaves no submount writable; an emptyDir subPath is shared with the containers mounting the
 * whole emptyDir, and cannot be redirected by a symlink a container plants.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../src/planner/labels.js';
import { useDockerScope } from '../support/docker-scope.js';
import { engineClient, TEST_IMAGES } from '../support/engines.js';
import { conditionOf, createPod, deletePod, isReady, waitForPod, waitGone, IDLE, podWith } from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';

async function execIn(t: TestOperator, p: DockerPod, container: string, cmd: string[]): Promise<string> {
  const id = p.status?.containerStatuses?.find((s) => s.name === container)?.containerID?.replace('docker://', '') ?? '';
  const r = await t.engine.exec(id, cmd, 5000);
  return r.stdout + r.stderr;
}

describe('operator: pod volumes on a real engine', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a']);
  let t: TestOperator;
  let hostDir: string;

  before(async () => {
    hostDir = mkdtempSync(join(tmpdir(), 'dp-hostpath-'));
    writeFileSync(join(hostDir, 'greeting'), 'from the host\n');
    t = await startTestOperator(scope);
  });
  scope.beforeCleanup(async () => t.stop());
  after(() => {
    rmSync(hostDir, { recursive: true, force: true });
    removeCgroupParent(`/dockerpod-test-${scope.id}`);
  });

  it('shares an emptyDir between containers, as one labelled Docker volume removed with the pod', async () => {
    const created = await createPod(t, podWith('shared', {
      volumes: [{ name: 'www', emptyDir: {} }],
      containers: [
        { name: 'app', image: TEST_IMAGES.busybox, command: ['httpd', '-f', '-p', '8080', '-h', '/www'], volumeMounts: [{ name: 'www', mountPath: '/www', readOnly: true }] },
        { name: 'writer', image: TEST_IMAGES.busybox, command: ['sh', '-c', `echo hello from writer > /out/index.html; ${IDLE}`], volumeMounts: [{ name: 'www', mountPath: '/out' }] },
      ],
    }));
    const ready = await waitForPod(t, 'shared', isReady);
    expect(await execIn(t, ready, 'writer', ['wget', '-qO-', 'http://localhost:8080/index.html'])).to.equal('hello from writer\n');
    // Read-only where the spec says so.
    expect(await execIn(t, ready, 'app', ['sh', '-c', 'touch /www/x 2>&1 || echo refused'])).to.include('Read-only file system');
    const uid = created.metadata.uid ?? '';
    const volumes = await engineClient('a').listVolumes({ filters: { label: [`${LABEL.uid}=${uid}`] } });
    expect((volumes.Volumes ?? []).map((v) => [v.Name, v.Labels['dockerpod.dev/volume'], v.Labels[LABEL.managedBy]])).to.deep.equal([[`dp_${uid}_www`, 'www', t.instance]]);
    await deletePod(t, 'shared');
    await waitGone(t, 'shared');
    const after = await engineClient('a').listVolumes({ filters: { label: [`${LABEL.uid}=${uid}`] } });
    expect(after.Volumes ?? []).to.deep.equal([]);
  });

  it('makes a Memory emptyDir a tmpfs of its sizeLimit', async () => {
    await createPod(t, podWith('ram', {
      volumes: [{ name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }],
      containers: [{ name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE], volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }],
    }));
    const ready = await waitForPod(t, 'ram', isReady);
    const mount = await execIn(t, ready, 'app', ['sh', '-c', 'grep " /cache " /proc/mounts']);
    expect(mount).to.match(/^tmpfs \/cache tmpfs rw,.*size=16384k/);
    // An emptyDir outlives a container restart, in memory too: the sandbox holds the tmpfs.
    await execIn(t, ready, 'app', ['sh', '-c', 'echo kept > /cache/note']);
    const first = ready.status?.containerStatuses?.[0]?.containerID?.replace('docker://', '') ?? '';
    await t.engine.killContainer(first, 'KILL');
    const restarted = await waitForPod(t, 'ram', (p) => isReady(p) && (p.status?.containerStatuses?.[0]?.restartCount ?? 0) === 1, 20_000);
    expect(await execIn(t, restarted, 'app', ['cat', '/cache/note'])).to.equal('kept\n');
    await deletePod(t, 'ram');
    await waitGone(t, 'ram');
  });

  it('refuses a hostPath outside every allowed prefix with InvalidSpec and creates nothing', async () => {
    const created = await createPod(t, podWith('etc', {
      volumes: [{ name: 'etc', hostPath: { path: '/etc' } }],
      containers: [{ name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE], volumeMounts: [{ name: 'etc', mountPath: '/host-etc', readOnly: true }] }],
    }));
    const refused = await waitForPod(t, 'etc', (p) => conditionOf(p, 'Ready').reason === 'InvalidSpec');
    expect(refused.status?.message).to.equal('spec.volumes[0].hostPath.path: Forbidden: host path /etc is not allowed on any DockerHost (spec.policy.allowedHostPaths)');
    expect(refused.status?.hostName).to.equal(undefined);
    const containers = await engineClient('a').listContainers({ all: true, filters: { label: [`${LABEL.uid}=${created.metadata.uid ?? ''}`] } });
    expect(containers).to.deep.equal([]);
    await deletePod(t, 'etc');
    await waitGone(t, 'etc');
  });

  it('mounts a hostPath under a prefix the host allows, read-only when asked', async () => {
    await t.custom.patchClusterCustomObject(
      { group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerhosts', name: 'local', body: { spec: { policy: { allowedHostPaths: [{ pathPrefix: hostDir }] } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await createPod(t, podWith('host-files', {
      volumes: [{ name: 'files', hostPath: { path: hostDir, type: 'Directory' } }, { name: 'made', hostPath: { path: join(hostDir, 'made'), type: 'DirectoryOrCreate' } }],
      containers: [{
        name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE],
        volumeMounts: [{ name: 'files', mountPath: '/files', readOnly: true }, { name: 'made', mountPath: '/made' }],
      }],
    }));
    const ready = await waitForPod(t, 'host-files', isReady, 20_000);
    expect(await execIn(t, ready, 'app', ['cat', '/files/greeting'])).to.equal('from the host\n');
    expect(await execIn(t, ready, 'app', ['sh', '-c', 'echo x > /files/new 2>&1 || true'])).to.include('Read-only file system');
    expect(await execIn(t, ready, 'app', ['sh', '-c', 'echo written > /made/out && cat /made/out'])).to.equal('written\n');
    await deletePod(t, 'host-files');
    await waitGone(t, 'host-files');
  });

  it('shares an emptyDir subPath with the containers that mount the whole emptyDir, and no symlink can redirect it', async () => {
    await createPod(t, podWith('sub', {
      volumes: [{ name: 'data', emptyDir: {} }],
      initContainers: [{ name: 'seed', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'echo seeded > /data/logs/first'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      containers: [
        { name: 'whole', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE], volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        { name: 'logs', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE], volumeMounts: [{ name: 'data', mountPath: '/var/log/app', subPath: 'logs' }] },
      ],
    }));
    const ready = await waitForPod(t, 'sub', isReady, 20_000);
    // What the init container wrote under the subPath is what the subPath's container sees, and back.
    expect(await execIn(t, ready, 'logs', ['cat', '/var/log/app/first'])).to.equal('seeded\n');
    await execIn(t, ready, 'logs', ['sh', '-c', 'echo from-logs > /var/log/app/second']);
    expect(await execIn(t, ready, 'whole', ['cat', '/data/logs/second'])).to.equal('from-logs\n');
    // CVE-2017-1002101: swapping the subPath for a symlink to / must not hand the host to the next start.
    const swap = await execIn(t, ready, 'whole', ['sh', '-c', 'rm -rf /data/logs 2>&1; ln -s / /data/logs 2>&1; echo done']);
    expect(swap).to.match(/busy|exists/i);
    const id = ready.status?.containerStatuses?.find((c) => c.name === 'logs')?.containerID?.replace('docker://', '') ?? '';
    await t.engine.killContainer(id, 'KILL');
    const restarted = await waitForPod(t, 'sub', (p) => isReady(p) && (p.status?.containerStatuses?.find((c) => c.name === 'logs')?.restartCount ?? 0) === 1, 30_000);
    // rm emptied the directory but could not replace it: the restarted container has the subPath volume, not the host's root.
    expect(await execIn(t, restarted, 'logs', ['sh', '-c', 'ls -A /var/log/app; echo third > /var/log/app/third'])).to.equal('');
    expect(await execIn(t, restarted, 'whole', ['cat', '/data/logs/third'])).to.equal('third\n');
    await deletePod(t, 'sub');
    await waitGone(t, 'sub');
  });

  it('leaves no submount of a read-only hostPath writable', async () => {
    const dir = join(hostDir, 'with-mount');
    mkdirSync(join(dir, 'inner'), { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(dir, 'inner')]);
    try {
      await t.custom.patchClusterCustomObject(
        { group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerhosts', name: 'local', body: { spec: { policy: { allowedHostPaths: [{ pathPrefix: hostDir }] } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await createPod(t, podWith('ro-sub', {
        volumes: [{ name: 'h', hostPath: { path: dir } }],
        containers: [{ name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE], volumeMounts: [{ name: 'h', mountPath: '/h', readOnly: true }] }],
      }));
      const ready = await waitForPod(t, 'ro-sub', isReady, 20_000);
      expect(await execIn(t, ready, 'app', ['sh', '-c', 'echo x > /h/inner/f 2>&1 || true'])).to.include('Read-only file system');
      await deletePod(t, 'ro-sub');
      await waitGone(t, 'ro-sub');
    } finally {
      execFileSync('umount', [join(dir, 'inner')]);
    }
  });
});
