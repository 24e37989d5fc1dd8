/**
 * A counting HTTP proxy in front of a Docker engine: the operator talks to the proxy as it would
 * to the engine (a unix socket, or TCP with mutual TLS presenting the engine's own server
 * certificate, so the operator's TLS settings are unchanged), and every request is counted by
 * method and path class (`GET /containers/json`, `POST /containers/{id}/start`, ...). Counting
 * on the wire, outside the operator, also catches calls that bypass its instrumented client.
 * Responses are streamed through as they come (the events stream is one long response).
 * Hijacked connections (attach, exec with stdin) are not proxied: the idle benchmark has none,
 * and one would be counted and refused, so it cannot go unnoticed.
 */
import { Agent as HttpAgent, createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

/** Mutual TLS material: the CA that signs both sides, and this side's certificate and key. */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** Where the proxy listens and where it forwards. */
export interface ProxyOptions {
  /** Listen on this unix socket; else on 127.0.0.1 with `listenTls`. */
  listenSocket?: string;
  /** Serve TLS (the engine's server certificate, client certificates required). */
  listenTls?: TlsMaterial;
  /** The engine: a unix socket path, or host and port with client TLS. */
  upstream: { socketPath: string } | { host: string; port: number; tls: TlsMaterial };
}

/** Request counts by `METHOD /path/class`. */
export type RequestCounts = Record<string, number>;

const READS = new Set(['GET', 'HEAD']);

const CLASSES: Array<[RegExp, string]> = [
  [/^\/containers\/(json|create)$/, '/containers/$1'],
  [/^\/containers\/[^/]+\/([a-z]+)$/, '/containers/{id}/$1'],
  [/^\/containers\/[^/]+$/, '/containers/{id}'],
  [/^\/images\/(create|json)$/, '/images/$1'],
  [/^\/images\/.+\/json$/, '/images/{name}/json'],
  [/^\/volumes\/(create|prune)$/, '/volumes/$1'],
  [/^\/volumes\/[^/]+$/, '/volumes/{name}'],
  [/^\/exec\/[^/]+\/([a-z]+)$/, '/exec/{id}/$1'],
];

/** `METHOD /path/class` of a request: the API version prefix and the query dropped, ids and names as placeholders. */
export function requestClass(method: string, url: string): string {
  const path = (url.split('?')[0] ?? '').replace(/^\/v\d+\.\d+/, '');
  for (const [pattern, replacement] of CLASSES) if (pattern.test(path)) return `${method} ${path.replace(pattern, replacement)}`;
  return `${method} ${path}`;
}

/** Whether a counted class changes the engine's state (anything but GET and HEAD). */
export const isMutating = (cls: string): boolean => !READS.has(cls.split(' ')[0] ?? '');

interface Tally {
  counts: RequestCounts;
}

function count(tally: Tally, req: IncomingMessage, suffix = ''): void {
  const cls = requestClass(req.method ?? 'GET', req.url ?? '/') + suffix;
  tally.counts[cls] = (tally.counts[cls] ?? 0) + 1;
}

/** A running proxy. */
export class CountingProxy {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly tally: Tally,
    /** The endpoint to give the operator instead of the engine's (`unix://…` or `tcp://127.0.0.1:PORT`). */
    readonly endpoint: string,
  ) {
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Starts a proxy and resolves once it listens. */
  static async start(options: ProxyOptions): Promise<CountingProxy> {
    const forward = forwarder(options.upstream);
    const tally: Tally = { counts: {} };
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      count(tally, req);
      forward(req, res);
    };
    const server = options.listenTls
      ? createHttpsServer({ ...options.listenTls, requestCert: true, rejectUnauthorized: true }, handler)
      : createHttpServer(handler);
    // dockerd keeps idle connections open; Node's server would close them after 5 s, and every
    // heartbeat would then pay a new (TLS) connection in the operator.
    server.keepAliveTimeout = 0;
    server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      count(tally, req, ' (upgrade, refused)');
      socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (options.listenSocket) server.listen(options.listenSocket, resolve);
      else server.listen(0, '127.0.0.1', resolve);
    });
    const endpoint = options.listenSocket ? `unix://${options.listenSocket}` : `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return new CountingProxy(server, tally, endpoint);
  }

  /** Requests since the last reset. */
  get counts(): RequestCounts {
    return this.tally.counts;
  }

  /** Forgets the counts. */
  reset(): void {
    this.tally.counts = {};
  }

  /** Stops listening and drops every connection (open event streams included). */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

type Forward = (req: IncomingMessage, res: ServerResponse) => void;

/** Forwards a request upstream and streams the answer back as it arrives. */
function forwarder(upstream: ProxyOptions['upstream']): Forward {
  const viaSocket = 'socketPath' in upstream;
  const agent = viaSocket ? new HttpAgent({ keepAlive: true }) : new HttpsAgent({ keepAlive: true, ...upstream.tls });
  const send = viaSocket ? httpRequest : httpsRequest;
  const target = viaSocket ? { socketPath: upstream.socketPath } : { host: upstream.host, port: upstream.port };
  return (req, res) => {
    const up = send({ ...target, agent, method: req.method, path: req.url, headers: req.headers });
    up.on('response', (answer: IncomingMessage) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      // The events stream sends its headers at once and its body much later: the client must see them now.
      res.flushHeaders();
      answer.pipe(res);
      answer.on('aborted', () => res.destroy());
    });
    up.on('error', (err: Error) => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { 'Content-Type': 'text/plain' }).end(`proxy: ${err.message}`);
    });
    // The client hung up before the answer ended (an events stream closed): end the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  };
}
