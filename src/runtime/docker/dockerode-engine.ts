/**
 * The DockerEngine interface over dockerode 5 for real engines (unix socket or TCP with TLS).
 * Two clients share one endpoint: a pooled keep-alive client for ordinary calls, each bounded
 * by an AbortSignal deadline, and a client for long streams (events, pulls, logs, attached
 * execs) that has no socket idle timeout and its own agent, so a quiet event stream is never cut
 * and never holds a slot of the pool. Every failure surfaces as a DockerError carrying the
 * engine's own message.
 */
import http from 'node:http';
import https from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import Docker from 'dockerode';
import { parseImageReference } from '../../api/image-ref.js';
import { openExec, openLogs, type StreamContext } from './dockerode-streams.js';
import {
  DockerError, isConflict, type ContainerCreateBody, type ContainerDetails, type ContainerStateName, type ContainerSummary, type DockerEngine,
  type DockerEvent, type EngineInfo, type EventHandlers, type EventStream, type ExecResult, type ExecSession, type ExecSessionOptions,
  type ImageInfo, type LogOptions, type OutputStream, type RegistryAuth,
} from './types.js';

/** TLS settings of a tcp:// endpoint (mutual TLS when cert and key are given). */
export interface EngineTlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  insecureSkipVerify?: boolean;
  /** Name to verify the server certificate against (and to send as SNI). */
  serverName?: string;
}

/** How to reach one engine. */
export interface EngineConnectOptions {
  /** `unix:///path` or `tcp://host:port`. */
  endpoint: string;
  /** Makes a tcp:// endpoint HTTPS. */
  tls?: EngineTlsOptions;
  /** Pinned Engine API version, default 'v1.41'. */
  apiVersion?: string;
  /** Deadline of one ordinary call in ms (default 120000); stops add their grace period to it. */
  timeoutMs?: number;
  /** Connections of the ordinary client's pool (default 16). */
  maxSockets?: number;
}

type Json = Record<string, unknown>;
/** ping and info take options (abortSignal) at runtime; @types/dockerode 4 omits them. */
type WithOptions = { ping(options: object): Promise<unknown>; info(options: object): Promise<unknown> };
type ModemOptions = Docker.DockerOptions & { agent: http.Agent; pathPrefix?: string };

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Buffer.isBuffer(v) ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const labelsOf = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));
const labelFilter = (labels: Record<string, string>): string[] => Object.entries(labels).map(([k, v]) => `${k}=${v}`);
/** Whether an object the engine reported (a volume) carries every one of `labels`. */
const carries = (reported: Json, labels: Record<string, string>): boolean => {
  const have = labelsOf(reported['Labels']);
  return Object.entries(labels).every(([k, v]) => have[k] === v);
};

/** The engine's message of a modem error: `json.message`, else the text after docker-modem's "(HTTP code N) reason - " prefix. */
function engineMessage(err: Json): string {
  const fromJson = str(obj(err['json'])['message']);
  if (fromJson !== '') return fromJson;
  const text = str(err['message']) || 'unknown error';
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

/**
 * Converts anything dockerode, docker-modem or node:http threw into a DockerError: the HTTP status
 * (undefined for transport failures) and the engine's message. A DockerError passes unchanged.
 */
export function toDockerError(err: unknown, operation: string): DockerError {
  if (err instanceof DockerError) return err;
  const fields = typeof err === 'object' && err !== null ? (err as Json) : { message: String(err) };
  const status = typeof fields['statusCode'] === 'number' ? fields['statusCode'] : undefined;
  const error = new DockerError(engineMessage(fields), status, operation);
  error.cause = err;
  return error;
}

/**
 * Splits a byte stream of newline-delimited JSON into values however chunks split or join lines
 * (multi-byte characters split across chunks included). Throws on a line that is not JSON.
 * `onValue` also gets the raw line, for numbers JSON.parse cannot hold exactly (timeNano).
 */
export class JsonLineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly onValue: (value: unknown, line: string) => void) {}

  /** Feeds one chunk; emits every line it completes. */
  push(chunk: Buffer | string): void {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let newline = this.pending.indexOf('\n');
    while (newline >= 0) {
      const line = this.pending.slice(0, newline).trim();
      this.pending = this.pending.slice(newline + 1);
      if (line !== '') this.onValue(JSON.parse(line) as unknown, line);
      newline = this.pending.indexOf('\n');
    }
  }

  /** Emits a last line that had no newline. */
  end(): void {
    this.push(`${this.decoder.end()}\n`);
  }
}

