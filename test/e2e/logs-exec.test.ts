/**
 * `dockerpod logs` and `dockerpod exec` as a user runs them: the BUILT commands (and the kubectl
 * plugin, through the real kubectl with a `kubectl-dockerpod` on PATH) against the operator
 * in-process (engine A as the implicit host `local`, engine B as DockerHost `b` over mutual TLS
 * from its Secret) and the embedded API server, reached only through the kubeconfig.
 * One pod writes known lines to stdout and stderr (`app`) next to a ticking `sidecar` and a TTY
 * container (`term`); checked: the container choice, --tail, stderr kept apart, --timestamps, TTY
 * output passed through, -f until SIGINT and until the
 * container ends, --previous after the operator restarted a killed container, exec exit codes
 * (3, Docker's 126/127), exec -i into cat, and both over TLS on engine B.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../src/planner/labels.js';
import { useDockerScope } from '../support/docker-scope.js';
import { TEST_IMAGES } from '../support/engines.js';
import { eventually } from '../support/exec.js';
import { createHostB, createPod, deletePod, hostReady, isReady, waitForHost, waitForPod, waitGone } from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';
import { buildOnce, dockerpodBin, REPO_ROOT } from '../support/repo.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Background {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** The plugin's entry point, from package.json's second `bin`. */
function pluginBin(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const bin = pkg.bin['kubectl-dockerpod'];
  if (!bin) throw new Error('package.json has no bin entry "kubectl-dockerpod"');
  return join(REPO_ROOT, bin);
}

const APP_SCRIPT = [
  'trap "exit 0" TERM',
  'echo "boot $(cat /proc/sys/kernel/random/uuid)"',
  'i=1; while [ $i -le 5 ]; do echo "out-$i"; sleep 0.05; echo "err-$i" >&2; sleep 0.05; i=$((i+1)); done',
  'echo done',
  'while true; do sleep 1; done',
].join('\n');
const TICK_SCRIPT = 'trap "exit 0" TERM; n=0; while true; do n=$((n+1)); echo "tick-$n"; sleep 0.2; done';
/** On a TTY (stderr merged into the one stream): unframed bytes that a JSON parser would take whole. */
const TTY_SCRIPT = 'trap "exit 0" TERM; echo \'{"looks": "like JSON"}\' >&2; while true; do sleep 1; done';

