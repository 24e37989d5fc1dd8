/**
 * The Operator's two phases, in-process against the embedded API server and engine A:
 *   - a standby (startStandby) has synced caches and pings its engines, but writes nothing: a new
 *     DockerPod gets no finalizer, no status and no container, the implicit DockerHost is not even
 *     created, and its metrics count no pass and no add;
 *   - lead(term) starts the workers: the implicit host is created, the waiting pod becomes Ready;
 *   - when the term's signal aborts the workers stop at once: a pod created afterwards is not
 *     touched, and the Operator refuses a second term.
 */
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { Operator } from '../../src/controller/operator.js';
import { silentLogger } from '../../src/observability/logger.js';
import { LABEL } from '../../src/planner/labels.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { useDockerScope } from '../support/docker-scope.js';
import { engineConnectOptions, TEST_IMAGES } from '../support/engines.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { webPod } from '../support/operator.js';
import { metric, parseMetrics } from '../support/operator-process.js';

const REF = { group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerpods', namespace: 'default' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('operator: standby and leader phases', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a']);
  let api: TestApiServer;
  let custom: CustomObjectsApi;
  let operator: Operator;
  const term = new AbortController();
  let leading: Promise<void> | undefined;

  before(async () => {
    api = await startTestApiServer();
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    custom = kc.makeApiClient(CustomObjectsApi);
    operator = new Operator({
      kubeConfig: kc,
      settings: {
        instance: `test-${scope.id}`, extraLabels: scope.labels, pauseImage: TEST_IMAGES.pause, podNetwork: 'bridge', cgroupRoot: `/dockerpod-test-${scope.id}`,
        negativeOomScores: false, restartBackoff: { initialMs: 400, maxMs: 3200 },
      },
      implicitHost: { name: 'local', connection: engineConnectOptions('a'), hostIP: '127.0.0.1', policy: { allowHostNamespaces: false, allowPrivileged: false, allowedHostPaths: [] } },
      localAddress: '127.0.0.1',
      concurrency: 4,
      resyncPeriodMs: 60_000,
      logger: silentLogger,
    });
  });
  scope.beforeCleanup(async () => {
    term.abort();
    await leading;
    await operator.stop(5000);
  });
  after(async () => {
    await api.close();
    removeCgroupParent(`/dockerpod-test-${scope.id}`);
  });

  const pod = async (name: string): Promise<DockerPod> => (await custom.getNamespacedCustomObject({ ...REF, name })) as DockerPod;
  const containers = async (): Promise<unknown[]> => scope.engine('a').listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL.managedBy}=test-${scope.id}`] }) });

  it('as a standby: caches synced, nothing written, nothing counted', async () => {
    expect(await operator.startStandby(10_000)).to.equal(true);
    api.server.resetStats();
    await custom.createNamespacedCustomObject({ ...REF, body: webPod('waiting') });
    await sleep(1500);
    const waiting = await pod('waiting');
    expect(waiting.metadata.finalizers ?? []).to.deep.equal([]);
    expect(waiting.status ?? {}).to.deep.equal({});
    expect(await containers()).to.deep.equal([]);
    expect(api.server.stats().writesByResource).to.deep.equal({ dockerpods: 1 });
    expect(operator.readiness()).to.deep.equal({ synced: true, hosts: 1, readyHosts: 0, leading: false });
    const m = parseMetrics(await operator.metrics.text());
    expect(metric(m, 'controller_runtime_reconcile_total')).to.equal(0);
    expect(metric(m, 'workqueue_adds_total')).to.equal(0);
    expect(metric(m, 'workqueue_depth')).to.equal(0);
  });

  it('leading: the implicit host is created and the waiting pod becomes Ready', async () => {
    leading = operator.lead(term.signal);
    const deadline = Date.now() + 30_000;
    while (!(await pod('waiting')).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
      if (Date.now() > deadline) throw new Error(`not Ready: ${JSON.stringify((await pod('waiting')).status)}`);
      await sleep(100);
    }
    expect(operator.readiness()).to.deep.include({ synced: true, hosts: 1, readyHosts: 1, leading: true });
    expect(await containers()).to.have.length(3);
    expect(metric(parseMetrics(await operator.metrics.text()), 'controller_runtime_reconcile_total', { controller: 'dockerpod', result: 'success' })).to.be.greaterThan(0);
  });

  it('when the term ends the workers stop at once, and there is no second term', async () => {
    term.abort();
    await leading;
    expect(operator.readiness().leading).to.equal(false);
    await custom.createNamespacedCustomObject({ ...REF, body: webPod('after') });
    await sleep(1500);
    expect((await pod('after')).metadata.finalizers ?? []).to.deep.equal([]);
    expect(await containers()).to.have.length(3);
    let refused: unknown;
    await operator.lead(new AbortController().signal).catch((err: unknown) => { refused = err; });
    expect(String(refused)).to.match(/leads at most one term/);
  });
});
