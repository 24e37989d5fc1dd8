/**
 * An in-memory DockerEngine for unit tests of the reconciler. It keeps Docker's behaviour where
 * the reconciler depends on it (checked against real engines by the integration tests): name
 * conflicts, members that cannot start while their sandbox is stopped (left `created` with exit
 * code 128), stop/kill exit codes, shared-PID members dying with their sandbox, and the event
 * sequence (create, start, kill, oom, die, stop, destroy, exec_*). Test hooks inject failures,
 * crashes, and the loss of the engine's state; `calls` records every call in order.
 */
import { createHash } from 'node:crypto';
import { parseImageReference } from '../../api/image-ref.js';
import { FakeClock, type Clock } from '../../util/clock.js';
import { fakeExecSession, FakeOutput } from './fake-output.js';
import { MUTATING_OPERATIONS } from './instrumented-engine.js';
import {
  DockerError, type ContainerCreateBody, type ContainerDetails, type ContainerSummary, type DockerEngine, type DockerEvent,
  type EngineInfo, type EventHandlers, type EventStream, type ExecResult, type ExecSession, type ExecSessionOptions, type HostConfigBody,
  type ImageInfo, type LogOptions, type OutputStream,
} from './types.js';

/** Docker's zero time: never started / never finished. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Answers an exec in a running container; `stdin` is what an attached exec (startExec with stdin) was given, else ''. */
export type ExecHandler = (container: ContainerDetails, cmd: string[], timeoutMs: number, stdin: string) => ExecResult | Promise<ExecResult>;

/** Construction options of a FakeEngine. */
export interface FakeEngineOptions {
  endpoint?: string;
  /** Time source of timestamps (default: a FakeClock). */
  clock?: Clock;
  /** Images present from the start. */
  images?: string[];
  /** Images a pull can fetch. */
  registry?: string[];
  /** Overrides of the info() facts. */
  info?: Partial<EngineInfo>;
}

/** One recorded call. */
export interface FakeCall {
  op: string;
  id?: string;
  name?: string;
}

interface Stored {
  details: ContainerDetails;
  body: ContainerCreateBody;
}

interface Subscription {
  labels: Record<string, string>;
  handlers: EventHandlers;
  ended: boolean;
}

const NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const NAMESPACES: Array<[keyof HostConfigBody, string]> = [['NetworkMode', 'network'], ['IpcMode', 'IPC'], ['PidMode', 'PID']];
/** What the engine refuses on a container joining another's network (Docker's messages). */
const MEMBER_CONFLICTS: Array<[(b: ContainerCreateBody) => unknown, string]> = [
  [(b) => b.Hostname, 'conflicting options: hostname and the network mode'],
  [(b) => b.ExposedPorts ?? b.HostConfig.PortBindings, 'conflicting options: port publishing and the container type network mode'],
  [(b) => b.HostConfig.Dns, 'conflicting options: dns and the network mode'],
  [(b) => b.HostConfig.ExtraHosts, 'conflicting options: custom host-to-IP mapping and the network mode'],
];

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const targetOf = (mode: unknown): string | undefined =>
  typeof mode === 'string' && mode.startsWith('container:') ? mode.slice('container:'.length) : undefined;
const hasLabels = (have: Record<string, string>, want: Record<string, string>): boolean =>
  Object.entries(want).every(([k, v]) => have[k] === v);
const signalNumber = (name: string): string => ({ SIGKILL: '9', KILL: '9', SIGTERM: '15', TERM: '15' })[name.toUpperCase()] ?? name;

/** `name:tag` or `name@digest`, 'latest' when neither is given. */
function normalizeImage(ref: string): string {
  const parsed = parseImageReference(ref);
  if (!parsed.ok) return ref;
  const { domain, path, tag, digest } = parsed.ref;
  const name = domain !== undefined ? `${domain}/${path}` : path;
  return digest !== undefined ? `${name}@${digest}` : `${name}:${tag ?? 'latest'}`;
}

function hostConfigOf(host: HostConfigBody): ContainerDetails['hostConfig'] {
  return {
    networkMode: host.NetworkMode ?? 'default', ipcMode: host.IpcMode ?? 'private', pidMode: host.PidMode ?? '',
    cgroupParent: host.CgroupParent ?? '', memory: host.Memory ?? 0,
  };
}

function usesVolume(body: ContainerCreateBody, volume: string): boolean {
  const { Binds = [], Mounts = [] } = body.HostConfig;
  return Binds.some((b) => b.startsWith(`${volume}:`)) || Mounts.some((m) => m['Type'] === 'volume' && m['Source'] === volume);
}