function logPod(name: string, spec: Partial<DockerPod['spec']> = {}): DockerPod {
  return {
    apiVersion: 'dockerpod.dev/v1alpha1',
    kind: 'DockerPod',
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 2,
      containers: [
        { name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', APP_SCRIPT] },
        { name: 'sidecar', image: TEST_IMAGES.busybox, command: ['sh', '-c', TICK_SCRIPT] },
        { name: 'term', image: TEST_IMAGES.busybox, command: ['sh', '-c', TTY_SCRIPT], tty: true },
      ],
      ...spec,
    },
  };
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('dockerpod logs and exec, and kubectl dockerpod, against the operator', function () {
  this.timeout(120_000);
  const scope = useDockerScope(['a', 'b']);
  let t: TestOperator | undefined;
  let home: string;
  const background: Background[] = [];

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    ...process.env, HOME: home, KUBECONFIG: t?.api.kubeconfigPath ?? '', KUBECACHEDIR: join(home, 'kcache'), ...extra,
  });

  /** Starts the built `dockerpod` (or `kubectl dockerpod` through the plugin on PATH). */
  function start(args: string[], options: { kubectl?: boolean } = {}): Background {
    const child = options.kubectl
      ? spawn('kubectl', ['dockerpod', ...args], { env: env({ PATH: `${join(home, 'bin')}:${process.env['PATH'] ?? ''}` }) })
      : spawn(process.execPath, [dockerpodBin(), ...args], { env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const bg = { child, stdout: () => stdout, stderr: () => stderr, exited };
    background.push(bg);
    return bg;
  }

  async function run(args: string[], options: { kubectl?: boolean; input?: string; timeoutMs?: number } = {}): Promise<Run> {
    const bg = start(args, options);
    bg.child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => bg.child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    const code = await bg.exited;
    clearTimeout(timer);
    return { code, stdout: bg.stdout(), stderr: bg.stderr() };
  }

  /** Waits until a background command printed `pattern` on stdout. */
  async function waitOutput(bg: Background, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
    await eventually(() => (pattern.test(bg.stdout()) ? Promise.resolve() : Promise.reject(new Error(`no ${String(pattern)} yet in:\n${bg.stdout()}\n${bg.stderr()}`))), timeoutMs, 50);
  }

  async function exitCodeWithin(bg: Background, ms: number): Promise<number | null | 'running'> {
    return Promise.race([bg.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), ms))]);
  }

  before(async function () {
    this.timeout(120_000);
    buildOnce();
    home = mkdtempSync(join(tmpdir(), 'dp-logs-exec-'));
    // What `npm install -g` would put on PATH: an executable kubectl-dockerpod running the plugin.
    const wrapper = join(home, 'bin', 'kubectl-dockerpod');
    mkdirSync(join(home, 'bin'));
    writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${pluginBin()}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    t = await startTestOperator(scope, { engine: 'a', restartBackoffMs: 300, heartbeatPeriodMs: 500 });
    await createHostB(t, 'b');
    await waitForHost(t, 'b', (h) => hostReady(h).status === 'True');
    await createPod(t, logPod('web'));
    await createPod(t, logPod('tls', { hostName: 'b' }));
    for (const name of ['web', 'tls']) await waitForPod(t, name, isReady, 60_000);
    // The app has written all of its lines once `done` is its last.
    for (const name of ['web', 'tls']) {
      await eventually(async () => {
        const r = await run(['logs', name, '-c', 'app', '--tail', '1']);
        if (r.stdout !== 'done\n') throw new Error(`${name} not done yet: ${JSON.stringify(r)}`);
      }, 20_000, 200);
    }
  });
  scope.beforeCleanup(async () => {
    for (const bg of background) if (bg.child.exitCode === null && bg.child.signalCode === null) bg.child.kill('SIGKILL');
    if (!t) return;
    for (const name of ['web', 'tls']) await deletePod(t, name);
    for (const name of ['web', 'tls']) await waitGone(t, name);
    await t.stop();
  });
  after(() => {
    rmSync(home, { recursive: true, force: true });
    removeCgroupParent(`/dockerpod-test-${scope.id}`);
  });

  let firstBoot = '';

  it('prints stdout and stderr apart, --tail counts both, --timestamps prefixes, -c is required among several containers', async () => {
    const all = await run(['logs', 'web', '-c', 'app']);
    expect(all.code, all.stderr).to.equal(0);
    const [boot = '', ...rest] = lines(all.stdout);
    expect(boot).to.match(/^boot [0-9a-f-]{36}$/);
    firstBoot = boot;
    expect(rest).to.deep.equal(['out-1', 'out-2', 'out-3', 'out-4', 'out-5', 'done']);
    expect(all.stderr).to.equal('err-1\nerr-2\nerr-3\nerr-4\nerr-5\n');

    expect(await run(['logs', 'web', '-c', 'app', '--tail', '5'])).to.deep.equal({ code: 0, stdout: 'out-4\nout-5\ndone\n', stderr: 'err-4\nerr-5\n' });
    expect(await run(['logs', '--kubeconfig', t?.api.kubeconfigPath ?? '', '-n', 'default', 'dockerpod/web', '-capp', '--tail=0'])).to.deep.equal({ code: 0, stdout: '', stderr: '' });

    const stamped = await run(['logs', 'web', '-c', 'app', '--tail', '2', '--timestamps']);
    expect(stamped.stdout).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z done\n$/);
    expect(stamped.stderr).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z err-5\n$/);

    expect(await run(['logs', 'web'])).to.deep.equal({ code: 1, stdout: '', stderr: 'error: a container name must be specified for pod web, choose one of: [app sidecar term]\n' });
    expect(await run(['logs', 'web', '-c', 'app', '--previous'])).to.deep.equal({ code: 1, stdout: '', stderr: 'error: previous terminated container "app" in pod "web" not found\n' });
    expect(await run(['logs', 'web', '-c', 'db'])).to.deep.equal({ code: 1, stdout: '', stderr: 'error: container db is not valid for pod web\n' });
    const missing = await run(['logs', 'nosuch']);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.match(/^Error from server \(NotFound\): .*"nosuch" not found\n$/);
    expect((await run(['logs', 'web', '--tail', 'lots'])).code).to.equal(2);
  });

  it('passes a TTY container\'s output through as it is', async () => {
    expect(await run(['logs', 'web', '-c', 'term'])).to.deep.equal({ code: 0, stdout: '{"looks": "like JSON"}\r\n', stderr: '' });
  });

  it('-f prints what comes next, in order, until SIGINT', async () => {
    const before = lines((await run(['logs', 'web', '-c', 'sidecar'])).stdout).length;
    const follow = start(['logs', 'web', '-c', 'sidecar', '-f']);
    await waitOutput(follow, new RegExp(`^tick-${before + 5}$`, 'm'));
    follow.child.kill('SIGINT');
    expect(await exitCodeWithin(follow, 5000)).to.equal(130);
    const ticks = lines(follow.stdout());
    expect(ticks).to.deep.equal(ticks.map((_, i) => `tick-${i + 1}`));
    expect(follow.stderr()).to.equal('');
  });

  it('works as the kubectl plugin: kubectl dockerpod logs and exec', async () => {
    const viaKubectl = await run(['logs', 'web', '-c', 'app', '--tail', '3'], { kubectl: true });
    expect(viaKubectl).to.deep.equal({ code: 0, stdout: 'out-5\ndone\n', stderr: 'err-5\n' });
    expect((await run(['exec', 'web', '-c', 'app', '--', 'sh', '-c', 'exit 4'], { kubectl: true })).code).to.equal(4);
    const help = await run(['--help'], { kubectl: true });
    expect(help.stdout).to.match(/^Usage: kubectl dockerpod <command>/);
  });

  it('exec exits with the command\'s code, keeps stdout and stderr apart, and pipes stdin with -i', async () => {
    expect(await run(['exec', 'web', '-c', 'app', '--', 'sh', '-c', 'exit 3'])).to.deep.equal({ code: 3, stdout: '', stderr: '' });
    expect(await run(['exec', 'web', '-c', 'app', '--', 'sh', '-c', 'echo to-out; echo to-err >&2'])).to.deep.equal({ code: 0, stdout: 'to-out\n', stderr: 'to-err\n' });
    const input = `hello\n${'x'.repeat(200_000)}\nworld\n`;
    const cat = await run(['exec', '-i', 'web', '-c', 'app', '--', 'cat'], { input });
    expect(cat.code, cat.stderr).to.equal(0);
    expect(cat.stdout).to.equal(input);
    const notFound = await run(['exec', 'web', '-c', 'app', '--', 'no-such-command']);
    expect(notFound.code).to.be.oneOf([126, 127]);
    expect(`${notFound.stdout}${notFound.stderr}`).to.include('no-such-command');
    const tty = await run(['exec', '-t', 'web', '-c', 'app', '--', 'sh', '-c', 'echo on-a-tty >&2; test -t 1']);
    expect(tty).to.deep.equal({ code: 0, stdout: 'on-a-tty\r\n', stderr: '' });
    expect(await run(['exec', 'web', '--', 'true'])).to.deep.equal({ code: 1, stdout: '', stderr: 'error: a container name must be specified for pod web, choose one of: [app sidecar term]\n' });
  });

  it('logs and exec reach a pod on a TLS engine through its DockerHost Secret', async () => {
    const all = await run(['logs', 'tls', '-c', 'app', '--tail', '2']);
    expect(all).to.deep.equal({ code: 0, stdout: 'done\n', stderr: 'err-5\n' });
    const cat = await run(['exec', '-i', 'tls', '-c', 'app', '--', 'cat'], { input: 'over mutual TLS\n' });
    expect(cat).to.deep.equal({ code: 0, stdout: 'over mutual TLS\n', stderr: '' });
    expect((await run(['exec', 'tls', '-c', 'app', '--', 'sh', '-c', 'exit 7'])).code).to.equal(7);
  });

  it('-f ends when the container ends; --previous then shows the instance the operator replaced', async () => {
    const operator = t as TestOperator;
    const follow = start(['logs', 'web', '-c', 'app', '-f']);
    await waitOutput(follow, /^done$/m);
    const docker = scope.engine('a');
    const pod = await waitForPod(operator, 'web', isReady);
    const filters = JSON.stringify({ label: [`${LABEL.uid}=${pod.metadata.uid ?? ''}`, `${LABEL.container}=app`] });
    const [current] = await docker.listContainers({ filters });
    await docker.getContainer(current?.Id ?? '').kill();
    expect(await exitCodeWithin(follow, 10_000)).to.equal(0);
    expect(lines(follow.stdout())[0]).to.equal(firstBoot);

    await waitForPod(operator, 'web', (p) => isReady(p) && p.status?.containerStatuses?.find((c) => c.name === 'app')?.restartCount === 1, 30_000);
    const now = await eventually(async () => {
      const r = await run(['logs', 'web', '-c', 'app']);
      if (!r.stdout.endsWith('done\n')) throw new Error(`new instance not done yet: ${r.stdout}`);
      return r;
    }, 20_000, 200);
    expect(lines(now.stdout)[0]).to.match(/^boot /).and.not.equal(firstBoot);
    const previous = await run(['logs', 'web', '-c', 'app', '--previous']);
    expect(previous.code, previous.stderr).to.equal(0);
    expect(lines(previous.stdout)).to.deep.equal([firstBoot, 'out-1', 'out-2', 'out-3', 'out-4', 'out-5', 'done']);
    expect(previous.stderr).to.equal('err-1\nerr-2\nerr-3\nerr-4\nerr-5\n');
  });
});
