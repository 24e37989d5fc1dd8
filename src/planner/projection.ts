/**
 * configMap and secret volumes as the kubelet makes them (pure): which keys become which files
 * with which modes (`items`, `defaultMode`, `optional`, the kubelet's error messages), a stamp of
 * the content, and the atomic writer's layout as archive entries: the files in a directory
 * `..<time>.<stamp>`, a symlink `..data` to it and, per top-level entry, a symlink
 * `<entry> -> ..data/<entry>`. An update writes a new directory and replaces `..data`, so a reader
 * sees the old or the new content, never a mix; the previous directory (when known) becomes a
 * symlink to `..data`, which drops its bytes. The helper container that writes the archive is
 * described here too.
 */
import { createHash } from 'node:crypto';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import type { Volume } from '../api/v1alpha1/pod-spec.js';
import type { TarEntry } from '../util/tar.js';
import type { PlanContext } from './context.js';
import type { DesiredContainer } from './desired.js';
import { specHash } from './hash.js';
import { containerName, LABEL, podLabels } from './labels.js';
import { dockerVolumeName, mountedVolumeNames } from './volumes.js';

/** A configMap or secret volume some container mounts. */
export interface ProjectedVolume {
  /** The pod volume's name. */
  name: string;
  kind: 'configMap' | 'secret';
  /** The ConfigMap's or Secret's name. */
  source: string;
  items?: Array<{ key: string; path: string; mode?: number }>;
  defaultMode?: number;
  optional?: boolean;
}

/** One file of a projection. */
export interface ProjectedFile {
  path: string;
  mode: number;
  content: Buffer;
}

/** The files of a volume, or the kubelet's reason it cannot be set up. */
export type Projection = { ok: true; files: ProjectedFile[] } | { ok: false; message: string };

/** The kubelet's default mode of projected files. */
export const DEFAULT_MODE = 0o644;

function projectedOf(v: Volume): ProjectedVolume | undefined {
  const src = v.configMap ?? v.secret;
  if (!src) return undefined;
  const source = v.configMap ? v.configMap.name : (v.secret?.secretName ?? '');
  return { name: v.name, kind: v.configMap ? 'configMap' : 'secret', source, ...(src.items ? { items: src.items } : {}), ...(src.defaultMode !== undefined ? { defaultMode: src.defaultMode } : {}), ...(src.optional !== undefined ? { optional: src.optional } : {}) };
}

/** The pod's configMap and secret volumes that some container mounts, in spec order. */
export function projectedVolumes(pod: DockerPod): ProjectedVolume[] {
  const mounted = mountedVolumeNames(pod);
  return (pod.spec.volumes ?? []).filter((v) => mounted.has(v.name)).flatMap((v) => projectedOf(v) ?? []);
}

const noun = (v: ProjectedVolume): string => (v.kind === 'configMap' ? 'configmap' : 'secret');

/** The kubelet's message for a missing key that `items` lists. */
const missingKey = (v: ProjectedVolume, key: string): string =>
  v.kind === 'configMap' ? `configmap references non-existent config key: ${key}` : `secret references non-existent secret key: ${key}`;

/**
 * The files of volume `v` from its object's keys (`data`: undefined when the object does not
 * exist): every key, or only the listed items (a missing one skipped when optional), with the
 * item's mode or `defaultMode` (0644). A missing object is an empty volume when optional.
 */
export function project(v: ProjectedVolume, data: Record<string, Buffer> | undefined): Projection {
  const mode = v.defaultMode ?? DEFAULT_MODE;
  if (!data) return v.optional ? { ok: true, files: [] } : { ok: false, message: `${noun(v)} "${v.source}" not found` };
  if (!v.items) return { ok: true, files: Object.keys(data).sort().map((key) => ({ path: key, mode, content: data[key] ?? Buffer.alloc(0) })) };
  const files: ProjectedFile[] = [];
  for (const item of v.items) {
    const content = data[item.key];
    if (content === undefined) {
      if (v.optional) continue;
      return { ok: false, message: missingKey(v, item.key) };
    }
    files.push({ path: item.path, mode: item.mode ?? mode, content });
  }
  return { ok: true, files };
}

