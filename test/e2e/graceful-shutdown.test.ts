/**
 * SIGTERM of the built `dockerpod operator` (with --leader-elect, default graceful timeout 30 s):
 *   - during a burst of 20 DockerPod creations: the process exits 0 within the timeout, after its
 *     in-flight passes finished ("operator stopped", drained) and the lease was released; after a
 *     restart every pod becomes Ready with exactly one sandbox and one container per spec container
 *     (no pass cut in half left a duplicate);
 *   - a pass that cannot finish (an image pull from a registry that never answers) outlives
 *     --graceful-shutdown-timeout: the process exits 1 right after the timeout and leaves the lease
 *     held (a standby must not act while that pass might);
 *   - a second signal during the drain exits at once (code 1).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../src/planner/labels.js';
import { useDockerScope } from '../support/docker-scope.js';
import { webPod } from '../support/operator.js';
import { metric, type OperatorProcess, useOperatorProcesses } from '../support/operator-process.js';

const REF = { group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerpods', namespace: 'default' };
const BURST = 20;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const isReady = (p: DockerPod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** examples/web.yaml without resource requests: 20 of them fit on the 2-CPU test engine. */
function lightPod(name: string): DockerPod {
  const pod = webPod(name);
  pod.spec.containers = pod.spec.containers.map(({ resources: _r, ...c }) => c);
  return pod;
}

