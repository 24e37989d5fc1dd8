/**
 * A TCP proxy on 127.0.0.1:0 in front of a Docker engine endpoint, whose behaviour a test switches
 * while an operator talks through it, to play the network faults of the Docker path:
 *
 * - `pass`: bytes flow both ways untouched.
 * - `stall`: new connections are accepted and held, nothing is forwarded either way; what was
 *   sent meanwhile is kept and delivered when the mode changes (a path that stops carrying
 *   packets and then heals, as TCP retransmission would deliver them), unless the client gave up.
 * - `reset`: every open connection is reset (RST) at once, and so is every new one.
 * - `delay`: each chunk from the engine is held `ms` before the client gets it (order kept,
 *   delays not summed: a chunk waits `ms` after it arrived, or until the chunk before it went).
 * - `lose`: requests reach the engine, but the client connection is reset as soon as the
 *   engine's answer to a matching request starts, so the engine did the call and the client never
 *   learns it. Only on a plain-HTTP engine (a unix socket): the proxy reads the request heads
 *   (method, path, and the body's length, to find the next head on a keep-alive connection).
 *   Over TLS it cannot tell a request from a handshake, so `lose` is refused there.
 *
 * The proxy counts what it did (connections, resets, held connections, delayed chunks, the lost
 * answers with their first bytes, so a test can read the id of a container whose creation the
 * client never heard of).
 */
import net from 'node:net';

/** Where the engine listens: TCP (engine B, TLS passes through untouched) or a unix socket (engine A, plain HTTP). */
export type ProxyTarget = { host: string; port: number } | { path: string };

/** A request as the proxy saw it on a plain-HTTP connection. */
export interface RequestHead {
  method: string;
  path: string;
}

/** An answer the client never got. */
export interface LostResponse extends RequestHead {
  /** When the engine's answer started (Date.now()). */
  atMs: number;
  /** The first bytes of the engine's answer (status line, headers, usually the whole body). */
  head: string;
}

/** What the proxy does with traffic now. */
export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'stall' }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }
  | { kind: 'lose'; match: (request: RequestHead) => boolean; remaining: number };

/** What the proxy did so far. */
export interface FaultProxyStats {
  /** Connections accepted (reset ones included). */
  connections: number;
  /** Connections reset by the `reset` mode (open ones at the switch, and new ones while in it). */
  resets: number;
  /** Connections accepted while stalled (held without an engine connection). */
  held: number;
  /** Chunks from the engine delivered late by the `delay` mode. */
  delayedChunks: number;
  /** Requests seen (plain HTTP only). */
  requests: number;
  /** Answers lost by the `lose` mode, oldest first. */
  lost: LostResponse[];
}

/** Recognises the request heads in the client's byte stream (no pipelining: one request at a time per connection). */
export class RequestSniffer {
  private buffer: Buffer = Buffer.alloc(0);
  private state: 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'trailer' | 'raw' = 'head';
  private remaining = 0;

  /** Feeds the next chunk the client sent; returns the request heads it completed. */
  push(chunk: Buffer): RequestHead[] {
    const heads: RequestHead[] = [];
    if (this.state === 'raw') return heads;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.step(heads)) {
      // Each step consumes a head, a piece of body or a chunk line; it returns false when it needs more bytes.
    }
    return heads;
  }

  private step(heads: RequestHead[]): boolean {
    switch (this.state) {
      case 'head': return this.readHead(heads);
      case 'body': return this.skip('head');
      case 'chunk-size': return this.readChunkSize();
      case 'chunk-data': return this.skip('chunk-size');
      case 'trailer': return this.readTrailer();
      default: return false;
    }
  }

  /** One line ending in CRLF, consumed; undefined until it is complete. */
  private line(): string | undefined {
    const end = this.buffer.indexOf('\r\n');
    if (end < 0) return undefined;
    const text = this.buffer.subarray(0, end).toString('latin1');
    this.buffer = this.buffer.subarray(end + 2);
    return text;
  }

  private readHead(heads: RequestHead[]): boolean {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return false;
    const [requestLine = '', ...fields] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    this.buffer = this.buffer.subarray(end + 4);
    const [method = '', path = ''] = requestLine.split(' ');
    heads.push({ method, path });
    const headers = new Map(fields.map((f) => [f.slice(0, f.indexOf(':')).trim().toLowerCase(), f.slice(f.indexOf(':') + 1).trim().toLowerCase()]));
    if (headers.get('upgrade') !== undefined) this.state = 'raw';
    else if (headers.get('transfer-encoding')?.includes('chunked')) this.state = 'chunk-size';
    else this.bodyOf(Number(headers.get('content-length') ?? 0));
    return this.state !== 'raw';
  }

  private bodyOf(length: number): void {
    this.remaining = length;
    this.state = length > 0 ? 'body' : 'head';
  }

  /** Skips what is left of a body or chunk (its CRLF included), then goes on in `next`. */
  private skip(next: 'head' | 'chunk-size'): boolean {
    const n = Math.min(this.remaining, this.buffer.length);
    this.buffer = this.buffer.subarray(n);
    this.remaining -= n;
    if (this.remaining > 0) return false;
    this.state = next;
    return true;
  }

  private readChunkSize(): boolean {
    const text = this.line();
    if (text === undefined) return false;
    const size = parseInt(text.split(';')[0] ?? '0', 16) || 0;
    this.remaining = size + 2;
    this.state = size === 0 ? 'trailer' : 'chunk-data';
    return true;
  }

  private readTrailer(): boolean {
    const text = this.line();
    if (text === undefined) return false;
    if (text === '') this.state = 'head';
    return true;
  }
}