/** The kubelet's FailedMount message for a volume that cannot be set up. */
export const failedMountMessage = (volume: string, reason: string): string => `MountVolume.SetUp failed for volume "${volume}" : ${reason}`;

/** A stamp of the content (paths, modes, bytes): the same content, the same stamp. */
export function projectionStamp(files: readonly ProjectedFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${f.path}\u0000${f.mode.toString(8)}\u0000${f.content.length}\u0000`).update(f.content);
  }
  return h.digest('hex').slice(0, 16);
}

/** The name of a data directory: the write time (like the kubelet's) and the content's stamp. */
export function dataDirName(stamp: string, nowMs: number): string {
  const t = new Date(nowMs).toISOString();
  return `..${t.slice(0, 19).replace(/[-T:]/g, '_')}.${stamp}`;
}

/** What a volume holds after a write: its data directory and top-level entries. */
export interface WrittenLayout {
  dir: string;
  entries: string[];
}

const topLevel = (files: readonly ProjectedFile[]): string[] => [...new Set(files.map((f) => f.path.split('/')[0] ?? ''))].filter(Boolean).sort();

function parentDirs(files: readonly ProjectedFile[]): string[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs].sort();
}

/**
 * The archive entries of one write of `files` into directory `dir`, in the order that keeps every
 * reader consistent: the new directory with its files, then `..data`, then the links of new
 * top-level entries (`previous`: what the volume is known to hold), then the old directory dropped.
 */
export function atomicLayout(files: readonly ProjectedFile[], dir: string, previous?: WrittenLayout): { entries: TarEntry[]; layout: WrittenLayout } {
  const top = topLevel(files);
  const known = new Set(previous?.entries ?? []);
  const entries: TarEntry[] = [
    { type: 'dir', path: dir, mode: 0o755 },
    ...parentDirs(files).map((d): TarEntry => ({ type: 'dir', path: `${dir}/${d}`, mode: 0o755 })),
    ...files.map((f): TarEntry => ({ type: 'file', path: `${dir}/${f.path}`, mode: f.mode, content: f.content })),
    { type: 'symlink', path: '..data', target: dir },
    ...top.filter((e) => !known.has(e)).map((e): TarEntry => ({ type: 'symlink', path: e, target: `..data/${e}` })),
  ];
  if (previous && previous.dir !== dir) entries.push({ type: 'symlink', path: previous.dir, target: '..data' });
  return { entries, layout: { dir, entries: [...new Set([...known, ...top])].sort() } };
}

/** Role label of the short-lived container that writes a volume (unknown to the planner: a leftover is removed). */
export const VOLUME_WRITER_ROLE = 'volume-writer';

/** Where the writer mounts the volume. */
export const WRITER_MOUNT = '/v';

/** The helper container that writes volume `volume`: the sandbox's image, never started, the volume at /v. */
export function volumeWriter(pod: DockerPod, ctx: PlanContext, volume: string): DesiredContainer {
  const id = { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' };
  const container = `vol.${volume}`;
  const image = pod.spec.sandbox?.image ?? ctx.pauseImage;
  const hash = specHash({ image, volume });
  return {
    name: containerName(id, container, 0),
    hash,
    body: {
      Image: image,
      Labels: { ...podLabels(ctx.instance, id, ctx.extraLabels), [LABEL.role]: VOLUME_WRITER_ROLE, [LABEL.container]: container, [LABEL.attempt]: '0', [LABEL.specHash]: hash },
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: 'none',
        RestartPolicy: { Name: 'no' },
        Mounts: [{ Type: 'volume', Source: dockerVolumeName(id.uid, volume), Target: WRITER_MOUNT, ReadOnly: false, VolumeOptions: { NoCopy: true } }],
      },
    },
  };
}
