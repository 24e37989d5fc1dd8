/**
 * The benchmark's side of the API: the embedded API server (TLS and token, CRDs and validators,
 * as in the tests) in the benchmark's process, the counting proxies in front of the engines, and
 * the client work (declaring DockerHosts, creating pods, counting Ready ones). The operator runs
 * in a process of its own (operator-process.ts), so none of this is in its CPU or memory.
 */
import { dirname, join } from 'node:path';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { DockerPod } from '../src/api/v1alpha1/dockerpod.js';
import { GROUP, VERSION } from '../src/api/v1alpha1/group.js';
import { poolAgents } from '../src/kube/pooled-agents.js';
import { startTestApiServer, type TestApiServer } from '../test/support/apiserver.js';
import { ENGINE_ENV_FILE, engineConnectOptions, parseEnvFile, TEST_IMAGES, type EngineName } from '../test/support/engines.js';
import { inParallel, sleep } from './common.js';
import { CountingProxy, type TlsMaterial } from './engine-proxy.js';

/** The endpoint of the fake engine's DockerHost (nothing listens there: the operator process fakes it). */
export const FAKE_ENDPOINT = 'unix:///run/dpbench-fake/docker.sock';

const REF = { group: GROUP, version: VERSION, plural: 'dockerpods' } as const;

/** Pods by readiness, from one LIST. */
export interface Readiness {
  total: number;
  ready: number;
  /** Up to 5 pods not Ready, with their Ready condition's reason and message. */
  notReady: string[];
}

/** Engine B's server certificate and key sit next to its CA (hack/ensure-docker.sh writes them there). */
function engineBServerTls(): TlsMaterial {
  const env = parseEnvFile(readFileSync(ENGINE_ENV_FILE, 'utf8'));
  const dir = dirname(env['DOCKERPOD_ENGINE_B_CA'] ?? '');
  return { ca: readFileSync(join(dir, 'ca.pem')), cert: readFileSync(join(dir, 'server-cert.pem')), key: readFileSync(join(dir, 'server-key.pem')) };
}

