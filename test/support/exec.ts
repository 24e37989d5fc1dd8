/** Running a command in a test container through the engine's exec API, with a deadline. */
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';

/** What a command printed and how it ended. */
export interface ExecResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return () => Buffer.concat(chunks).toString('utf8');
}

/** Runs `cmd` in the container and waits for it, at most `timeoutMs`. */
export async function execIn(docker: Docker, containerId: string, cmd: string[], timeoutMs = 10_000): Promise<ExecResult> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const err = new PassThrough();
  const stdout = collect(out);
  const stderr = collect(err);
  docker.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`exec ${cmd.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    stream.on('end', () => { clearTimeout(timer); resolve(); });
    stream.on('error', (e: Error) => { clearTimeout(timer); reject(e); });
  });
  const info = await exec.inspect();
  return { exitCode: info.ExitCode, stdout: stdout(), stderr: stderr() };
}

/** Retries `attempt` until it returns a value or `timeoutMs` passes; rethrows the last error. */
export async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