/** An in-memory engine behaving like Docker 20.10 (API 1.41) where the operator depends on it. */
export class FakeEngine implements DockerEngine {
  readonly endpoint: string;
  /** Time of every timestamp; replace it to move time. */
  clock: Clock;
  /** Every call in order (containers by the id or name given, creations by name). */
  readonly calls: FakeCall[] = [];
  /** What info() reports. */
  facts: EngineInfo;
  /** When true, every call fails as if the engine did not answer. */
  down = false;
  /** Exit code of SIGTERM by image (default 143); 'ignore' makes a stop end in SIGKILL (137). */
  readonly sigtermExit = new Map<string, number | 'ignore'>();
  /** Every archive put, in order, with the volume mounted at its path (if any). */
  readonly archives: Array<{ id: string; path: string; volume?: string; tar: Buffer }> = [];
  private execHandler: ExecHandler = () => ({ exitCode: 0, stdout: '', stderr: '', timedOut: false });
  private readonly containers = new Map<string, Stored>();
  private readonly output = new FakeOutput();
  private readonly images = new Map<string, string>();
  private readonly registry = new Set<string>();
  private readonly volumes = new Map<string, { labels: Record<string, string>; driverOpts: Record<string, string> }>();
  private readonly failures = new Map<string, Error[]>();
  private readonly history: DockerEvent[] = [];
  private readonly subscriptions = new Set<Subscription>();
  private lastNano = 0n;
  private seq = 0;

  constructor(options: FakeEngineOptions = {}) {
    this.endpoint = options.endpoint ?? 'fake://engine';
    this.clock = options.clock ?? new FakeClock();
    this.facts = {
      id: sha(this.endpoint).slice(0, 32), name: 'fake', serverVersion: '20.10.24', apiVersion: '1.41', os: 'Fake Linux',
      kernelVersion: '6.1.0', cgroupDriver: 'cgroupfs', cgroupVersion: '1', cpus: 4, memoryBytes: 8 * 1024 ** 3, dockerRootDir: '/var/lib/docker', ...options.info,
    };
    for (const image of options.images ?? []) this.addImage(image);
    for (const image of options.registry ?? []) this.addToRegistry(image);
  }

  // ---- test hooks ------------------------------------------------------------------------

