/**
 * What `logs` and `exec` touch outside themselves, as one injectable value (tests give a fake
 * engine and buffers): the terminal, an interrupt signal (SIGINT/SIGTERM) and the pod lookup.
 * Also the copy of an engine's output to stdout and stderr: demultiplexed unless it comes from a
 * TTY, with back-pressure, until the stream ends or the signal aborts.
 */
import type { ResolvedPod } from './pod-engine.js';
import type { PodTarget } from './pod-command-args.js';
import { OutputDemuxer } from '../runtime/docker/stream-frames.js';
import type { OutputStream } from '../runtime/docker/types.js';

/** The input side of a terminal (process.stdin or a test stream). */
export type InputStream = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/** The output side of a terminal (process.stdout or a test stream). */
export type TerminalOutput = NodeJS.WritableStream & { isTTY?: boolean; rows?: number; columns?: number };

/** What a logs or exec run uses. */
export interface CommandEnv {
  /** How the user called us, for messages: `dockerpod` or `kubectl dockerpod`. */
  program: string;
  stdin: InputStream;
  stdout: TerminalOutput;
  stderr: NodeJS.WritableStream;
  /** Aborts when the user interrupts (SIGINT, SIGTERM). */
  signal: AbortSignal;
  /** Exit code after an interrupt (130 for SIGINT, 143 for SIGTERM). */
  interruptedCode(): number;
  /** Finds the pod and its engine. */
  resolve(target: PodTarget): Promise<ResolvedPod>;
  /** Calls `fn` whenever the output terminal changes size; returns the unsubscribe. */
  onResize(fn: () => void): () => void;
}

/** The real process: SIGINT/SIGTERM abort (a second one exits at once), resolution through the API. */
export function processEnv(program: string, resolve: CommandEnv['resolve']): CommandEnv {
  const controller = new AbortController();
  let code = 130;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(code);
    code = signal === 'SIGTERM' ? 143 : 130;
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    program,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
    interruptedCode: () => code,
    resolve,
    onResize: (fn) => {
      process.stdout.on('resize', fn);
      return () => process.stdout.off('resize', fn);
    },
  };
}

type Readable = NodeJS.ReadableStream & { destroy?: (error?: Error) => void };

/** Holds the source while any sink is full, resumes when all drained. */
function backPressure(source: NodeJS.ReadableStream): (sink: NodeJS.WritableStream, ok: boolean) => void {
  const full = new Set<NodeJS.WritableStream>();
  return (sink, ok) => {
    if (ok || full.has(sink)) return;
    full.add(sink);
    source.pause();
    sink.once('drain', () => {
      full.delete(sink);
      if (full.size === 0) source.resume();
    });
  };
}

/**
 * Copies `output` to `stdout`/`stderr` (the engine's own errors to stderr) until it ends, fails
 * (rejects) or `signal` aborts (then the stream is destroyed and the promise resolves).
 */
export function pumpOutput(output: OutputStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  const stream = output.stream as Readable;
  const hold = backPressure(stream);
  const demux = new OutputDemuxer(output.tty, (target, bytes) => {
    const sink = target === 'stdout' ? stdout : stderr;
    hold(sink, sink.write(bytes));
  });
  return new Promise((resolve, reject) => {
    const finish = (err?: Error): void => {
      signal.removeEventListener('abort', abort);
      if (err && !signal.aborted) reject(err);
      else resolve();
    };
    const abort = (): void => {
      stream.destroy?.();
      finish();
    };
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    stream.on('data', (chunk: Buffer | string) => {
      try {
        demux.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      } catch (err) {
        stream.destroy?.();
        finish(err as Error);
      }
    });
    stream.on('end', () => finish());
    stream.on('close', () => finish());
    stream.on('error', (err: Error) => finish(err));
  });
}
