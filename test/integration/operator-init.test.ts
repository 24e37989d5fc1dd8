/**
 * Init containers on a real engine, as the kubelet runs them: in order, each to exit 0 before the
 * next, before any member; members wait as PodInitializing; `initContainerStatuses` and the
 * `Initialized` condition tell the story; a failing init container under restartPolicy Never ends
 * the pod Failed, under Always it is retried with the back-off (Init:CrashLoopBackOff).
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { useDockerScope } from '../support/docker-scope.js';
import { TEST_IMAGES } from '../support/engines.js';
import { conditionOf, createPod, deletePod, isReady, waitForPod, waitGone, IDLE, podWith } from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';
import { repoPath } from '../support/repo.js';

describe('operator: init containers on a real engine', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a']);
  let t: TestOperator;

  before(async () => { t = await startTestOperator(scope, { restartBackoffMs: 300 }); });
  scope.beforeCleanup(async () => t.stop());
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  it('runs init containers in order into an emptyDir the app serves, and the sidecar reads it over localhost', async () => {
    await createPod(t, podWith('seeded', {
      volumes: [{ name: 'www', emptyDir: {} }],
      initContainers: [
        { name: 'first', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'echo one > /www/order; sleep 1'], volumeMounts: [{ name: 'www', mountPath: '/www' }] },
        { name: 'second', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'cat /www/order > /www/index.html; echo two >> /www/index.html'], volumeMounts: [{ name: 'www', mountPath: '/www' }] },
      ],
      containers: [
        { name: 'app', image: TEST_IMAGES.busybox, command: ['httpd', '-f', '-p', '8080', '-h', '/www'], volumeMounts: [{ name: 'www', mountPath: '/www', readOnly: true }] },
        { name: 'sidecar', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE] },
      ],
    }));
    // While the first runs: Init:0/2, members PodInitializing, Initialized False naming both.
    const initializing = await waitForPod(t, 'seeded', (p) => p.status?.summary === 'Init:0/2');
    expect(conditionOf(initializing, 'Initialized')).to.include({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [first second]' });
    expect(initializing.status?.containerStatuses?.map((s) => s.state?.waiting?.reason)).to.deep.equal(['PodInitializing', 'PodInitializing']);
    expect(initializing.status?.phase).to.equal('Pending');
    const ready = await waitForPod(t, 'seeded', isReady, 30_000);
    expect(conditionOf(ready, 'Initialized').status).to.equal('True');
    expect(ready.status?.initContainerStatuses?.map((s) => [s.name, s.ready, s.state?.terminated?.reason, s.state?.terminated?.exitCode])).to.deep.equal([
      ['first', true, 'Completed', 0],
      ['second', true, 'Completed', 0],
    ]);
    expect(ready.status?.summary).to.equal('Running');
    const sidecar = ready.status?.containerStatuses?.find((s) => s.name === 'sidecar')?.containerID?.replace('docker://', '') ?? '';
    const got = await t.engine.exec(sidecar, ['wget', '-qO-', 'http://localhost:8080/index.html'], 5000);
    expect(got.stdout).to.equal('one\ntwo\n');
    await deletePod(t, 'seeded');
    await waitGone(t, 'seeded');
  });

  it('runs examples/seeded-web.yaml: the page names the pod and its host', async () => {
    const example = parse(readFileSync(repoPath('examples', 'seeded-web.yaml'), 'utf8')) as DockerPod;
    for (const c of [...(example.spec.initContainers ?? []), ...example.spec.containers]) c.image = TEST_IMAGES.busybox;
    await createPod(t, example);
    const ready = await waitForPod(t, 'seeded-web', isReady, 30_000);
    const app = ready.status?.containerStatuses?.[0]?.containerID?.replace('docker://', '') ?? '';
    expect((await t.engine.exec(app, ['wget', '-qO-', 'http://localhost:8080/'], 5000)).stdout).to.equal('seeded for seeded-web on local\n');
    await deletePod(t, 'seeded-web');
    await waitGone(t, 'seeded-web');
  });

  it('fails the pod when an init container fails under restartPolicy Never, with the kubelet conditions, and never starts the members', async () => {
    await createPod(t, podWith('doomed', {
      restartPolicy: 'Never',
      initContainers: [{ name: 'check', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'exit 3'] }],
      containers: [{ name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE] }],
    }));
    const failed = await waitForPod(t, 'doomed', (p) => p.status?.phase === 'Failed');
    expect(failed.status?.initContainerStatuses?.[0]?.state?.terminated).to.include({ exitCode: 3, reason: 'Error' });
    expect(conditionOf(failed, 'Initialized')).to.include({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [check]' });
    expect(conditionOf(failed, 'Ready')).to.include({ status: 'False', reason: 'PodFailed' });
    expect(failed.status?.summary).to.equal('Init:Error');
    expect(failed.status?.containerStatuses?.[0]?.state?.waiting?.reason).to.equal('PodInitializing');
    await deletePod(t, 'doomed');
    await waitGone(t, 'doomed');
  });

  it('retries a failing init container with the back-off under restartPolicy Always (Init:CrashLoopBackOff, restartCount growing)', async () => {
    await createPod(t, podWith('looping', {
      initContainers: [{ name: 'flaky', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'exit 1'] }],
      containers: [{ name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE] }],
    }));
    const looping = await waitForPod(t, 'looping', (p) => p.status?.summary === 'Init:CrashLoopBackOff' && (p.status.initContainerStatuses?.[0]?.restartCount ?? 0) >= 2, 30_000);
    expect(looping.status?.phase).to.equal('Pending');
    expect(looping.status?.restartCount).to.be.at.least(2);
    await deletePod(t, 'looping');
    await waitGone(t, 'looping');
  });
});
