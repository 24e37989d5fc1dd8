/**
 * `dockerpod standalone` as a user runs it: the built command in its own process, TLS with a
 * bearer token, a kubeconfig the real kubectl uses as is, objects and their uids kept across a
 * restart, a clean exit on SIGTERM, and refusals for unauthenticated requests and unsafe addresses.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildOnce, dockerpodBin } from '../support/repo.js';

interface Standalone {
  child: ChildProcessWithoutNullStreams;
  url: string;
  kubeconfig: string;
  output: () => string;
}

async function start(dataDir: string, extra: string[] = []): Promise<Standalone> {
  // The operator in these tests is given an engine that never answers, so nothing depends on a
  // local Docker; its host must be reported NotReady and SIGTERM must still stop it cleanly.
  const child = spawn(process.execPath, [dockerpodBin(), 'standalone', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--docker-host', `unix://${join(dataDir, 'no-engine.sock')}`, ...extra]);
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 20_000;
  while (!/export KUBECONFIG=(\S+)/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`standalone did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url: /on (https:\/\/\S+)/.exec(output)?.[1] ?? '', kubeconfig: /export KUBECONFIG=(\S+)/.exec(output)?.[1] ?? '', output: () => output };
}

async function stop(s: Standalone): Promise<number | null> {
  if (s.child.exitCode !== null) return s.child.exitCode;
  const exited = new Promise<number | null>((r) => s.child.once('exit', (code) => r(code)));
  s.child.kill('SIGTERM');
  return exited;
}

function kubectl(s: Standalone, args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const cache = mkdtempSync(join(tmpdir(), 'dp-kcache-'));
  const r = spawnSync('kubectl', args, { input: input ?? '', encoding: 'utf8', env: { ...process.env, KUBECONFIG: s.kubeconfig, KUBECACHEDIR: cache }, timeout: 30_000 });
  rmSync(cache, { recursive: true, force: true });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const POD = `apiVersion: dockerpod.dev/v1alpha1
kind: DockerPod
metadata: {name: keep}
spec:
  containers: [{name: app, image: busybox:1.36}]
`;

describe('dockerpod standalone', function () {
  this.timeout(60_000);
  let dataDir: string;
  const running: Standalone[] = [];

  before(function () {
    this.timeout(120_000);
    buildOnce();
  });
  beforeEach(() => { dataDir = mkdtempSync(join(tmpdir(), 'dp-standalone-')); });
  afterEach(async () => {
    for (const s of running.splice(0)) await stop(s);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the CRDs over TLS to the real kubectl through the kubeconfig it writes (mode 0600)', async function () {
    const s = await start(dataDir);
    running.push(s);
    expect(s.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(statSync(s.kubeconfig).mode & 0o777).to.equal(0o600);
    expect(statSync(join(dataDir, 'token')).mode & 0o777).to.equal(0o600);
    const crds = kubectl(s, ['get', 'crd', '-o', 'name']);
    expect(crds.stdout.trim().split('\n')).to.deep.equal(['customresourcedefinition.apiextensions.k8s.io/dockerhosts.dockerpod.dev', 'customresourcedefinition.apiextensions.k8s.io/dockerpods.dockerpod.dev']);
  });

  it('declares its engine as the DockerHost local, NotReady with EngineUnreachable when it does not answer, and exits 0 on SIGTERM', async function () {
    const s = await start(dataDir);
    running.push(s);
    const wait = kubectl(s, ['wait', '--for=jsonpath={.status.conditions[0].reason}=EngineUnreachable', 'dockerhost/local', '--timeout=20s']);
    expect(wait.status, wait.stderr).to.equal(0);
    const host = JSON.parse(kubectl(s, ['get', 'dockerhost', 'local', '-o', 'json']).stdout) as { spec: { endpoint: string }; status: { conditions: Array<{ type: string; status: string; message: string }> } };
    expect(host.spec.endpoint).to.equal(`unix://${join(dataDir, 'no-engine.sock')}`);
    expect(host.status.conditions[0]).to.include({ type: 'Ready', status: 'False' });
    expect(host.status.conditions[0]?.message).to.include('no-engine.sock');
    expect(await stop(s)).to.equal(0);
    running.pop();
  });

  it('keeps objects, their uids and the resourceVersion order across a restart, and exits 0 on SIGTERM', async function () {
    // The API server alone: an operator would write the pod's status between the read and the stop.
    const first = await start(dataDir, ['--operator=false']);
    running.push(first);
    expect(kubectl(first, ['apply', '-f', '-'], POD).stdout).to.equal('dockerpod.dockerpod.dev/keep created\n');
    const before = JSON.parse(kubectl(first, ['get', 'dpod', 'keep', '-o', 'json']).stdout) as { metadata: { uid: string; resourceVersion: string } };
    expect(await stop(first)).to.equal(0);
    running.pop();

    const second = await start(dataDir, ['--operator=false']);
    running.push(second);
    const after = JSON.parse(kubectl(second, ['get', 'dpod', 'keep', '-o', 'json']).stdout) as { metadata: { uid: string; resourceVersion: string } };
    expect(after.metadata.uid).to.equal(before.metadata.uid);
    expect(after.metadata.resourceVersion).to.equal(before.metadata.resourceVersion);
    kubectl(second, ['label', 'dpod', 'keep', 'restarted=yes']);
    const relabelled = JSON.parse(kubectl(second, ['get', 'dpod', 'keep', '-o', 'json']).stdout) as { metadata: { resourceVersion: string } };
    expect(Number(relabelled.metadata.resourceVersion)).to.be.greaterThan(Number(before.metadata.resourceVersion));
  });

  it('answers a request without the token with 401 Unauthorized', async function () {
    const s = await start(dataDir);
    running.push(s);
    const ca = readFileSync(join(dataDir, 'tls', 'ca.crt'));
    const status = await new Promise<{ code: number | undefined; body: string }>((resolve, reject) => {
      const req = request(`${s.url}/api/v1/namespaces`, { ca }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ code: res.statusCode, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status.code).to.equal(401);
    expect(JSON.parse(status.body)).to.deep.include({ reason: 'Unauthorized', code: 401 });
  });

  it('refuses to listen off loopback without a certificate for that address', function () {
    const r = spawnSync(process.execPath, [dockerpodBin(), 'standalone', '--data-dir', dataDir, '--listen', '0.0.0.0:0'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/^dockerpod standalone: refusing to serve on 0\.0\.0\.0: off loopback the API needs a certificate/);
  });
});