/** Maps one /events message; the exact timeNano is read from the raw line (it exceeds 2^53). */
export function toDockerEvent(message: unknown, line: string): DockerEvent {
  const m = obj(message);
  const actor = obj(m['Actor']);
  const exact = /"timeNano"\s*:\s*(\d+)/.exec(line)?.[1];
  const timeNano = exact !== undefined ? BigInt(exact) : BigInt(Math.trunc(num(m['time']))) * 1_000_000_000n;
  return { action: str(m['Action']) || str(m['status']), id: str(actor['ID']) || str(m['id']), labels: labelsOf(actor['Attributes']), timeNano };
}

/** The DockerError a pull progress message reports, if any. */
function progressError(message: unknown): DockerError | undefined {
  const m = obj(message);
  if (m['error'] === undefined && m['errorDetail'] === undefined) return undefined;
  const detail = obj(m['errorDetail']);
  const code = typeof detail['code'] === 'number' ? detail['code'] : undefined;
  return new DockerError(str(m['error']) || str(detail['message']) || 'pull failed', code, 'pullImage');
}

/** fromImage and tag of a pull: a digest ref pulls by digest, a ref without tag pulls 'latest'. */
export function pullTarget(ref: string): { fromImage: string; tag: string } {
  const parsed = parseImageReference(ref);
  if (!parsed.ok) throw new DockerError(`invalid reference format: ${ref} (${parsed.reason})`, 400, 'pullImage');
  const { domain, path, tag, digest } = parsed.ref;
  return { fromImage: domain !== undefined ? `${domain}/${path}` : path, tag: digest ?? tag ?? 'latest' };
}

/** Engine API `since` in seconds with a nanosecond fraction, as the engine parses it. */
function sinceParam(since: number): string {
  const seconds = Math.floor(since);
  const nanos = Math.min(999_999_999, Math.round((since - seconds) * 1e9));
  return `${seconds}.${String(nanos).padStart(9, '0')}`;
}

function tlsAgentOptions(tls: EngineTlsOptions): https.AgentOptions {
  return {
    ca: tls.ca, cert: tls.cert, key: tls.key,
    rejectUnauthorized: tls.insecureSkipVerify !== true,
    ...(tls.serverName !== undefined ? { servername: tls.serverName } : {}),
  };
}

/**
 * docker-modem 5 formats its whole request options with `util.inspect(..., { depth: null })` on
 * every call, debug logging on or not; for a keep-alive agent that walks every socket and queued
 * request (measured: ~10 ms of CPU per call under load, 64% of the operator's time). A one-line
 * custom inspection keeps that cost constant.
 */
function quietInspect<T extends http.Agent>(agent: T, label: string): T {
  Object.defineProperty(agent, inspect.custom, { value: () => `[${label}]`, enumerable: false });
  return agent;
}

/** The keep-alive agent of a TCP endpoint: HTTPS with the endpoint's TLS settings, or plain HTTP. */
function tcpAgent(secure: boolean, tls: EngineTlsOptions | undefined, agentOptions: http.AgentOptions): http.Agent {
  return secure ? quietInspect(new https.Agent({ ...agentOptions, ...tlsAgentOptions(tls ?? {}) }), 'https.Agent') : quietInspect(new http.Agent(agentOptions), 'http.Agent');
}

/**
 * docker-modem options for one client; every field is set so DOCKER_HOST & co. in the environment
 * cannot leak in. `pinned` null means unversioned paths (GET /version before the version is known).
 */
function modemOptions(options: EngineConnectOptions, agentOptions: http.AgentOptions, pinned: string | null = options.apiVersion ?? 'v1.41'): ModemOptions {
  const common = { version: pinned ?? undefined, timeout: undefined, ca: undefined, cert: undefined, key: undefined, headers: {} };
  if (options.endpoint.startsWith('unix://')) {
    return { ...common, socketPath: options.endpoint.slice('unix://'.length), host: undefined, port: undefined, protocol: 'http', agent: quietInspect(new http.Agent(agentOptions), 'http.Agent') };
  }
  const url = new URL(options.endpoint.replace(/^tcp:/, 'http:'));
  if (!['http:', 'https:'].includes(url.protocol)) throw new DockerError(`unsupported Docker endpoint ${options.endpoint}`, undefined, 'connect');
  const secure = options.tls !== undefined || url.protocol === 'https:';
  const port = url.port || (secure ? '2376' : '2375');
  return { ...common, socketPath: undefined, host: url.hostname, port, protocol: secure ? 'https' : 'http', pathPrefix: '/', agent: tcpAgent(secure, options.tls, agentOptions) };
}

