/**
 * From a pod name to the engine that runs it, through the API as a user reaches it: the
 * kubeconfig (the flag's file, else KUBECONFIG, ~/.kube/config or in-cluster, like `dockerpod
 * operator`), GET the DockerPod, its `status.hostName`, GET that DockerHost, and its connection
 * built as the operator builds it (TLS material from the host's Secret, API version negotiated).
 * The user therefore needs `get` on dockerpods, dockerhosts and that Secret, and a route to the
 * engine's endpoint (a unix:// host only from its own machine).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import type { DockerHost } from '../api/v1alpha1/dockerhost.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import { GROUP, VERSION } from '../api/v1alpha1/group.js';
import { IMPLICIT_LABEL } from '../controller/fleet/host-client.js';
import { HostConfigError, hostConnectOptions, negotiatedOptions } from '../controller/fleet/host-connection.js';
import { connectEngine, type EngineConnectOptions } from '../runtime/docker/dockerode-engine.js';
import type { DockerEngine } from '../runtime/docker/types.js';
import type { PodTarget } from './pod-command-args.js';
import { TargetError } from './pod-container.js';

/** A pod and a client of the engine it is bound to. */
export interface ResolvedPod {
  pod: DockerPod;
  engine: DockerEngine;
}

/** Loads the kubeconfig as kubectl does: the flag's file, else KUBECONFIG, ~/.kube/config or in-cluster; then the context. */
export function loadTargetKubeConfig(target: Pick<PodTarget, 'kubeconfig' | 'context'>): KubeConfig {
  const kc = new KubeConfig();
  if (target.kubeconfig !== '') kc.loadFromFile(target.kubeconfig);
  else kc.loadFromDefault();
  // client-node's last resort (no file, not in a cluster) is an unauthenticated http://localhost:8080.
  if (kc.getCurrentCluster()?.server === 'http://localhost:8080' && kc.getCurrentUser()?.name === 'user') {
    throw new TargetError('no kubeconfig found: give --kubeconfig, set KUBECONFIG, or create ~/.kube/config');
  }
  if (target.context === '') return kc;
  if (!kc.getContextObject(target.context)) throw new TargetError(`context "${target.context}" does not exist`);
  kc.setCurrentContext(target.context);
  return kc;
}

/** The namespace a command uses: the flag, else the context's, else `default`. */
export function targetNamespace(kc: KubeConfig, flag: string): string {
  return flag || kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
}

async function readSecret(core: CoreV1Api, namespace: string, name: string): Promise<V1Secret | undefined> {
  try {
    return await core.readNamespacedSecret({ namespace, name });
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
}

/**
 * The operator's implicit host on a TLS engine gets its certificates from operator flags, not
 * from a Secret; the CLI then takes them, like the docker CLI, from DOCKER_CERT_PATH.
 */
export function withCertPath(host: DockerHost, options: EngineConnectOptions, env: NodeJS.ProcessEnv = process.env): EngineConnectOptions {
  const dir = env['DOCKER_CERT_PATH'] ?? '';
  if (dir === '' || !isPlainImplicitTcp(host, options)) return options;
  const read = (file: string): string | undefined => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : undefined);
  const [ca, cert, key] = ['ca.pem', 'cert.pem', 'key.pem'].map(read);
  return { ...options, tls: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } };
}

/** Whether the host is the operator's implicit one on a tcp:// endpoint and has no TLS of its own. */
const isPlainImplicitTcp = (host: DockerHost, options: EngineConnectOptions): boolean =>
  host.metadata.labels?.[IMPLICIT_LABEL] === 'true' && options.endpoint.startsWith('tcp://') && options.tls === undefined;

/** The engine of a DockerHost, with the operator's connection rules; failures name the host. */
async function hostEngine(host: DockerHost, core: CoreV1Api): Promise<DockerEngine> {
  const name = host.metadata.name ?? '';
  try {
    const base = withCertPath(host, await hostConnectOptions(host, (ns, n) => readSecret(core, ns, n)));
    const { options } = await negotiatedOptions(base);
    return connectEngine(options);
  } catch (err) {
    if (err instanceof ApiException) throw err;
    const detail = err instanceof HostConfigError ? `${err.reason}: ${err.message}` : (err as Error).message;
    throw new TargetError(`cannot reach the engine of DockerHost ${name} (${host.spec.endpoint}): ${detail}`);
  }
}

/** Finds the pod and its engine through the API. */
export async function resolveThroughApi(target: PodTarget): Promise<ResolvedPod> {
  const kc = loadTargetKubeConfig(target);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const namespace = targetNamespace(kc, target.namespace);
  const pod = (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'dockerpods', namespace, name: target.pod })) as DockerPod;
  const hostName = pod.status?.hostName ?? '';
  if (hostName === '') throw new TargetError(`pod ${target.pod} does not have a host assigned`);
  const host = (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'dockerhosts', name: hostName })) as DockerHost;
  return { pod, engine: await hostEngine(host, kc.makeApiClient(CoreV1Api)) };
}

/** What kubectl would print for an error: `Error from server (Reason): message` for the API's, `error: message` otherwise. */
export function errorText(err: unknown): string {
  if (err instanceof ApiException) {
    const status = parseStatus(err.body);
    const reason = typeof status['reason'] === 'string' ? status['reason'] : `HTTP ${err.code}`;
    const message = typeof status['message'] === 'string' ? status['message'] : String(err.body);
    return `Error from server (${reason}): ${message}`;
  }
  return `error: ${err instanceof Error ? err.message : String(err)}`;
}

function parseStatus(body: unknown): Record<string, unknown> {
  if (typeof body === 'object' && body !== null) return body as Record<string, unknown>;
  try {
    const parsed = JSON.parse(String(body)) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
