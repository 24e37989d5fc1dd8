/**
 * Stopping and starting engine B under a running test, to exercise a DockerHost that goes away
 * and comes back. Both go through the hack/ scripts (hack/lib.sh `stop_engine`, which finds the
 * engine by its pidfile only, and hack/ensure-docker.sh, which starts what is not running), so
 * the pidfile, data root and flags are never repeated here. Engine A is never touched.
 *
 * The engines run with live-restore off: stopping B stops its containers, and after the restart
 * they exist in state exited (restart policy no), as after a real engine or machine restart.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { ENGINE_ENV_FILE, engineClient, parseEnvFile } from './engines.js';
import { eventually } from './exec.js';
import { REPO_ROOT } from './repo.js';

/** Runs a bash script in the repository root; rejects with its stderr when it fails. */
function bash(script: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', script], { cwd: REPO_ROOT, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`bash -c '${script}' failed: ${err.message}\n${stderr}`, { cause: err }));
      else resolve(stdout);
    });
  });
}

/** Host and port of engine B's TCP endpoint, from the env file ensure-docker.sh wrote. */
function engineBAddress(): { host: string; port: number } {
  const endpoint = parseEnvFile(readFileSync(ENGINE_ENV_FILE, 'utf8'))['DOCKERPOD_ENGINE_B_HOST'] ?? '';
  const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port) };
}

/** Whether a TCP connect to host:port is refused (nothing listens any more). */
function refuses(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/**
 * Stops engine B's dockerd only: SIGTERM to the pid in its pidfile (hack/lib.sh `stop_engine`,
 * SIGKILL after 30 s), then waits until the process is gone and B's TCP port refuses connections.
 * `onExit` gets the time (ms) the process was seen gone, polled every 20 ms: dockerd stops
 * accepting connections at once but serves open keep-alive connections until it exits, after
 * stopping its containers. A B that is not running is fine.
 */
export async function stopEngineB(onExit?: (atMs: number) => void): Promise<void> {
  const pid = Number((await bash('. hack/lib.sh; engine_pid b || true', 10_000)).trim()) || undefined;
  const stopping = bash('. hack/lib.sh; stop_engine b', 45_000);
  const { host, port } = engineBAddress();
  try {
    if (pid !== undefined) {
      await eventually(() => (isAlive(pid) ? Promise.reject(new Error(`engine B (pid ${pid}) still runs`)) : Promise.resolve()), 45_000, 20);
      onExit?.(Date.now());
    }
  } finally {
    await stopping;
  }
  await eventually(async () => {
    if (!(await refuses(host, port))) throw new Error(`engine B's port ${host}:${port} still accepts connections`);
  }, 15_000, 100);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts engine B again through hack/ensure-docker.sh (it reuses engines that run, so A is left
 * as it is), then waits until B answers /_ping. Its data root, and so the test images, survive.
 */
export async function startEngineB(): Promise<void> {
  await bash('bash hack/ensure-docker.sh >/dev/null', 120_000);
  const b = engineClient('b');
  await eventually(() => b.ping(), 30_000, 200);
}