function toSummary(c: Docker.ContainerInfo): ContainerSummary {
  return {
    id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, ''), labels: labelsOf(c.Labels), state: c.State as ContainerStateName,
    image: c.Image, imageId: c.ImageID, created: c.Created * 1000,
  };
}

function ipAddress(settings: Json): string {
  const first = Object.values(obj(settings['Networks']))[0];
  return str(settings['IPAddress']) || str(obj(first)['IPAddress']);
}

function toDetails(raw: Json): ContainerDetails {
  const state = obj(raw['State']);
  const config = obj(raw['Config']);
  const host = obj(raw['HostConfig']);
  return {
    id: str(raw['Id']), name: str(raw['Name']).replace(/^\//, ''), labels: labelsOf(config['Labels']),
    state: str(state['Status']) as ContainerStateName, image: str(config['Image']), imageId: str(raw['Image']),
    created: Date.parse(str(raw['Created'])), running: state['Running'] === true, exitCode: num(state['ExitCode']),
    oomKilled: state['OOMKilled'] === true, error: str(state['Error']), startedAt: str(state['StartedAt']),
    finishedAt: str(state['FinishedAt']), pid: num(state['Pid']), ipAddress: ipAddress(obj(raw['NetworkSettings'])),
    hostConfig: {
      networkMode: str(host['NetworkMode']), ipcMode: str(host['IpcMode']), pidMode: str(host['PidMode']),
      cgroupParent: str(host['CgroupParent']), memory: num(host['Memory']),
    },
    hostname: str(config['Hostname']),
  };
}

function toInfo(raw: Json, apiVersion: string): EngineInfo {
  return {
    id: str(raw['ID']), name: str(raw['Name']), serverVersion: str(raw['ServerVersion']), apiVersion: apiVersion.replace(/^v/, ''),
    os: str(raw['OperatingSystem']), kernelVersion: str(raw['KernelVersion']), cgroupDriver: str(raw['CgroupDriver']),
    cgroupVersion: str(raw['CgroupVersion']), cpus: num(raw['NCPU']), memoryBytes: num(raw['MemTotal']), dockerRootDir: str(raw['DockerRootDir']),
  };
}

/** A writable that keeps what it is given. */
function sink(chunks: Buffer[]): Writable {
  return new Writable({ write(chunk: Buffer, _enc, done): void { chunks.push(chunk); done(); } });
}

/** Resolves when `stream` ends or closes; rejects on its error or when `signal` aborts (destroying it). */
function finished(stream: NodeJS.ReadableStream, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = (): void => { (stream as unknown as { destroy(): void }).destroy(); reject(new Error('aborted')); };
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    const done = (err?: Error): void => { signal.removeEventListener('abort', abort); if (err) reject(err); else resolve(); };
    stream.on('end', () => done());
    stream.on('close', () => done());
    stream.on('error', (err: Error) => done(err));
  });
}

/** Waits for one outcome of a pull stream: the end, a progress error, a stream error, idleness or an abort. */
function consumeProgress(stream: NodeJS.ReadableStream, idleMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      (stream as unknown as { destroy(): void }).destroy();
      if (err) reject(signal?.aborted ? new DockerError('pull aborted', undefined, 'pullImage') : err); else resolve();
    };
    const idle = setTimeout(() => settle(new DockerError(`pull made no progress for ${idleMs} ms`, undefined, 'pullImage')), idleMs);
    const splitter = new JsonLineSplitter((message) => { const error = progressError(message); if (error) settle(error); });
    stream.on('data', (chunk: Buffer) => {
      idle.refresh();
      try { splitter.push(chunk); } catch (err) { settle(toDockerError(err, 'pullImage')); }
    });
    stream.on('end', () => { try { splitter.end(); settle(); } catch (err) { settle(toDockerError(err, 'pullImage')); } });
    stream.on('error', (err: Error) => settle(toDockerError(err, 'pullImage')));
    stream.on('close', () => settle(new DockerError('pull stream closed before its end', undefined, 'pullImage')));
  });
}

