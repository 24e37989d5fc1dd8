/**
 * The fleet: every DockerHost this operator owns, its engine client, its readiness and the pods
 * bound to it, and the answer to "where does this pod run?". Placement is the pure scheduler over
 * a snapshot of the hosts and their loads (the requests of bound pods plus in-memory
 * reservations), taken and reserved synchronously, so concurrent reconciles never over-commit a
 * host. A binding never moves on its own: a bound pod is placed on its host, ready or not.
 */
import type { DockerHost } from '../../api/v1alpha1/dockerhost.js';
import type { DockerPod } from '../../api/v1alpha1/dockerpod.js';
import type { Logger } from '../../observability/logger.js';
import type { HostPolicy } from '../../planner/admission.js';
import { unixSocketOf, type SecurityPolicy } from '../../planner/security-policy.js';
import { abandonable, CallAbandoner } from '../../runtime/docker/abandonable-engine.js';
import { connectEngine, type EngineConnectOptions, type EngineVersion } from '../../runtime/docker/dockerode-engine.js';
import { classifyEngineError } from '../../runtime/docker/engine-errors.js';
import type { DockerEngine, EngineInfo } from '../../runtime/docker/types.js';
import { addLoad, hostAllocatable, podDemand, policyAllows, schedulePod, type HostCandidate, type HostLoad, type PodDemand, type Resources } from '../../scheduler/index.js';
import type { HeartbeatResult } from '../../status/host-status.js';
import type { Clock } from '../../util/clock.js';
import type { HostBinding, HostResolver, Placement, PodSettings } from '../hosts.js';
import { connectionKey, HostConfigError, hostConnectOptions, negotiatedOptions, type SecretReader } from './host-connection.js';

/** The host `--docker-host` (or standalone mode) declares: its connection comes from flags, not a Secret. */
export interface ImplicitHost {
  name: string;
  connection: EngineConnectOptions;
  hostIP?: string;
  /** Allowed by operator flags, on top of the DockerHost's own policy. */
  policy: HostPolicy;
}

/** What a readiness or spec change of a host means for the pods. */
export type HostChange = 'ready' | 'notReady' | 'updated' | 'removed';

/** How the fleet is built. */
export interface FleetOptions {
  settings: PodSettings;
  readSecret: SecretReader;
  /** The pods in the cache (for loads and bound pods). */
  pods: () => DockerPod[];
  clock: Clock;
  logger: Logger;
  implicit?: ImplicitHost;
  /** This machine's address, the hostIP of hosts on a unix socket. */
  localAddress: string;
  /** Engine clients (tests wrap them to count calls). */
  connect?: (options: EngineConnectOptions, hostName: string) => DockerEngine;
  probe?: (options: EngineConnectOptions, signal?: AbortSignal) => Promise<EngineVersion>;
  /** Deadline of one heartbeat (default 5 s). */
  heartbeatTimeoutMs?: number;
  /** Deadline of one ordinary call of every engine client the fleet makes (the client's default, 120 s, when absent). */
  callTimeoutMs?: number;
  /** A host NotReady for this long puts its pods in phase Unknown (default 40 s). */
  hostFailureGraceMs?: number;
  onChange?: (hostName: string, change: HostChange) => void;
  /**
   * The labels of `--host-selector` when several operators split a fleet: this one then manages
   * only pods bound or pinned to its hosts, or unbound pods whose hostSelector includes these labels.
   */
  partition?: Record<string, string>;
}

interface Connection {
  key: string;
  engine: DockerEngine;
  apiVersion: string;
}

interface Entry {
  host: DockerHost;
  conn?: Connection;
  info?: EngineInfo;
  ready: boolean;
  /** When readiness last changed (or the host was first seen). */
  transitionMs: number;
  problem?: { reason: string; message: string };
  binding?: HostBinding;
  /** Ends the calls in flight on the host's engine when it goes NotReady, so they free their workers. */
  abandoner: CallAbandoner;
  /** The last heartbeat, when it succeeded: its result and when it ended (wall and monotonic ms). */
  lastOk?: { result: HeartbeatResult; atMs: number; atMono: number };
}

interface Reservation { host: string; demand: PodDemand }


