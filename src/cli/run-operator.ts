/**
 * Builds and runs the operator from its flags: the implicit host of `--docker-host` (DOCKER_HOST
 * rules, TLS from flags or DOCKER_CERT_PATH), the pod settings, the controllers, and the signal
 * handling (first SIGTERM/SIGINT drains, a second exits at once).
 */
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { Operator, type OperatorOptions } from '../controller/operator.js';
import type { ImplicitHost } from '../controller/fleet/fleet.js';
import type { PodSettings } from '../controller/hosts.js';
import { createLogger, type Logger } from '../observability/logger.js';
import type { EngineConnectOptions } from '../runtime/docker/dockerode-engine.js';
import { systemClock } from '../util/clock.js';
import type { FlagValues } from './flags.js';

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
    logger,
  };
}

/** Runs the operator until `run.signal` aborts; resolves after a graceful stop. */
export async function runOperator(kubeConfig: KubeConfig, flags: FlagValues, logger: Logger, run: RunOperatorOptions): Promise<void> {
  const options = operatorOptions(kubeConfig, flags, logger, run.implicitByDefault ?? false);
  const operator = new Operator(options);
  const synced = await startUntil(operator, logger, run.signal);
  if (synced === undefined) {
    logger.info('operator stopped before it could start', { drained: true });
    return;
  }
  logger.info('operator started', { controller: 'dockerpod', synced, implicitHost: options.implicitHost?.name, hostSelector: options.hostSelector ?? '(all)', namespace: options.namespace ?? '(all)' });
  const { signal } = run;
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  const drained = await operator.stop(Number(flags['graceful-shutdown-timeout']));
  logger.info('operator stopped', { drained });
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
