/**
 * Pod volumes as Docker objects and mounts. An `emptyDir` is one Docker volume per pod (named
 * after the pod's uid, labelled like its containers, removed with the pod), shared by every
 * container that mounts it; `medium: Memory` makes it a tmpfs through the local driver (one tmpfs
 * mounted once and shared, not Docker's per-container `--tmpfs`), its size the `sizeLimit`. A
 * `hostPath` is a bind mount: with type "" or DirectoryOrCreate through `Binds`, which creates a
 * missing directory as the kubelet does; with an existence-checking type through `Mounts`, which
 * the engine refuses when the path is missing (the engine's message becomes CreateContainerError).
 * A `configMap` or `secret` volume that some container mounts is one Docker volume too (a tmpfs
 * for a Secret, so its bytes never touch the host's disk), filled by the operator (projection.ts)
 * and mounted read-only, as the kubelet always does. A tmpfs lives only while a container holds
 * it mounted, so the sandbox holds every Secret volume for the pod's life.
 */
import { posix } from 'node:path';
import { parseQuantity, value } from '../api/quantity.js';
import type { Container } from '../api/v1alpha1/container.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import type { Volume } from '../api/v1alpha1/pod-spec.js';
import type { PlanContext } from './context.js';
import { LABEL, podLabels } from './labels.js';
import { emptyDirSubPaths, nestedUnder, normalizeSubPath, subVolumeName, volumeMountpoint } from './sub-paths.js';
import type { HostConfigBody } from '../runtime/docker/types.js';

/** Label on a pod's Docker volumes: the pod volume's name. */
export const VOLUME_LABEL = 'dockerpod.dev/volume';

/** A Docker volume a pod needs. */
export interface DesiredVolume {
  name: string;
  labels: Record<string, string>;
  driverOpts?: Record<string, string>;
}

/** The Docker volume name of a pod volume: unique by the pod's uid. */
export const dockerVolumeName = (uid: string, volume: string): string => `dp_${uid}_${volume}`;

