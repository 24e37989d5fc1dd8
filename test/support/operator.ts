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
import { SingleHostResolver } from '../../src/controller/hosts.js';
import { Operator } from '../../src/controller/operator.js';
import { silentLogger, createLogger } from '../../src/observability/logger.js';
import { connectEngine } from '../../src/runtime/docker/dockerode-engine.js';
import { CallCounter, instrument } from '../../src/runtime/docker/instrumented-engine.js';
import type { DockerEngine } from '../../src/runtime/docker/types.js';
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
  engine: DockerEngine;
  calls: CallCounter;
  instance: string;
  stop(): Promise<void>;
}

/** Options of a test operator. */
export interface TestOperatorOptions {
  engine?: EngineName;
  restartBackoffMs?: number;
  resyncPeriodMs?: number;
  /** Reuse a running API server (restart of the operator alone). */
  api?: TestApiServer;
  /** Apply the kubelet's negative OOM scores (these machines refuse them; the operator must cope). */
  negativeOomScores?: boolean;
}

/** Starts an operator for `scope` and waits for its cache to sync. */
export async function startTestOperator(scope: DockerScope, options: TestOperatorOptions = {}): Promise<TestOperator> {
  const api = options.api ?? (await startTestApiServer());
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  const calls = new CallCounter();
  const raw = connectEngine(engineConnectOptions(options.engine ?? 'a'));
  const engine = instrument(raw, calls.record);
  const instance = `test-${scope.id}`;
  const backoff = options.restartBackoffMs ?? 400;
  const hosts = new SingleHostResolver(engine, {
    instance,
    extraLabels: scope.labels,
    pauseImage: TEST_IMAGES.pause,
    podNetwork: 'bridge',
    cgroupRoot: `/dockerpod-test-${scope.id}`,
    negativeOomScores: options.negativeOomScores ?? false,
    restartBackoff: { initialMs: backoff, maxMs: backoff * 8 },
    hostName: 'local',
    hostIP: '127.0.0.1',
    policy: { allowHostNamespaces: false, allowPrivileged: false, allowedHostPaths: [] },
  });
  await hosts.init();
  const logger = process.env['DOCKERPOD_TEST_LOG'] ? createLogger({ level: 'debug', format: 'text' }) : silentLogger;
  const operator = new Operator({ kubeConfig: kc, hosts, concurrency: 8, resyncPeriodMs: options.resyncPeriodMs ?? 60_000, logger });
  await operator.start(10_000);
  return {
    api,
    kc,
    custom: kc.makeApiClient(CustomObjectsApi),
    operator,
    engine,
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
