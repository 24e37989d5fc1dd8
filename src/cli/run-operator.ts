/**
 * Builds and runs the operator from its flags: the implicit host of `--docker-host` (DOCKER_HOST
 * rules, TLS from flags or DOCKER_CERT_PATH), the pod settings, the controllers, the metrics and
 * health servers, leader election (`--leader-elect`, see leadership.ts), and the signal handling.
 *
 * Shutdown on the first SIGTERM/SIGINT, in this order: /readyz turns 503 and no new work is taken;
 * in-flight passes finish within --graceful-shutdown-timeout (with an election, while the lease is
 * still held); the lease is released; watches, Docker event streams and the servers close; exit 0.
 * Passes still running after the timeout make the process exit 1 at once (nothing may run on).
 * A second signal exits at once (code 1).
 */
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { Operator, type OperatorOptions } from '../controller/operator.js';
import type { ImplicitHost } from '../controller/fleet/fleet.js';
import type { PodSettings } from '../controller/hosts.js';
import { EventLoopMonitor } from '../observability/event-loop.js';
import { healthListener, livenessChecks, metricsListener, parseBindAddress, readinessChecks, serve, type ReadinessInput, type Role, type RunningServer } from '../observability/health-server.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { OperatorMetrics } from '../observability/metrics.js';
import type { EngineConnectOptions } from '../runtime/docker/dockerode-engine.js';
import { systemClock } from '../util/clock.js';
import { UsageError, type FlagValues } from './flags.js';
import { leaderElectionConfig, runElected, type RunOutcome } from './leadership.js';

export type { RunOutcome } from './leadership.js';

/** The engine endpoint: the flag, else DOCKER_HOST, else the local socket. */
export function dockerEndpoint(flags: FlagValues, env: NodeJS.ProcessEnv = process.env): string {
  return String(flags['docker-host'] || env['DOCKER_HOST'] || 'unix:///var/run/docker.sock');
}

function readIf(path: string): string | undefined {
  return path && existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** Connection options of the engine, with TLS from the flags or DOCKER_CERT_PATH. */
export function engineOptions(flags: FlagValues, env: NodeJS.ProcessEnv = process.env): EngineConnectOptions {
  const endpoint = dockerEndpoint(flags, env);
  const certDir = env['DOCKER_CERT_PATH'] ?? '';
  const file = (flag: string, fallback: string): string | undefined => readIf(String(flags[flag] || (certDir ? join(certDir, fallback) : '')));
  const ca = file('docker-tls-ca', 'ca.pem');
  const cert = file('docker-tls-cert', 'cert.pem');
  const key = file('docker-tls-key', 'key.pem');
  const tls = endpoint.startsWith('tcp://') && (ca || cert) ? { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } : undefined;
  return { endpoint, ...(tls ? { tls } : {}) };
}

/** The host's address: the flag, the engine's TCP host, or this machine's first non-internal IPv4 address. */
export function hostIpOf(flags: FlagValues, endpoint: string): string {
  if (flags['host-ip']) return String(flags['host-ip']);
  const tcp = /^tcp:\/\/([^:/]+)/.exec(endpoint);
  if (tcp?.[1]) return tcp[1];
  const addresses = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal);
  return addresses[0]?.address ?? '127.0.0.1';
}

/** A logger per the flags (text on a terminal unless told otherwise). */
export function loggerFrom(flags: FlagValues): Logger {
  const format = flags['log-format'] ? String(flags['log-format']) : process.stderr.isTTY ? 'text' : 'json';
  if (format !== 'json' && format !== 'text') throw new Error(`--log-format must be json or text, not "${format}"`);
  return createLogger({ level: String(flags['log-level']) as 'info', format });
}

/** Throws a UsageError unless --metrics-bind-address and --health-probe-bind-address are addresses (or 0). */
export function checkBindAddresses(flags: FlagValues): void {
  for (const flag of ['metrics-bind-address', 'health-probe-bind-address']) {
    try {
      parseBindAddress(String(flags[flag]));
    } catch (err) {
      throw new UsageError(`--${flag}: ${(err as Error).message}`);
    }
  }
}

