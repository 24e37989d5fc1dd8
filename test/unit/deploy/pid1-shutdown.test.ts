/**
 * The image runs node as PID 1 without an init (tini), which is only safe if the operator handles
 * SIGTERM itself: the kernel delivers no default action to PID 1 of a PID namespace, so a process
 * without a handler ignores `docker stop` / the kubelet's SIGTERM until SIGKILL. This test runs
 * `dockerpod operator` as PID 1 of a new PID namespace (unshare, as a container runtime does),
 * against the embedded API server, sends SIGTERM from outside as the runtime does, and expects a
 * drained exit 0 at once. A control process without a handler, in the same setup, must ignore the
 * same signal, which shows the setup would catch an operator that relied on the default action.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { expect } from 'chai';
import { OPERATOR_FLAGS } from '../../../src/cli/operator-flags.js';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver.js';
import { REPO_ROOT, repoPath } from '../../support/repo.js';

interface Pid1 {
  /** The unshare process (it exits with PID 1's status). */
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Why PID namespaces cannot be made here, or undefined when they can. */
function unsupported(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to create a PID namespace (unshare --pid)';
  const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' });
  return probe.status === 0 ? undefined : `unshare --pid --fork --mount-proc does not work here (${probe.error?.message ?? `exit ${probe.status}`})`;
}

function startPid1(command: string[], env: NodeJS.ProcessEnv): Pid1 {
  // --kill-child: killing unshare kills PID 1 too; without it an orphaned PID 1 keeps our stdout pipes (and mocha) alive.
  const child = spawn('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', ...command], { cwd: REPO_ROOT, env });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The host pid of PID 1 inside the namespace: unshare's only child. */
async function pid1Of(p: Pid1): Promise<number> {
  const path = `/proc/${p.child.pid ?? 0}/task/${p.child.pid ?? 0}/children`;
  for (let i = 0; i < 100; i++) {
    const pid = existsSync(path) ? Number(readFileSync(path, 'utf8').trim().split(/\s+/)[0]) : 0;
    if (pid > 0) return pid;
    await delay(20);
  }
  throw new Error(`unshare has no child: ${p.output()}`);
}

async function until(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; !predicate(); await delay(50)) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

/** Flags that keep the run self-contained once the parallel wiring adds them (no fixed ports, no election). */
async function isolatingFlags(): Promise<string[]> {
  const flags: string[] = [];
  if ('leader-elect' in OPERATOR_FLAGS) flags.push('--leader-elect=false');
  if ('metrics-bind-address' in OPERATOR_FLAGS) flags.push(`--metrics-bind-address=127.0.0.1:${await freePort()}`);
  if ('health-probe-bind-address' in OPERATOR_FLAGS) flags.push(`--health-probe-bind-address=127.0.0.1:${await freePort()}`);
  return flags;
}

describe('the operator as PID 1 (the image has no init)', function () {
  this.timeout(60_000);
  let api: TestApiServer | undefined;
  const running: Pid1[] = [];

  before(function () {
    const reason = unsupported();
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
  });
  after(async () => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await api?.close();
  });

  it('control: a node process without a SIGTERM handler ignores SIGTERM as PID 1', async function () {
    const p = startPid1([process.execPath, '-e', 'console.log("up"); setInterval(() => {}, 1000)'], process.env);
    running.push(p);
    await until('the control process', () => p.output().includes('up'), 10_000);
    process.kill(await pid1Of(p), 'SIGTERM');
    await delay(1500);
    expect(p.child.exitCode, 'PID 1 without a handler must survive SIGTERM').to.equal(null);
    process.kill(await pid1Of(p), 'SIGKILL');
    p.child.kill('SIGKILL');
    await p.exited;
  });

  it('`dockerpod operator` drains and exits 0 at once on SIGTERM', async function () {
    api = await startTestApiServer();
    const { DOCKER_HOST: _ignored, ...env } = process.env;
    // The CLI's entry point as the image runs it, through tsx instead of a build (same code as dist/).
    const args = [process.execPath, '--import', 'tsx', repoPath('src', 'cli', 'main.ts'), 'operator', `--kubeconfig=${api.kubeconfigPath}`, '--log-format=json', ...(await isolatingFlags())];
    const p = startPid1(args, { ...env, HOME: api.dir });
    running.push(p);
    await until('"operator started"', () => p.output().includes('operator started') || p.child.exitCode !== null, 30_000);
    expect(p.child.exitCode, p.output()).to.equal(null);
    const stopAt = Date.now();
    process.kill(await pid1Of(p), 'SIGTERM');
    const code = await Promise.race([p.exited, delay(10_000).then(() => 'still running')]);
    expect(code, p.output()).to.equal(0);
    expect(Date.now() - stopAt, 'a drain with nothing in flight is quick').to.be.below(5_000);
    const stopped = p.output().split('\n').filter((line) => line.includes('"message":"operator stopped"'));
    expect(stopped, p.output()).to.have.length(1);
    expect(stopped[0]).to.include('"drained":true');
  });
});
