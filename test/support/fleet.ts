/**
 * DockerHosts for tests: the two private engines as hosts `a` (unix socket) and `b` (TCP with
 * mutual TLS, its client certificate in a Secret), hosts with a wrong CA, pods and their lookups.
 */
import { readFileSync } from 'node:fs';
import { CoreV1Api } from '@kubernetes/client-node';
import type { DockerHost } from '../../src/api/v1alpha1/dockerhost.js';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { testServingCert } from './apiserver.js';
import { parseEnvFile, ENGINE_ENV_FILE } from './engines.js';
import { eventually } from './exec.js';
import type { TestOperator } from './operator.js';

const GROUP = 'dockerpod.dev';
const VERSION = 'v1alpha1';
const HOSTS = { group: GROUP, version: VERSION, plural: 'dockerhosts' };
const PODS = { group: GROUP, version: VERSION, plural: 'dockerpods', namespace: 'default' };

const env = (): Record<string, string> => parseEnvFile(readFileSync(ENGINE_ENV_FILE, 'utf8'));
const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64');

/** Stores a TLS Secret (ca.crt, tls.crt, tls.key) in `default`. */
export async function createTlsSecret(t: TestOperator, name: string, material: { ca: string | Buffer; cert?: string | Buffer; key?: string | Buffer }): Promise<void> {
  const data: Record<string, string> = { 'ca.crt': b64(material.ca) };
  if (material.cert) data['tls.crt'] = b64(material.cert);
  if (material.key) data['tls.key'] = b64(material.key);
  await t.kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: 'default', body: { metadata: { name }, type: 'kubernetes.io/tls', data } });
}

/** Engine B's client material. */
export function engineBMaterial(): { endpoint: string; ca: Buffer; cert: Buffer; key: Buffer } {
  const e = env();
  return {
    endpoint: e['DOCKERPOD_ENGINE_B_HOST'] ?? '',
    ca: readFileSync(e['DOCKERPOD_ENGINE_B_CA'] ?? ''),
    cert: readFileSync(e['DOCKERPOD_ENGINE_B_CERT'] ?? ''),
    key: readFileSync(e['DOCKERPOD_ENGINE_B_KEY'] ?? ''),
  };
}

/** Creates a DockerHost. */
export async function createHost(t: TestOperator, name: string, spec: DockerHost['spec'], labels: Record<string, string> = {}): Promise<DockerHost> {
  return (await t.custom.createClusterCustomObject({ ...HOSTS, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'DockerHost', metadata: { name, labels }, spec } })) as DockerHost;
}

/** Host `a` on engine A's socket. */
export async function createHostA(t: TestOperator, name = 'a', extra: Partial<DockerHost['spec']> = {}, labels: Record<string, string> = {}): Promise<DockerHost> {
  return createHost(t, name, { endpoint: env()['DOCKERPOD_ENGINE_A_HOST'] ?? '', ...extra }, labels);
}

/** Host `b` on engine B over mutual TLS, with its Secret. */
export async function createHostB(t: TestOperator, name = 'b', extra: Partial<DockerHost['spec']> = {}, labels: Record<string, string> = {}): Promise<DockerHost> {
  const m = engineBMaterial();
  await createTlsSecret(t, `${name}-tls`, m);
  return createHost(t, name, { endpoint: m.endpoint, tls: { secretRef: { namespace: 'default', name: `${name}-tls` } }, ...extra }, labels);
}

/** A host on engine B whose Secret holds a CA that did not sign B's certificate. */
export async function createHostWrongCa(t: TestOperator, name: string): Promise<DockerHost> {
  const m = engineBMaterial();
  await createTlsSecret(t, `${name}-tls`, { ...m, ca: testServingCert().ca });
  return createHost(t, name, { endpoint: m.endpoint, tls: { secretRef: { namespace: 'default', name: `${name}-tls` } } });
}