/** Parses `k=v,k=v` (empty: none). */
export function parseLabels(text: string): Record<string, string> {
  const pairs = text.split(',').map((p) => p.trim()).filter(Boolean);
  return Object.fromEntries(
    pairs.map((p) => {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new Error(`--docker-labels: "${p}" is not key=value`);
      return [p.slice(0, eq), p.slice(eq + 1)];
    }),
  );
}

/** How to run the operator. */
export interface RunOperatorOptions {
  /** Aborts on SIGTERM/SIGINT: the operator drains and stops. */
  signal: AbortSignal;
  /** Declare the implicit host even without --docker-host or DOCKER_HOST (standalone mode: the local socket). */
  implicitByDefault?: boolean;
}

/** The implicit host of `--docker-host` (or DOCKER_HOST; the local socket when `byDefault`), or undefined. */
export function implicitHostOf(flags: FlagValues, byDefault: boolean, env: NodeJS.ProcessEnv = process.env): ImplicitHost | undefined {
  if (!flags['docker-host'] && !env['DOCKER_HOST'] && !byDefault) return undefined;
  const connection = engineOptions(flags, env);
  return {
    name: String(flags['host-name']),
    connection,
    ...(flags['host-ip'] ? { hostIP: String(flags['host-ip']) } : {}),
    policy: { allowHostNamespaces: Boolean(flags['allow-host-namespaces']), allowPrivileged: Boolean(flags['allow-privileged']), allowedHostPaths: [] },
  };
}

/** The pod settings every host shares. */
function podSettings(flags: FlagValues): PodSettings {
  const restart = Number(flags['restart-backoff']);
  return {
    instance: String(flags['instance']),
    extraLabels: parseLabels(String(flags['docker-labels'])),
    pauseImage: String(flags['pause-image']),
    podNetwork: String(flags['pod-network']),
    cgroupRoot: String(flags['cgroup-root']),
    negativeOomScores: Boolean(flags['oom-score-adj']),
    restartBackoff: { initialMs: restart, maxMs: restart * 30 },
  };
}

/** The controllers' options from the flags. */
export function operatorOptions(kubeConfig: KubeConfig, flags: FlagValues, logger: Logger, implicitByDefault: boolean): OperatorOptions {
  // Standalone mode has no --namespace or --host-selector flag: absent means all, not "undefined".
  const namespace = String(flags['namespace'] ?? '');
  const hostSelector = String(flags['host-selector'] ?? '');
  const implicitHost = implicitHostOf(flags, implicitByDefault);
  return {
    kubeConfig,
    ...(namespace ? { namespace } : {}),
    settings: podSettings(flags),
    ...(implicitHost ? { implicitHost } : {}),
    ...(hostSelector ? { hostSelector } : {}),
    localAddress: hostIpOf({}, 'unix:///'),
    concurrency: Number(flags['concurrency']),
    resyncPeriodMs: Number(flags['resync-period']),
    heartbeatPeriodMs: Number(flags['heartbeat-period']),
    hostFailureGraceMs: Number(flags['host-failure-grace']),
    dockerCallTimeoutMs: Number(flags['docker-call-timeout']),
    logger,
  };
}

const aborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

/** Where /readyz reads from and shutdown is announced. */
interface RunState { role: Role; shuttingDown: boolean }

/**
 * Runs the operator until `run.signal` aborts (or, with --leader-elect, the lease is lost); resolves
 * after the shutdown sequence with the exit code. Code 1 without starting when a server cannot bind.
 */
export async function runOperator(kubeConfig: KubeConfig, flags: FlagValues, logger: Logger, run: RunOperatorOptions): Promise<RunOutcome> {
  const election = leaderElectionConfig(flags);
  const metrics = new OperatorMetrics({ processMetrics: true });
  const state: RunState = { role: election ? 'standby' : 'unelected', shuttingDown: false };
  const options = { ...operatorOptions(kubeConfig, flags, logger, run.implicitByDefault ?? false), metrics };
  const operator = new Operator(options);
  const servers = await startServers(flags, metrics, () => ({ operator: operator.readiness(), ...state }), logger);
  if (!servers) return { code: 1, exitNow: false };
  const gracefulShutdownMs = Number(flags['graceful-shutdown-timeout']);
  try {
    if (election) return await runElected({ operator, config: election, kubeConfig, metrics, logger, signal: run.signal, gracefulShutdownMs, state });
    return await runAlone(operator, options, { logger, signal: run.signal, gracefulShutdownMs, state });
  } finally {
    await servers.close();
  }
}

