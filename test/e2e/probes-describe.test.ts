/**
 * Probes as a user sees them, through the shipped tools only: an app whose readiness endpoint
 * answers 500 until a file exists stays `Ready=False` (ContainersNotReady) until the BUILT
 * `dockerpod exec` creates the file; a liveness probe that fails three times restarts its
 * container (restartCount 1), and the real `kubectl describe dockerpod` shows the Unhealthy and
 * Killing Events. The operator runs in-process on engine A behind the embedded API server.
 */
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { kubectl } from '../support/apiserver.js';
import { useDockerScope } from '../support/docker-scope.js';
import { TEST_IMAGES } from '../support/engines.js';
import { conditionOf, createPod, deletePod, IDLE, isReady, podWith, waitForPod, waitGone } from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';
import { buildOnce, dockerpodBin } from '../support/repo.js';

/** A CGI health endpoint: 500 until /tmp/ready exists (busybox httpd passes an `HTTP/1.0` first line through). */
const READY_CGI = [
  '#!/bin/sh',
  'if [ -f /tmp/ready ]; then printf "HTTP/1.0 200 OK\\r\\n\\r\\nready\\n"; else printf "HTTP/1.0 500 Internal Server Error\\r\\n\\r\\nnot yet\\n"; fi',
].join('\n');
const APP = `mkdir -p /www/cgi-bin && cat > /www/cgi-bin/ready <<'EOF'\n${READY_CGI}\nEOF\nchmod +x /www/cgi-bin/ready && exec httpd -f -p 8080 -h /www`;

function webPod(): DockerPod {
  return podWith('web', {
    containers: [
      {
        name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', APP],
        ports: [{ name: 'http', containerPort: 8080 }],
        readinessProbe: { httpGet: { path: '/cgi-bin/ready', port: 'http' }, periodSeconds: 1 },
      },
      {
        name: 'worker', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE],
        livenessProbe: { exec: { command: ['sh', '-c', 'test ! -f /tmp/broken'] }, periodSeconds: 1, failureThreshold: 3 },
      },
    ],
  });
}

describe('probes through dockerpod exec and kubectl describe', function () {
  this.timeout(120_000);
  const scope = useDockerScope(['a']);
  let t: TestOperator;

  /** Runs the built `dockerpod` with the API server's kubeconfig; resolves with its exit code and output. */
  function dockerpod(args: string[]): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [dockerpodBin(), ...args], { env: { ...process.env, KUBECONFIG: t.api.kubeconfigPath, HOME: t.api.dir } });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
      child.stdin.end();
    });
  }

  before(async function () {
    this.timeout(120_000);
    buildOnce();
    t = await startTestOperator(scope, { restartBackoffMs: 300 });
  });
  scope.beforeCleanup(async () => {
    await deletePod(t, 'web');
    await waitGone(t, 'web');
    await t.stop();
  });
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  it('is Ready only once dockerpod exec made the readiness endpoint pass, restarts on liveness failure, and kubectl describe shows the Events', async () => {
    await createPod(t, webPod());
    // Running, probed, and failing: ContainersNotReady names the app.
    await new Promise((r) => setTimeout(r, 2500));
    const notReady = await waitForPod(t, 'web', (p) => p.status?.containerStatuses?.find((c) => c.name === 'app')?.state?.running !== undefined && conditionOf(p, 'ContainersReady').reason === 'ContainersNotReady');
    expect(conditionOf(notReady, 'ContainersReady')).to.include({ status: 'False', message: 'containers with unready status: [app]' });
    expect(conditionOf(notReady, 'Ready').status).to.equal('False');

    const ready = await dockerpod(['exec', 'web', '-c', 'app', '--', 'touch', '/tmp/ready']);
    expect(ready).to.deep.equal({ code: 0, output: '' });
    await waitForPod(t, 'web', isReady, 15_000);

    // The command's own exit code comes back; the liveness probe then fails three times and the worker restarts.
    expect(await dockerpod(['exec', 'web', '-c', 'worker', '--', 'sh', '-c', 'touch /tmp/broken; exit 3'])).to.deep.equal({ code: 3, output: '' });
    const restarted = await waitForPod(t, 'web', (p) => (p.status?.containerStatuses?.find((c) => c.name === 'worker')?.restartCount ?? 0) === 1 && isReady(p), 30_000);
    expect(restarted.status?.containerStatuses?.find((c) => c.name === 'app')?.restartCount).to.equal(0);

    await t.operator.events.flush();
    const described = await kubectl(t.api, ['describe', 'dockerpod', 'web']);
    expect(described.code, described.stderr).to.equal(0);
    const events = described.stdout.slice(described.stdout.indexOf('Events:'));
    expect(events).to.match(/Warning\s+Unhealthy\s+.*Readiness probe failed: HTTP probe failed with statuscode: 500/);
    expect(events).to.match(/Warning\s+Unhealthy\s+.*Liveness probe failed/);
    expect(events).to.match(/Normal\s+Killing\s+.*Container worker failed liveness probe, will be restarted/);
  });
});