function identity(pod: DockerPod): { namespace: string; name: string; uid: string } {
  return { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' };
}

function tmpfsOptions(v: Volume): Record<string, string> {
  const limit = v.emptyDir?.sizeLimit === undefined ? undefined : parseQuantity(v.emptyDir.sizeLimit);
  const size = limit ? `,size=${String(value(limit))}` : '';
  return { type: 'tmpfs', device: 'tmpfs', o: `mode=1777${size}` };
}

/** Names of the volumes some container (init or regular) mounts: the kubelet sets up only those. */
export function mountedVolumeNames(pod: DockerPod): Set<string> {
  return new Set([...(pod.spec.initContainers ?? []), ...pod.spec.containers].flatMap((c) => (c.volumeMounts ?? []).map((m) => m.name)));
}

/** Local-driver options of a tmpfs volume without a size: where Secret volumes live. */
const SECRET_TMPFS: Record<string, string> = { type: 'tmpfs', device: 'tmpfs' };

function driverOptsOf(v: Volume): Record<string, string> | undefined {
  if (v.secret) return SECRET_TMPFS;
  return v.emptyDir?.medium === 'Memory' ? tmpfsOptions(v) : undefined;
}

/** Label on the Docker volume of an emptyDir's subPath: the subPath (see sub-paths.ts). */
export const SUB_PATH_LABEL = 'dockerpod.dev/sub-path';

/** The Docker volumes of the pod's emptyDirs (and of each subPath used on them) and of the configMap and secret volumes its containers mount, in spec order. */
export function desiredVolumes(pod: DockerPod, ctx: PlanContext): DesiredVolume[] {
  const id = identity(pod);
  const mounted = mountedVolumeNames(pod);
  const subPaths = emptyDirSubPaths(pod);
  return (pod.spec.volumes ?? [])
    .filter((v) => v.emptyDir !== undefined || ((v.configMap !== undefined || v.secret !== undefined) && mounted.has(v.name)))
    .flatMap((v) => {
      const driverOpts = driverOptsOf(v);
      const labels = { ...podLabels(ctx.instance, id, ctx.extraLabels), [VOLUME_LABEL]: v.name };
      const name = dockerVolumeName(id.uid, v.name);
      const subs = (subPaths.get(v.name) ?? []).map((sub) => ({ name: subVolumeName(name, sub), labels: { ...labels, [SUB_PATH_LABEL]: sub } }));
      return [{ name, labels }, ...subs].map((d) => (driverOpts ? { ...d, driverOpts } : d));
    });
}

/** Where the sandbox holds tmpfs volumes mounted (a local-driver tmpfs is unmounted, its content lost, when no container has it mounted; held by the sandbox it lives as long as the pod, as an emptyDir must). */
export const SANDBOX_VOLUME_DIR = '/.dockerpod/volumes';

/** The sandbox's mounts: every tmpfs volume (Secret, Memory emptyDir and its subPaths) a container mounts, read-only. */
export function sandboxMounts(pod: DockerPod): Pick<HostConfigBody, 'Mounts'> {
  const uid = identity(pod).uid;
  const mounted = mountedVolumeNames(pod);
  const subPaths = emptyDirSubPaths(pod);
  const mounts = (pod.spec.volumes ?? [])
    .filter((v) => (v.secret !== undefined || v.emptyDir?.medium === 'Memory') && mounted.has(v.name))
    .flatMap((v) => {
      const name = dockerVolumeName(uid, v.name);
      const subs = nestedUnder('', subPaths.get(v.name) ?? []).map((n) => projectedMount(subVolumeName(name, n.subPath), `${SANDBOX_VOLUME_DIR}/${subVolumeName(v.name, n.subPath)}`));
      return [projectedMount(name, `${SANDBOX_VOLUME_DIR}/${v.name}`), ...subs];
    });
  return mounts.length > 0 ? { Mounts: mounts } : {};
}

/** A read-only mount of a configMap or secret volume; NoCopy, so an image's files never leak into it. */
const projectedMount = (source: string, target: string): Record<string, unknown> => ({ Type: 'volume', Source: source, Target: target, ReadOnly: true, VolumeOptions: { NoCopy: true } });

const CREATES_DIRECTORY = new Set(['', 'DirectoryOrCreate']);

type VolumeMount = NonNullable<Container['volumeMounts']>[number];
type Mount = { bind: string } | { mount: Record<string, unknown> };

/** Engine facts mounts depend on. */
export type MountContext = Pick<PlanContext, 'dockerRootDir' | 'apiVersion'>;

/** Whether the engine's API version (`1.N`) is at least `1.minor`; an unknown version counts as the oldest supported, 1.41. */
export function apiAtLeast(apiVersion: string | undefined, minor: number): boolean {
  const [major, have] = (apiVersion || '1.41').split('.').map(Number);
  return major === undefined || have === undefined || Number.isNaN(have) ? false : major > 1 || have >= minor;
}

/**
 * A read-only bind that no submount under it can make writable: from API 1.44 the engine makes it
 * recursively read-only (and fails on a kernel that cannot, rather than silently not); before,
 * the bind is non-recursive, so submounts are simply not there. `Binds` strings (`:ro`) would be
 * recursive and leave submounts writable.
 */
function readOnlyBind(source: string, target: string, ctx: MountContext): Record<string, unknown> {
  const options = apiAtLeast(ctx.apiVersion, 44) ? { ReadOnlyForceRecursive: true } : { NonRecursive: true };
  return { Type: 'bind', Source: source, Target: target, ReadOnly: true, BindOptions: options };
}

function projectedMounts(uid: string, v: Volume, m: VolumeMount, ctx: MountContext): Mount[] {
  const volume = dockerVolumeName(uid, v.name);
  const sub = normalizeSubPath(m.subPath);
  if (sub === '') return [{ mount: projectedMount(volume, m.mountPath) }];
  return [{ mount: readOnlyBind(`${volumeMountpoint(ctx.dockerRootDir, volume)}/${sub}`, m.mountPath, ctx) }];
}

/** A mount path as the engine compares them: normalised, no trailing slash. */
const mountTarget = (path: string): string => posix.normalize(path).replace(/(.)\/+$/, '$1');

/**
 * Whether a mount of the container at `target`, or at a directory between `parent` and it, hides
 * a subPath volume nested there: as with the kubelet, the deeper mount is what the container sees
 * (and the engine refuses two mounts at one target: "Duplicate mount point").
 */
function shadowed(target: string, parent: string, explicit: ReadonlySet<string>): boolean {
  for (let t = target; t.length > parent.length; t = posix.dirname(t)) {
    if (explicit.has(t)) return true;
  }
  return false;
}

/** An emptyDir mount: the subPath's own volume at the mount path, and every deeper subPath's volume nested under it (unless another mount hides it). */
function emptyDirMounts(pod: DockerPod, v: Volume, m: VolumeMount, plan: MountPlan): Mount[] {
  const root = dockerVolumeName(identity(pod).uid, v.name);
  const sub = normalizeSubPath(m.subPath);
  const readOnly = m.readOnly === true;
  const parent = mountTarget(m.mountPath);
  const volumeMount = (source: string, target: string): Mount => ({ mount: { Type: 'volume', Source: source, Target: target, ReadOnly: readOnly } });
  const nested = nestedUnder(sub, plan.subPaths.get(v.name) ?? [])
    .map((n) => ({ source: subVolumeName(root, n.subPath), target: posix.join(parent, n.relative) }))
    .filter((n) => !shadowed(n.target, parent, plan.explicit));
  return [volumeMount(sub === '' ? root : subVolumeName(root, sub), m.mountPath), ...nested.map((n) => volumeMount(n.source, n.target))];
}

function hostPathMount(v: Volume & { hostPath: NonNullable<Volume['hostPath']> }, m: VolumeMount, ctx: MountContext): Mount {
  const sub = normalizeSubPath(m.subPath);
  const source = sub === '' ? v.hostPath.path : posix.join(v.hostPath.path, sub);
  if (m.readOnly === true) return { mount: readOnlyBind(source, m.mountPath, ctx) };
  if (CREATES_DIRECTORY.has(v.hostPath.type ?? '')) return { bind: `${source}:${m.mountPath}` };
  return { mount: { Type: 'bind', Source: source, Target: m.mountPath, ReadOnly: false } };
}

/** What every mount of a container needs: the engine facts, the pod's emptyDir subPaths and the container's mount targets (found once per container, not once per mount: a pod may have thousands). */
interface MountPlan {
  ctx: MountContext;
  subPaths: Map<string, string[]>;
  explicit: ReadonlySet<string>;
}

function mountsOf(pod: DockerPod, v: Volume | undefined, m: VolumeMount, plan: MountPlan): Mount[] {
  if (v && (v.configMap ?? v.secret)) return projectedMounts(identity(pod).uid, v, m, plan.ctx);
  if (v?.emptyDir) return emptyDirMounts(pod, v, m, plan);
  if (v?.hostPath) return [hostPathMount({ ...v, hostPath: v.hostPath }, m, plan.ctx)];
  return [];
}

/**
 * Mount settings of a container: `Binds` for writable host paths the engine may have to create,
 * `Mounts` for the rest. Volumes the pod does not declare are skipped (validation refuses them).
 */
export function containerMounts(pod: DockerPod, c: Container, ctx: MountContext = {}): Pick<HostConfigBody, 'Binds' | 'Mounts'> {
  const volumes = new Map((pod.spec.volumes ?? []).map((v) => [v.name, v]));
  const plan: MountPlan = { ctx, subPaths: emptyDirSubPaths(pod), explicit: new Set((c.volumeMounts ?? []).map((m) => mountTarget(m.mountPath))) };
  const all = (c.volumeMounts ?? []).flatMap((m) => mountsOf(pod, volumes.get(m.name), m, plan));
  const binds = all.flatMap((x) => ('bind' in x ? [x.bind] : []));
  const mounts = all.flatMap((x) => ('mount' in x ? [x.mount] : []));
  return { ...(binds.length > 0 ? { Binds: binds } : {}), ...(mounts.length > 0 ? { Mounts: mounts } : {}) };
}

/** Labels that find a pod's volumes again. */
export const volumeSelector = (ctx: PlanContext, uid: string): Record<string, string> => ({ [LABEL.managedBy]: ctx.instance, [LABEL.uid]: uid });
