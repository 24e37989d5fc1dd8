/**
 * The streaming calls of the dockerode engine: a container's logs and an exec with its streams
 * attached (over a hijacked connection, as `docker exec` does). Streams run on the client without
 * socket idle timeout: the engine's deadline bounds only the wait for the response, the caller's
 * signal the stream's whole life. Short calls around them (inspect, exec create, resize) go
 * through the engine's ordinary deadline.
 */
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { ExecSession, ExecSessionOptions, LogOptions, OutputStream } from './types.js';

/** What the streaming calls need of the engine. */
export interface StreamContext {
  /** The pooled client, for short calls. */
  docker: Docker;
  /** The client without socket idle timeout, for streams. */
  streams: Docker;
  /** Runs one short call under the engine's deadline and the caller's signal, failures as DockerError. */
  call<T>(operation: string, run: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

type Destroyable = NodeJS.ReadableStream & { destroy(error?: Error): void };

/** GET /containers/{id}/logs query: both streams, every line unless `tail` (>= 0) says otherwise. */
export function logQuery(options: LogOptions): Record<string, string | boolean> {
  const tail = options.tail === undefined || options.tail < 0 ? 'all' : String(options.tail);
  return { stdout: true, stderr: true, follow: options.follow === true, timestamps: options.timestamps === true, tail };
}

/** A request whose response body is returned as a stream, whatever its content (dockerode would parse JSON-looking logs). */
function dialStream(client: Docker, request: { path: string; method: string; options: object; abortSignal: AbortSignal }): Promise<Destroyable> {
  const statusCodes = { 200: true, 404: 'no such container', 500: 'server error' };
  return new Promise((resolve, reject) => {
    client.modem.dial({ ...request, isStream: true, statusCodes }, (err, data) => (err ? reject(err) : resolve(data as Destroyable)));
  });
}

/**
 * Opens a stream: `open` gets a signal that the engine's deadline (and the caller's signal) aborts
 * until the response arrives; afterwards only the caller's signal ends the stream.
 */
async function openStream<T extends Destroyable>(ctx: StreamContext, operation: string, signal: AbortSignal | undefined, open: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const life = new AbortController();
  const stream = await ctx.call(operation, async (bounded) => {
    const forward = (): void => life.abort();
    if (bounded.aborted) forward();
    bounded.addEventListener('abort', forward, { once: true });
    try {
      return await open(life.signal);
    } finally {
      bounded.removeEventListener('abort', forward);
    }
  }, signal);
  if (signal) {
    const end = (): void => {
      life.abort();
      stream.destroy();
    };
    if (signal.aborted) end();
    signal.addEventListener('abort', end, { once: true });
    stream.once('close', () => signal.removeEventListener('abort', end));
  }
  return stream;
}

/** A container's logs: its TTY setting from an inspect, then the raw stream. */
export async function openLogs(ctx: StreamContext, id: string, options: LogOptions): Promise<OutputStream> {
  const details = await ctx.call('logs', (abortSignal) => ctx.docker.getContainer(id).inspect({ abortSignal }), options.signal);
  const request = { path: `/containers/${encodeURIComponent(id)}/logs?`, method: 'GET', options: logQuery(options) };
  const stream = await openStream(ctx, 'logs', options.signal, (abortSignal) => dialStream(ctx.streams, { ...request, abortSignal }));
  return { tty: details.Config.Tty === true, stream };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An exec on its hijacked connection: the socket is both the output and, when attached, the stdin. */
class DockerodeExecSession implements ExecSession {
  readonly tty: boolean;
  readonly stream: NodeJS.ReadableStream;
  readonly stdin?: NodeJS.WritableStream;

  constructor(
    private readonly ctx: StreamContext,
    private readonly exec: Docker.Exec,
    private readonly socket: Duplex,
    options: ExecSessionOptions,
  ) {
    this.tty = options.tty;
    this.stream = socket;
    if (options.stdin) this.stdin = socket;
  }

  async resize(rows: number, columns: number): Promise<void> {
    if (!this.tty) return;
    await this.ctx.call('resizeExec', (abortSignal) => this.exec.resize({ h: rows, w: columns, abortSignal }));
  }

  /** Polls the exec until the engine has recorded its end (it may lag the end of the output). */
  async exitCode(signal?: AbortSignal): Promise<number | null> {
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      const info = await this.ctx.call('inspectExec', (abortSignal) => this.exec.inspect({ abortSignal }), signal);
      if (!info.Running) return info.ExitCode;
      await pause(delay);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Creates the exec and starts it on a hijacked connection; `Tty` must be given to both, or the output framing would not match. */
export async function openExec(ctx: StreamContext, id: string, options: ExecSessionOptions): Promise<ExecSession> {
  const create = { Cmd: options.cmd, AttachStdin: options.stdin, AttachStdout: true, AttachStderr: true, Tty: options.tty };
  const exec = await ctx.call('startExec', (abortSignal) => ctx.streams.getContainer(id).exec({ ...create, abortSignal }), options.signal);
  const start = { _body: { Detach: false, Tty: options.tty }, hijack: true, stdin: options.stdin };
  const socket = await openStream(ctx, 'startExec', options.signal, (abortSignal) => exec.start({ ...start, abortSignal }));
  // A write after the command ended fails with EPIPE: the exit code tells the rest.
  socket.on('error', () => undefined);
  return new DockerodeExecSession(ctx, exec, socket, options);
}
