/**
 * The `logs` and `exec` commands against the fake engine, through the same code the executables
 * run: the current and previous instance, stdout and stderr kept apart, --tail, --timestamps,
 * a follow that ends with the container or an interrupt, exec exit codes and stdin, and the
 * messages and exit codes of what cannot be served. Then the way to the engine: kubeconfig
 * contexts and namespaces, DOCKER_CERT_PATH for the implicit TLS host, kubectl's error wording.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ApiException } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerHost } from '../../../src/api/v1alpha1/dockerhost.js';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import { POD_COMMANDS, runPodCommand } from '../../../src/cli/pod-commands.js';
import { TargetError } from '../../../src/cli/pod-container.js';
import { errorText, loadTargetKubeConfig, targetNamespace, withCertPath } from '../../../src/cli/pod-engine.js';
import type { CommandEnv } from '../../../src/cli/pod-io.js';
import { LABEL } from '../../../src/planner/labels.js';
import { FakeEngine } from '../../../src/runtime/docker/fake-engine.js';
import { FakeClock } from '../../../src/util/clock.js';
import { collect, type CommandRun as Run } from '../../support/capture.js';

const POD: DockerPod = {
  apiVersion: 'dockerpod.dev/v1alpha1',
  kind: 'DockerPod',
  metadata: { name: 'web', namespace: 'default', uid: 'uid-web' },
  spec: { containers: [{ name: 'app', image: 'busybox' }, { name: 'sidecar', image: 'busybox' }] },
  status: { hostName: 'local' },
};

describe('cli: logs and exec on the fake engine', () => {
  let engine: FakeEngine;
  let clock: FakeClock;
  let interrupt: AbortController;

  /** Runs `logs` or `exec` with `args`; `input` is the stdin; `during` runs while the command runs. */
  async function run(name: 'logs' | 'exec', args: string[], options: { input?: string; during?: () => Promise<void> } = {}): Promise<Run> {
    const out = collect();
    const err = collect();
    const stdin = new PassThrough();
    stdin.end(options.input ?? '');
    const env: CommandEnv = {
      program: 'dockerpod', stdin, stdout: out.stream, stderr: err.stream, signal: interrupt.signal,
      interruptedCode: () => 130, resolve: () => Promise.resolve({ pod: POD, engine }), onResize: () => () => undefined,
    };
    const how = { program: 'dockerpod', makeEnv: () => env, stdout: out.stream, stderr: err.stream };
    const running = name === 'logs' ? runPodCommand(POD_COMMANDS.logs, args, how) : runPodCommand(POD_COMMANDS.exec, args, how);
    await options.during?.();
    const code = await running;
    await new Promise((r) => setImmediate(r));
    return { code, stdout: out.text(), stderr: err.text() };
  }

  async function instance(container: string, attempt: number): Promise<string> {
    const labels = { [LABEL.uid]: 'uid-web', [LABEL.container]: container, [LABEL.attempt]: String(attempt), [LABEL.role]: 'member' };
    const id = await engine.createContainer(`dp_default_web_uid-web_${container}_${attempt}`, { Image: 'busybox', Labels: labels, HostConfig: {} });
    await engine.startContainer(id);
    await clock.advance(1000);
    return id;
  }

  beforeEach(() => {
    clock = new FakeClock(Date.parse('2026-01-02T03:04:05.000Z'));
    engine = new FakeEngine({ clock, images: ['busybox'] });
    interrupt = new AbortController();
  });

  it('prints the current instance, stdout to stdout and stderr to stderr', async () => {
    const old = await instance('app', 0);
    engine.writeOutput(old, 'stdout', 'first life\n');
    await engine.killContainer(old);
    const id = await instance('app', 1);
    engine.writeOutput(id, 'stdout', 'out-1\n');
    engine.writeOutput(id, 'stderr', 'err-1\n');
    engine.writeOutput(id, 'stdout', 'out-2\n');
    expect(await run('logs', ['web', '-c', 'app'])).to.deep.equal({ code: 0, stdout: 'out-1\nout-2\n', stderr: 'err-1\n' });
    expect(await run('logs', ['web', '-c', 'app', '--previous'])).to.deep.equal({ code: 0, stdout: 'first life\n', stderr: '' });
  });

  it('--tail counts lines of both streams; --timestamps prefixes each line', async () => {
    const id = await instance('app', 0);
    for (const n of [1, 2, 3]) {
      engine.writeOutput(id, 'stdout', `out-${n}\n`);
      engine.writeOutput(id, 'stderr', `err-${n}\n`);
    }
    expect(await run('logs', ['web', '-c', 'app', '--tail', '3'])).to.deep.equal({ code: 0, stdout: 'out-3\n', stderr: 'err-2\nerr-3\n' });
    const stamped = await run('logs', ['web', '-c', 'app', '--tail=1', '--timestamps']);
    expect(stamped.stderr).to.equal('2026-01-02T03:04:06.000000000Z err-3\n');
  });

  it('-f prints new output until the container stops', async () => {
    const id = await instance('app', 0);
    engine.writeOutput(id, 'stdout', 'before\n');
    const result = await run('logs', ['web', '-c', 'app', '-f'], {
      during: async () => {
        await new Promise((r) => setImmediate(r));
        engine.writeOutput(id, 'stdout', 'after\n');
        await engine.killContainer(id);
      },
    });
    expect(result).to.deep.equal({ code: 0, stdout: 'before\nafter\n', stderr: '' });
  });

  it('-f ends with the interrupt\'s exit code on SIGINT', async () => {
    const id = await instance('app', 0);
    engine.writeOutput(id, 'stdout', 'line\n');
    const result = await run('logs', ['web', '-c', 'app', '-f'], {
      during: async () => {
        await new Promise((r) => setImmediate(r));
        interrupt.abort();
      },
    });
    expect(result).to.deep.equal({ code: 130, stdout: 'line\n', stderr: '' });
  });

  it('says which containers there are, and that there is no previous instance, with exit code 1', async () => {
    await instance('app', 0);
    expect(await run('logs', ['web'])).to.deep.equal({ code: 1, stdout: '', stderr: 'error: a container name must be specified for pod web, choose one of: [app sidecar]\n' });
    expect(await run('logs', ['web', '-c', 'app', '-p'])).to.deep.equal({ code: 1, stdout: '', stderr: 'error: previous terminated container "app" in pod "web" not found\n' });
    expect(await run('logs', ['web', '-c', 'sidecar'])).to.deep.equal({ code: 1, stdout: '', stderr: 'error: container "sidecar" in pod "web" is waiting to start: ContainerCreating\n' });
    expect((await run('logs', ['web', '--tail', 'x'])).code).to.equal(2);
  });

  it('exec exits with the command\'s code and keeps its streams apart', async () => {
    await instance('app', 0);
    engine.onExec((_c, cmd) => ({ exitCode: cmd.includes('exit 3') ? 3 : 0, stdout: 'to out\n', stderr: 'to err\n', timedOut: false }));
    expect(await run('exec', ['web', '-c', 'app', '--', 'sh', '-c', 'exit 3'])).to.deep.equal({ code: 3, stdout: 'to out\n', stderr: 'to err\n' });
    expect((await run('exec', ['web', '-c', 'app', '--', 'true'])).code).to.equal(0);
  });

  it('exec -i passes stdin; without -i the command gets none', async () => {
    await instance('app', 0);
    engine.onExec((_c, _cmd, _t, stdin) => ({ exitCode: 0, stdout: stdin.toUpperCase(), stderr: '', timedOut: false }));
    expect(await run('exec', ['web', '-c', 'app', '-i', '--', 'cat'], { input: 'hello\nworld\n' })).to.deep.equal({ code: 0, stdout: 'HELLO\nWORLD\n', stderr: '' });
    expect(await run('exec', ['web', '-c', 'app', '--', 'cat'], { input: 'ignored' })).to.deep.equal({ code: 0, stdout: '', stderr: '' });
  });

  it('exec -t gets one unframed stream', async () => {
    await instance('app', 0);
    engine.onExec(() => ({ exitCode: 0, stdout: 'tty out\r\n', stderr: '', timedOut: false }));
    expect(await run('exec', ['web', '-c', 'app', '-t', '--', 'sh'])).to.deep.equal({ code: 0, stdout: 'tty out\r\n', stderr: '' });
  });

  it('exec refuses a container that is not running', async () => {
    const id = await instance('app', 0);
    await engine.killContainer(id);
    expect(await run('exec', ['web', '-c', 'app', '--', 'true'])).to.deep.equal({ code: 1, stdout: '', stderr: 'error: container "app" in pod "web" is not running (exited)\n' });
  });
});