/** One request through the client's modem, resolving with the engine's decoded answer. */
function dial(docker: Docker, options: Parameters<Docker['modem']['dial']>[0]): Promise<unknown> {
  return new Promise((resolve, reject) => docker.modem.dial(options, (err, data) => (err ? reject(err) : resolve(data))));
}

/** Settles `promise` to undefined when it fails with one of `statuses` (or, when given, a matching message). */
async function tolerate(promise: Promise<unknown>, statuses: number[], message?: RegExp): Promise<void> {
  try {
    await promise;
  } catch (err) {
    const e = err instanceof DockerError ? err : toDockerError(err, 'unknown');
    const ok = e.statusCode !== undefined && statuses.includes(e.statusCode) && (message === undefined || message.test(e.message));
    if (!ok) throw err;
  }
}

class DockerodeEngine implements DockerEngine {
  readonly endpoint: string;
  private readonly docker: Docker;
  private readonly streams: Docker;
  private readonly apiVersion: string;
  private readonly timeoutMs: number;

  constructor(options: EngineConnectOptions) {
    this.endpoint = options.endpoint;
    this.apiVersion = options.apiVersion ?? 'v1.41';
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.docker = new Docker(modemOptions(options, { keepAlive: true, maxSockets: options.maxSockets ?? 16 }));
    this.streams = new Docker(modemOptions(options, { keepAlive: false }));
  }

  /** Runs one ordinary call under a deadline (and the caller's signal), mapping failures. */
  private async call<T>(operation: string, run: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal, ms = this.timeoutMs): Promise<T> {
    const deadline = AbortSignal.timeout(ms);
    try {
      return await run(signal ? AbortSignal.any([signal, deadline]) : deadline);
    } catch (err) {
      if (deadline.aborted) throw Object.assign(new DockerError(`${operation} timed out after ${ms} ms`, undefined, operation), { cause: err });
      if (signal?.aborted) throw Object.assign(new DockerError(`${operation} aborted`, undefined, operation), { cause: err });
      throw toDockerError(err, operation);
    }
  }

  async ping(signal?: AbortSignal): Promise<void> {
    await this.call('ping', (abortSignal) => (this.docker as unknown as WithOptions).ping({ abortSignal }), signal);
  }

  async info(signal?: AbortSignal): Promise<EngineInfo> {
    const raw = await this.call('info', (abortSignal) => (this.docker as unknown as WithOptions).info({ abortSignal }), signal);
    return toInfo(obj(raw), this.apiVersion);
  }

  async listContainers(labels: Record<string, string>, signal?: AbortSignal): Promise<ContainerSummary[]> {
    const list = await this.call('listContainers', (abortSignal) =>
      this.docker.listContainers({ all: true, filters: { label: labelFilter(labels) }, abortSignal }), signal);
    return list.map(toSummary);
  }

