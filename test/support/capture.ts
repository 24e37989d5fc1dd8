/**
 * Output capture for the tests that run a CLI command in-process: a stream to hand the command
 * as its stdout or stderr, and what was written to it so far.
 */
import { PassThrough } from 'node:stream';

/** What a command printed and its exit code. */
export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stream that keeps everything written to it; `text()` is all of it as UTF-8 so far. */
export function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}
