/**
 * `dockerpod standalone`: the embedded API server (with the project's CRDs installed) for a
 * single Docker host, persisted in a data directory, reachable with the kubeconfig it writes.
 * Always TLS with a bearer token; loopback by default with a self-signed certificate made in the
 * data directory, any other address only with a certificate given by the user.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { allCrds } from '../api/v1alpha1/crds.js';
import { kubeconfigYaml, startApiServer, type RunningApiServer } from '../apiserver/index.js';
import type { KubeObject } from '../apiserver/resources/types.js';
import { ensureServingCert } from '../apiserver/serving-cert.js';
import { dockerpodValidators } from '../apiserver/dockerpod-validators.js';
import { flagHelp, parseFlags, UsageError, type FlagTable, type FlagValues } from './flags.js';
import { leaderElectionConfig } from './leadership.js';
import { OPERATOR_FLAGS } from './operator-flags.js';
import { checkBindAddresses, exitIfStuck, exitSoon, loggerFrom, runOperator, shutdownSignal } from './run-operator.js';

/** The operator flags whose default differs in standalone mode. */
const STANDALONE_DEFAULTS: Record<string, { default: string; help: string }> = {
  // One machine, one operator: no election unless asked for.
  'leader-elect': { default: 'false', help: 'elect one active operator through a Lease in this API server (off: standalone runs one operator)' },
  // Off by default: :8080 is the host port of examples/web.yaml and the quickstart, and no kubelet probes a standalone process.
  'metrics-bind-address': { default: '0', help: 'address of the Prometheus /metrics endpoint (HOST:PORT, :PORT for every interface); 0 (default here) turns it off' },
  'health-probe-bind-address': { default: '0', help: 'address of /healthz and /readyz; 0 (default here) turns them off' },
};

/** Flags of `dockerpod standalone` (plus the operator's, but kubeconfig and namespace), each also read from an environment variable. */
export const STANDALONE_FLAGS: FlagTable = {
  'data-dir': { type: 'string', env: 'DOCKERPOD_DATA_DIR', default: '.dockerpod', help: 'where objects, the token, the TLS material and the kubeconfig are kept' },
  listen: { type: 'string', env: 'DOCKERPOD_LISTEN', default: '127.0.0.1:6443', help: 'address:port to serve the API on (:0 picks a free port)' },
  'tls-cert': { type: 'string', env: 'DOCKERPOD_TLS_CERT', default: '', help: 'PEM certificate (and chain) to serve with instead of the self-signed one; required off loopback' },
  'tls-key': { type: 'string', env: 'DOCKERPOD_TLS_KEY', default: '', help: 'PEM key of --tls-cert' },
  'event-ttl': { type: 'duration', env: 'DOCKERPOD_EVENT_TTL', default: '1h', help: 'Events are removed this long after their last write, as kube-apiserver --event-ttl (0s keeps them)' },
  'in-memory': { type: 'bool', env: 'DOCKERPOD_IN_MEMORY', default: 'false', help: 'keep objects in memory only (nothing persisted)' },
  operator: { type: 'bool', env: 'DOCKERPOD_OPERATOR', default: 'true', help: 'run the operator in this process against the local engine' },
  ...Object.fromEntries(Object.entries(OPERATOR_FLAGS).filter(([name]) => name !== 'kubeconfig' && name !== 'namespace' && name !== 'host-selector').map(([name, spec]) => [name, { ...spec, ...STANDALONE_DEFAULTS[name] }])),
};

/** Parsed standalone settings. */
export interface StandaloneConfig {
  dataDir: string;
  host: string;
  port: number;
  tlsCert?: string;
  tlsKey?: string;
  inMemory: boolean;
  /** Milliseconds an Event lives after its last write (0: forever). */
  eventTtlMs: number;
  /** Every flag, for the in-process operator. */
  flags: FlagValues;
}