/** Reads a DockerHost. */
export async function getHost(t: TestOperator, name: string): Promise<DockerHost> {
  return (await t.custom.getClusterCustomObject({ ...HOSTS, name })) as DockerHost;
}

/** The host's Ready condition. */
export const hostReady = (h: DockerHost): { status?: string; reason?: string; message?: string } => h.status?.conditions?.find((c) => c.type === 'Ready') ?? {};

/** Waits until the host's status passes `check`. */
export async function waitForHost(t: TestOperator, name: string, check: (h: DockerHost) => boolean, timeoutMs = 20_000): Promise<DockerHost> {
  return eventually(async () => {
    const host = await getHost(t, name);
    if (!check(host)) throw new Error(`host ${name} not there yet: ${JSON.stringify(host.status)}`);
    return host;
  }, timeoutMs, 100);
}

/** Creates a DockerPod in `default`. */
export async function createPod(t: TestOperator, pod: DockerPod): Promise<DockerPod> {
  return (await t.custom.createNamespacedCustomObject({ ...PODS, body: pod })) as DockerPod;
}

/** Reads a DockerPod in `default`. */
export async function getPod(t: TestOperator, name: string): Promise<DockerPod> {
  return (await t.custom.getNamespacedCustomObject({ ...PODS, name })) as DockerPod;
}

/** Deletes a DockerPod in `default` (gone already is fine). */
export async function deletePod(t: TestOperator, name: string): Promise<void> {
  await t.custom.deleteNamespacedCustomObject({ ...PODS, name }).catch(() => undefined);
}

/** Waits until the pod passes `check`. */
export async function waitForPod(t: TestOperator, name: string, check: (p: DockerPod) => boolean, timeoutMs = 20_000): Promise<DockerPod> {
  return eventually(async () => {
    const pod = await getPod(t, name);
    if (!check(pod)) throw new Error(`pod ${name} not there yet: ${JSON.stringify(pod.status)}`);
    return pod;
  }, timeoutMs, 100);
}

/** Waits until the pod is gone from the API. */
export async function waitGone(t: TestOperator, name: string, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => {
    const gone = await getPod(t, name).then(() => false, () => true);
    if (!gone) throw new Error(`pod ${name} still there`);
  }, timeoutMs, 100);
}

/** The pod's condition of `type`. */
export const conditionOf = (p: DockerPod, type: string): { status?: string; reason?: string; message?: string } => p.status?.conditions?.find((c) => c.type === type) ?? {};

/** Whether the pod is Ready. */
export const isReady = (p: DockerPod): boolean => conditionOf(p, 'Ready').status === 'True';

/** A shell command that idles until SIGTERM and then exits at once (a shell as PID 1 ignores signals it does not trap). */
export const IDLE = 'trap "exit 0" TERM; while true; do sleep 1; done';

/** A DockerPod named `name` with `spec` (no containers unless given) and a 2 s grace period. */
export function podWith(name: string, spec: Partial<DockerPod['spec']>): DockerPod {
  return { apiVersion: `${GROUP}/${VERSION}`, kind: 'DockerPod', metadata: { name }, spec: { terminationGracePeriodSeconds: 2, containers: [], ...spec } };
}

/** A one-container pod that idles and exits at once on SIGTERM, with optional requests and placement. */
export function sleeper(name: string, options: { memory?: string; cpu?: string; hostPort?: number; spec?: Partial<DockerPod['spec']> } = {}): DockerPod {
  const requests = { ...(options.memory ? { memory: options.memory } : {}), ...(options.cpu ? { cpu: options.cpu } : {}) };
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'DockerPod',
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 2,
      containers: [
        {
          name: 'main',
          image: 'dockerpod.dev/test/busybox:1',
          command: ['sh', '-c', IDLE],
          ...(Object.keys(requests).length > 0 ? { resources: { requests } } : {}),
          ...(options.hostPort ? { ports: [{ containerPort: 8080, hostPort: options.hostPort }] } : {}),
        },
      ],
      ...options.spec,
    },
  };
}
