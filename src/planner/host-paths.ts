/**
 * Host paths a DockerHost's policy allows, by the PodSecurityPolicy `allowedHostPaths` rule: the
 * path must be at or below a listed prefix, component by component; when every prefix covering it
 * is readOnly, every mount of the volume must be read-only.
 */
import { posix } from 'node:path';
import type { Container } from '../api/v1alpha1/container.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';

/** A host path prefix pods may mount. */
export interface AllowedHostPath { pathPrefix: string; readOnly?: boolean }

const allContainers = (pod: DockerPod): Container[] => [...(pod.spec.initContainers ?? []), ...pod.spec.containers];

/** filepath.Clean for absolute paths: "." and ".." resolved, no trailing "/" except for the root. */
function cleanPath(path: string): string {
  const normalized = posix.normalize(path);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

/** Whether `path` is `prefix` or below it, component by component ("/data" covers "/data/x", not "/database"). */
export function hasPathPrefix(path: string, prefix: string): boolean {
  const p = cleanPath(path);
  const pre = cleanPath(prefix);
  return p === pre || pre === '/' || p.startsWith(`${pre}/`);
}

/** Whether every mount of the volume, in every container, is read-only. */
const mountedReadOnly = (pod: DockerPod, volume: string): boolean =>
  allContainers(pod).every((c) => (c.volumeMounts ?? []).every((m) => m.name !== volume || m.readOnly === true));

/**
 * Whether the policy allows a hostPath volume, by the PodSecurityPolicy allowedHostPaths rule:
 * the path must be at or below a listed prefix; when every prefix covering it is readOnly, every
 * mount of the volume must be read-only.
 */
export function hostPathAllowed(pod: DockerPod, volume: { name: string; path: string }, allowed: readonly AllowedHostPath[]): boolean {
  const covering = allowed.filter((a) => hasPathPrefix(volume.path, a.pathPrefix));
  if (covering.length === 0) return false;
  return covering.some((a) => a.readOnly !== true) || mountedReadOnly(pod, volume.name);
}

