/**
 * What the isolation and secrecy tests share: DockerPods, Secrets and ConfigMaps in namespaces of
 * their own (the fleet helpers work in `default` only), the Events of one object, `dockerpod logs`
 * and `exec` run in-process exactly as the executables run them (kubeconfig -> API -> DockerHost
 * -> engine), and a wire tap in front of engine A that records the image pulls the operator asks
 * for with the X-Registry-Auth header it sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CoreV1Api, CustomObjectsApi, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { POD_COMMANDS, runPodCommand } from '../../src/cli/pod-commands.js';
import { resolveThroughApi } from '../../src/cli/pod-engine.js';
import type { CommandEnv } from '../../src/cli/pod-io.js';
import { collect, type CommandRun } from './capture.js';
import { eventually } from './exec.js';

const PODS = { group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerpods' };
const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** Creates namespaces (the API server has only `default`). */
export async function createNamespaces(kc: KubeConfig, names: string[]): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await Promise.all(names.map((name) => core.createNamespace({ body: { metadata: { name } } })));
}

/** Where an object is: its namespace and name. */
export interface At {
  namespace: string;
  name: string;
}

/** Creates a Secret (Opaque unless `type`) with string values (stored base64, as the API keeps them). */
export async function createSecretIn(kc: KubeConfig, at: At, values: Record<string, string>, type = 'Opaque'): Promise<void> {
  const data = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, b64(v)]));
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: at.namespace, body: { metadata: { name: at.name }, type, data } });
}

/** Creates a kubernetes.io/dockerconfigjson Secret from a `.dockerconfigjson` document. */
export async function createPullSecretIn(kc: KubeConfig, at: At, dockerConfig: unknown): Promise<void> {
  const json = typeof dockerConfig === 'string' ? dockerConfig : JSON.stringify(dockerConfig);
  await createSecretIn(kc, at, { '.dockerconfigjson': json }, 'kubernetes.io/dockerconfigjson');
}

/** Creates a ConfigMap. */
export async function createConfigMapIn(kc: KubeConfig, at: At, data: Record<string, string>): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: at.namespace, body: { metadata: { name: at.name }, data } });
}

/** Creates a DockerPod in `namespace`. */
export async function createPodIn(kc: KubeConfig, namespace: string, pod: DockerPod): Promise<DockerPod> {
  return (await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...PODS, namespace, body: pod })) as DockerPod;
}

/** Reads a DockerPod. */
export async function getPodIn(kc: KubeConfig, at: At): Promise<DockerPod> {
  return (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...PODS, ...at })) as DockerPod;
}

/** Waits until the pod passes `check`. */
export async function waitForPodIn(kc: KubeConfig, at: At, check: (p: DockerPod) => boolean, timeoutMs = 20_000): Promise<DockerPod> {
  return eventually(async () => {
    const pod = await getPodIn(kc, at);
    if (!check(pod)) throw new Error(`pod ${at.namespace}/${at.name} not there yet: ${JSON.stringify(pod.status)}`);
    return pod;
  }, timeoutMs, 100);
}

/** The Events about the object with `uid`, in `namespace`. */
export async function eventsAbout(kc: KubeConfig, namespace: string, uid: string): Promise<CoreV1Event[]> {
  return (await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace, fieldSelector: `involvedObject.uid=${uid}` })).items;
}

/** The waiting state of a container of the pod, if it waits. */
export const waitingOf = (p: DockerPod, container: string): { reason?: string; message?: string } | undefined =>
  [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])].find((s) => s.name === container)?.state?.waiting;

/** The engine's container id of a container of the pod (from its status). */
export const containerIdOf = (p: DockerPod, container: string): string =>
  p.status?.containerStatuses?.find((s) => s.name === container)?.containerID?.replace('docker://', '') ?? '';

/**
 * Runs `dockerpod logs ARGS` or `dockerpod exec ARGS` in this process with the real resolution
 * through the API (the kubeconfig at `kubeconfigPath`), as the executable would.
 */