/** One client connection and its engine connection. */
class Link {
  upstream: net.Socket | undefined;
  /** Client bytes not forwarded yet (stalled, or not connected to the engine yet). */
  readonly toEngine: Buffer[] = [];
  /** Engine bytes not delivered yet (stalled). */
  readonly toClient: Buffer[] = [];
  /** Engine bytes due later (delay mode), in order. */
  readonly due: Array<{ at: number; chunk: Buffer }> = [];
  timer: NodeJS.Timeout | undefined;
  clientEnded = false;
  engineEnded = false;
  current: (RequestHead & { answered: boolean }) | undefined;

  constructor(
    readonly client: net.Socket,
    readonly sniffer: RequestSniffer | undefined,
  ) {}

  /** Resets both sides (RST to the client). */
  reset(): void {
    if (this.timer) clearTimeout(this.timer);
    if (!this.client.destroyed) this.client.resetAndDestroy();
    this.upstream?.destroy();
  }

  /** Whether nothing from the engine is still waiting to reach the client. */
  drained(): boolean {
    return this.toClient.length === 0 && this.due.length === 0;
  }
}

/** A running fault proxy. */
export class FaultProxy {
  private readonly links = new Set<Link>();
  private current: FaultMode = { kind: 'pass' };
  private readonly counts: FaultProxyStats = { connections: 0, resets: 0, held: 0, delayedChunks: 0, requests: 0, lost: [] };

