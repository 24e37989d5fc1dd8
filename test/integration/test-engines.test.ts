/**
 * The private test engines and images that every Docker test stands on: two separate engines
 * (own data root and bridge), engine B reachable only with a client certificate, and setup
 * scripts that are idempotent (a second run reuses the engines and images).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { expect } from 'chai';
import Docker from 'dockerode';
import { useDockerScope } from '../support/docker-scope.js';
import { ENGINE_ENV_FILE, parseEnvFile, TEST_IMAGES } from '../support/engines.js';
import { repoPath } from '../support/repo.js';

const env = (): Record<string, string> => parseEnvFile(readFileSync(ENGINE_ENV_FILE, 'utf8'));
const runDir = process.env['DOCKERPOD_TEST_RUN'] ?? '/run/dockerpod-test';
const pidOf = (engine: string): string => readFileSync(`${runDir}/${engine}.pid`, 'utf8').trim();

function script(name: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', [repoPath('hack', name)], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('test engines', function () {
  const scope = useDockerScope(['a', 'b']);

  it('are two distinct engines, each with its own data root and bridge', async function () {
    const [a, b] = [scope.engine('a'), scope.engine('b')];
    const [infoA, infoB] = [(await a.info()) as { ID: string; DockerRootDir: string }, (await b.info()) as { ID: string; DockerRootDir: string }];
    expect(infoA.ID).to.not.equal(infoB.ID);
    expect(infoA.DockerRootDir).to.not.equal(infoB.DockerRootDir);
    const bridgeName = async (d: Docker): Promise<string | undefined> =>
      ((await d.getNetwork('bridge').inspect()) as { Options?: Record<string, string> }).Options?.['com.docker.network.bridge.name'];
    expect(await bridgeName(a)).to.equal(env()['DOCKERPOD_ENGINE_A_BRIDGE']);
    expect(await bridgeName(b)).to.equal(env()['DOCKERPOD_ENGINE_B_BRIDGE']);
  });

  it('keep their objects apart: a container made on A does not exist on B', async function () {
    const c = await scope.engine('a').createContainer({
      _query: { name: `dpt-${scope.id}-only-on-a` },
      _body: { Image: TEST_IMAGES.busybox, Cmd: ['true'], Labels: scope.labels },
    } as Docker.ContainerCreateOptions);
    const onB = await scope.engine('b').listContainers({ all: true, filters: JSON.stringify({ id: [c.id] }) });
    expect(onB).to.deep.equal([]);
  });

  it('engine B refuses a TLS client without a certificate (mutual TLS)', async function () {
    const url = new URL(env()['DOCKERPOD_ENGINE_B_HOST']?.replace(/^tcp:/, 'https:') ?? '');
    const noCert = new Docker({ protocol: 'https', host: url.hostname, port: Number(url.port), ca: readFileSync(env()['DOCKERPOD_ENGINE_B_CA'] ?? '') });
    let error: unknown;
    try {
      await noCert.ping();
    } catch (err) {
      error = err;
    }
    expect(error, 'ping without a client certificate').to.be.instanceOf(Error);
  });

  it('engine B presents a certificate for 127.0.0.1 signed by the test CA', async function () {
    const url = new URL(env()['DOCKERPOD_ENGINE_B_HOST']?.replace(/^tcp:/, 'https:') ?? '');
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = https.get(
        {
          host: url.hostname,
          port: Number(url.port),
          path: '/_ping',
          ca: readFileSync(env()['DOCKERPOD_ENGINE_B_CA'] ?? ''),
          cert: readFileSync(env()['DOCKERPOD_ENGINE_B_CERT'] ?? ''),
          key: readFileSync(env()['DOCKERPOD_ENGINE_B_KEY'] ?? ''),
        },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', reject);
    });
    expect(status).to.equal(200);
  });

  it('hack/ensure-docker.sh run again reuses the running engines', function () {
    this.timeout(120_000);
    const before = [pidOf('a'), pidOf('b')];
    const r = script('ensure-docker.sh');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(ENGINE_ENV_FILE);
    expect(r.stderr).to.match(/engine a already running/).and.to.match(/engine b already running/);
    expect([pidOf('a'), pidOf('b')]).to.deep.equal(before);
  });

  it('hack/test-images.sh run again keeps the images it built', async function () {
    this.timeout(120_000);
    const ids = async (): Promise<string[]> =>
      Promise.all((['a', 'b'] as const).flatMap((e) => Object.values(TEST_IMAGES).map(async (image) => (await scope.engine(e).getImage(image).inspect()).Id)));
    const before = await ids();
    const r = script('test-images.sh');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.not.include('loaded');
    expect(await ids()).to.deep.equal(before);
  });

  it('the pause image exits 0 on SIGTERM, promptly', async function () {
    const docker = scope.engine('a');
    const c = await docker.createContainer({
      _query: { name: `dpt-${scope.id}-pause-stop` },
      _body: { Image: TEST_IMAGES.pause, Labels: scope.labels, HostConfig: { NetworkMode: 'none' } },
    } as Docker.ContainerCreateOptions);
    await c.start();
    const started = Date.now();
    await c.stop({ t: 10 });
    const state = (await c.inspect()).State;
    expect(state.ExitCode).to.equal(0);
    expect(Date.now() - started, 'stop took the SIGKILL path').to.be.below(5_000);
  });

  it('the busybox image has the applets the tests use', async function () {
    const out = await runBusybox(scope.engine('b'), scope, ['sh', '-c', 'for a in sh sleep httpd wget nc ps cat hostname readlink id; do command -v $a >/dev/null || echo missing $a; done; grep -q ^nobody:x:65534: /etc/passwd || echo missing nobody']);
    expect(out).to.not.include('missing');
  });
});

async function runBusybox(docker: Docker, scope: ReturnType<typeof useDockerScope>, cmd: string[]): Promise<string> {
  const c = await docker.createContainer({
    _query: { name: `dpt-${scope.id}-applets` },
    _body: { Image: TEST_IMAGES.busybox, Cmd: cmd, Labels: scope.labels, HostConfig: { NetworkMode: 'none' } },
  } as Docker.ContainerCreateOptions);
  await c.start();
  await c.wait();
  const logs = await c.logs({ stdout: true, stderr: true });
  return logs.toString('utf8');
}
