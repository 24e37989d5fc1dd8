/**
 * Runs one probe attempt on a Docker engine, the way the kubelet's prober does, and says what
 * came of it: Success, Failure, or Unknown (the kubelet's "errored": the worker discards it).
 *
 * - exec: `docker exec` in the container itself, bounded by timeoutSeconds. A timeout is a
 *   Failure worded like the kubelet's (`command "sleep 5" timed out`). Docker has no way to kill
 *   an exec, so a timed-out command keeps running in the container, as with cri-dockerd.
 * - httpGet and tcpSocket: `docker exec <sandbox> /pause probe ...` (hack/pause/pause.c), which
 *   connects to 127.0.0.1 from inside the pod's network namespace, so it works whatever the
 *   operator can route to. That needs the sandbox to run dockerpod's pause image: each sandbox
 *   is asked `/pause -v` once, and probes of a sandbox with another image are Unknown (running
 *   `/pause probe` on the upstream pause binary would pause forever, leaking a process per
 *   attempt). HTTPS runs TLS in the operator over `/pause probe relay`, a byte pipe to the port
 *   from inside the pod (probe-https.ts).
 * - Like the kubelet, an attempt whose exec the engine refused (a DockerError) is retried up to
 *   3 times before it counts as Unknown.
 *
 * Messages carry the kubelet's event wording: "Liveness probe failed: HTTP probe failed with
 * statuscode: 500", "Readiness probe failed: dial tcp 127.0.0.1:8080: connect: connection
 * refused", "Startup probe errored and resulted in unknown state: ...". At most `concurrency`
 * attempts (default 16) run at once on the engine; the rest wait their turn.
 */
import type { ContainerPort, HttpGetAction, Probe } from '../api/v1alpha1/container.js';
import type { ProbeKind, ProbeResult } from '../planner/probes.js';
import type { DockerEngine, ExecResult } from '../runtime/docker/types.js';
import { httpsThroughRelay } from './probe-https.js';

/** Where a probe runs: the container, its pod's sandbox, and the container's ports (for named ports). */
export interface ProbeTarget {
  containerId: string;
  sandboxId: string;
  ports?: ContainerPort[];
}

/** What one attempt came to, with the kubelet's message (the event text on failure). */
export interface ProbeOutcome {
  result: ProbeResult;
  message: string;
}

/** Options of a runner. */
export interface ProbeRunnerOptions {
  /** Attempts in flight at once on the engine (default 16). */
  concurrency?: number;
  /** Budget of the once-per-sandbox `/pause -v` check (default 5000 ms). */
  helperCheckMs?: number;
}

/** Output the kubelet keeps of a probe (pkg/probe: maxReadLength). */
const MAX_OUTPUT = 10 * 1024;
/** The kubelet's maxProbeRetries: attempts of a probe whose run errored. */
const ATTEMPTS = 3;
/** Slack of the helper's exec over its own timeout (exec setup and teardown). */
const HELPER_SLACK_MS = 1000;
const KNOWN_SANDBOXES = 4096;

/** A probe that could not be run: the kubelet throws its result away. */
class ProbeError extends Error {}

const label = (kind: ProbeKind): string => kind.charAt(0).toUpperCase() + kind.slice(1);
const clip = (text: string): string => (text.length > MAX_OUTPUT ? text.slice(0, MAX_OUTPUT) : text).trimEnd();

/** The port a probe names: a number, a container port's name, or a number written as a string (kubelet's ResolveContainerPort). */
export function resolveProbePort(port: number | string, ports: ContainerPort[] = []): number {
  const byName = typeof port === 'string' ? ports.find((p) => p.name === port)?.containerPort : port;
  const resolved = byName ?? (/^[0-9]+$/.test(String(port)) ? Number(port) : undefined);
  if (resolved === undefined) throw new ProbeError(`strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`);
  if (!(resolved > 0 && resolved < 65536)) throw new ProbeError(`invalid port number: ${resolved}`);
  return resolved;
}

/** The `/pause probe` command of an httpGet or tcpSocket probe. */
export function helperCommand(probe: Probe, ports: ContainerPort[] | undefined, timeoutMs: number): string[] {
  if (probe.tcpSocket) return ['/pause', 'probe', 'tcp', String(resolveProbePort(probe.tcpSocket.port, ports)), String(timeoutMs)];
  const get = probe.httpGet;
  if (!get) throw new ProbeError('missing probe handler');
  const scheme = get.scheme === 'HTTPS' ? 'https' : 'http';
  const headers = (get.httpHeaders ?? []).map((h) => `${h.name}: ${h.value}`);
  return ['/pause', 'probe', scheme, String(resolveProbePort(get.port, ports)), get.path ?? '/', String(timeoutMs), ...headers];
}

