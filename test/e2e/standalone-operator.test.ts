/**
 * `dockerpod standalone` with its operator, as a user runs it: the built command in its own
 * process against test engine A, and the real kubectl through the kubeconfig it writes.
 * examples/web.yaml (local test image, a free host port) is applied, waited for, listed,
 * described, served on its host port and deleted; the engine is left with nothing of the
 * instance, and SIGTERM ends the process with exit code 0.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { LABEL } from '../../src/planner/labels.js';
import { useDockerScope } from '../support/docker-scope.js';
import { ENGINE_ENV_FILE, parseEnvFile, TEST_IMAGES } from '../support/engines.js';
import { eventually } from '../support/exec.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { buildOnce, dockerpodBin, repoPath } from '../support/repo.js';
import { freePort } from '../support/standalone-process.js';

interface Standalone {
  child: ChildProcessWithoutNullStreams;
  kubeconfig: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function start(args: string[]): Promise<Standalone> {
  const child = spawn(process.execPath, [dockerpodBin(), 'standalone', ...args]);
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  while (!/export KUBECONFIG=(\S+)/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`standalone did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, kubeconfig: /export KUBECONFIG=(\S+)/.exec(output)?.[1] ?? '', output: () => output, exited };
}

/** SIGTERM, then the exit code; SIGKILL when it does not exit within `timeoutMs`. */
async function stop(s: Standalone, timeoutMs = 20_000): Promise<number | null> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return s.child.exitCode;
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), timeoutMs);
  const code = await s.exited;
  clearTimeout(timer);
  return code;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real kubectl with the standalone kubeconfig and a fresh discovery cache. */
