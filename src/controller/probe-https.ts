/**
 * HTTPS probes from inside the pod's network namespace without a TLS library in the sandbox: the
 * operator starts `/pause probe relay PORT` in the sandbox with `docker exec` (stdin attached),
 * which connects to 127.0.0.1:PORT and pipes bytes both ways; the operator runs TLS and HTTP over
 * that pipe. As the kubelet does, the server's certificate is not verified, `Host` is the address
 * probed unless the probe sets one, the User-Agent is `kube-probe/<major.minor>`, and a status
 * from 200 to 399 is a success (redirects are not followed: a probe should name its final path).
 */
import { request, type IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { HttpGetAction } from '../api/v1alpha1/container.js';
import { OutputDemuxer } from '../runtime/docker/stream-frames.js';
import type { DockerEngine, ExecSession } from '../runtime/docker/types.js';

/** What one HTTPS attempt came to: a status code, or the reason there was none. */
export type HttpsAttempt = { status: number } | { error: string; refused: boolean };

/** Extra life of the relay beyond the probe's timeout (exec setup and teardown). */
const RELAY_SLACK_MS = 1000;

/** A Duplex whose writes are the exec's stdin and whose reads are its (demultiplexed) stdout; stderr is kept apart. */
class RelaySocket extends Duplex {
  stderr = '';

  constructor(private readonly session: ExecSession) {
    super();
    const demux = new OutputDemuxer(session.tty, (target, bytes) => {
      if (target === 'stdout') this.push(bytes);
      else this.stderr += bytes.toString();
    });
    const stream = session.stream;
    stream.on('data', (chunk: Buffer) => demux.push(chunk));
    stream.on('end', () => this.push(null));
    stream.on('close', () => this.push(null));
    stream.on('error', (err: Error) => this.destroy(err));
  }

  override _read(): void {
    // Data is pushed as the exec delivers it.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const stdin = this.session.stdin;
    if (!stdin) return done(new Error('the relay has no stdin'));
    stdin.write(chunk, (err?: Error | null) => done(err));
  }

  override _destroy(err: Error | null, done: (error?: Error | null) => void): void {
    this.session.close();
    done(err);
  }
}

/** The request headers of an httpGet probe, as the kubelet sends them (probe headers override the defaults). */
export function probeHeaders(get: HttpGetAction, port: number, userAgent: string): Record<string, string> {
  const headers: Record<string, string> = { Host: `127.0.0.1:${port}`, 'User-Agent': userAgent, Accept: '*/*' };
  for (const h of get.httpHeaders ?? []) {
    const existing = Object.keys(headers).find((k) => k.toLowerCase() === h.name.toLowerCase());
    if (existing) delete headers[existing];
    if (!(h.name.toLowerCase() === 'accept' && h.value === '')) headers[h.name] = h.value;
  }
  return { ...headers, Connection: 'close' };
}

function getStatus(socket: Duplex, get: HttpGetAction, port: number, timeoutMs: number): Promise<number> {
  const tls = tlsConnect({ socket, rejectUnauthorized: false });
  return new Promise((resolve, reject) => {
    const req = request({ createConnection: () => tls, method: 'GET', path: get.path ?? '/', headers: probeHeaders(get, port, 'kube-probe/1.32'), timeout: timeoutMs }, (res: IncomingMessage) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    req.on('timeout', () => req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')));
    req.on('error', reject);
    req.end();
  });
}

/** One HTTPS request through the sandbox's relay; never throws for what the server or the dial did (only for the engine). */
export async function httpsThroughRelay(engine: DockerEngine, sandboxId: string, get: HttpGetAction, at: { port: number; timeoutMs: number }): Promise<HttpsAttempt> {
  const { port, timeoutMs } = at;
  const cmd = ['/pause', 'probe', 'relay', String(port), String(timeoutMs + RELAY_SLACK_MS)];
  const session = await engine.startExec(sandboxId, { cmd, stdin: true, tty: false });
  const socket = new RelaySocket(session);
  try {
    return { status: await getStatus(socket, get, port, timeoutMs) };
  } catch (err) {
    // A refused dial ends the relay before any byte: its stderr has Go's dial error.
    await new Promise((r) => setImmediate(r));
    const dial = socket.stderr.trim();
    return dial ? { error: dial, refused: true } : { error: (err as Error).message, refused: false };
  } finally {
    socket.destroy();
  }
}
