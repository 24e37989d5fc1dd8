/**
 * runAsNonRoot on a real engine: the test busybox image has no USER (root), so a container with
 * runAsNonRoot and no runAsUser waits with the kubelet's CreateContainerConfigError and is never
 * created (the engine has the sandbox and the sibling only), while its sibling with runAsUser 1000
 * runs.
 */
import { expect } from 'chai';
import { LABEL } from '../../src/planner/labels.js';
import { useDockerScope } from '../support/docker-scope.js';
import { engineClient, TEST_IMAGES } from '../support/engines.js';
import { createPod, deletePod, IDLE, isReady, podWith, waitForPod, waitGone } from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';

describe('operator: runAsNonRoot against the image\'s user', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a']);
  let t: TestOperator;

  before(async () => { t = await startTestOperator(scope); });
  scope.beforeCleanup(async () => t.stop());
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  it('refuses to create a container whose image would run as root, and runs the one with a user', async () => {
    const created = await createPod(t, podWith('nonroot', {
      containers: [
        { name: 'root-image', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE], securityContext: { runAsNonRoot: true } },
        { name: 'with-user', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE], securityContext: { runAsNonRoot: true, runAsUser: 1000 } },
      ],
    }));
    const uid = created.metadata.uid ?? '';
    const waiting = await waitForPod(t, 'nonroot', (p) => p.status?.containerStatuses?.find((c) => c.name === 'with-user')?.state?.running !== undefined && p.status.containerStatuses.some((c) => c.state?.waiting?.reason === 'CreateContainerConfigError'));
    expect(waiting.status?.containerStatuses?.find((c) => c.name === 'root-image')?.state?.waiting?.message).to.equal(`container has runAsNonRoot and image will run as root (pod: "nonroot_default(${uid})", container: root-image)`);
    expect(isReady(waiting)).to.equal(false);
    const containers = await engineClient('a').listContainers({ all: true, filters: { label: [`${LABEL.uid}=${uid}`] } });
    expect(containers.map((c) => c.Labels[LABEL.container]).sort()).to.deep.equal(['POD', 'with-user']);
    await deletePod(t, 'nonroot');
    await waitGone(t, 'nonroot');
  });
});
