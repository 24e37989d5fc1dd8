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
import { parseQuantity, value } from '../api/quantity.js';
import type { Container } from '../api/v1alpha1/container.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import type { Volume } from '../api/v1alpha1/pod-spec.js';
import type { PlanContext } from './context.js';
import { LABEL, podLabels } from './labels.js';
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

/** The Docker volumes of the pod's emptyDirs and of the configMap and secret volumes its containers mount, in spec order. */
export function desiredVolumes(pod: DockerPod, ctx: PlanContext): DesiredVolume[] {
  const id = identity(pod);
  const mounted = mountedVolumeNames(pod);
  return (pod.spec.volumes ?? [])
    .filter((v) => v.emptyDir !== undefined || ((v.configMap !== undefined || v.secret !== undefined) && mounted.has(v.name)))
    .map((v) => {
      const driverOpts = driverOptsOf(v);
      return { name: dockerVolumeName(id.uid, v.name), labels: { ...podLabels(ctx.instance, id, ctx.extraLabels), [VOLUME_LABEL]: v.name }, ...(driverOpts ? { driverOpts } : {}) };
    });
}

/** Where the sandbox holds tmpfs volumes mounted (a local-driver tmpfs is unmounted, its content lost, when no container has it mounted; held by the sandbox it lives as long as the pod, as an emptyDir must). */
export const SANDBOX_VOLUME_DIR = '/.dockerpod/volumes';

/** The sandbox's mounts: every tmpfs volume (Secret, Memory emptyDir) a container mounts, read-only. */
export function sandboxMounts(pod: DockerPod): Pick<HostConfigBody, 'Mounts'> {
  const uid = identity(pod).uid;
  const mounted = mountedVolumeNames(pod);
  const mounts = (pod.spec.volumes ?? [])
    .filter((v) => (v.secret !== undefined || v.emptyDir?.medium === 'Memory') && mounted.has(v.name))
    .map((v) => projectedMount(dockerVolumeName(uid, v.name), `${SANDBOX_VOLUME_DIR}/${v.name}`));
  return mounts.length > 0 ? { Mounts: mounts } : {};
}

/** A read-only mount of a configMap or secret volume; NoCopy, so an image's files never leak into it. */
const projectedMount = (source: string, target: string): Record<string, unknown> => ({ Type: 'volume', Source: source, Target: target, ReadOnly: true, VolumeOptions: { NoCopy: true } });

const CREATES_DIRECTORY = new Set(['', 'DirectoryOrCreate']);

type Mount = { bind: string } | { mount: Record<string, unknown> } | undefined;

function mountOf(uid: string, v: Volume | undefined, m: NonNullable<Container['volumeMounts']>[number]): Mount {
  if (v && (v.configMap ?? v.secret)) return { mount: projectedMount(dockerVolumeName(uid, v.name), m.mountPath) };
  return plainMount(uid, v, m);
}

function plainMount(uid: string, v: Volume | undefined, m: NonNullable<Container['volumeMounts']>[number]): Mount {
  const readOnly = m.readOnly === true;
  if (v?.emptyDir) return { mount: { Type: 'volume', Source: dockerVolumeName(uid, v.name), Target: m.mountPath, ReadOnly: readOnly } };
  if (!v?.hostPath) return undefined;
  if (CREATES_DIRECTORY.has(v.hostPath.type ?? '')) return { bind: `${v.hostPath.path}:${m.mountPath}${readOnly ? ':ro' : ''}` };
  return { mount: { Type: 'bind', Source: v.hostPath.path, Target: m.mountPath, ReadOnly: readOnly } };
}

/** Mount settings of a container: `Binds` for creating host paths, `Mounts` for the rest. Volumes the pod does not declare are skipped (validation refuses them). */
export function containerMounts(pod: DockerPod, c: Container): Pick<HostConfigBody, 'Binds' | 'Mounts'> {
  const uid = identity(pod).uid;
  const volumes = new Map((pod.spec.volumes ?? []).map((v) => [v.name, v]));
  const all = (c.volumeMounts ?? []).map((m) => mountOf(uid, volumes.get(m.name), m));
  const binds = all.flatMap((x) => (x && 'bind' in x ? [x.bind] : []));
  const mounts = all.flatMap((x) => (x && 'mount' in x ? [x.mount] : []));
  return { ...(binds.length > 0 ? { Binds: binds } : {}), ...(mounts.length > 0 ? { Mounts: mounts } : {}) };
}

/** Labels that find a pod's volumes again. */
export const volumeSelector = (ctx: PlanContext, uid: string): Record<string, string> => ({ [LABEL.managedBy]: ctx.instance, [LABEL.uid]: uid });