  /** Makes the next `times` calls of `operation` throw `error` (after being recorded). */
  failNext(operation: keyof DockerEngine, error: Error, times = 1): void {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), ...Array<Error>(times).fill(error)]);
  }

  /** A running container's process dies with `exitCode` (and the OOM killer's mark when asked). */
  crash(id: string, exitCode: number, options: { oomKilled?: boolean } = {}): void {
    const c = this.find(id);
    if (!c?.details.running) throw new Error(`FakeEngine.crash: ${id} is not a running container`);
    this.exit(c, exitCode, options.oomKilled === true);
  }

  /** Adds an image to the engine. */
  addImage(ref: string): void {
    this.images.set(normalizeImage(ref), `sha256:${sha(normalizeImage(ref))}`);
  }

  /** Removes an image from the engine. */
  removeImage(ref: string): void {
    this.images.delete(normalizeImage(ref));
  }

  /** Makes `ref` pullable. */
  addToRegistry(ref: string): void {
    this.registry.add(normalizeImage(ref));
  }

  /** A running container writes `text` on `target`: its log (logs()) gets one line per newline. */
  writeOutput(id: string, target: 'stdout' | 'stderr', text: string): void {
    const c = this.mustFind(id, 'writeOutput');
    this.output.write(c.details.id, target, text, this.clock.now());
  }

  /** Answers later execs (and attached execs) with `handler`. */
  onExec(handler: ExecHandler): void {
    this.execHandler = handler;
  }

  /** Number of recorded calls of mutating operations. */
  mutatingCalls(): number {
    return this.calls.filter((c) => MUTATING_OPERATIONS.has(c.op)).length;
  }

  /** Ends every event stream (as an engine restart does), with `error` when given. */
  endEventStreams(error?: Error): void {
    for (const sub of [...this.subscriptions]) this.endSubscription(sub, error);
  }

  /** The engine lost its state: no containers, volumes or event history (images too when asked); streams end; a new engine ID. */
  deleteEverything(options: { images?: boolean } = {}): void {
    this.containers.clear();
    this.volumes.clear();
    this.history.length = 0;
    if (options.images === true) this.images.clear();
    this.facts = { ...this.facts, id: sha(`${this.facts.id}/${this.seq++}`).slice(0, 32) };
    this.endEventStreams();
  }

  // ---- DockerEngine ----------------------------------------------------------------------

  async ping(): Promise<void> {
    await this.enter('ping');
  }

  async info(): Promise<EngineInfo> {
    await this.enter('info');
    return { ...this.facts };
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    await this.enter('listContainers');
    return [...this.containers.values()]
      .filter((c) => hasLabels(c.details.labels, labels))
      .sort((a, b) => b.details.created - a.details.created)
      .map(({ details: d }) => ({ id: d.id, name: d.name, labels: { ...d.labels }, state: d.state, image: d.image, imageId: d.imageId, created: d.created }));
  }

  async inspectContainer(id: string): Promise<ContainerDetails | undefined> {
    await this.enter('inspectContainer', { id });
    const c = this.find(id);
    return c ? structuredClone(c.details) : undefined;
  }

  async createContainer(name: string, body: ContainerCreateBody): Promise<string> {
    await this.enter('createContainer', { name });
    this.checkCreate(name, body);
    const id = sha(`${this.facts.id}/${name}/${this.seq++}`);
    const details: ContainerDetails = {
      id, name: name.replace(/^\//, ''), labels: { ...body.Labels }, state: 'created', image: body.Image,
      imageId: this.images.get(normalizeImage(body.Image)) ?? '', created: this.clock.now(), running: false, exitCode: 0,
      oomKilled: false, error: '', startedAt: ZERO_TIME, finishedAt: ZERO_TIME, pid: 0, ipAddress: '',
      hostConfig: hostConfigOf(body.HostConfig), hostname: body.Hostname ?? id.slice(0, 12),
    };
    this.containers.set(id, { details, body: structuredClone(body) });
    this.emit('create', details);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    await this.enter('startContainer', { id });
    const c = this.mustFind(id, 'startContainer');
    if (c.details.running) return;
    const problem = this.joinProblem(c.body.HostConfig);
    if (problem) {
      Object.assign(c.details, { exitCode: 128, error: problem.message });
      throw problem;
    }
    const mode = c.details.hostConfig.networkMode;
    const ownIp = !['none', 'host'].includes(mode) && targetOf(mode) === undefined;
    Object.assign(c.details, {
      state: 'running', running: true, exitCode: 0, oomKilled: false, error: '', pid: 1000 + this.seq++,
      startedAt: new Date(this.clock.now()).toISOString(), ipAddress: ownIp ? `172.17.${(this.seq >> 8) & 255}.${this.seq & 255}` : '',
    });
    this.emit('start', c.details);
  }

  async stopContainer(id: string, _timeoutSeconds: number): Promise<void> {
    await this.enter('stopContainer', { id });
    const c = this.find(id);
    if (!c?.details.running) return;
    this.emit('kill', c.details, { signal: '15' });
    const onTerm = this.sigtermExit.get(normalizeImage(c.details.image)) ?? 143;
    if (onTerm === 'ignore') this.emit('kill', c.details, { signal: '9' });
    this.exit(c, onTerm === 'ignore' ? 137 : onTerm);
    this.emit('stop', c.details);
  }

  async killContainer(id: string, signalName = 'SIGKILL'): Promise<void> {
    await this.enter('killContainer', { id });
    const c = this.find(id);
    if (!c?.details.running) return;
    const signal = signalNumber(signalName);
    this.emit('kill', c.details, { signal });
    const onTerm = this.sigtermExit.get(normalizeImage(c.details.image)) ?? 143;
    if (signal === '9') this.exit(c, 137);
    else if (signal === '15' && onTerm !== 'ignore') this.exit(c, onTerm);
  }

  async removeContainer(id: string, options: { force: boolean; removeVolumes: boolean }): Promise<void> {
    await this.enter('removeContainer', { id });
    const c = this.find(id);
    if (!c) return;
    if (c.details.running && !options.force) {
      throw new DockerError(`You cannot remove a running container ${c.details.id}. Stop the container before attempting removal or force remove`, 409, 'removeContainer');
    }
    if (c.details.running) {
      this.emit('kill', c.details, { signal: '9' });
      this.exit(c, 137);
    }
    this.containers.delete(c.details.id);
    this.output.forget(c.details.id);
    this.emit('destroy', c.details);
  }

  async exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    await this.enter('exec', { id });
    return this.runExec(this.mustRun(id, 'exec'), cmd, timeoutMs, '');
  }

  async startExec(id: string, options: ExecSessionOptions): Promise<ExecSession> {
    await this.enter('startExec', { id });
    const c = this.mustRun(id, 'startExec');
    return fakeExecSession(options, (stdin) => this.runExec(c, options.cmd, 0, stdin));
  }

  async logs(id: string, options: LogOptions): Promise<OutputStream> {
    await this.enter('logs', { id });
    const { details, body } = this.mustFind(id, 'logs');
    return this.output.read(details.id, body.Tty === true, details.running, options);
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    await this.enter('inspectImage', { name: ref });
    const id = this.images.get(normalizeImage(ref)) ?? [...this.images.values()].find((i) => i === ref);
    return id !== undefined ? { id, repoDigests: [], user: '' } : undefined;
  }

  async pullImage(ref: string): Promise<void> {
    await this.enter('pullImage', { name: ref });
    const parsed = parseImageReference(ref);
    if (!parsed.ok) throw new DockerError(`invalid reference format: ${ref}`, 400, 'pullImage');
    if (!this.registry.has(normalizeImage(ref))) {
      const repo = normalizeImage(ref).replace(/[:@][^/]*$/, '');
      throw new DockerError(`pull access denied for ${repo}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`, 404, 'pullImage');
    }
    this.addImage(ref);
  }

  async createVolume(name: string, labels: Record<string, string>, driverOpts: Record<string, string> = {}): Promise<void> {
    await this.enter('createVolume', { name });
    const existing = this.volumes.get(name);
    // As the real adapter: an existing volume is kept when it carries the labels or is in use.
    if (existing && (hasLabels(existing.labels, labels) || [...this.containers.values()].some((c) => usesVolume(c.body, name)))) return;
    this.volumes.set(name, { labels: { ...labels }, driverOpts: { ...driverOpts } });
  }

  async removeVolume(name: string): Promise<void> {
    await this.enter('removeVolume', { name });
    const users = [...this.containers.values()].filter((c) => usesVolume(c.body, name)).map((c) => c.details.id);
    if (users.length > 0) throw new DockerError(`remove ${name}: volume is in use - [${users.join(', ')}]`, 409, 'removeVolume');
    this.volumes.delete(name);
  }

  async putArchive(id: string, path: string, tar: Buffer): Promise<void> {
    await this.enter('putArchive', { id });
    const c = this.mustFind(id, 'putArchive');
    const mount = (c.body.HostConfig.Mounts ?? []).find((m) => m['Target'] === path && m['Type'] === 'volume');
    if (mount?.['ReadOnly'] === true) throw new DockerError('mounted volume is marked read-only', 403, 'putArchive');
    this.archives.push({ id: c.details.id, path, volume: typeof mount?.['Source'] === 'string' ? mount['Source'] : undefined, tar: Buffer.from(tar) });
  }

  async listVolumes(labels: Record<string, string>): Promise<string[]> {
    await this.enter('listVolumes');
    return [...this.volumes.entries()].filter(([, v]) => hasLabels(v.labels, labels)).map(([name]) => name);
  }

  events(options: { since?: number; labels: Record<string, string> }, handlers: EventHandlers): EventStream {
    const sub: Subscription = { labels: options.labels, handlers, ended: false };
    const stream = { close: (): void => this.endSubscription(sub) };
    try {
      this.enterSync('events');
    } catch (err) {
      queueMicrotask(() => this.endSubscription(sub, err as Error));
      return stream;
    }
    this.subscriptions.add(sub);
    if (options.since !== undefined) {
      const from = BigInt(Math.floor(options.since * 1e6)) * 1000n;
      for (const event of this.history.filter((e) => e.timeNano >= from)) this.deliver(sub, event);
    }
    return stream;
  }

  // ---- internals -------------------------------------------------------------------------

  private enterSync(op: string, target: { id?: string; name?: string } = {}): void {
    this.calls.push({ op, ...target });
    if (this.down) throw new DockerError(`connect ECONNREFUSED ${this.endpoint}`, undefined, op);
    const error = this.failures.get(op)?.shift();
    if (error) throw error;
  }

  /** Records the call, then fails it when the engine is down or a failure is queued; yields like I/O. */
  private async enter(op: string, target: { id?: string; name?: string } = {}): Promise<void> {
    this.enterSync(op, target);
    await Promise.resolve();
  }

  /** By id, name (with or without '/') or unique id prefix, as Docker resolves references. */
  private find(ref: string): Stored | undefined {
    const exact = this.containers.get(ref);
    if (exact) return exact;
    const name = ref.replace(/^\//, '');
    const all = [...this.containers.values()];
    const prefixed = all.filter((c) => c.details.id.startsWith(ref));
    return all.find((c) => c.details.name === name) ?? (prefixed.length === 1 ? prefixed[0] : undefined);
  }

  private mustFind(ref: string, op: string): Stored {
    const c = this.find(ref);
    if (!c) throw new DockerError(`No such container: ${ref}`, 404, op);
    return c;
  }

  private mustRun(ref: string, op: string): Stored {
    const c = this.mustFind(ref, op);
    if (!c.details.running) throw new DockerError(`Container ${c.details.id} is not running`, 409, op);
    return c;
  }

  /** An exec's events around the handler's answer. */
  private async runExec(c: Stored, cmd: string[], timeoutMs: number, stdin: string): Promise<ExecResult> {
    const execID = sha(`exec/${this.seq++}`);
    this.emit(`exec_create: ${cmd.join(' ')}`, c.details, { execID });
    this.emit(`exec_start: ${cmd.join(' ')}`, c.details, { execID });
    const result = await this.execHandler(structuredClone(c.details), cmd, timeoutMs, stdin);
    if (!result.timedOut) this.emit('exec_die', c.details, { execID, exitCode: String(result.exitCode) });
    return { ...result };
  }

  private checkCreate(name: string, body: ContainerCreateBody): void {
    if (!NAME.test(name)) throw new DockerError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, 400, 'createContainer');
    const holder = this.find(name.replace(/^\//, ''));
    if (holder && holder.details.name === name.replace(/^\//, '')) {
      throw new DockerError(`Conflict. The container name "/${holder.details.name}" is already in use by container "${holder.details.id}". You have to remove (or rename) that container to be able to reuse that name.`, 409, 'createContainer');
    }
    if (!this.images.has(normalizeImage(body.Image))) throw new DockerError(`No such image: ${body.Image}`, 404, 'createContainer');
    const target = targetOf(body.HostConfig.NetworkMode);
    if (target === undefined) return;
    const conflict = MEMBER_CONFLICTS.find(([get]) => get(body) !== undefined);
    if (conflict) throw new DockerError(conflict[1], 400, 'createContainer');
    if (!this.find(target)) throw new DockerError(`No such container: ${target}`, 404, 'createContainer');
  }

  /** Why a container cannot join the namespaces of the containers its modes name, if it cannot. */
  private joinProblem(host: HostConfigBody): DockerError | undefined {
    for (const [field, kind] of NAMESPACES) {
      const target = targetOf(host[field]);
      if (target === undefined) continue;
      const owner = this.find(target);
      if (!owner) return new DockerError(`No such container: ${target}`, 404, 'startContainer');
      if (!owner.details.running) return new DockerError(`cannot join ${kind} of a non running container: ${target}`, 500, 'startContainer');
    }
    return undefined;
  }

  /** The process ended: state, events (oom first), and members sharing its PID namespace are killed. */
  private exit(c: Stored, exitCode: number, oomKilled = false): void {
    Object.assign(c.details, {
      state: 'exited', running: false, exitCode, oomKilled, pid: 0, finishedAt: new Date(this.clock.now()).toISOString(),
    });
    if (oomKilled) this.emit('oom', c.details);
    this.emit('die', c.details, { exitCode: String(exitCode) });
    this.output.stop(c.details.id);
    for (const member of [...this.containers.values()].filter((m) => m.details.running && this.pidOwner(m) === c)) this.exit(member, 137);
  }

  private pidOwner(member: Stored): Stored | undefined {
    const target = targetOf(member.details.hostConfig.pidMode);
    return target === undefined ? undefined : this.find(target);
  }

  private emit(action: string, d: ContainerDetails, extra: Record<string, string> = {}): void {
    const now = BigInt(this.clock.now()) * 1_000_000n;
    this.lastNano = now > this.lastNano ? now : this.lastNano + 1n;
    const event: DockerEvent = { action, id: d.id, labels: { ...d.labels, image: d.image, name: d.name, ...extra }, timeNano: this.lastNano };
    this.history.push(event);
    for (const sub of this.subscriptions) this.deliver(sub, event);
  }

  /** Delivers asynchronously (as a stream does), in order, and never after the stream ended. */
  private deliver(sub: Subscription, event: DockerEvent): void {
    if (!hasLabels(event.labels, sub.labels)) return;
    queueMicrotask(() => {
      if (!sub.ended) sub.handlers.onEvent({ ...event, labels: { ...event.labels } });
    });
  }

  private endSubscription(sub: Subscription, error?: Error): void {
    if (sub.ended) return;
    sub.ended = true;
    this.subscriptions.delete(sub);
    sub.handlers.onEnd(error);
  }
}