/** Without an election: start (retrying while the API server does not answer), work until the signal, drain, stop. */
async function runAlone(operator: Operator, options: OperatorOptions, ctx: { logger: Logger; signal: AbortSignal; gracefulShutdownMs: number; state: RunState }): Promise<RunOutcome> {
  const { logger, signal } = ctx;
  const synced = await Promise.race([startUntil(operator, logger, signal), aborted(signal).then(() => undefined)]);
  if (synced !== undefined) logger.info('operator started', { controller: 'dockerpod', synced, implicitHost: options.implicitHost?.name, hostSelector: options.hostSelector ?? '(all)', namespace: options.namespace ?? '(all)' });
  await aborted(signal);
  ctx.state.shuttingDown = true;
  const drained = await operator.stop(ctx.gracefulShutdownMs);
  logger.info(synced === undefined ? 'operator stopped before it could start' : 'operator stopped', { drained });
  if (!drained) logger.error('graceful shutdown timed out: passes still running; exiting at once', { timeoutMs: ctx.gracefulShutdownMs });
  return drained ? { code: 0, exitNow: false } : { code: 1, exitNow: true };
}

/** Starts the operator, retrying with back-off while the API server does not answer; undefined when `signal` aborted first. */
async function startUntil(operator: Operator, logger: Logger, signal: AbortSignal): Promise<boolean | undefined> {
  for (let delay = 500; ; delay = Math.min(delay * 2, 30_000)) {
    if (signal.aborted) return undefined;
    try {
      return await operator.start();
    } catch (err) {
      // SIGTERM while waiting is a clean stop, not a crash.
      if (signal.aborted) return undefined;
      logger.warn('operator could not start; retrying', { error: (err as Error).message, retryInMs: delay });
      await systemClock.sleep(delay, signal);
    }
  }
}

/** The metrics and health servers of the flags (an address of 0 leaves one off); undefined (logged) when one cannot bind. */
async function startServers(flags: FlagValues, metrics: OperatorMetrics, readiness: () => ReadinessInput, logger: Logger): Promise<{ close(): Promise<void> } | undefined> {
  const loop = new EventLoopMonitor();
  loop.start();
  const started: RunningServer[] = [];
  const close = async (): Promise<void> => {
    loop.stop();
    await Promise.all(started.map((s) => s.close()));
  };
  const servers = [
    { flag: 'metrics-bind-address', listener: metricsListener(metrics), paths: ['/metrics'] },
    { flag: 'health-probe-bind-address', listener: healthListener({ healthz: livenessChecks(loop), readyz: readinessChecks(readiness) }), paths: ['/healthz', '/readyz'] },
  ];
  for (const { flag, listener, paths } of servers) {
    try {
      const server = await serve(String(flags[flag]), listener);
      if (!server) continue;
      started.push(server);
      logger.info(`serving ${paths.join(' and ')}`, { urls: paths.map((p) => `${server.url}${p}`) });
    } catch (err) {
      logger.error(`--${flag} ${String(flags[flag])}: cannot serve (${(err as Error).message}); use another address, or 0 to turn it off`);
      await close();
      return undefined;
    }
  }
  return { close };
}

/**
 * Ends the process with `code` once the log lines written so far are out: for a run that must not
 * go on (lease lost, passes abandoned), whatever is still pending on the event loop.
 */
export function exitSoon(code: number): void {
  setTimeout(() => process.exit(code), 100);
}

/**
 * A clean run ends when nothing is left on the event loop. If something still holds it (a socket
 * a library did not close) after `graceMs`, say what and exit anyway with `code`.
 */
export function exitIfStuck(code: number, graceMs = 5000): void {
  setTimeout(() => {
    process.stderr.write(`dockerpod: still running ${graceMs} ms after a clean stop (${process.getActiveResourcesInfo().join(', ')}); exiting\n`);
    process.exit(code);
  }, graceMs).unref();
}

/** An AbortSignal that aborts on the first SIGTERM/SIGINT; a second one exits at once. */
export function shutdownSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(1);
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return controller.signal;
}
