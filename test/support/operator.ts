/**
 * The operator in-process for tests: against an embedded API server over HTTPS (real
 * client-node) and a real test engine through an instrumented client, with its own instance
 * label (so parallel tests never touch each other's containers), the run and scope labels on
 * everything it creates, the local test images, and short crash-loop back-offs.
 */
import { readFileSync } from 'node:fs';
import { KubeConfig, CustomObjectsApi } from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { Operator } from '../../src/controller/operator.js';
import { silentLogger, createLogger, type Logger } from '../../src/observability/logger.js';
import { connectEngine } from '../../src/runtime/docker/dockerode-engine.js';
import { CallCounter, instrument } from '../../src/runtime/docker/instrumented-engine.js';
import type { DockerEngine } from '../../src/runtime/docker/types.js';
import { defined } from '../../src/util/objects.js';
import { startTestApiServer, type TestApiServer } from './apiserver.js';
import type { DockerScope } from './docker-scope.js';
import { engineConnectOptions, TEST_IMAGES, type EngineName } from './engines.js';
import { repoPath } from './repo.js';

/** A running operator with its API server and engine. */
export interface TestOperator {
  api: TestApiServer;
  kc: KubeConfig;
  custom: CustomObjectsApi;
  operator: Operator;
  /** A client of the implicit host's engine for the test's own checks (not counted in `calls`). */
  engine: DockerEngine;
  /** Every Docker call the operator made, on any host. */
  calls: CallCounter;
  instance: string;
  stop(): Promise<void>;
}

/** Options of a test operator. */
export interface TestOperatorOptions {
  /** Engine of the implicit host `local`; `none` for a fleet of DockerHosts the test declares itself. */
  engine?: EngineName | 'none';
  restartBackoffMs?: number;
  resyncPeriodMs?: number;
  heartbeatPeriodMs?: number;
  hostFailureGraceMs?: number;
  /** Deadline of one heartbeat (the operator's default: 5 s). */
  heartbeatTimeoutMs?: number;
  /** Deadline of one ordinary Docker call (the operator's default: 120 s). */
  dockerCallTimeoutMs?: number;
  hostSelector?: string;
  /** How often running pods' configMap and secret volumes are re-checked (the operator's default: 60 s). */
  projectedVolumeRefreshMs?: number;
  /** Reuse a running API server (restart of the operator alone). */
  api?: TestApiServer;
  /** Apply the kubelet's negative OOM scores (these machines refuse them; the operator must cope). */
  negativeOomScores?: boolean;
  /** Where the operator logs (default: nowhere, or stderr with DOCKERPOD_TEST_LOG). */
  logger?: Logger;
  /** Wraps every engine client the operator connects, inside the call counter (fault injection: test/support/faulty-engine.ts). */
  wrapEngine?: (engine: DockerEngine) => DockerEngine;
}

/** Starts an operator for `scope` and waits for its caches to sync. */
export async function startTestOperator(scope: DockerScope, options: TestOperatorOptions = {}): Promise<TestOperator> {
  const api = options.api ?? (await startTestApiServer());
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  const calls = new CallCounter();
  const engineName = options.engine ?? 'a';
  const instance = `test-${scope.id}`;
  const backoff = options.restartBackoffMs ?? 400;
  const logger = options.logger ?? (process.env['DOCKERPOD_TEST_LOG'] ? createLogger({ level: 'debug', format: 'text' }) : silentLogger);
  const operator = new Operator({
    kubeConfig: kc,
    settings: {
      instance,
      extraLabels: scope.labels,
      pauseImage: TEST_IMAGES.pause,
      podNetwork: 'bridge',
      cgroupRoot: `/dockerpod-test-${scope.id}`,
      negativeOomScores: options.negativeOomScores ?? false,
      restartBackoff: { initialMs: backoff, maxMs: backoff * 8 },
    },
    ...(engineName === 'none'
      ? {}
      : { implicitHost: { name: 'local', connection: engineConnectOptions(engineName), hostIP: '127.0.0.1', policy: { allowHostNamespaces: false, allowPrivileged: false, allowedHostPaths: [] } } }),
    ...(options.hostSelector ? { hostSelector: options.hostSelector } : {}),
    localAddress: '127.0.0.1',
    connect: (connection) => instrument((options.wrapEngine ?? ((e: DockerEngine) => e))(connectEngine(connection)), calls.record),
    concurrency: 8,
    resyncPeriodMs: options.resyncPeriodMs ?? 60_000,
    heartbeatPeriodMs: options.heartbeatPeriodMs ?? 10_000,
    ...(options.hostFailureGraceMs !== undefined ? { hostFailureGraceMs: options.hostFailureGraceMs } : {}),
    ...defined({ heartbeatTimeoutMs: options.heartbeatTimeoutMs, dockerCallTimeoutMs: options.dockerCallTimeoutMs }),
    ...(options.projectedVolumeRefreshMs !== undefined ? { projectedVolumeRefreshMs: options.projectedVolumeRefreshMs } : {}),
    logger,
  });
  await operator.start(10_000);
  return {
    api,
    kc,
    custom: kc.makeApiClient(CustomObjectsApi),
    operator,
    engine: connectEngine(engineConnectOptions(engineName === 'none' ? 'a' : engineName)),
    calls,
    instance,
    stop: async () => {
      await operator.stop(10_000);
      if (!options.api) await api.close();
    },
  };
}

/** examples/web.yaml with the local test image (no registry is reachable in tests). */
export function webPod(name = 'web', overrides: Partial<DockerPod['spec']> = {}): DockerPod {
  const pod = parse(readFileSync(repoPath('examples', 'web.yaml'), 'utf8')) as DockerPod;
  pod.metadata.name = name;
  pod.spec.containers = pod.spec.containers.map((c) => ({ ...c, image: TEST_IMAGES.busybox, ports: (c.ports ?? []).map(({ hostPort: _h, ...p }) => p) }));
  for (const c of pod.spec.containers) if (c.ports?.length === 0) delete c.ports;
  Object.assign(pod.spec, overrides);
  return pod;
}
