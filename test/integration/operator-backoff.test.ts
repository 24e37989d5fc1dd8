/**
 * A pod whose sandbox cannot start (its host port is taken by another process) is retried with
 * the queue's back-off, not re-run by the Docker events of its own clean-up, and says why with the
 * kubelet's Warning `FailedCreatePodSandBox` carrying the engine's message.
 */
import { createServer, type Server } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import { useDockerScope } from '../support/docker-scope.js';
import { eventually } from '../support/exec.js';
import { createPod, deletePod, sleeper, waitGone } from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';

describe('operator: back-off when a sandbox cannot start', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a']);
  let t: TestOperator;
  let squatter: Server;
  let port = 0;

  before(async () => {
    squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '0.0.0.0', resolve));
    port = (squatter.address() as { port: number }).port;
    t = await startTestOperator(scope);
  });
  scope.beforeCleanup(async () => t.stop());
  after(async () => {
    await new Promise((resolve) => squatter.close(resolve));
    removeCgroupParent(`/dockerpod-test-${scope.id}`);
  });

  it('retries with growing delays (a handful of sandboxes in 6 s, not one per event) and posts FailedCreatePodSandBox', async () => {
    t.calls.reset();
    const created = await createPod(t, sleeper('squatted', { hostPort: port }));
    await new Promise((r) => setTimeout(r, 6000));
    const creates = t.calls.calls.filter((c) => c.operation === 'createContainer').length;
    // The queue's back-off (5 ms doubling) allows about a dozen passes in 6 s; the events of each
    // pass's own clean-up used to re-run it at once, over a hundred times.
    expect(creates).to.be.within(1, 16);
    await t.operator.events.flush();
    const events = await eventually(async () => {
      const list = await t.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${created.metadata.uid ?? ''},reason=FailedCreatePodSandBox` });
      if (list.items.length === 0) throw new Error('no FailedCreatePodSandBox event yet');
      return list.items;
    }, 10_000);
    expect(events[0]?.type).to.equal('Warning');
    expect(events[0]?.message).to.match(/^Failed to create pod sandbox: .*address already in use/);
    await deletePod(t, 'squatted');
    await waitGone(t, 'squatted');
  });
});
