/**
 * The output side of the fake engine: what each container wrote (its log, line by line with the
 * time of writing, as Docker's json-file driver keeps it), read back with tail, timestamps and
 * follow in the engine's framing, and attached exec sessions answered by an exec handler.
 */
import { PassThrough } from 'node:stream';
import { encodeFrame } from './stream-frames.js';
import type { ExecResult, ExecSession, ExecSessionOptions, LogOptions, OutputStream } from './types.js';

interface LogLine {
  target: 'stdout' | 'stderr';
  text: string;
  time: number;
}

/** Docker's timestamp: RFC 3339 with nine fraction digits. */
const timestamp = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');

/** One line as the engine sends it: framed unless the container has a TTY. */
function encodeLine(line: LogLine, tty: boolean, timestamps: boolean): Buffer {
  const text = timestamps ? `${timestamp(line.time)} ${line.text}` : line.text;
  return tty ? Buffer.from(text) : encodeFrame(line.target, text);
}

/** The last `tail` lines (all when undefined or negative). */
const lastLines = (all: LogLine[], tail: number | undefined): LogLine[] =>
  tail === undefined || tail < 0 ? all : all.slice(Math.max(0, all.length - tail));

/** Logs of the fake's containers, by container id. */
export class FakeOutput {
  private readonly lines = new Map<string, LogLine[]>();
  private readonly followers = new Map<string, Set<{ stream: PassThrough; tty: boolean; timestamps: boolean }>>();

  /** Appends what a container wrote, one log line per newline (a last partial line counts as one). */
  write(id: string, target: 'stdout' | 'stderr', text: string, now: number): void {
    const added = (text.match(/[^\n]*\n|[^\n]+$/g) ?? []).map((t) => ({ target, text: t, time: now }));
    this.lines.set(id, [...(this.lines.get(id) ?? []), ...added]);
    for (const f of this.followers.get(id) ?? []) for (const line of added) f.stream.write(encodeLine(line, f.tty, f.timestamps));
  }

  /** The log of `id`; a follow of a running container stays open until stop() or the signal. */
  read(id: string, tty: boolean, running: boolean, options: LogOptions): OutputStream {
    const shown = lastLines(this.lines.get(id) ?? [], options.tail);
    const stream = new PassThrough();
    for (const line of shown) stream.write(encodeLine(line, tty, options.timestamps === true));
    if (options.follow !== true || !running || options.signal?.aborted) {
      stream.end();
      return { tty, stream };
    }
    const follower = { stream, tty, timestamps: options.timestamps === true };
    const set = this.followers.get(id) ?? new Set();
    this.followers.set(id, set.add(follower));
    const stop = (): void => {
      set.delete(follower);
      stream.end();
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    stream.once('close', () => options.signal?.removeEventListener('abort', stop));
    return { tty, stream };
  }

  /** The container stopped: its follows end, as the engine's do. */
  stop(id: string): void {
    for (const f of this.followers.get(id) ?? []) f.stream.end();
    this.followers.delete(id);
  }

  /** The container was removed. */
  forget(id: string): void {
    this.stop(id);
    this.lines.delete(id);
  }
}

async function readAll(stream: PassThrough): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * An attached exec answered by `run` (which gets the whole stdin once it is closed, '' when not
 * attached): its output is written framed (or raw with a TTY, stderr merged) and the stream ends.
 */
export function fakeExecSession(options: ExecSessionOptions, run: (stdin: string) => Promise<ExecResult>): ExecSession {
  const output = new PassThrough();
  const stdin = options.stdin ? new PassThrough() : undefined;
  const frame = (target: 'stdout' | 'stderr', text: string): Buffer => (options.tty ? Buffer.from(text) : encodeFrame(target, text));
  const done = (async (): Promise<number | null> => {
    const result = await run(stdin ? await readAll(stdin) : '');
    if (result.stdout !== '') output.write(frame('stdout', result.stdout));
    if (result.stderr !== '') output.write(frame('stderr', result.stderr));
    output.end();
    return result.exitCode;
  })();
  done.catch((err: unknown) => output.destroy(err as Error));
  return {
    tty: options.tty,
    stream: output,
    ...(stdin ? { stdin } : {}),
    resize: () => Promise.resolve(),
    exitCode: () => done,
    close: () => output.destroy(),
  };
}
