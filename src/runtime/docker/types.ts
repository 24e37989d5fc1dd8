/**
 * The Docker engine as the operator needs it: a small interface over the Engine API (v1.41
 * shapes), implemented by dockerode for real engines and by an in-memory fake for tests.
 * The reconciler depends on this interface only.
 */

/** Body of POST /containers/create (the fields the operator sets). */
export interface ContainerCreateBody {
  Image: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  Hostname?: string;
  Domainname?: string;
  Labels: Record<string, string>;
  ExposedPorts?: Record<string, Record<string, never>>;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Healthcheck?: { Test: string[] };
  StopSignal?: string;
  NetworkDisabled?: boolean;
  HostConfig: HostConfigBody;
}

/** HostConfig of a create (the fields the operator sets). */
export interface HostConfigBody {
  NetworkMode?: string;
  IpcMode?: string;
  PidMode?: string;
  UTSMode?: string;
  CgroupParent?: string;
  RestartPolicy?: { Name: 'no' | 'always' | 'on-failure' | 'unless-stopped'; MaximumRetryCount?: number };
  PortBindings?: Record<string, Array<{ HostIp?: string; HostPort: string }>>;
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  ExtraHosts?: string[];
  ShmSize?: number;
  OomScoreAdj?: number;
  SecurityOpt?: string[];
  Memory?: number;
  MemorySwap?: number;
  CpuShares?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  CapAdd?: string[];
  CapDrop?: string[];
  Privileged?: boolean;
  ReadonlyRootfs?: boolean;
  GroupAdd?: string[];
  Binds?: string[];
  Mounts?: Array<Record<string, unknown>>;
  Tmpfs?: Record<string, string>;
  Sysctls?: Record<string, string>;
  MaskedPaths?: string[];
  ReadonlyPaths?: string[];
}

/** Docker's container states. */
export type ContainerStateName = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** One container as GET /containers/json lists it. */
export interface ContainerSummary {
  id: string;
  /** Without the leading slash. */
  name: string;
  labels: Record<string, string>;
  state: ContainerStateName;
  image: string;
  imageId: string;
  /** Creation time, ms since the epoch. */
  created: number;
}

/** One container as GET /containers/{id}/json describes it. */
export interface ContainerDetails extends ContainerSummary {
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  /** The engine's error when a start failed (e.g. "OCI runtime create failed ..."). */
  error: string;
  /** RFC 3339; Docker's zero time "0001-01-01T00:00:00Z" when never started. */
  startedAt: string;
  finishedAt: string;
  pid: number;
  /** IP address on the container's own network (the sandbox's), '' when none. */
  ipAddress: string;
  /** The create body's key settings, for drift checks and tests. */
  hostConfig: { networkMode: string; ipcMode: string; pidMode: string; cgroupParent: string; memory: number };
  hostname: string;
}

/** Facts of an engine from GET /info and /version. */
export interface EngineInfo {
  id: string;
  name: string;
  serverVersion: string;
  apiVersion: string;
  os: string;
  kernelVersion: string;
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- names the usual drivers; others pass through
  cgroupDriver: 'cgroupfs' | 'systemd' | string;
  cgroupVersion: string;
  cpus: number;
  memoryBytes: number;
  /** Where the engine keeps its data (`DockerRootDir`): local-driver volumes live under `<it>/volumes`. */
  dockerRootDir: string;
}

/** A container event from GET /events. */
export interface DockerEvent {
  action: string;
  id: string;
  labels: Record<string, string>;
  /** Nanoseconds since the epoch. */
  timeNano: bigint;
}

/** Output and status of an exec. */
export interface ExecResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** An image present on the engine. */
export interface ImageInfo {
  id: string;
  repoDigests: string[];
  /** The image's `Config.User` ("" when it runs as root by default). */
  user: string;
}

/** Registry credentials for a pull (X-Registry-Auth). */
export interface RegistryAuth {
  username?: string;
  password?: string;
  auth?: string;
  serveraddress: string;
}

/** A running events subscription. */
export interface EventStream {
  close(): void;
}

/** Handlers of an events subscription. */
export interface EventHandlers {
  onEvent(event: DockerEvent): void;
  /** The stream ended (engine restart, network drop, close()); `error` when it failed. */
  onEnd(error?: Error): void;
}

/** What to read of a container's output (GET /containers/{id}/logs). */
export interface LogOptions {
  /** Keep the stream open for new output until the container stops (or `signal` aborts). */
  follow?: boolean;
  /** Only the last `tail` lines; every line when undefined or negative. */
  tail?: number;
  /** Prefix every line with the time it was written (RFC 3339, nanoseconds) and a space. */
  timestamps?: boolean;
  /** Ends the stream (and, before it started, the call). */
  signal?: AbortSignal;
}

/**
 * Output as the engine sends it. Without a TTY the bytes are Docker's multiplexed frames (split
 * them with OutputDemuxer, stream-frames.ts); with one they are the terminal's bytes, unframed.
 */