  /**
   * @param server listening already (see {@link startFaultProxy})
   * @param http whether the engine speaks plain HTTP (request heads are read; `lose` works)
   */
  constructor(
    private readonly server: net.Server,
    private readonly target: ProxyTarget,
    private readonly http: boolean,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** The proxy's port on 127.0.0.1. */
  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The proxy as a Docker endpoint: `tcp://127.0.0.1:PORT` (with the engine's TLS material when the engine speaks TLS). */
  get endpoint(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  /** The mode now. */
  mode(): FaultMode {
    return this.current;
  }

  /** What the proxy did so far (a copy). */
  stats(): FaultProxyStats {
    return { ...this.counts, lost: [...this.counts.lost] };
  }

  /** Bytes flow untouched; what a stall held is delivered now. */
  pass(): void {
    this.switchTo({ kind: 'pass' });
  }

  /** Holds every connection, new and open; nothing is forwarded until the mode changes. */
  stall(): void {
    this.switchTo({ kind: 'stall' });
  }

  /** Resets every open connection now, and every new one while the mode lasts. */
  reset(): void {
    this.switchTo({ kind: 'reset' });
  }

  /** Holds each chunk from the engine `ms` before the client gets it. */
  delay(ms: number): void {
    this.switchTo({ kind: 'delay', ms });
  }

  /**
   * Lets requests through but resets the client connection when the engine's answer to a request
   * matching `match` starts, for the first `count` such answers (then it passes). Plain HTTP only.
   */
  loseResponses(match: (request: RequestHead) => boolean, count = Number.POSITIVE_INFINITY): void {
    if (!this.http) throw new Error('lose needs a plain-HTTP engine: over TLS the proxy cannot see requests');
    this.switchTo({ kind: 'lose', match, remaining: count });
  }

  /** Stops listening and resets every connection. */
  async close(): Promise<void> {
    for (const link of this.links) link.reset();
    this.links.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private switchTo(mode: FaultMode): void {
    const was = this.current.kind;
    this.current = mode;
    if (mode.kind === 'reset') {
      this.counts.resets += this.links.size;
      for (const link of this.links) link.reset();
      this.links.clear();
      return;
    }
    if (was === 'stall' && mode.kind !== 'stall') for (const link of this.links) this.resume(link);
  }

  private accept(client: net.Socket): void {
    this.counts.connections++;
    if (this.current.kind === 'reset') {
      this.counts.resets++;
      client.resetAndDestroy();
      return;
    }
    const link = new Link(client, this.http ? new RequestSniffer() : undefined);
    this.links.add(link);
    client.on('data', (chunk: Buffer) => this.fromClient(link, chunk));
    client.on('end', () => this.clientEnded(link));
    client.on('error', () => this.drop(link));
    client.on('close', () => this.drop(link));
    if (this.current.kind === 'stall') this.counts.held++;
    else this.dial(link);
  }

  private dial(link: Link): void {
    const upstream = 'path' in this.target ? net.connect({ path: this.target.path, allowHalfOpen: true }) : net.connect({ ...this.target, allowHalfOpen: true });
    link.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => this.fromEngine(link, chunk));
    // The engine closing is an end: what is still held or due for the client is delivered first.
    upstream.on('end', () => this.engineEnded(link));
    upstream.on('close', () => this.engineEnded(link));
    upstream.on('error', () => this.drop(link));
    this.flushToEngine(link);
  }

  /** A stall ends: connect what was held, deliver what was kept, in both directions. */
  private resume(link: Link): void {
    if (!link.upstream) this.dial(link);
    else this.flushToEngine(link);
    for (const chunk of link.toClient.splice(0)) this.deliver(link, chunk);
    if (link.engineEnded) this.endClientWhenDrained(link);
  }

  private flushToEngine(link: Link): void {
    const upstream = link.upstream;
    if (!upstream || this.current.kind === 'stall') return;
    for (const chunk of link.toEngine.splice(0)) upstream.write(chunk);
    if (link.clientEnded) upstream.end();
  }

  private fromClient(link: Link, chunk: Buffer): void {
    for (const head of link.sniffer?.push(chunk) ?? []) {
      this.counts.requests++;
      link.current = { ...head, answered: false };
    }
    link.toEngine.push(chunk);
    this.flushToEngine(link);
  }

  private clientEnded(link: Link): void {
    link.clientEnded = true;
    this.flushToEngine(link);
  }

  private fromEngine(link: Link, chunk: Buffer): void {
    const mode = this.current;
    if (mode.kind === 'stall') {
      link.toClient.push(chunk);
      return;
    }
    if (mode.kind === 'lose' && this.loses(link, mode)) {
      mode.remaining--;
      this.counts.lost.push({ method: link.current?.method ?? '', path: link.current?.path ?? '', atMs: Date.now(), head: chunk.toString('utf8') });
      link.reset();
      this.links.delete(link);
      return;
    }
    if (link.current) link.current.answered = true;
    this.deliver(link, chunk);
  }

  private loses(link: Link, mode: Extract<FaultMode, { kind: 'lose' }>): boolean {
    const request = link.current;
    return mode.remaining > 0 && request !== undefined && !request.answered && mode.match(request);
  }

  /** To the client now, or after the delay (and always after chunks still due, so order holds). */
  private deliver(link: Link, chunk: Buffer): void {
    const delayMs = this.current.kind === 'delay' ? this.current.ms : 0;
    if (delayMs === 0 && link.due.length === 0) {
      link.client.write(chunk);
      return;
    }
    if (delayMs > 0) this.counts.delayedChunks++;
    const last = link.due[link.due.length - 1]?.at ?? 0;
    link.due.push({ at: Math.max(Date.now() + delayMs, last), chunk });
    if (!link.timer) this.armDue(link);
  }

  /** One timer per connection, for the chunk due first. */
  private armDue(link: Link): void {
    const next = link.due[0];
    if (!next) {
      link.timer = undefined;
      this.endClientWhenDrained(link);
      return;
    }
    link.timer = setTimeout(() => {
      const now = Date.now();
      while (link.due[0] && link.due[0].at <= now) {
        const item = link.due.shift();
        if (item && !link.client.destroyed) link.client.write(item.chunk);
      }
      this.armDue(link);
    }, Math.max(0, next.at - Date.now()));
  }

  private engineEnded(link: Link): void {
    if (!this.links.has(link)) return;
    link.engineEnded = true;
    this.endClientWhenDrained(link);
  }

  private endClientWhenDrained(link: Link): void {
    if (link.engineEnded && link.drained() && this.current.kind !== 'stall' && !link.client.destroyed) link.client.end();
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    link.reset();
  }
}

/**
 * Starts a proxy on 127.0.0.1 (a free port) in front of `target`, in `pass` mode. `http` (default:
 * true for a unix socket, false for TCP) says whether the engine speaks plain HTTP there.
 */
export async function startFaultProxy(target: ProxyTarget, options: { http?: boolean } = {}): Promise<FaultProxy> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return new FaultProxy(server, target, options.http ?? 'path' in target);
}

/** A target from a Docker endpoint (`unix:///path` or `tcp://host:port`). */
export function targetOf(endpoint: string): ProxyTarget {
  if (endpoint.startsWith('unix://')) return { path: endpoint.slice('unix://'.length) };
  const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port) };
}
