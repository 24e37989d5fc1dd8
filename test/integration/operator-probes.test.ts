/**
 * Probes on a real engine, as the kubelet runs them: a readiness probe (HTTP, from inside the
 * pod's network namespace through the sandbox's probe helper) keeps the container and the pod
 * not Ready until it passes, and the pod turns Ready once `dockerpod exec`-style work creates
 * the page; a liveness probe (exec) failing failureThreshold times restarts the container
 * (restartCount 1) with the kubelet's Unhealthy and Killing Events. An HTTPS probe speaks TLS from
 * the operator through the sandbox's relay to the pod's loopback: here the pod's port forwards
 * (busybox nc) to a TLS server of the test on engine A's bridge gateway, whose status it flips.
 */
import { createServer, type Server } from 'node:https';
import { CoreV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { testServingCert } from '../support/apiserver.js';
import { useDockerScope } from '../support/docker-scope.js';
import { engineClient, TEST_IMAGES } from '../support/engines.js';
import { eventually } from '../support/exec.js';
import { conditionOf, createPod, deletePod, isReady, waitForPod, waitGone, IDLE, podWith } from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';

const idOf = (p: DockerPod, name: string): string => p.status?.containerStatuses?.find((s) => s.name === name)?.containerID?.replace('docker://', '') ?? '';

describe('operator: probes on a real engine', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a']);
  let t: TestOperator;

  before(async () => { t = await startTestOperator(scope, { restartBackoffMs: 300 }); });
  scope.beforeCleanup(async () => t.stop());
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  async function eventsOf(uid: string, reason: string): Promise<string[]> {
    await t.operator.events.flush();
    const list = await t.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${uid},reason=${reason}` });
    return list.items.map((e) => e.message ?? '');
  }

  it('keeps a container not Ready while its HTTP readiness probe fails, and Ready once it passes', async () => {
    const created = await createPod(t, podWith('readiness', {
      containers: [{
        name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'mkdir -p /www && httpd -f -p 8080 -h /www'],
        ports: [{ name: 'http', containerPort: 8080 }],
        readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1 },
      }],
    }));
    const waiting = await waitForPod(t, 'readiness', (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined && (p.status.conditions ?? []).some((c) => c.type === 'ContainersReady'));
    await new Promise((r) => setTimeout(r, 2500));
    const notReady = await waitForPod(t, 'readiness', (p) => p.status?.containerStatuses?.[0]?.ready === false);
    expect(conditionOf(notReady, 'ContainersReady')).to.include({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' });
    expect(isReady(notReady)).to.equal(false);
    expect(notReady.status?.readyContainers).to.equal('0/1');
    const failures = await eventually(async () => {
      const messages = await eventsOf(created.metadata.uid ?? '', 'Unhealthy');
      if (messages.length === 0) throw new Error('no Unhealthy event yet');
      return messages;
    }, 10_000);
    expect(failures[0]).to.equal('Readiness probe failed: HTTP probe failed with statuscode: 404');
    await t.engine.exec(idOf(waiting, 'app'), ['sh', '-c', 'echo ok > /www/ready'], 5000);
    const ready = await waitForPod(t, 'readiness', isReady, 10_000);
    expect(ready.status?.containerStatuses?.[0]).to.include({ ready: true, started: true, restartCount: 0 });
    await deletePod(t, 'readiness');
    await waitGone(t, 'readiness');
  });

  it('restarts a container whose exec liveness probe fails three times, with Unhealthy and Killing Events', async () => {
    const created = await createPod(t, podWith('liveness', {
      containers: [{
        name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', `touch /tmp/alive; ${IDLE}`],
        livenessProbe: { exec: { command: ['test', '-f', '/tmp/alive'] }, periodSeconds: 1, failureThreshold: 3 },
      }],
    }));
    const first = await waitForPod(t, 'liveness', isReady);
    await t.engine.exec(idOf(first, 'app'), ['rm', '/tmp/alive'], 5000);
    const restarted = await waitForPod(t, 'liveness', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) === 1 && isReady(p), 20_000);
    expect(idOf(restarted, 'app')).to.not.equal(idOf(first, 'app'));
    const uid = created.metadata.uid ?? '';
    expect(await eventsOf(uid, 'Unhealthy')).to.deep.equal(['Liveness probe failed: ']);
    const killing = await eventsOf(uid, 'Killing');
    expect(killing.some((m) => m.includes('failed liveness probe, will be restarted'))).to.equal(true);
    await deletePod(t, 'liveness');
    await waitGone(t, 'liveness');
  });

  it('runs an HTTPS readiness probe through the sandbox (TLS in the operator, certificate not verified, as the kubelet)', async () => {
    let status = 500;
    const seen: string[] = [];
    const cert = testServingCert();
    const gateway = (await engineClient('a').getNetwork('bridge').inspect() as { IPAM: { Config: Array<{ Gateway: string }> } }).IPAM.Config[0]?.Gateway ?? '';
    const server: Server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''} ${req.headers['user-agent'] ?? ''} ${String(req.headers['x-probe'] ?? '')}`);
      res.writeHead(status).end();
    });
    await new Promise<void>((r) => server.listen(0, gateway, r));
    const port = (server.address() as { port: number }).port;
    try {
      const created = await createPod(t, podWith('https', {
        containers: [{
          name: 'app', image: TEST_IMAGES.busybox, command: ['nc', '-ll', '-p', '8443', '-e', 'nc', gateway, String(port)],
          ports: [{ name: 'https', containerPort: 8443 }],
          readinessProbe: { httpGet: { path: '/healthz', port: 'https', scheme: 'HTTPS', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] }, periodSeconds: 1 },
        }],
      }));
      const failures = await eventually(async () => {
        const messages = await eventsOf(created.metadata.uid ?? '', 'Unhealthy');
        if (messages.length === 0) throw new Error('no Unhealthy event yet');
        return messages;
      }, 15_000);
      expect(failures[0]).to.equal('Readiness probe failed: HTTP probe failed with statuscode: 500');
      expect(isReady(await waitForPod(t, 'https', () => true))).to.equal(false);
      status = 204;
      await waitForPod(t, 'https', isReady, 10_000);
      expect(seen[0]).to.equal('GET /healthz kube-probe/1.32 yes');
      await deletePod(t, 'https');
      await waitGone(t, 'https');
    } finally {
      server.close();
    }
  });
});