export interface OutputStream {
  /** Whether the output comes from a TTY (then it is not multiplexed). */
  tty: boolean;
  stream: NodeJS.ReadableStream;
}

/** An exec with its streams attached, as `docker exec` and `kubectl exec` run one. */
export interface ExecSessionOptions {
  cmd: string[];
  /** Attach the command's stdin: `ExecSession.stdin` is then where to write it (end() closes it). */
  stdin: boolean;
  /** Allocate a TTY (output unframed, stderr merged into it). */
  tty: boolean;
  /** Ends the session (and, before it started, the call). */
  signal?: AbortSignal;
}

/** A running exec: its output, its stdin when attached, and its exit code once it ended. */
export interface ExecSession extends OutputStream {
  /** The command's stdin when attached; ending it closes the command's stdin. */
  stdin?: NodeJS.WritableStream;
  /** Sets the TTY's size (no-op without one). */
  resize(rows: number, columns: number): Promise<void>;
  /** The command's exit code once it ended (call after the output ended); null when the engine has none. */
  exitCode(signal?: AbortSignal): Promise<number | null>;
  /** Drops the connection; the command is left to the engine. */
  close(): void;
}

/** The operations the operator (and the `logs` and `exec` commands) perform on one engine. */
export interface DockerEngine {
  /** A label for logs and metrics (the endpoint). */
  readonly endpoint: string;
  ping(signal?: AbortSignal): Promise<void>;
  info(signal?: AbortSignal): Promise<EngineInfo>;
  /** Every container (running or not) carrying all of `labels` (key=value). */
  listContainers(labels: Record<string, string>, signal?: AbortSignal): Promise<ContainerSummary[]>;
  /** The container, or undefined when it does not exist. */
  inspectContainer(id: string, signal?: AbortSignal): Promise<ContainerDetails | undefined>;
  /** Creates a container; throws DockerError with statusCode 409 when the name is taken. Returns the id. */
  createContainer(name: string, body: ContainerCreateBody, signal?: AbortSignal): Promise<string>;
  /** Starts a container (already running is fine). */
  startContainer(id: string, signal?: AbortSignal): Promise<void>;
  /** Stops with SIGTERM then SIGKILL after `timeoutSeconds` (already stopped or gone is fine). */
  stopContainer(id: string, timeoutSeconds: number, signal?: AbortSignal): Promise<void>;
  /** Sends a signal (default SIGKILL); a stopped or missing container is fine. */
  killContainer(id: string, signalName?: string, signal?: AbortSignal): Promise<void>;
  /** Removes a container (force kills a running one); a missing one is fine. */
  removeContainer(id: string, options: { force: boolean; removeVolumes: boolean }, signal?: AbortSignal): Promise<void>;
  /** Runs a command in a running container, waiting at most `timeoutMs`. */
  exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult>;
  /** Starts a command in a running container with its streams attached (interactive exec); resolves once it runs. */
  startExec(id: string, options: ExecSessionOptions): Promise<ExecSession>;
  /** A container's output (its log), as a stream; throws DockerError 404 when the container does not exist. */
  logs(id: string, options: LogOptions): Promise<OutputStream>;
  /** The image, or undefined when the engine does not have it. */
  inspectImage(ref: string, signal?: AbortSignal): Promise<ImageInfo | undefined>;
  /** Pulls an image; throws DockerError when any progress message reports an error. */
  pullImage(ref: string, auth?: RegistryAuth, signal?: AbortSignal): Promise<void>;
  /**
   * Creates a named volume carrying `labels`. An existing one with the same name is fine when it
   * carries them; one without them (left by a create the engine did not finish) is made again
   * unless a container uses it.
   */
  createVolume(name: string, labels: Record<string, string>, driverOpts?: Record<string, string>): Promise<void>;
  /** Removes a volume; a missing one is fine. */
  removeVolume(name: string): Promise<void>;
  /**
   * Extracts a tar archive into directory `path` of a container (PUT /containers/{id}/archive),
   * which may be created and never started; writes through its volume mounts.
   */
  putArchive(id: string, path: string, tar: Buffer, signal?: AbortSignal): Promise<void>;
  /** Names of the volumes carrying all of `labels`. */
  listVolumes(labels: Record<string, string>): Promise<string[]>;
  /** Subscribes to container events carrying all of `labels`, replaying from `since` (seconds since the epoch). */
  events(options: { since?: number; labels: Record<string, string> }, handlers: EventHandlers): EventStream;
}

/** An error the engine answered with (or a transport failure, with statusCode undefined). */
export class DockerError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
    readonly operation?: string,
  ) {
    super(message);
    this.name = 'DockerError';
  }
}

/** Whether the engine said 404. */
export const isNotFound = (err: unknown): boolean => err instanceof DockerError && err.statusCode === 404;

/** Whether the engine said 409 (a name in use, or a state conflict). */
export const isConflict = (err: unknown): boolean => err instanceof DockerError && err.statusCode === 409;
