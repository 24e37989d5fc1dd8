/**
 * The I/O half of configMap and secret volumes: reads the objects a pod's volumes name, projects
 * them (planner/projection.ts) and, when the content's stamp differs from what this operator last
 * wrote for the pod's sandbox, writes the atomic layout into the volume through a short-lived
 * helper container (created from the sandbox image, never started, removed at once). Like the
 * kubelet's periodic sync, a running pod's volumes are re-checked every `refreshMs`. What was
 * written is kept in memory only: after a restart every volume is written once more. Secret bytes
 * go to the engine only, never into logs or Events (messages name objects and keys).
 */
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import {
  atomicLayout, dataDirName, failedMountMessage, project, projectedVolumes, projectionStamp, volumeWriter, WRITER_MOUNT,
  type ProjectedVolume, type WrittenLayout,
} from '../planner/projection.js';
import type { Clock } from '../util/clock.js';
import { tarArchive } from '../util/tar.js';
import { createOrAdopt } from './create-container.js';
import { readError, type EnvSourceReader } from './env-sources.js';
import type { HostBinding } from './hosts.js';

/** The kubelet's default period of its pod sync, which refreshes these volumes. */
export const DEFAULT_REFRESH_MS = 60_000;

type Bytes = Record<string, Buffer> | undefined;

/** A ConfigMap's keys as bytes: `data` (UTF-8) and `binaryData` (base64); undefined when it does not exist. */
export function configMapBytes(cm: V1ConfigMap | undefined): Bytes {
  if (!cm) return undefined;
  const text = Object.entries(cm.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8')] as const);
  const binary = Object.entries(cm.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')] as const);
  return Object.fromEntries([...text, ...binary]);
}

/** A Secret's keys as bytes, decoded (`stringData` wins if a reader ever returns it); undefined when it does not exist. */
export function secretBytes(secret: V1Secret | undefined): Bytes {
  if (!secret) return undefined;
  const data = Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')] as const);
  const strings = Object.entries(secret.stringData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8')] as const);
  return Object.fromEntries([...data, ...strings]);
}

/** What one sync did. */
export interface VolumeSyncResult {
  /** Every volume has content in this sandbox: its containers may be created. */
  ready: boolean;
  /** FailedMount messages, one per volume that could not be set up or refreshed. */
  failures: string[];
  /** Volumes written (content new or changed). */
  written: string[];
}

/** One pod's sync: the pod on its host, its live sandbox, where its objects are read. */
export interface VolumeSync {
  pod: DockerPod;
  host: HostBinding;
  sandboxId: string;
  reader: EnvSourceReader;
}

interface Written {
  sandboxId: string;
  stamp: string;
  layout: WrittenLayout;
}

const uidOf = (pod: DockerPod): string => pod.metadata.uid ?? '';

/** Keeps a pod's configMap and secret volumes filled and current. */
export class ProjectedVolumeWriter {
  private readonly written = new Map<string, Written>();
  private readonly checked = new Map<string, { sandboxId: string; at: number }>();

  constructor(
    readonly refreshMs: number,
    private readonly clock: Clock,
  ) {}

  /** Whether the pod has volumes to keep filled. */
  static applies(pod: DockerPod): boolean {
    return projectedVolumes(pod).length > 0;
  }

  /** Whether a check of the pod's volumes in sandbox `sandboxId` is due (never checked there, or `refreshMs` ago). */
  due(uid: string, sandboxId: string): boolean {
    const last = this.checked.get(uid);
    return !last || last.sandboxId !== sandboxId || this.clock.now() - last.at >= this.refreshMs;
  }

  /** How long until the next check of a pod is due (refreshMs when never checked). */
  nextDueInMs(uid: string): number {
    const last = this.checked.get(uid);
    return last ? Math.max(1, last.at + this.refreshMs - this.clock.now()) : this.refreshMs;
  }

  /** Reads, projects and writes what changed; failures are reported, never thrown. */
  async sync(req: VolumeSync): Promise<VolumeSyncResult> {
    const volumes = projectedVolumes(req.pod);
    const result: VolumeSyncResult = { ready: true, failures: [], written: [] };
    const data = await readSources(req.reader, req.pod.metadata.namespace ?? 'default', volumes);
    await Promise.all(volumes.map((v) => this.syncOne(req, v, data, result)));
    this.checked.set(uidOf(req.pod), { sandboxId: req.sandboxId, at: this.clock.now() });
    return result;
  }

  /** Forgets a pod (it is gone). */
  forget(uid: string): void {
    this.checked.delete(uid);
    for (const key of [...this.written.keys()]) if (key.startsWith(`${uid}/`)) this.written.delete(key);
  }

  private async syncOne(req: VolumeSync, v: ProjectedVolume, data: Map<string, Bytes | Error>, result: VolumeSyncResult): Promise<void> {
    const key = `${uidOf(req.pod)}/${v.name}`;
    const last = this.written.get(key);
    const known = last?.sandboxId === req.sandboxId ? last : undefined;
    const fail = (message: string): void => {
      result.failures.push(failedMountMessage(v.name, message));
      if (!known) result.ready = false;
    };
    const source = data.get(sourceKey(v));
    if (source instanceof Error) return fail(source.message);
    const projection = project(v, source);
    if (!projection.ok) return fail(projection.message);
    const stamp = projectionStamp(projection.files);
    if (known?.stamp === stamp) return;
    const now = this.clock.now();
    const { entries, layout } = atomicLayout(projection.files, dataDirName(stamp, now), known?.layout);
    try {
      await writeVolume(req, v.name, tarArchive(entries, { mtime: now / 1000 }));
    } catch (err) {
      return fail((err as Error).message);
    }
    this.written.set(key, { sandboxId: req.sandboxId, stamp, layout });
    result.written.push(v.name);
  }
}

const sourceKey = (v: ProjectedVolume): string => `${v.kind}/${v.source}`;

/** Each object the volumes name, read once: its keys, undefined when missing, or the API server's error. */
async function readSources(reader: EnvSourceReader, namespace: string, volumes: readonly ProjectedVolume[]): Promise<Map<string, Bytes | Error>> {
  const wanted = new Map(volumes.map((v) => [sourceKey(v), v] as const));
  const read = async (v: ProjectedVolume): Promise<Bytes | Error> => {
    try {
      return v.kind === 'configMap' ? configMapBytes(await reader.readConfigMap(namespace, v.source)) : secretBytes(await reader.readSecret(namespace, v.source));
    } catch (err) {
      return readError(err);
    }
  };
  return new Map(await Promise.all([...wanted].map(async ([key, v]) => [key, await read(v)] as const)));
}

/** Puts `archive` into the volume through a helper container that is always removed again. */
async function writeVolume(req: VolumeSync, volume: string, archive: Buffer): Promise<void> {
  const engine = req.host.engine;
  const id = await createOrAdopt(engine, volumeWriter(req.pod, req.host.ctx, volume));
  try {
    await engine.putArchive(id, WRITER_MOUNT, archive);
  } finally {
    await engine.removeContainer(id, { force: true, removeVolumes: false });
  }
}