const isTerminal = (pod: DockerPod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** The pod's host: the written binding, else the pin. */
export const boundHostOf = (pod: DockerPod): string | undefined => pod.status?.hostName || pod.spec.hostName || undefined;

/** Takes one pod's demand off the host's load (the inverse of addLoad; a new object, never mutated). */
function removeLoad(loads: Map<string, HostLoad>, hostName: string, demand: PodDemand): void {
  const load = loads.get(hostName);
  if (!load) return;
  const hostPorts = [...load.hostPorts];
  for (const port of demand.hostPorts) {
    const i = hostPorts.indexOf(port);
    if (i >= 0) hostPorts.splice(i, 1);
  }
  loads.set(hostName, { cpuMilli: load.cpuMilli - demand.cpuMilli, memoryBytes: load.memoryBytes - demand.memoryBytes, pods: load.pods - 1, hostPorts });
}

/** The fleet of hosts and the placement of pods on them. */
export class Fleet implements HostResolver {
  private readonly entries = new Map<string, Entry>();
  private readonly reservations = new Map<string, Reservation>();
  private readonly demands = new Map<string, { generation: number; demand: PodDemand }>();
  /** What each cached pod adds to its host's load (bound or pinned, not terminal), and the sums per host: kept current by podChanged(). */
  private readonly counted = new Map<string, { host: string; demand: PodDemand }>();
  private readonly cachedLoads = new Map<string, HostLoad>();

  constructor(private readonly options: FleetOptions) {}

  /** The pod cache added, changed or deleted a pod: its share of its host's load follows (O(1), not a scan per placement). */
  podChanged(pod: DockerPod | undefined, old: DockerPod | undefined): void {
    const uid = (pod ?? old)?.metadata.uid ?? '';
    this.uncount(uid);
    if (!pod) return;
    this.dropReservationIfBound(uid, pod);
    const host = isTerminal(pod) ? undefined : boundHostOf(pod);
    if (host) this.count(uid, host, this.demandOf(pod));
  }

  /** The cache shows the binding: the reservation has done its job (as place() finds on the next pass). */
  private dropReservationIfBound(uid: string, pod: DockerPod): void {
    const bound = pod.status?.hostName;
    if (bound && bound === this.reservations.get(uid)?.host) this.reservations.delete(uid);
  }

  private uncount(uid: string): void {
    const previous = this.counted.get(uid);
    if (!previous) return;
    removeLoad(this.cachedLoads, previous.host, previous.demand);
    this.counted.delete(uid);
  }

  private count(uid: string, host: string, demand: PodDemand): void {
    addLoad(this.cachedLoads, host, demand);
    this.counted.set(uid, { host, demand });
  }

  /** Hosts known, by name. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** The DockerHost as last seen. */
  host(name: string): DockerHost | undefined {
    return this.entries.get(name)?.host;
  }

  /** Adds or updates a host from the cache; a changed spec rebuilds its binding and may reconnect. */
  upsert(host: DockerHost): void {
    const name = host.metadata.name ?? '';
    const entry = this.entries.get(name);
    if (!entry) {
      this.entries.set(name, { host, ready: false, transitionMs: this.options.clock.now(), abandoner: new CallAbandoner() });
      return;
    }
    const changed = JSON.stringify(entry.host.spec) !== JSON.stringify(host.spec) || JSON.stringify(entry.host.metadata.labels) !== JSON.stringify(host.metadata.labels);
    entry.host = host;
    if (!changed) return;
    // A new endpoint, TLS or policy is heartbeated afresh, never answered from the old one's.
    delete entry.lastOk;
    if (entry.info) entry.binding = this.bindingOf(entry, entry.info);
    this.options.onChange?.(name, 'updated');
  }

  /** Forgets a host (its DockerHost is gone). */
  remove(name: string): void {
    if (!this.entries.delete(name)) return;
    for (const [uid, r] of this.reservations) if (r.host === name) this.reservations.delete(uid);
    this.options.onChange?.(name, 'removed');
  }

  /** Pings the host's engine and reads its facts; updates readiness. Never throws. */
  async heartbeat(name: string, signal?: AbortSignal): Promise<HeartbeatResult | undefined> {
    const entry = this.entries.get(name);
    if (!entry) return undefined;
    const deadline = AbortSignal.timeout(this.options.heartbeatTimeoutMs ?? 5000);
    const abort = signal ? AbortSignal.any([signal, deadline]) : deadline;
    try {
      const conn = await this.connection(entry, abort);
      await conn.engine.ping(abort);
      const info = await conn.engine.info(abort);
      const twin = this.twinOf(entry, info);
      if (twin) throw new HostConfigError('DuplicateEngine', `engine ${info.id} is already DockerHost ${twin}: two hosts on one engine would each take the other's containers for strays`);
      this.markReady(entry, info);
      const result: HeartbeatResult = { ok: true, info: { version: info.serverVersion, apiVersion: conn.apiVersion.replace(/^v/, ''), os: info.os, kernel: info.kernelVersion, cgroupDriver: info.cgroupDriver, cgroupVersion: info.cgroupVersion, cpus: info.cpus, memoryBytes: info.memoryBytes } };
      entry.lastOk = { result, atMs: this.options.clock.now(), atMono: this.options.clock.monotonic() };
      return result;
    } catch (err) {
      delete entry.lastOk;
      const problem = err instanceof HostConfigError ? { reason: err.reason, message: err.message } : classifyEngineError(err);
      // A TLS, credential or version problem may be fixed by a new Secret or engine: negotiate afresh.
      if (problem.reason !== 'EngineUnreachable') delete entry.conn;
      this.markDown(entry, problem);
      return { ok: false, ...problem };
    }
  }

  /**
   * The last heartbeat of a Ready host when it succeeded less than `maxAgeMs` ago (monotonic), with
   * the wall time it ended: a status refresh between heartbeats (a pod gave its room back) need not
   * ask the engine again. Undefined after a failed heartbeat or once it is older.
   */
  recentHeartbeat(name: string, maxAgeMs: number): { result: HeartbeatResult; atMs: number; ageMs: number } | undefined {
    const entry = this.entries.get(name);
    const last = entry?.ready ? entry.lastOk : undefined;
    if (!last) return undefined;
    const ageMs = this.options.clock.monotonic() - last.atMono;
    return ageMs < maxAgeMs ? { result: last.result, atMs: last.atMs, ageMs } : undefined;
  }

  private implicitFor(name: string): ImplicitHost | undefined {
    return this.options.implicit?.name === name ? this.options.implicit : undefined;
  }

  private async connection(entry: Entry, signal: AbortSignal): Promise<Connection> {
    const name = entry.host.metadata.name ?? '';
    const implicit = this.implicitFor(name);
    const base = implicit ? implicit.connection : await hostConnectOptions(entry.host, this.options.readSecret);
    const key = connectionKey(base);
    if (entry.conn?.key === key) return entry.conn;
    const { options, engineVersion } = await negotiatedOptions(base, this.options.probe, signal);
    const apiVersion = options.apiVersion ?? '';
    // Only the client gets the call deadline: the version probe above keeps its own (10 s) within the heartbeat's.
    const callTimeoutMs = this.options.callTimeoutMs;
    const engine = (this.options.connect ?? connectEngine)(callTimeoutMs ? { ...options, timeoutMs: callTimeoutMs } : options, name);
    entry.conn = { key, engine: abandonable(engine, entry.abandoner), apiVersion };
    this.options.logger.info('connected to Docker engine', { host: name, endpoint: base.endpoint, engineVersion, apiVersion });
    return entry.conn;
  }

  /** Another Ready host on the same engine (by the engine's ID), if any. */
  private twinOf(entry: Entry, info: EngineInfo): string | undefined {
    if (!info.id) return undefined;
    for (const [name, other] of this.entries) if (other !== entry && other.ready && other.info?.id === info.id) return name;
    return undefined;
  }

  private markReady(entry: Entry, info: EngineInfo): void {
    entry.info = info;
    entry.binding = this.bindingOf(entry, info);
    delete entry.problem;
    if (entry.ready) return;
    entry.ready = true;
    entry.transitionMs = this.options.clock.now();
    this.options.onChange?.(entry.host.metadata.name ?? '', 'ready');
  }

  private markDown(entry: Entry, problem: { reason: string; message: string }): void {
    entry.problem = problem;
    if (!entry.ready) return;
    entry.ready = false;
    entry.transitionMs = this.options.clock.now();
    // Calls still waiting on this engine would hold their passes' workers until their own deadline (120 s by default).
    entry.abandoner.abandon(`DockerHost ${entry.host.metadata.name ?? ''} went NotReady (${problem.reason}: ${problem.message})`);
    this.options.onChange?.(entry.host.metadata.name ?? '', 'notReady');
  }

  private bindingOf(entry: Entry, info: EngineInfo): HostBinding {
    const name = entry.host.metadata.name ?? '';
    const implicit = this.implicitFor(name);
    const hostIP = implicit?.hostIP || addressOf(entry.host.spec.endpoint, this.options.localAddress);
    const settings = this.options.settings;
    const engine = entry.conn?.engine ?? entry.binding?.engine;
    if (!engine) throw new Error(`host ${name} has no engine client`);
    return {
      hostName: name,
      hostIP,
      engine,
      policy: policyOf(entry.host, implicit),
      ctx: { ...settings, cgroupRoot: entry.host.spec.cgroupParent || settings.cgroupRoot, cgroupDriver: info.cgroupDriver, memoryCapacity: info.memoryBytes, hostName: name, hostIP, dockerRootDir: info.dockerRootDir, apiVersion: info.apiVersion },
    };
  }

  /** Whether the host answers. */
  isReady(name: string): boolean {
    return this.entries.get(name)?.ready === true;
  }

  /** Why the host does not answer, and since when (ms). */
  problem(name: string): { reason: string; message: string; sinceMs: number } | undefined {
    const entry = this.entries.get(name);
    if (!entry || entry.ready) return undefined;
    return { reason: entry.problem?.reason ?? 'Unknown', message: entry.problem?.message ?? 'no heartbeat yet', sinceMs: entry.transitionMs };
  }

  /** The binding of a Ready host. */
  binding(name: string): HostBinding | undefined {
    const entry = this.entries.get(name);
    return entry?.ready ? entry.binding : undefined;
  }

  /** Ready hosts, for event streams and resyncs. */
  all(): HostBinding[] {
    return [...this.entries.values()].filter((e) => e.ready && e.binding).map((e) => e.binding as HostBinding);
  }

  /** The engine client of a host, ready or not (for a last teardown attempt). */
  engineOf(name: string): DockerEngine | undefined {
    return this.entries.get(name)?.conn?.engine;
  }

  /** Where the pod runs; binds (reserving its requests) when it has no host yet. Synchronous, so two passes cannot both take the last room. */
  place(pod: DockerPod): Placement {
    const uid = pod.metadata.uid ?? '';
    // The cache shows the binding: the reservation has done its job (a stale cache may still show an older host).
    if (pod.status?.hostName && pod.status.hostName === this.reservations.get(uid)?.host) this.reservations.delete(uid);
    const located = this.locate(pod);
    if (located) return located;
    const choice = pod.spec.hostName ? this.pinned(pod.spec.hostName) : this.schedule(pod);
    if (!('chosen' in choice)) return choice;
    this.reservations.set(uid, { host: choice.chosen, demand: this.demandOf(pod) });
    return this.placementOn(choice.chosen, true);
  }

  /** A pinned pod goes to its host (like nodeName), once that DockerHost exists. */
  private pinned(name: string): { chosen: string } | Placement {
    return this.entries.has(name) ? { chosen: name } : { kind: 'unschedulable', message: `DockerHost ${name} (spec.hostName) does not exist` };
  }

  /** The scheduler's choice over every host and its load (this pod's own reservation left out). */
  private schedule(pod: DockerPod): { chosen: string } | Placement {
    const candidates = this.candidates();
    const result = schedulePod(pod, candidates, this.loads(pod.metadata.uid ?? ''));
    if ('host' in result) return { chosen: result.host };
    // Refused by policy everywhere, whatever else is wrong with the hosts (a NotReady one must not turn InvalidSpec into waiting).
    const forbidden = candidates.length > 0 && candidates.every((c) => !policyAllows(pod, c.policy));
    return { kind: 'unschedulable', message: result.message, ...(forbidden ? { forbidden } : {}) };
  }

  /** Whether this operator manages the pod: always without a partition; with one, by the pod's host, pin or hostSelector. */
  owns(pod: DockerPod): boolean {
    const partition = this.options.partition;
    if (!partition || Object.keys(partition).length === 0) return true;
    const host = this.hostOf(pod);
    if (host) return this.entries.has(host);
    return Object.entries(partition).every(([k, v]) => pod.spec.hostSelector?.[k] === v);
  }

  /** Where the pod runs (its written binding, else its reservation), without binding it. */
  locate(pod: DockerPod): Placement | undefined {
    // A reservation is newer than anything the cache shows (a binding being written, or a move).
    const bound = this.reservations.get(pod.metadata.uid ?? '')?.host || pod.status?.hostName;
    return bound ? this.placementOn(bound, false) : undefined;
  }

  private placementOn(name: string, fresh: boolean): Placement {
    const entry = this.entries.get(name);
    if (!entry) return { kind: 'hostMissing', hostName: name };
    if (entry.ready && entry.binding) return { kind: 'bound', host: entry.binding, fresh };
    const graceMs = this.options.hostFailureGraceMs ?? 40_000;
    return {
      kind: 'hostDown',
      hostName: name,
      hostIP: entry.binding?.hostIP ?? addressOf(entry.host.spec.endpoint, this.options.localAddress),
      message: entry.problem ? `${entry.problem.reason}: ${entry.problem.message}` : 'no heartbeat yet',
      downSinceMs: entry.transitionMs,
      unknownAtMs: entry.transitionMs + graceMs,
      fresh,
      hostDeleting: Boolean(entry.host.metadata.deletionTimestamp),
    };
  }

  /** Drops what the fleet remembers of a pod (it is gone, or its binding is written and cached). */
  release(uid: string): void {
    this.reservations.delete(uid);
    this.demands.delete(uid);
  }

  /** Unbinds a pod so the next placement schedules it afresh (Reschedule policy). */
  unbind(uid: string): void {
    this.reservations.delete(uid);
  }

  private demandOf(pod: DockerPod): PodDemand {
    const uid = pod.metadata.uid ?? '';
    const generation = pod.metadata.generation ?? 0;
    const cached = this.demands.get(uid);
    if (cached && cached.generation === generation) return cached.demand;
    const demand = podDemand(pod);
    this.demands.set(uid, { generation, demand });
    return demand;
  }

  /** The host a pod is on or headed for: a reservation is newer than what the cache shows. */
  private hostOf(pod: DockerPod): string | undefined {
    return this.reservations.get(pod.metadata.uid ?? '')?.host ?? boundHostOf(pod);
  }

  /** Requests of bound, pinned and reserved pods per host (terminal pods release theirs), leaving out `except`. */
  loads(except?: string): Map<string, HostLoad> {
    const loads = new Map(this.cachedLoads);
    // A reservation is newer than the cache: it replaces what the cache says of its pod.
    for (const [uid, r] of this.reservations) {
      const cached = this.counted.get(uid);
      if (cached) removeLoad(loads, cached.host, cached.demand);
      if (uid !== except) addLoad(loads, r.host, r.demand);
    }
    const own = except !== undefined && !this.reservations.has(except) ? this.counted.get(except) : undefined;
    if (own) removeLoad(loads, own.host, own.demand);
    return loads;
  }

  private candidates(): HostCandidate[] {
    return [...this.entries.values()].map((e) => ({
      name: e.host.metadata.name ?? '',
      labels: e.host.metadata.labels ?? {},
      ready: e.ready,
      unschedulable: e.host.spec.unschedulable === true || Boolean(e.host.metadata.deletionTimestamp),
      allocatable: this.allocatable(e.host.metadata.name ?? '') ?? { cpuMilli: 0, memoryBytes: 0, pods: 0 },
      // From the spec, not the connection: a host that never answered still has a policy.
      policy: policyOf(e.host, this.implicitFor(e.host.metadata.name ?? '')),
    }));
  }

  /** Capacity minus reserved, from the spec and the engine's last facts. */
  allocatable(name: string): Resources | undefined {
    const entry = this.entries.get(name);
    if (!entry) return undefined;
    return hostAllocatable(entry.host.spec, entry.info ? { cpus: entry.info.cpus, memoryBytes: entry.info.memoryBytes } : undefined);
  }

  /** Pods bound (or pinned, or reserved) to the host, terminal ones included. */
  boundPods(name: string): DockerPod[] {
    return this.options.pods().filter((p) => this.hostOf(p) === name);
  }
}

/** What a host allows: its spec.policy, plus what operator flags allow on the implicit host. */
function policyOf(host: DockerHost, implicit: ImplicitHost | undefined): HostPolicy {
  const spec = host.spec.policy ?? {};
  const flags = implicit?.policy;
  return {
    allowHostNamespaces: spec.allowHostNamespaces === true || flags?.allowHostNamespaces === true,
    allowPrivileged: spec.allowPrivileged === true || flags?.allowPrivileged === true,
    allowedHostPaths: [...(spec.allowedHostPaths ?? []), ...(flags?.allowedHostPaths ?? [])],
    ...securityOf(host),
  };
}

/** The security part of a host's policy (capabilities, engine sockets), with its own socket when local. */
function securityOf(host: DockerHost): SecurityPolicy {
  const socket = unixSocketOf(host.spec.endpoint);
  const spec = host.spec.policy ?? {};
  return { allowedCapabilities: spec.allowedCapabilities ?? [], allowDockerSocket: spec.allowDockerSocket === true, ...(socket ? { engineSocket: socket } : {}) };
}

/** The address of a host: the TCP endpoint's host, else this machine's. */
export function addressOf(endpoint: string, localAddress: string): string {
  const tcp = /^(?:tcp|ssh):\/\/(?:[^@/]+@)?(\[[^\]]+\]|[^:/]+)/.exec(endpoint);
  return tcp?.[1]?.replace(/^\[|\]$/g, '') ?? localAddress;
}