  async inspectContainer(id: string, signal?: AbortSignal): Promise<ContainerDetails | undefined> {
    try {
      const raw = await this.call('inspectContainer', (abortSignal) => this.docker.getContainer(id).inspect({ abortSignal }), signal);
      return toDetails(obj(raw));
    } catch (err) {
      if (err instanceof DockerError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  async createContainer(name: string, body: ContainerCreateBody, signal?: AbortSignal): Promise<string> {
    // _query/_body: otherwise docker-modem sends the whole body as query string too (env values in URLs).
    const container = await this.call('createContainer', (abortSignal) =>
      this.docker.createContainer({ _query: { name }, _body: body, abortSignal } as unknown as Docker.ContainerCreateOptions), signal);
    return container.id;
  }

  async startContainer(id: string, signal?: AbortSignal): Promise<void> {
    await tolerate(this.call('startContainer', (abortSignal) => this.docker.getContainer(id).start({ abortSignal }), signal), [304]);
  }

  async stopContainer(id: string, timeoutSeconds: number, signal?: AbortSignal): Promise<void> {
    const ms = this.timeoutMs + timeoutSeconds * 1000;
    await tolerate(this.call('stopContainer', (abortSignal) => this.docker.getContainer(id).stop({ t: timeoutSeconds, abortSignal }), signal, ms), [304, 404]);
  }

  async killContainer(id: string, signalName = 'SIGKILL', signal?: AbortSignal): Promise<void> {
    const kill = this.call('killContainer', (abortSignal) => this.docker.getContainer(id).kill({ signal: signalName, abortSignal }), signal);
    await tolerate(tolerate(kill, [304, 404]), [409], /is not running/);
  }

  async removeContainer(id: string, options: { force: boolean; removeVolumes: boolean }, signal?: AbortSignal): Promise<void> {
    await tolerate(this.call('removeContainer', (abortSignal) =>
      this.docker.getContainer(id).remove({ force: options.force, v: options.removeVolumes, abortSignal }), signal), [304, 404]);
  }

  async exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const result = (exitCode: number | null, timedOut: boolean): ExecResult =>
      ({ exitCode, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), timedOut });
    try {
      const exec = await this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, abortSignal: deadline });
      const stream = await exec.start({ Detach: false, Tty: false, abortSignal: deadline });
      this.docker.modem.demuxStream(stream, sink(stdout), sink(stderr));
      await finished(stream, deadline);
      return result(await this.execExitCode(exec, deadline), false);
    } catch (err) {
      if (deadline.aborted) return result(null, true);
      throw toDockerError(err, 'exec');
    }
  }

  startExec(id: string, options: ExecSessionOptions): Promise<ExecSession> {
    return openExec(this.streamContext(), id, options);
  }

  logs(id: string, options: LogOptions): Promise<OutputStream> {
    return openLogs(this.streamContext(), id, options);
  }

  /** The clients and the deadline of ordinary calls, for the streaming calls (dockerode-streams.ts). */
  private streamContext(): StreamContext {
    return { docker: this.docker, streams: this.streams, call: (operation, run, signal) => this.call(operation, run, signal) };
  }

  /** The exit code once the engine has recorded it (it may lag the end of the output stream). */
  private async execExitCode(exec: Docker.Exec, deadline: AbortSignal): Promise<number | null> {
    for (;;) {
      const info = await exec.inspect({ abortSignal: deadline });
      if (!info.Running) return info.ExitCode;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async inspectImage(ref: string, signal?: AbortSignal): Promise<ImageInfo | undefined> {
    // Image#inspect ignores abortSignal in dockerode 5, so this dials the modem itself.
    const inspectIt = (abortSignal: AbortSignal): Promise<unknown> =>
      dial(this.docker, { path: `/images/${ref}/json`, method: 'GET', abortSignal, statusCodes: { 200: true, 404: 'no such image', 500: 'server error' } });
    try {
      const raw = obj(await this.call('inspectImage', inspectIt, signal));
      return { id: str(raw['Id']), repoDigests: Array.isArray(raw['RepoDigests']) ? raw['RepoDigests'].map(str) : [], user: str(obj(raw['Config'])['User']) };
    } catch (err) {
      if (err instanceof DockerError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  async pullImage(ref: string, auth?: RegistryAuth, signal?: AbortSignal): Promise<void> {
    const target = pullTarget(ref);
    // The request's own signal: the deadline bounds only the wait for the response, then
    // consumeProgress bounds the silence between progress messages; the caller's signal bounds both.
    const controller = new AbortController();
    const forward = (): void => controller.abort();
    const options = { ...target, abortSignal: controller.signal, ...(auth ? { authconfig: auth } : {}) };
    signal?.addEventListener('abort', forward, { once: true });
    try {
      const stream = await this.call('pullImage', (bounded) => this.whileLive(bounded, forward, () => this.streams.createImage(options)), signal);
      await consumeProgress(stream, this.timeoutMs, signal);
    } finally {
      signal?.removeEventListener('abort', forward);
    }
  }

  /** Runs `run` with `onAbort` wired to `signal` only while it runs. */
  private async whileLive<T>(signal: AbortSignal, onAbort: () => void, run: () => Promise<T>): Promise<T> {
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await run();
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async createVolume(name: string, labels: Record<string, string>, driverOpts?: Record<string, string>): Promise<void> {
    // Dialled: dockerode's createVolume drops the answer, which is the existing volume when the name is taken.
    const options = { Name: name, Labels: labels, ...(driverOpts ? { DriverOpts: driverOpts } : {}) };
    const create = (): Promise<unknown> => this.call('createVolume', (abortSignal) => dial(this.docker, { path: '/volumes/create', method: 'POST', allowEmpty: true, options, abortSignal, statusCodes: { 200: true, 201: true, 500: 'server error' } }));
    if (carries(obj(await create()), labels)) return;
    // Taken by a volume without these labels: one whose create the engine did not finish (a dockerd
    // shutting down makes the directory, then fails "database not open" and loses the labels), which
    // every label-filtered sweep and teardown would miss for ever. Made again unless a container uses
    // it (then it stays; the pod's teardown also removes it by name).
    const removed = await this.removeVolume(name).then(() => true, (err: unknown) => {
      if (isConflict(err)) return false;
      throw err;
    });
    if (removed) await create();
  }

  async removeVolume(name: string): Promise<void> {
    await tolerate(this.call('removeVolume', (abortSignal) => this.docker.getVolume(name).remove({ abortSignal })), [404]);
  }

  async putArchive(id: string, path: string, tar: Buffer, signal?: AbortSignal): Promise<void> {
    await this.call('putArchive', (abortSignal) => this.docker.getContainer(id).putArchive(tar, { path, abortSignal }), signal);
  }

  async listVolumes(labels: Record<string, string>): Promise<string[]> {
    const list = await this.call('listVolumes', (abortSignal) => this.docker.listVolumes({ filters: { label: labelFilter(labels) }, abortSignal }));
    return (list.Volumes ?? []).map((v) => v.Name);
  }

  events(options: { since?: number; labels: Record<string, string> }, handlers: EventHandlers): EventStream {
    const controller = new AbortController();
    let ended = false;
    const end = (error?: Error): void => {
      if (ended) return;
      ended = true;
      controller.abort();
      handlers.onEnd(error);
    };
    const filters = { type: ['container'], label: labelFilter(options.labels) };
    const query = { filters, abortSignal: controller.signal, ...(options.since !== undefined ? { since: sinceParam(options.since) } : {}) };
    this.streams.getEvents(query as unknown as Docker.GetEventsOptions).then((stream) => {
      if (ended) return (stream as unknown as { destroy(): void }).destroy();
      const splitter = new JsonLineSplitter((message, line) => { if (!ended) handlers.onEvent(toDockerEvent(message, line)); });
      stream.on('data', (chunk: Buffer) => { try { splitter.push(chunk); } catch (err) { end(toDockerError(err, 'events')); } });
      stream.on('end', () => end());
      stream.on('close', () => end());
      stream.on('error', (err: Error) => end(toDockerError(err, 'events')));
    }, (err: unknown) => end(toDockerError(err, 'events')));
    return { close: () => end() };
  }
}

/** What GET /version says about an engine's API. */
export interface EngineVersion {
  version: string;
  /** Highest API version the engine speaks, e.g. "1.41". */
  apiVersion: string;
  /** Lowest API version it still accepts (Docker 29 raised it to 1.44). */
  minApiVersion: string;
}

/**
 * Asks the engine which API versions it speaks, on the unversioned path (a versioned client is
 * refused outright by engines that dropped its version), over a throwaway connection.
 * Failures surface as DockerErrors with the transport's or engine's message.
 */
export async function probeEngineVersion(options: EngineConnectOptions, signal?: AbortSignal): Promise<EngineVersion> {
  const modem = new Docker(modemOptions(options, { keepAlive: false }, null)).modem as unknown as {
    dial(opts: object, cb: (err: unknown, data: unknown) => void): void;
  };
  const deadline = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const abortSignal = signal ? AbortSignal.any([signal, deadline]) : deadline;
  try {
    const raw = await new Promise<unknown>((resolve, reject) =>
      modem.dial({ path: '/version', method: 'GET', statusCodes: { 200: true, 500: 'server error' }, abortSignal }, (err, data) => (err ? reject(toDockerError(err, 'version')) : resolve(data))),
    );
    const body = obj(raw);
    return { version: str(body['Version']), apiVersion: str(body['ApiVersion']), minApiVersion: str(body['MinAPIVersion']) };
  } catch (err) {
    if (deadline.aborted) throw Object.assign(new DockerError(`version timed out after ${options.timeoutMs ?? 10_000} ms`, undefined, 'version'), { cause: err });
    throw toDockerError(err, 'version');
  }
}

/**
 * A DockerEngine for `options.endpoint`. No connection is made until the first call. Ordinary
 * calls fail with DockerError after `timeoutMs` (stops after timeoutMs plus their grace period);
 * pulls fail after `timeoutMs` without progress; event streams live until the engine ends them
 * or close() is called, and call onEnd exactly once either way.
 */
export function connectEngine(options: EngineConnectOptions): DockerEngine {
  return new DockerodeEngine(options);
}