describe('cli: reaching the engine, and error messages', () => {
  const host = (labels: Record<string, string>): DockerHost =>
    ({ apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerHost', metadata: { name: 'local', labels }, spec: { endpoint: 'tcp://10.0.0.1:2376' } });
  let certs: string;
  before(() => {
    certs = mkdtempSync(join(tmpdir(), 'dp-certs-'));
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(certs, f), `${f} data`);
  });
  after(() => rmSync(certs, { recursive: true, force: true }));

  it('takes the implicit TLS host\'s certificates from DOCKER_CERT_PATH, and nothing else\'s', () => {
    const plain = { endpoint: 'tcp://10.0.0.1:2376' };
    const env = { DOCKER_CERT_PATH: certs };
    expect(withCertPath(host({ 'dockerpod.dev/implicit': 'true' }), plain, env).tls).to.deep.equal({ ca: 'ca.pem data', cert: 'cert.pem data', key: 'key.pem data' });
    expect(withCertPath(host({}), plain, env)).to.deep.equal(plain);
    expect(withCertPath(host({ 'dockerpod.dev/implicit': 'true' }), plain, {})).to.deep.equal(plain);
    const fromSecret = { ...plain, tls: { ca: 'from the Secret' } };
    expect(withCertPath(host({ 'dockerpod.dev/implicit': 'true' }), fromSecret, env)).to.deep.equal(fromSecret);
  });

  it('loads the kubeconfig as kubectl does: the file, the context, its namespace', () => {
    const file = join(certs, 'kubeconfig');
    writeFileSync(file, [
      'apiVersion: v1', 'kind: Config', 'current-context: one',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]', 'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: one, context: {cluster: c, user: u}}, {name: two, context: {cluster: c, user: u, namespace: team}}]',
    ].join('\n'));
    const one = loadTargetKubeConfig({ kubeconfig: file, context: '' });
    expect([one.getCurrentContext(), targetNamespace(one, ''), targetNamespace(one, 'ns')]).to.deep.equal(['one', 'default', 'ns']);
    const two = loadTargetKubeConfig({ kubeconfig: file, context: 'two' });
    expect([two.getCurrentContext(), targetNamespace(two, '')]).to.deep.equal(['two', 'team']);
    expect(() => loadTargetKubeConfig({ kubeconfig: file, context: 'three' })).to.throw(TargetError, 'context "three" does not exist');
  });

  it('words errors as kubectl does', () => {
    const notFound = { kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'dockerpods.dockerpod.dev "web" not found', code: 404 };
    expect(errorText(new ApiException(404, 'HTTP-Code: 404', JSON.stringify(notFound), {}))).to.equal('Error from server (NotFound): dockerpods.dockerpod.dev "web" not found');
    expect(errorText(new ApiException(502, 'HTTP-Code: 502', 'Bad Gateway', {}))).to.equal('Error from server (HTTP 502): Bad Gateway');
    expect(errorText(new Error('connect ECONNREFUSED 127.0.0.1:6443'))).to.equal('error: connect ECONNREFUSED 127.0.0.1:6443');
  });
});
