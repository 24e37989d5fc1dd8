/**
 * The built `dockerpod standalone` (API server and operator in one process) as a child process
 * on a data directory and a fixed loopback port, so it can be stopped and started again as a user
 * restarts it: the same address, token and CA (kept in the data dir) serve every run, and one
 * client keeps working across restarts. Runs on engine A with the scope's labels, the test
 * images, JSON logs, and the metrics and health servers on free loopback ports.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { DockerScope } from './docker-scope.js';
import { ENGINE_ENV_FILE, parseEnvFile, TEST_IMAGES } from './engines.js';
import { dockerpodBin } from './repo.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How a process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A free TCP port on loopback (free when asked: the caller binds it soon after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The flags of a standalone process for `scope` on engine A: data dir, `127.0.0.1:port`, the
 * scope's instance, labels and cgroup root, the test pause image, JSON logs, and `extra` last.
 */
export function standaloneArgs(scope: DockerScope, dataDir: string, port: number, extra: string[] = []): string[] {
  const engineA = parseEnvFile(readFileSync(ENGINE_ENV_FILE, 'utf8'))['DOCKERPOD_ENGINE_A_HOST'] ?? '';
  const labels = Object.entries(scope.labels).map(([k, v]) => `${k}=${v}`).join(',');
  return [
    '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--docker-host', engineA, '--instance', `test-${scope.id}`,
    '--docker-labels', labels, '--pause-image', TEST_IMAGES.pause, '--oom-score-adj', 'false', '--cgroup-root', `/dockerpod-test-${scope.id}`,
    '--log-format', 'json', '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', ...extra,
  ];
}

/** Every live child, killed if the test process exits first (a leaked API server would hold its port). */
const live = new Set<ChildProcessWithoutNullStreams>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** One `dockerpod standalone` process and its output. */
export class StandaloneProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  private output = '';

  private constructor(args: string[]) {
    this.child = spawn(process.execPath, [dockerpodBin(), 'standalone', ...args]);
    live.add(this.child);
    this.child.stdout.on('data', (c: Buffer) => (this.output += c.toString()));
    this.child.stderr.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => {
      live.delete(this.child);
      resolve({ code, signal });
    }));
  }

  /**
   * Spawns the command and resolves once its API server answers (the kubeconfig line is printed
   * after the server listens); throws with the output when it exits or `timeoutMs` passes first.
   */
  static async start(args: string[], timeoutMs = 30_000): Promise<StandaloneProcess> {
    const p = new StandaloneProcess(args);
    const deadline = Date.now() + timeoutMs;
    while (!p.output.includes('export KUBECONFIG=')) {
      if (!p.running || Date.now() > deadline) {
        p.child.kill('SIGKILL');
        throw new Error(`standalone did not start (${p.running ? 'timed out' : 'exited'}):\n${p.tail()}`);
      }
      await sleep(20);
    }
    return p;
  }

  /** Whether the process still runs. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything it printed so far. */
  log(): string {
    return this.output;
  }

  /** The last lines, for failure messages. */
  tail(n = 40): string {
    return this.output.trimEnd().split('\n').slice(-n).join('\n');
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 40_000): Promise<Exit> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}
