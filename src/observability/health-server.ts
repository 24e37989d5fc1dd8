/**
 * The operator's two small HTTP servers, as controller-runtime's manager serves them:
 *   - metrics (`--metrics-bind-address`, default :8080): GET /metrics, the Prometheus text format;
 *   - health probes (`--health-probe-bind-address`, default :8081): GET /healthz (liveness: the
 *     process answers and its event loop is not stalled) and GET /readyz (readiness: caches
 *     synced, at least one engine answering or none configured, leading or standing by, not
 *     shutting down), and /healthz/<check>, /readyz/<check> for one check.
 * Bodies list every check as Kubernetes' own endpoints do (`[+]caches ok`, `[-]engines failed:
 * ...`, then `readyz check passed|failed`); a failed /readyz answers 503, a failed /healthz 500.
 * An address of `0` disables a server; `:0` picks a free port (the log line gives the URL).
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventLoopMonitor } from './event-loop.js';

/** What a check found. */
export interface CheckResult {
  ok: boolean;
  message: string;
}

/** One named check of /healthz or /readyz. */
export interface HealthCheck {
  name: string;
  run(): CheckResult;
}

/** A server that listens, and how to reach and close it. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Host and port of a bind address (`:8080`, `127.0.0.1:0`, `[::1]:8081`); undefined for `0` (disabled). Throws on anything else. */
export function parseBindAddress(text: string): { host?: string; port: number } | undefined {
  if (text === '0') return undefined;
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || !(port >= 0 && port <= 65535)) throw new Error(`"${text}" is not an address: use HOST:PORT, :PORT (every interface) or 0 (off)`);
  const host = match[1] ?? match[2] ?? '';
  return host === '' ? { port } : { host, port };
}

/** Listens on `address` (see parseBindAddress) with `listener`; undefined when the address is `0`. Rejects when it cannot bind. */
export async function serve(address: string, listener: RequestListener): Promise<RunningServer | undefined> {
  const bind = parseBindAddress(address);
  if (!bind) return undefined;
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address: host, port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive scrapers and probes hold connections open: close does not wait for them.
        server.closeAllConnections();
      }),
  };
}

/** Only GET and HEAD; anything else is 405. */
function method(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
  return false;
}

/** Serves GET /metrics from `metrics`; 404 elsewhere. */
export function metricsListener(metrics: { text(): Promise<string>; contentType(): string }): RequestListener {
  return (req, res) => {
    if (!method(req, res)) return;
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.contentType() }).end(req.method === 'HEAD' ? undefined : text),
      (err: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${(err as Error).message}\n`),
    );
  };
}

/** Runs `checks` (all, or the one named) and writes Kubernetes' text report. */
function report(res: ServerResponse, endpoint: 'healthz' | 'readyz', checks: HealthCheck[], failCode: number): void {
  const results = checks.map((c) => {
    try {
      return { name: c.name, ...c.run() };
    } catch (err) {
      return { name: c.name, ok: false, message: (err as Error).message };
    }
  });
  const ok = results.every((r) => r.ok);
  const lines = results.map((r) => (r.ok ? `[+]${r.name} ok: ${r.message}` : `[-]${r.name} failed: ${r.message}`));
  res.writeHead(ok ? 200 : failCode, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(`${lines.join('\n')}\n${endpoint} check ${ok ? 'passed' : 'failed'}\n`);
}

/** The endpoint and checks a path names (`/readyz`, `/readyz/caches`), or undefined. */
function route(path: string, checks: { healthz: HealthCheck[]; readyz: HealthCheck[] }): { endpoint: 'healthz' | 'readyz'; chosen: HealthCheck[] } | undefined {
  const [endpoint = '', name, ...rest] = path.split('/').filter(Boolean);
  if ((endpoint !== 'healthz' && endpoint !== 'readyz') || rest.length > 0) return undefined;
  const chosen = name === undefined ? checks[endpoint] : checks[endpoint].filter((c) => c.name === name);
  return chosen.length > 0 ? { endpoint, chosen } : undefined;
}

/** Serves /healthz and /readyz (and /<endpoint>/<check>) from the given checks; 404 elsewhere. */
export function healthListener(checks: { healthz: HealthCheck[]; readyz: HealthCheck[] }): RequestListener {
  return (req, res) => {
    if (!method(req, res)) return;
    const found = route(new URL(req.url ?? '/', 'http://localhost').pathname, checks);
    if (!found) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    report(res, found.endpoint, found.chosen, found.endpoint === 'readyz' ? 503 : 500);
  };
}

/** The liveness check: the event loop is not stalled. */
export function livenessChecks(loop: EventLoopMonitor): HealthCheck[] {
  return [{
    name: 'event-loop',
    run: () => {
      const s = loop.state();
      const lag = `lag ${Math.round(s.lagMs)} ms, last tick ${Math.round(s.sinceTickMs)} ms ago`;
      return { ok: !s.stalled, message: s.stalled ? `stalled (${lag})` : lag };
    },
  }];
}

/** Where this replica stands in the election. */
export type Role = 'leader' | 'standby' | 'unelected' | 'lost';

/** What readiness is judged on. */
export interface ReadinessInput {
  /** Undefined until the operator exists (still reaching the API server). */
  operator?: { synced: boolean; hosts: number; readyHosts: number };
  role: Role;
  shuttingDown: boolean;
}

/** The readiness checks: caches, engines, leader election, shutdown. */
export function readinessChecks(input: () => ReadinessInput): HealthCheck[] {
  return [
    { name: 'caches', run: () => (input().operator?.synced ? { ok: true, message: 'DockerPods and DockerHosts listed' } : { ok: false, message: 'the informers have not listed yet' }) },
    { name: 'engines', run: () => engines(input().operator) },
    { name: 'leader-election', run: () => election(input().role) },
    { name: 'shutdown', run: () => (input().shuttingDown ? { ok: false, message: 'shutting down' } : { ok: true, message: 'running' }) },
  ];
}

function engines(operator: ReadinessInput['operator']): CheckResult {
  if (!operator) return { ok: false, message: 'not started' };
  if (operator.hosts === 0) return { ok: true, message: 'no DockerHost configured' };
  const message = `${operator.readyHosts} of ${operator.hosts} DockerHost engines answer`;
  return { ok: operator.readyHosts > 0, message };
}

function election(role: Role): CheckResult {
  if (role === 'lost') return { ok: false, message: 'lost the lease; stopping' };
  return { ok: true, message: role === 'unelected' ? 'disabled (this replica always works)' : role };
}