export async function runPodCli(command: 'logs' | 'exec', kubeconfigPath: string, args: string[]): Promise<CommandRun> {
  const out = collect();
  const err = collect();
  const stdin = new PassThrough();
  stdin.end();
  const env: CommandEnv = {
    program: 'dockerpod', stdin, stdout: out.stream, stderr: err.stream, signal: new AbortController().signal,
    interruptedCode: () => 130, resolve: resolveThroughApi, onResize: () => () => undefined,
  };
  const how = { program: 'dockerpod', makeEnv: () => env, stdout: out.stream, stderr: err.stream };
  const full = ['--kubeconfig', kubeconfigPath, ...args];
  const code = command === 'logs' ? await runPodCommand(POD_COMMANDS.logs, full, how) : await runPodCommand(POD_COMMANDS.exec, full, how);
  await new Promise((r) => setImmediate(r));
  return { code, stdout: out.text(), stderr: err.text() };
}

/** One image pull as the engine received it. */
export interface SeenPull {
  /** `fromImage:tag` of the request. */
  image: string;
  /** The X-Registry-Auth header, decoded; undefined when the request had none. */
  auth: Record<string, unknown> | undefined;
}

/** The decoded X-Registry-Auth of a request head, if it has one (base64 or base64url JSON). */
function registryAuthOf(lines: string[]): Record<string, unknown> | undefined {
  const line = lines.find((l) => /^x-registry-auth:/i.test(l));
  if (line === undefined) return undefined;
  const value = line.slice(line.indexOf(':') + 1).trim();
  return JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as Record<string, unknown>;
}

/** How the tap answers a pull: as the engine answers one whose registry it cannot reach, closing (the client asked for `Connection: close`). */
const PULL_REFUSED = (() => {
  const body = JSON.stringify({ message: 'pull answered by the test\'s wire tap: no registry is reachable' });
  return `HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
})();

/** The start of a pull request (`POST /v1.xx/images/create?...`). */
const PULL_START = /^POST \S*\/images\/create\?/;

/**
 * A unix-socket proxy in front of a plain-HTTP engine socket: every byte of every other request
 * passes both ways untouched (streams and hijacked exec connections included), while a pull
 * request (`POST .../images/create`) is recorded with its X-Registry-Auth header and answered by
 * the tap itself, as the engine answers a pull from an unreachable registry: it never reaches the
 * engine, so no name is looked up and no registry contacted, and the pull fails at once on any
 * machine. (Node's HTTP agents never pipeline, so a request starts a chunk.)
 */
export class PullTap {
  /** The pulls seen so far, in order. */
  readonly pulls: SeenPull[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly dir: string,
    /** The proxy's socket, as a DockerHost endpoint (`unix://...`). */
    readonly endpoint: string,
  ) {}

  /** Starts a tap in front of the engine socket `target` (`unix://...`). */
  static async start(target: string): Promise<PullTap> {
    const dir = mkdtempSync(join(tmpdir(), 'dp-tap-'));
    const path = join(dir, 'engine.sock');
    const server = createServer();
    const tap = new PullTap(server, dir, `unix://${path}`);
    server.on('connection', (client) => tap.relay(client, target.replace(/^unix:\/\//, '')));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    return tap;
  }

  /** The pulls of `image` seen so far. */
  pullsOf(image: string): SeenPull[] {
    return this.pulls.filter((p) => p.image === image);
  }

  /** Stops listening and cuts every relayed connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private relay(client: Socket, targetPath: string): void {
    const upstream = connect(targetPath);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    upstream.pipe(client);
    client.on('end', () => upstream.end());
    const head: Buffer[] = [];
    client.on('data', (chunk: Buffer) => {
      if (client.writableEnded) return;
      if (head.length === 0 && !PULL_START.test(chunk.toString('latin1', 0, 64))) {
        if (!upstream.write(chunk)) {
          client.pause();
          upstream.once('drain', () => client.resume());
        }
        return;
      }
      head.push(chunk);
      const text = Buffer.concat(head).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.record(text.slice(0, end).split('\r\n'));
      upstream.destroy();
      client.end(PULL_REFUSED);
    });
  }

  private record(lines: string[]): void {
    const url = new URL((lines[0] ?? '').split(' ')[1] ?? '/', 'http://engine');
    const image = `${url.searchParams.get('fromImage') ?? ''}:${url.searchParams.get('tag') ?? ''}`;
    this.pulls.push({ image, auth: registryAuthOf(lines) });
  }
}