async function startProxy(name: EngineName, socketDir: string): Promise<CountingProxy> {
  const options = engineConnectOptions(name);
  if (name === 'a') return CountingProxy.start({ listenSocket: join(socketDir, 'a.sock'), upstream: { socketPath: options.endpoint.replace(/^unix:\/\//, '') } });
  const url = new URL(options.endpoint.replace(/^tcp:/, 'https:'));
  const client = options.tls as TlsMaterial;
  return CountingProxy.start({ listenTls: engineBServerTls(), upstream: { host: url.hostname, port: Number(url.port), tls: { ca: client.ca, cert: client.cert, key: client.key } } });
}

/** The API server, its clients and the proxies of one benchmark run. */
export class BenchApi {
  readonly custom: CustomObjectsApi;
  /** LISTs made by readiness() (to take the benchmark's own requests out of the server's counts). */
  readinessLists = 0;

  private constructor(
    readonly server: TestApiServer,
    readonly kc: KubeConfig,
    /** Counting proxies by engine name. */
    readonly proxies: Map<EngineName, CountingProxy>,
    private readonly socketDir: string,
  ) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  /** Starts the server and a proxy in front of each engine named. */
  static async start(options: { proxies?: EngineName[] } = {}): Promise<BenchApi> {
    const server = await startTestApiServer();
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    // One keep-alive pool, as the operator has: thousands of creates without a TLS handshake each.
    poolAgents(kc);
    const socketDir = mkdtempSync(join(tmpdir(), 'dpbench-proxy-'));
    const proxies = new Map<EngineName, CountingProxy>();
    for (const name of options.proxies ?? []) proxies.set(name, await startProxy(name, socketDir));
    return new BenchApi(server, kc, proxies, socketDir);
  }

  /** Proxy endpoints by host name, for the operator to dial instead of the engines'. */
  proxyEndpoints(): Record<string, string> {
    return Object.fromEntries([...this.proxies].map(([name, p]) => [name, p.endpoint]));
  }

  /** Declares DockerHost `name` on a test engine (B with its TLS Secret) or the fake endpoint, with room for `pods` pods whatever they request. */
  async declareHost(name: string, engine: EngineName | 'fake', pods: number): Promise<void> {
    const capacity = { cpu: '1000', memory: '1Ti', pods };
    const conn = engine === 'fake' ? { endpoint: FAKE_ENDPOINT } : engineConnectOptions(engine);
    const spec: Record<string, unknown> = { endpoint: conn.endpoint, capacity };
    if ('tls' in conn && conn.tls) {
      const b64 = (v: string | Buffer | undefined): string => Buffer.from(v ?? '').toString('base64');
      const data = { 'ca.crt': b64(conn.tls.ca), 'tls.crt': b64(conn.tls.cert), 'tls.key': b64(conn.tls.key) };
      await this.kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: 'default', body: { metadata: { name: `${name}-tls` }, type: 'kubernetes.io/tls', data } });
      spec['tls'] = { secretRef: { namespace: 'default', name: `${name}-tls` } };
    }
    await this.custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: 'dockerhosts', body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'DockerHost', metadata: { name }, spec } });
  }

  /** Creates the pods, `concurrency` at a time; resolves with the time it took (ms). */
  async createPods(pods: DockerPod[], concurrency = 16): Promise<number> {
    const t0 = performance.now();
    await inParallel(pods.length, concurrency, async (i) => {
      const pod = pods[i];
      if (pod) await this.custom.createNamespacedCustomObject({ ...REF, namespace: pod.metadata.namespace ?? 'default', body: pod });
    });
    return performance.now() - t0;
  }

  /** How many pods of `namespace` are Ready. */
  async readiness(namespace = 'default'): Promise<Readiness> {
    this.readinessLists++;
    const list = (await this.custom.listNamespacedCustomObject({ ...REF, namespace })) as { items: DockerPod[] };
    const condition = (p: DockerPod): { status?: string; reason?: string; message?: string } => p.status?.conditions?.find((c) => c.type === 'Ready') ?? {};
    const waiting = list.items.filter((p) => condition(p).status !== 'True');
    return {
      total: list.items.length,
      ready: list.items.length - waiting.length,
      notReady: waiting.slice(0, 5).map((p) => `${p.metadata.name ?? ''}: ${condition(p).reason ?? p.status?.phase ?? 'no status'} ${condition(p).message ?? ''}`),
    };
  }

  /** Polls until `want` pods are Ready; throws naming some laggards after `timeoutMs`. Resolves with when they were. */
  async waitReady(want: number, timeoutMs: number, pollMs = 1000): Promise<number> {
    const t0 = performance.now();
    for (;;) {
      const r = await this.readiness();
      if (r.ready >= want) return performance.now();
      if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${r.ready}/${want} Ready; e.g. ${r.notReady.join('; ')}`);
      await sleep(pollMs);
    }
  }

  /** Closes the proxies and the server. */
  async close(): Promise<void> {
    for (const p of this.proxies.values()) await p.close();
    await this.server.close();
    rmSync(this.socketDir, { recursive: true, force: true });
  }
}

/** A DockerPod of one member that idles and exits at once on SIGTERM (a shell as PID 1 ignores signals it does not trap). */
export function idlePod(name: string, options: { hostName?: string; restartPolicy?: 'Always' | 'OnFailure' | 'Never' } = {}): DockerPod {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'DockerPod',
    metadata: { name, namespace: 'default' },
    spec: {
      ...(options.hostName ? { hostName: options.hostName } : {}),
      restartPolicy: options.restartPolicy ?? 'Always',
      terminationGracePeriodSeconds: 2,
      // `sleep & wait`: no process started every second (a `sleep 1` loop in 2,000 pods would load the machine).
      containers: [{ name: 'main', image: TEST_IMAGES.busybox, command: ['sh', '-c', "trap 'exit 0' TERM; sleep 86400 & wait"] }],
    },
  };
}
