/**
 * Many FakeEngines behind one DockerEngine, one per pod (by the pod-uid label), for the scale
 * benchmark. A single FakeEngine answers a label-filtered list, and resolves a container name,
 * by scanning every container it holds: at 5,000 pods (10,000 containers) that scan would be
 * most of what the benchmark measures, and it is the engine's cost, not the operator's (dockerd
 * indexes names, and its list filtering is the engine's CPU, not the operator's). Sharding by pod
 * keeps every per-pod call O(1) in the number of pods, so the curve shows the operator.
 * A list without a pod uid (the resync's) still walks every shard, as the engine would.
 * Each shard keeps the FakeEngine's semantics; `dropState()` forgets everything (to weigh the
 * engine's share of the heap).
 */
import { LABEL } from '../src/planner/labels.js';
import { FakeEngine } from '../src/runtime/docker/fake-engine.js';
import {
  DockerError, type ContainerCreateBody, type ContainerDetails, type ContainerSummary, type DockerEngine, type EngineInfo, type EventHandlers,
  type EventStream, type ExecResult, type ExecSession, type ExecSessionOptions, type ImageInfo, type LogOptions, type OutputStream,
} from '../src/runtime/docker/types.js';
import { systemClock } from '../src/util/clock.js';

interface Subscription {
  options: { since?: number; labels: Record<string, string> };
  handlers: EventHandlers;
  streams: EventStream[];
  closed: boolean;
}

/** A DockerEngine made of one FakeEngine per pod. */
export class ShardedFakeEngine implements DockerEngine {
  readonly endpoint: string;
  private shards = new Map<string, FakeEngine>();
  private owners = new Map<string, FakeEngine>();
  private readonly subscriptions = new Set<Subscription>();
  /** Answers engine-wide calls (ping, info, images, volumes). */
  private readonly root: FakeEngine;

  constructor(endpoint: string, private readonly images: string[]) {
    this.endpoint = endpoint;
    this.root = this.newEngine();
  }

  private newEngine(): FakeEngine {
    // The system clock: restart back-offs and timestamps must be real for a real operator.
    return new FakeEngine({ endpoint: this.endpoint, clock: systemClock, images: this.images, info: { cpus: 2, memoryBytes: 8 * 1024 ** 3 } });
  }

  /** Number of containers across shards. */
  containerCount(): number {
    return this.owners.size;
  }

  /** Forgets every container and shard (open subscriptions stay open). */
  dropState(): void {
    this.shards = new Map();
    this.owners = new Map();
    for (const sub of this.subscriptions) sub.streams = [];
  }

  private shardOf(labels: Record<string, string> | undefined): FakeEngine {
    const uid = labels?.[LABEL.uid] ?? '';
    let shard = this.shards.get(uid);
    if (!shard) {
      shard = this.newEngine();
      this.shards.set(uid, shard);
      for (const sub of this.subscriptions) sub.streams.push(shard.events({ labels: sub.options.labels }, sub.handlers));
    }
    return shard;
  }

  private owner(id: string, op: string): FakeEngine {
    const shard = this.owners.get(id);
    if (!shard) throw new DockerError(`No such container: ${id}`, 404, op);
    return shard;
  }

  ping(): Promise<void> {
    return this.root.ping();
  }

  info(): Promise<EngineInfo> {
    return this.root.info();
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    const uid = labels[LABEL.uid];
    if (uid !== undefined) return (await this.shards.get(uid)?.listContainers(labels)) ?? [];
    const all = await Promise.all([...this.shards.values()].map((s) => s.listContainers(labels)));
    return all.flat().sort((a, b) => b.created - a.created);
  }

  async inspectContainer(id: string): Promise<ContainerDetails | undefined> {
    return this.owners.get(id)?.inspectContainer(id);
  }

  async createContainer(name: string, body: ContainerCreateBody): Promise<string> {
    const shard = this.shardOf(body.Labels);
    const id = await shard.createContainer(name, body);
    this.owners.set(id, shard);
    return id;
  }

  startContainer(id: string): Promise<void> {
    return this.owner(id, 'startContainer').startContainer(id);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.owners.get(id)?.stopContainer(id, timeoutSeconds);
  }

  async killContainer(id: string, signalName?: string): Promise<void> {
    await this.owners.get(id)?.killContainer(id, signalName);
  }

  async removeContainer(id: string, options: { force: boolean; removeVolumes: boolean }): Promise<void> {
    const shard = this.owners.get(id);
    if (!shard) return;
    await shard.removeContainer(id, options);
    this.owners.delete(id);
  }

  exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    return this.owner(id, 'exec').exec(id, cmd, timeoutMs);
  }

  startExec(id: string, options: ExecSessionOptions): Promise<ExecSession> {
    return this.owner(id, 'startExec').startExec(id, options);
  }

  logs(id: string, options: LogOptions): Promise<OutputStream> {
    return this.owner(id, 'logs').logs(id, options);
  }

  inspectImage(ref: string): Promise<ImageInfo | undefined> {
    return this.root.inspectImage(ref);
  }

  pullImage(ref: string): Promise<void> {
    return this.root.pullImage(ref);
  }

  createVolume(name: string, labels: Record<string, string>, driverOpts?: Record<string, string>): Promise<void> {
    return this.root.createVolume(name, labels, driverOpts);
  }

  removeVolume(name: string): Promise<void> {
    return this.root.removeVolume(name);
  }

  putArchive(id: string, path: string, tar: Buffer): Promise<void> {
    return this.owner(id, 'putArchive').putArchive(id, path, tar);
  }

  listVolumes(labels: Record<string, string>): Promise<string[]> {
    return this.root.listVolumes(labels);
  }

  events(options: { since?: number; labels: Record<string, string> }, handlers: EventHandlers): EventStream {
    const sub: Subscription = { options, handlers, streams: [], closed: false };
    // Each shard's stream ending (only on close here) must not end the subscriber's.
    const quiet: EventHandlers = { onEvent: (e) => handlers.onEvent(e), onEnd: () => undefined };
    sub.handlers = quiet;
    for (const shard of this.shards.values()) sub.streams.push(shard.events(options, quiet));
    this.subscriptions.add(sub);
    return {
      close: () => {
        if (sub.closed) return;
        sub.closed = true;
        this.subscriptions.delete(sub);
        for (const s of sub.streams) s.close();
        handlers.onEnd();
      },
    };
  }
}