async function kubectl(s: Standalone, args: string[], input = '', timeoutMs = 90_000): Promise<Run> {
  const cache = mkdtempSync(join(tmpdir(), 'dp-kcache-'));
  try {
    return await new Promise<Run>((resolve, reject) => {
      const child = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: s.kubeconfig, KUBECACHEDIR: cache } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      child.stdin.end(input);
    });
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

/** examples/web.yaml as a user would adapt it here: the local test image and a free host port. */
function webManifest(hostPort: number): string {
  const original = readFileSync(repoPath('examples', 'web.yaml'), 'utf8');
  const manifest = original.replaceAll('image: busybox:1.36', `image: ${TEST_IMAGES.busybox}`).replace('hostPort: 8080', `hostPort: ${hostPort}`);
  expect(manifest.match(new RegExp(`image: ${TEST_IMAGES.busybox}`, 'g'))).to.have.length(2);
  expect(manifest).to.include(`hostPort: ${hostPort}`);
  return manifest;
}

const columns = (line: string): string[] => line.trim().split(/\s{2,}/);

describe('dockerpod standalone with its operator, driven by the real kubectl', function () {
  this.timeout(120_000);
  const scope = useDockerScope(['a']);
  const instance = `test-${scope.id}`;
  let dataDir: string;
  let s: Standalone | undefined;

  before(function () {
    this.timeout(120_000);
    buildOnce();
    dataDir = mkdtempSync(join(tmpdir(), 'dp-standalone-op-'));
  });
  scope.beforeCleanup(async () => {
    if (s) await stop(s);
  });
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
    removeCgroupParent(`/dockerpod-test-${scope.id}`);
  });

  it('runs examples/web.yaml to Ready, lists, describes and serves it, deletes it without leftovers, and exits 0 on SIGTERM', async function () {
    const engineA = parseEnvFile(readFileSync(ENGINE_ENV_FILE, 'utf8'))['DOCKERPOD_ENGINE_A_HOST'] ?? '';
    const labels = Object.entries(scope.labels).map(([k, v]) => `${k}=${v}`).join(',');
    s = await start([
      '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--docker-host', engineA, '--instance', instance, '--docker-labels', labels,
      '--pause-image', TEST_IMAGES.pause, '--oom-score-adj', 'false', '--cgroup-root', `/dockerpod-test-${scope.id}`,
    ]);
    const standalone = s;
    const port = await freePort();
    const t0 = Date.now();

    const applied = await kubectl(standalone, ['apply', '-f', '-'], webManifest(port));
    expect(applied.stderr).to.equal('');
    expect(applied.stdout).to.equal('dockerpod.dockerpod.dev/web created\n');

    const waited = await kubectl(standalone, ['wait', '--for=condition=Ready', 'dockerpod/web', '--timeout=60s']);
    expect(waited.code, `${waited.stderr}\n${standalone.output()}`).to.equal(0);
    expect(waited.stdout).to.equal('dockerpod.dockerpod.dev/web condition met\n');
    const readyMs = Date.now() - t0;

    const listed = await kubectl(standalone, ['get', 'dpod']);
    expect(listed.code, listed.stderr).to.equal(0);
    const [header = '', row = '', ...more] = listed.stdout.trimEnd().split('\n');
    expect(columns(header)).to.deep.equal(['NAME', 'READY', 'STATUS', 'RESTARTS', 'HOST', 'IP', 'AGE']);
    expect(more).to.deep.equal([]);
    const [name, ready, status, restarts, host, ip, age, ...extra] = columns(row);
    expect({ name, ready, status, restarts, host }).to.deep.equal({ name: 'web', ready: '2/2', status: 'Running', restarts: '0', host: 'local' });
    expect(ip).to.match(/^10\.213\.1\.\d+$/);
    expect(age).to.match(/^\d+s$/);
    expect(extra).to.deep.equal([]);

    // The sandbox publishes the host port, as the example's comment promises for 8080.
    const body = await eventually(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      return res.text();
    }, 10_000, 200);
    expect(body.trim()).to.equal('hello from a DockerPod');

    const described = await eventually(async () => {
      const r = await kubectl(standalone, ['describe', 'dpod', 'web']);
      const events = r.stdout.slice(r.stdout.indexOf('\nEvents:'));
      for (const [reason, from] of [['Scheduled', 'dockerpod-scheduler'], ['Created', 'dockerpod-operator'], ['Started', 'dockerpod-operator']]) {
        if (!new RegExp(`Normal\\s+${reason}\\s+\\S+\\s+${from}\\s`).test(events)) throw new Error(`no ${reason} event yet:\n${r.stdout}${r.stderr}`);
      }
      return events;
    }, 15_000, 500);
    expect(described).to.match(/Normal\s+Scheduled\s+\S+\s+dockerpod-scheduler\s+Successfully assigned default\/web to local/);
    expect(described).to.match(/Normal\s+Created\s+\S+\s+dockerpod-operator\s+Created container: app/);
    expect(described).to.match(/Normal\s+Created\s+\S+\s+dockerpod-operator\s+Created container: sidecar/);
    expect(described).to.match(/Normal\s+Started\s+\S+\s+dockerpod-operator\s+Started container app/);
    expect(described).to.match(/Normal\s+Started\s+\S+\s+dockerpod-operator\s+Started container sidecar/);

    const docker = scope.engine('a');
    const filters = JSON.stringify({ label: [`${LABEL.managedBy}=${instance}`] });
    expect((await docker.listContainers({ all: true, filters })).map((c) => c.Labels[LABEL.container]).sort()).to.deep.equal(['POD', 'app', 'sidecar']);

    const t1 = Date.now();
    const deleted = await kubectl(standalone, ['delete', 'dpod', 'web']);
    expect(deleted.code, deleted.stderr).to.equal(0);
    expect(deleted.stdout).to.equal('dockerpod.dockerpod.dev "web" deleted\n');
    const deleteMs = Date.now() - t1;
    expect((await kubectl(standalone, ['get', 'dpod', '-o', 'name'])).stdout).to.equal('');
    expect(await docker.listContainers({ all: true, filters })).to.deep.equal([]);
    expect((await docker.listVolumes({ filters })).Volumes ?? []).to.deep.equal([]);

    const code = await stop(standalone);
    expect(code, standalone.output()).to.equal(0);
    expect(standalone.output()).to.include('"message":"operator stopped"');
    console.log(`      standalone: Ready in ${readyMs} ms, kubectl delete took ${deleteMs} ms`);
  });
});