function splitListen(listen: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(listen);
  const port = Number(match?.[2]);
  if (!match || !(port >= 0 && port <= 65535)) throw new UsageError(`--listen ${listen}: expected HOST:PORT, e.g. 127.0.0.1:6443`);
  return { host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port };
}

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

/** Reads flags (then environment variables, then defaults) and checks them. */
export function parseStandaloneArgs(args: string[], env: NodeJS.ProcessEnv = process.env): StandaloneConfig {
  const flags = parseFlags(STANDALONE_FLAGS, args, env);
  checkBindAddresses(flags);
  leaderElectionConfig(flags);
  const { host, port } = splitListen(String(flags['listen']));
  const tlsCert = String(flags['tls-cert']);
  const tlsKey = String(flags['tls-key']);
  if (Boolean(tlsCert) !== Boolean(tlsKey)) throw new UsageError('--tls-cert and --tls-key go together');
  if (!isLoopback(host) && !tlsCert) {
    throw new UsageError(
      `refusing to serve on ${host}: off loopback the API needs a certificate for the address clients use (--tls-cert, --tls-key); the self-signed one made in the data dir covers loopback only`,
    );
  }
  return { dataDir: resolve(String(flags['data-dir'])), host, port, ...(tlsCert ? { tlsCert, tlsKey } : {}), inMemory: Boolean(flags['in-memory']), eventTtlMs: Number(flags['event-ttl']), flags };
}

/** The token of a data dir, made on first start (0600). */
export function ensureToken(dataDir: string): string {
  const path = join(dataDir, 'token');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Starts the standalone server and writes its kubeconfig. */
export async function startStandalone(config: StandaloneConfig): Promise<{ server: RunningApiServer; kubeconfigPath: string }> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const token = ensureToken(config.dataDir);
  // kubectl sends the bearer token only over TLS, so the server always speaks it.
  const tls = config.tlsCert && config.tlsKey
    ? { cert: readFileSync(config.tlsCert, 'utf8'), key: readFileSync(config.tlsKey, 'utf8'), ca: readFileSync(config.tlsCert, 'utf8') }
    : ensureServingCert(join(config.dataDir, 'tls'));
  const server = await startApiServer({
    host: config.host,
    port: config.port,
    token,
    tls: { cert: tls.cert, key: tls.key },
    ...(config.inMemory ? {} : { dataDir: join(config.dataDir, 'objects') }),
    crds: allCrds() as unknown as KubeObject[],
    validators: dockerpodValidators(),
    eventTtlMs: config.eventTtlMs,
  });
  const kubeconfigPath = join(config.dataDir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml({ server: server.url, token, caData: tls.ca }), { mode: 0o600 });
  return { server, kubeconfigPath };
}

/** Help text of the command. */
export const STANDALONE_HELP = `  standalone  Run the embedded Kubernetes API server (with the DockerPod and DockerHost CRDs) and the
              operator for a single Docker host\n${flagHelp(STANDALONE_FLAGS, '                ')}`;

/** The `standalone` command: runs until SIGTERM/SIGINT, then stops the operator and the server cleanly (exit codes as `operator`'s). */
export async function standaloneCommand(args: string[]): Promise<number> {
  let config: StandaloneConfig;
  try {
    config = parseStandaloneArgs(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`dockerpod standalone: ${err.message}\n`);
    return 2;
  }
  const { server, kubeconfigPath } = await startStandalone(config);
  process.stdout.write(`dockerpod standalone: API server on ${server.url} (data: ${config.inMemory ? 'in memory' : config.dataDir})\n\n  export KUBECONFIG=${kubeconfigPath}\n  kubectl get dockerpods\n\n`);
  const signal = shutdownSignal();
  let outcome = { code: 0, exitNow: false };
  if (config.flags['operator']) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    outcome = await runOperator(kc, config.flags, loggerFrom(config.flags), { signal, implicitByDefault: true });
  } else {
    await new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
  }
  await server.close();
  if (outcome.exitNow) exitSoon(outcome.code);
  else exitIfStuck(outcome.code);
  return outcome.code;
}
