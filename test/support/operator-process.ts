/**
 * The built `dockerpod operator` as a child process against a test API server and engine A, as
 * the e2e tests of leader election, shutdown, metrics and logs run it: JSON logs captured, the
 * metrics and health servers on free loopback ports (their URLs read from the log), and helpers to
 * scrape /metrics into samples.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { startTestApiServer, type TestApiServer } from './apiserver.js';
import type { DockerScope } from './docker-scope.js';
import { ENGINE_ENV_FILE, parseEnvFile, TEST_IMAGES } from './engines.js';
import { removeCgroupParent } from './host-proc.js';
import { buildOnce, dockerpodBin } from './repo.js';

/** One sample of the Prometheus text format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (comments skipped). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1] ?? '', l[2] ?? '']));
    samples.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `labels`; undefined when there is none. */
export function metric(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.length === 0 ? undefined : found.reduce((a, s) => a + s.value, 0);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A `dockerpod operator` process and its output. */
export class OperatorProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private output = '';

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [dockerpodBin(), 'operator', ...args], { env: { ...process.env, ...env } });
    this.child.stdout.on('data', (c: Buffer) => (this.output += c.toString()));
    this.child.stderr.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Everything it printed so far. */
  log(): string {
    return this.output;
  }

  /** Its JSON log lines, parsed (other lines skipped). */
  lines(): Array<Record<string, unknown>> {
    return this.output.split('\n').flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines, for failure messages. */
  tail(n = 40): string {
    return this.output.trimEnd().split('\n').slice(-n).join('\n');
  }

  /** Waits until a log line has `message` (and the given fields); fails with the tail when it exits or times out. */
  async waitForLine(message: string, timeoutMs: number, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines().find((l) => l['message'] === message && Object.entries(fields).every(([k, v]) => l[k] === v));
      if (line) return line;
      if (!this.running || Date.now() > deadline) throw new Error(`no "${message}" line (${this.running ? 'timed out' : 'exited'}):\n${this.tail()}`);
      await sleep(20);
    }
  }

  /** The URL of `path` (/metrics, /healthz, /readyz) from the "serving ..." log lines. */
  async url(path: string, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.lines()) {
        const found = ((line['urls'] ?? []) as string[]).find((u) => u.endsWith(path));
        if (found) return found;
      }
      if (!this.running || Date.now() > deadline) throw new Error(`no URL for ${path}:\n${this.tail()}`);
      await sleep(20);
    }
  }

  /** Scrapes /metrics. */
  async metrics(): Promise<Sample[]> {
    const res = await fetch(await this.url('/metrics'));
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    return parseMetrics(await res.text());
  }

  /** GETs /healthz or /readyz: status and body. */
  async probe(path: '/healthz' | '/readyz'): Promise<{ status: number; body: string }> {
    const res = await fetch(await this.url(path));
    return { status: res.status, body: await res.text() };
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 40_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

/** The flags of an operator on engine A for `scope` against `api`: JSON logs, servers on free loopback ports. */
export function operatorArgs(scope: DockerScope, api: TestApiServer, extra: string[] = []): string[] {
  const engineA = parseEnvFile(readFileSync(ENGINE_ENV_FILE, 'utf8'))['DOCKERPOD_ENGINE_A_HOST'] ?? '';
  const labels = Object.entries(scope.labels).map(([k, v]) => `${k}=${v}`).join(',');
  return [
    '--kubeconfig', api.kubeconfigPath, '--docker-host', engineA, '--instance', `test-${scope.id}`, '--docker-labels', labels,
    '--pause-image', TEST_IMAGES.pause, '--oom-score-adj', 'false', '--cgroup-root', `/dockerpod-test-${scope.id}`,
    '--log-format', 'json', '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', ...extra,
  ];
}

/** What a describe block that spawns operators gets from useOperatorProcesses (valid once `before` ran). */
export interface OperatorProcesses {
  readonly api: TestApiServer;
  readonly kubeConfig: KubeConfig;
  readonly custom: CustomObjectsApi;
  /** Spawns an operator on engine A for the scope against the API server; it is SIGKILLed at cleanup. */
  start(extra?: string[]): OperatorProcess;
}

/**
 * Mocha hooks for a describe block that spawns built operators: builds once and starts a test API
 * server before, SIGKILLs every spawned operator before the scope's Docker cleanup (so nothing
 * re-creates what the cleanup removes), then closes the server and removes the scope's cgroup parent.
 */
export function useOperatorProcesses(scope: DockerScope): OperatorProcesses {
  let api: TestApiServer | undefined;
  let kubeConfig: KubeConfig | undefined;
  let custom: CustomObjectsApi | undefined;
  const processes: OperatorProcess[] = [];
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useOperatorProcesses: used before its before() hook ran');
    return value;
  };
  before(async function () {
    this.timeout(120_000);
    buildOnce();
    api = await startTestApiServer();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(api.kubeconfigPath);
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
  });
  scope.beforeCleanup(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  });
  after(async () => {
    await api?.close();
    removeCgroupParent(`/dockerpod-test-${scope.id}`);
  });
  return {
    get api() { return ready(api); },
    get kubeConfig() { return ready(kubeConfig); },
    get custom() { return ready(custom); },
    start(extra: string[] = []) {
      const p = new OperatorProcess(operatorArgs(scope, ready(api), extra));
      processes.push(p);
      return p;
    },
  };
}