/** At most `limit` tasks at a time, the others in arrival order. */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async use<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Hand the slot to the next waiter, or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Runs probe attempts on one engine (see the module comment). */
export class ProbeRunner {
  private readonly slots: Semaphore;
  private readonly helperCheckMs: number;
  /** Per sandbox id: undefined when its /pause is dockerpod's, else why probes cannot use it. */
  private readonly helpers = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly engine: DockerEngine,
    options: ProbeRunnerOptions = {},
  ) {
    this.slots = new Semaphore(Math.max(1, options.concurrency ?? 16));
    this.helperCheckMs = options.helperCheckMs ?? 5000;
  }

  /** Attempts running and waiting, for metrics and tests. */
  get load(): { inFlight: number; queued: number } {
    return { inFlight: this.slots.inFlight, queued: this.slots.queued };
  }

  /** Runs one attempt of `probe` (the `kind` probe of the target container). Never throws. */
  async run(kind: ProbeKind, probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
    let lastError: unknown;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        return await this.slots.use(() => this.attempt(kind, probe, target));
      } catch (err) {
        lastError = err;
        if (err instanceof ProbeError) break;
      }
    }
    const why = lastError instanceof Error ? lastError.message : String(lastError);
    return { result: 'Unknown', message: `${label(kind)} probe errored and resulted in unknown state: ${why}` };
  }

  /** Forgets what was learnt about a sandbox (call when it is removed). */
  forgetSandbox(sandboxId: string): void {
    this.helpers.delete(sandboxId);
  }

  private async attempt(kind: ProbeKind, probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
    const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
    if (probe.exec) return execOutcome(kind, probe.exec.command, await this.engine.exec(target.containerId, probe.exec.command, timeoutMs));
    const command = helperCommand(probe, target.ports, timeoutMs);
    const unusable = await this.helperOf(target.sandboxId);
    if (unusable !== undefined) throw new ProbeError(unusable);
    if (probe.httpGet?.scheme === 'HTTPS') return this.https(kind, probe.httpGet, resolveProbePort(probe.httpGet.port, target.ports), { sandboxId: target.sandboxId, timeoutMs });
    return helperOutcome(kind, await this.engine.exec(target.sandboxId, command, timeoutMs + HELPER_SLACK_MS), timeoutMs);
  }

  /** An HTTPS attempt: TLS and HTTP in the operator, bytes through the sandbox's relay (probe-https.ts). */
  private async https(kind: ProbeKind, get: HttpGetAction, port: number, at: { sandboxId: string; timeoutMs: number }): Promise<ProbeOutcome> {
    const r = await httpsThroughRelay(this.engine, at.sandboxId, get, { port, timeoutMs: at.timeoutMs });
    if ('status' in r) {
      if (r.status >= 200 && r.status < 400) return { result: 'Success', message: '' };
      return { result: 'Failure', message: `${label(kind)} probe failed: HTTP probe failed with statuscode: ${r.status}` };
    }
    const url = `https://127.0.0.1:${port}${get.path ?? '/'}`;
    return { result: 'Failure', message: `${label(kind)} probe failed: Get ${JSON.stringify(url)}: ${r.error}` };
  }

  /** Whether the sandbox's /pause can probe, asked once per sandbox. */
  private helperOf(sandboxId: string): Promise<string | undefined> {
    let known = this.helpers.get(sandboxId);
    if (!known) {
      if (this.helpers.size >= KNOWN_SANDBOXES) this.helpers.delete(this.helpers.keys().next().value as string);
      const asked = this.checkHelper(sandboxId);
      this.helpers.set(sandboxId, asked);
      // An engine error is not an answer: ask again next time.
      asked.catch(() => {
        if (this.helpers.get(sandboxId) === asked) this.helpers.delete(sandboxId);
      });
      known = asked;
    }
    return known;
  }

  private async checkHelper(sandboxId: string): Promise<string | undefined> {
    const r = await this.engine.exec(sandboxId, ['/pause', '-v'], this.helperCheckMs);
    if (r.exitCode === 0 && r.stdout.startsWith('dockerpod-pause ')) return undefined;
    const said = r.timedOut ? 'no answer' : JSON.stringify(clip(r.stdout + r.stderr).slice(0, 200));
    return `httpGet and tcpSocket probes run "/pause probe" in the sandbox, which needs dockerpod's pause image (its "/pause -v" said ${said})`;
  }
}

/** The outcome of an exec probe, as the kubelet's exec prober decides it. */
function execOutcome(kind: ProbeKind, command: string[], r: ExecResult): ProbeOutcome {
  const output = clip(r.stdout + r.stderr);
  if (r.timedOut) return { result: 'Failure', message: `${label(kind)} probe failed: command ${JSON.stringify(command.join(' '))} timed out` };
  if (r.exitCode === null) throw new ProbeError('the engine reported no exit code');
  if (r.exitCode === 0) return { result: 'Success', message: output };
  return { result: 'Failure', message: `${label(kind)} probe failed: ${output}` };
}

/** The outcome of a `/pause probe` run: exit 0 success, 1 failure, anything else an error. */
function helperOutcome(kind: ProbeKind, r: ExecResult, timeoutMs: number): ProbeOutcome {
  if (r.timedOut) throw new ProbeError(`the sandbox's probe helper did not answer within ${timeoutMs + HELPER_SLACK_MS} ms`);
  if (r.exitCode === 0) return { result: 'Success', message: clip(r.stdout) };
  const reason = clip(r.stderr) || clip(r.stdout) || `exit code ${String(r.exitCode)}`;
  if (r.exitCode === 1) return { result: 'Failure', message: `${label(kind)} probe failed: ${reason}` };
  throw new ProbeError(reason);
}
