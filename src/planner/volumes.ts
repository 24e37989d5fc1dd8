/**
 * Pod volumes as Docker objects and mounts. An `emptyDir` is one Docker volume per pod (named
 * after the pod's uid, labelled like its containers, removed with the pod), shared by every
 * container that mounts it; `medium: Memory` makes it a tmpfs through the local driver (one tmpfs
 * mounted once and shared, not Docker's per-container `--tmpfs`), its size the `sizeLimit`. A
 * `hostPath` is a bind mount: with type "" or DirectoryOrCreate through `Binds`, which creates a
 * missing directory as the kubelet does; with an existence-checking type through `Mounts`, which
 * the engine refuses when the path is missing (the engine's message becomes CreateContainerError).
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

/** The Docker volumes of the pod's emptyDirs, in spec order. */
export function desiredVolumes(pod: DockerPod, ctx: PlanContext): DesiredVolume[] {
  const id = identity(pod);
  return (pod.spec.volumes ?? [])
    .filter((v) => v.emptyDir !== undefined)
    .map((v) => ({
      name: dockerVolumeName(id.uid, v.name),
      labels: { ...podLabels(ctx.instance, id, ctx.extraLabels), [VOLUME_LABEL]: v.name },
      ...(v.emptyDir?.medium === 'Memory' ? { driverOpts: tmpfsOptions(v) } : {}),
    }));
}

const CREATES_DIRECTORY = new Set(['', 'DirectoryOrCreate']);

type Mount = { bind: string } | { mount: Record<string, unknown> } | undefined;

function mountOf(uid: string, v: Volume | undefined, m: NonNullable<Container['volumeMounts']>[number]): Mount {
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