/** A "registry" on loopback that accepts connections and never answers: a pull from it hangs. */
async function silentRegistry(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    connections: () => count,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('operator: SIGTERM and graceful shutdown', function () {
  this.timeout(240_000);
  const scope = useDockerScope(['a']);
  const operators = useOperatorProcesses(scope);
  let custom: CustomObjectsApi;
  let coordination: CoordinationV1Api;

  const start = (lease: string, extra: string[] = []): OperatorProcess =>
    operators.start(['--leader-elect', '--leader-election-id', lease, ...extra]);
  const untilLeading = async (p: OperatorProcess, lease: string): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while (metric(await p.metrics(), 'leader_election_master_status', { name: lease }) !== 1) {
      if (Date.now() > deadline) throw new Error(`not leading:\n${p.tail()}`);
      await sleep(50);
    }
  };
  const holder = async (lease: string): Promise<string | undefined> => (await coordination.readNamespacedLease({ name: lease, namespace: 'default' })).spec?.holderIdentity;

  before(() => {
    custom = operators.custom;
    coordination = operators.kubeConfig.makeApiClient(CoordinationV1Api);
  });

  it('during a burst of 20 creations: exit 0 within the timeout, lease released, and after a restart exactly the containers of each pod', async () => {
    const first = start('burst');
    await untilLeading(first, 'burst');
    const names = Array.from({ length: BURST }, (_, i) => `burst-${i}`);
    await Promise.all(names.map((name) => custom.createNamespacedCustomObject({ ...REF, body: lightPod(name) })));
    // SIGTERM while passes are in flight: as soon as the first pod has been worked on.
    await first.waitForLine('reconciled', 30_000);
    const termAt = Date.now();
    const exit = await first.stop('SIGTERM', 60_000);
    const exitMs = Date.now() - termAt;
    const passes = first.lines().filter((l) => l['message'] === 'reconciled').length;
    console.log(`      SIGTERM after ${passes} passes of ${BURST} new pods: exit ${exit.code} after ${exitMs} ms`);
    expect(exit, first.tail()).to.deep.equal({ code: 0, signal: null });
    expect(exitMs).to.be.below(30_000);
    expect(first.lines().find((l) => l['message'] === 'operator stopped')?.['drained']).to.equal(true);
    expect(await holder('burst'), 'the lease was released').to.equal('');

    const second = start('burst');
    const deadline = Date.now() + 120_000;
    let pods: DockerPod[];
    for (;;) {
      pods = ((await custom.listNamespacedCustomObject(REF)) as { items: DockerPod[] }).items.filter((p) => names.includes(p.metadata.name ?? ''));
      if (pods.length === BURST && pods.every(isReady)) break;
      if (Date.now() > deadline) throw new Error(`not all Ready: ${pods.filter((p) => !isReady(p)).map((p) => p.metadata.name).join(', ')}\n${second.tail()}`);
      await sleep(500);
    }
    for (const pod of pods) {
      const containers = await scope.engine('a').listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL.uid}=${pod.metadata.uid ?? ''}`] }) });
      const byName = containers.map((c) => c.Labels[LABEL.container]).sort();
      expect(byName, pod.metadata.name).to.deep.equal(['POD', 'app', 'sidecar']);
      expect(containers.every((c) => c.State === 'running'), `${pod.metadata.name}: ${containers.map((c) => c.State).join(',')}`).to.equal(true);
    }
    expect((await second.stop('SIGTERM')).code).to.equal(0);
    await Promise.all(names.map((name) => custom.deleteNamespacedCustomObject({ ...REF, name })));
  });

  describe('with a pass that cannot finish (an image pull that hangs)', function () {
    let registry: Awaited<ReturnType<typeof silentRegistry>>;
    before(async () => { registry = await silentRegistry(); });
    after(async () => { await registry.close(); });

    const hangingPod = (name: string): DockerPod => webPod(name, {
      containers: [{ name: 'app', image: `127.0.0.1:${registry.port}/hang/app:1`, imagePullPolicy: 'Always', command: ['sleep', '3600'] }],
    });
    /** Until the engine has connected to the registry for this pull and the pass waits for it. */
    const untilPulling = async (p: OperatorProcess, before: number): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (registry.connections() === before || (metric(await p.metrics(), 'controller_runtime_active_workers', { controller: 'dockerpod' }) ?? 0) === 0) {
        if (Date.now() > deadline) throw new Error(`no pull in flight:\n${p.tail()}`);
        await sleep(50);
      }
    };

    it('exits 1 right after --graceful-shutdown-timeout and leaves the lease to expire', async () => {
      const p = start('timeout', ['--graceful-shutdown-timeout', '2s']);
      await untilLeading(p, 'timeout');
      const id = (await p.waitForLine('operator started', 5000))['identity'];
      const before = registry.connections();
      await custom.createNamespacedCustomObject({ ...REF, body: hangingPod('hang-timeout') });
      await untilPulling(p, before);
      const termAt = Date.now();
      const exit = await p.stop('SIGTERM', 30_000);
      const exitMs = Date.now() - termAt;
      console.log(`      drain timed out: exit ${exit.code} after ${exitMs} ms (timeout 2 s)`);
      expect(exit.code, p.tail()).to.equal(1);
      expect(exitMs).to.be.within(2000, 4000);
      expect(p.lines().some((l) => String(l['message']).startsWith('graceful shutdown timed out'))).to.equal(true);
      expect(await holder('timeout'), 'the lease is left held').to.equal(id);
      await custom.deleteNamespacedCustomObject({ ...REF, name: 'hang-timeout' });
    });

    it('exits at once on a second signal during the drain', async () => {
      const p = start('twice');
      await untilLeading(p, 'twice');
      const before = registry.connections();
      await custom.createNamespacedCustomObject({ ...REF, body: hangingPod('hang-twice') });
      await untilPulling(p, before);
      p.child.kill('SIGTERM');
      await p.waitForLine('shutting down: no new work, finishing in-flight passes', 5000);
      await sleep(300);
      expect(p.running, 'still draining after the first signal').to.equal(true);
      const secondAt = Date.now();
      const exit = await p.stop('SIGTERM', 10_000);
      const exitMs = Date.now() - secondAt;
      console.log(`      second SIGTERM: exit ${exit.code} after ${exitMs} ms`);
      expect(exit).to.deep.equal({ code: 1, signal: null });
      expect(exitMs).to.be.below(1000);
      // The pod is removed by whoever leads next; with nobody leading, the finalizer holds it: drop it here.
      await custom.patchNamespacedCustomObject({ ...REF, name: 'hang-twice', body: [{ op: 'remove', path: '/metadata/finalizers' }] }).catch(() => undefined);
      await custom.deleteNamespacedCustomObject({ ...REF, name: 'hang-twice' }).catch(() => undefined);
    });
  });
});
