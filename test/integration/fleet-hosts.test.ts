/**
 * DockerHost lifecycle beyond scheduling: a host with pods bound is held by its finalizer, its
 * status naming the pods, until they are gone; `insecureSkipVerify` works but puts a Warning Event
 * on the host; two operators split a fleet with --host-selector, each managing only the pods of
 * its partition and never writing the other's.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { useDockerScope } from '../support/docker-scope.js';
import { eventually } from '../support/exec.js';
import {
  conditionOf, createHost, createHostA, createHostB, createPod, createTlsSecret, deletePod, engineBMaterial, getHost, getPod, hostReady, isReady, sleeper, waitForHost, waitForPod, waitGone,
} from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';

const HOSTS = { group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerhosts' };

describe('fleet: DockerHost deletion and TLS settings', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a', 'b']);
  let t: TestOperator;

  before(async () => { t = await startTestOperator(scope, { engine: 'none', heartbeatPeriodMs: 500 }); });
  scope.beforeCleanup(async () => t.stop());
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  it('holds a DockerHost being deleted while a pod is bound to it, names the pod, and lets it go once the pod is gone', async () => {
    await createHostA(t, 'a');
    await waitForHost(t, 'a', (h) => hostReady(h).status === 'True');
    await createPod(t, sleeper('holder'));
    await waitForPod(t, 'holder', isReady);
    await t.custom.deleteClusterCustomObject({ ...HOSTS, name: 'a' });
    const held = await waitForHost(t, 'a', (h) => h.status?.conditions?.some((c) => c.type === 'Terminating') === true);
    expect(held.metadata.deletionTimestamp).to.be.a('string');
    expect(held.status?.conditions?.find((c) => c.type === 'Terminating')).to.deep.include({ status: 'True', reason: 'PodsBound', message: 'waiting for 1 pod(s) bound to this host: default/holder' });
    // A host being deleted takes no new pods.
    await createPod(t, sleeper('latecomer'));
    const waiting = await waitForPod(t, 'latecomer', (p) => conditionOf(p, 'PodScheduled').reason === 'Unschedulable');
    expect(conditionOf(waiting, 'PodScheduled').message).to.equal('0/1 hosts are available: 1 host(s) were unschedulable.');
    await deletePod(t, 'holder');
    await waitGone(t, 'holder');
    await eventually(async () => {
      const gone = await getHost(t, 'a').then(() => false, () => true);
      if (!gone) throw new Error('host a still there');
    }, 20_000, 100);
    await deletePod(t, 'latecomer');
    await waitGone(t, 'latecomer');
  });

  it('connects with insecureSkipVerify and puts a Warning Event on the host', async () => {
    const m = engineBMaterial();
    await createTlsSecret(t, 'skip-tls', { ca: m.ca, cert: m.cert, key: m.key });
    await createHost(t, 'b-insecure', { endpoint: m.endpoint, tls: { secretRef: { namespace: 'default', name: 'skip-tls' }, insecureSkipVerify: true } });
    await waitForHost(t, 'b-insecure', (h) => hostReady(h).status === 'True');
    await t.operator.events.flush();
    const host = await getHost(t, 'b-insecure');
    const events = await t.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${host.metadata.uid ?? ''},reason=InsecureSkipVerify` });
    expect(events.items.map((e) => [e.type, e.involvedObject.kind])).to.deep.equal([['Warning', 'DockerHost']]);
    await t.custom.deleteClusterCustomObject({ ...HOSTS, name: 'b-insecure' });
  });

  it('reports SecretNotFound for a TLS Secret that does not exist', async () => {
    await createHost(t, 'no-secret', { endpoint: engineBMaterial().endpoint, tls: { secretRef: { namespace: 'default', name: 'missing' } } });
    const host = await waitForHost(t, 'no-secret', (h) => hostReady(h).reason === 'SecretNotFound');
    expect(hostReady(host).message).to.equal('Secret default/missing (spec.tls.secretRef) not found');
    await t.custom.deleteClusterCustomObject({ ...HOSTS, name: 'no-secret' });
  });
});

describe('fleet: two operators split a fleet with --host-selector', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a', 'b']);
  let one: TestOperator;
  let two: TestOperator;

  before(async () => {
    one = await startTestOperator(scope, { engine: 'none', heartbeatPeriodMs: 500, hostSelector: 'pool=one' });
    two = await startTestOperator(scope, { engine: 'none', heartbeatPeriodMs: 500, hostSelector: 'pool=two', api: one.api });
  });
  scope.beforeCleanup(async () => {
    await two.stop();
    await one.stop();
  });
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  it('each operator runs only the pods of its partition on its own hosts', async () => {
    await createHostA(one, 'a', {}, { pool: 'one' });
    await createHostB(one, 'b', {}, { pool: 'two' });
    await waitForHost(one, 'a', (h) => hostReady(h).status === 'True');
    await waitForHost(one, 'b', (h) => hostReady(h).status === 'True');
    await createPod(one, sleeper('for-one', { spec: { hostSelector: { pool: 'one' } } }));
    await createPod(one, sleeper('for-two', { spec: { hostSelector: { pool: 'two' } } }));
    await createPod(one, sleeper('for-nobody'));
    expect((await waitForPod(one, 'for-one', isReady)).status?.hostName).to.equal('a');
    expect((await waitForPod(one, 'for-two', isReady)).status?.hostName).to.equal('b');
    // A pod selecting no partition is nobody's: untouched, no finalizer, no status.
    const nobody: DockerPod = await getPod(one, 'for-nobody');
    expect(nobody.metadata.finalizers ?? []).to.deep.equal([]);
    expect(nobody.status ?? {}).to.deep.equal({});
    // Each host's status is written by its own operator only: both are Ready and count their pod.
    expect((await waitForHost(one, 'a', (h) => h.status?.pods === 1)).status?.pods).to.equal(1);
    expect((await waitForHost(one, 'b', (h) => h.status?.pods === 1)).status?.pods).to.equal(1);
    for (const name of ['for-one', 'for-two', 'for-nobody']) await deletePod(one, name);
    for (const name of ['for-one', 'for-two', 'for-nobody']) await waitGone(one, name);
  });
});
