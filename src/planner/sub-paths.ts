/**
 * `volumeMounts[].subPath` on plain Docker, without ever binding a host path a pod can redirect.
 *
 * The kubelet mounts a subPath by bind-mounting `<volume>/<subPath>` after opening every component
 * with O_NOFOLLOW (CVE-2017-1002101: a container that plants a symlink at the subPath would
 * otherwise get the host's `/`). The Docker API cannot do that before 1.45, and it resolves bind
 * sources on the host, following symlinks. So:
 * - `emptyDir`: each subPath a pod uses is its own Docker volume (`dp_<uid>_<volume>.<hash>`).
 *   A container mounting the subPath gets that volume; every container mounting the emptyDir at a
 *   path above it gets it too, nested at the same relative place, so all of them share the same
 *   files exactly as with the kubelet. The engine resolves mount targets inside the container's
 *   root (runc's secure join), so a symlink planted in the volume cannot lead out of it. What
 *   differs: a subPath is always a directory, and a container cannot remove or rename a subPath
 *   directory another container mounts (it is a mount point), as with the kubelet while in use.
 * - `configMap`/`secret`: only the operator writes those volumes (containers mount them
 *   read-only), so binding `<volume's mountpoint>/<subPath>` read-only is safe. Like the kubelet,
 *   such a file is not updated when the source changes (the bind holds the file it found).
 * - `hostPath`: the joined host path, which the host policy already covers (a subPath has no "..").
 */
import { posix } from 'node:path';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import type { Volume } from '../api/v1alpha1/pod-spec.js';
import { specHash } from './hash.js';

/** A subPath in canonical form: no "." elements, no leading or trailing "/"; "" is the volume's root. */
export function normalizeSubPath(subPath: string | undefined): string {
  if (!subPath) return '';
  const clean = posix.normalize(subPath).replace(/^\/+|\/+$/g, '');
  return clean === '.' ? '' : clean;
}

/** The Docker volume of one subPath of a pod's emptyDir: the emptyDir's volume name, a dot, a hash of the subPath (volume names are DNS labels: no dot, so the name parses back). */
export const subVolumeName = (volumeName: string, subPath: string): string => `${volumeName}.${specHash(subPath)}`;

type Mount = { name: string; subPath?: string };

const allMounts = (pod: DockerPod): Mount[] => [...(pod.spec.initContainers ?? []), ...pod.spec.containers].flatMap((c) => c.volumeMounts ?? []);

/** The distinct non-root subPaths the pod's containers use on each emptyDir volume, sorted. */
export function emptyDirSubPaths(pod: DockerPod): Map<string, string[]> {
  const emptyDirs = new Set((pod.spec.volumes ?? []).filter((v: Volume) => v.emptyDir !== undefined).map((v) => v.name));
  const found = new Map<string, Set<string>>();
  for (const m of allMounts(pod)) {
    const sub = normalizeSubPath(m.subPath);
    if (!emptyDirs.has(m.name) || sub === '') continue;
    found.set(m.name, (found.get(m.name) ?? new Set()).add(sub));
  }
  return new Map([...found].map(([name, subs]) => [name, [...subs].sort()]));
}

/** Whether `inner` lies strictly below `outer` ("" is the root, above everything). */
export const isBelow = (inner: string, outer: string): boolean => inner !== outer && (outer === '' || inner.startsWith(`${outer}/`));

/** The index of the first of the sorted `all` that is not before `text`. */
function lowerBound(all: readonly string[], text: string): number {
  let low = 0;
  let high = all.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((all[mid] ?? '') < text) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The subPaths of the sorted `all` (as emptyDirSubPaths gives them) nested under a mount of
 * `mounted`, each with where it goes relative to that mount. Those below a path share its prefix,
 * so they are one run of the sorted list, found by a binary search rather than a scan: every
 * mount of a pod with thousands of subPaths asks.
 */
export function nestedUnder(mounted: string, all: readonly string[]): Array<{ subPath: string; relative: string }> {
  if (mounted === '') return all.map((s) => ({ subPath: s, relative: s }));
  const prefix = `${mounted}/`;
  const below: Array<{ subPath: string; relative: string }> = [];
  for (let i = lowerBound(all, prefix); i < all.length && (all[i] ?? '').startsWith(prefix); i++) {
    const s = all[i] ?? '';
    below.push({ subPath: s, relative: s.slice(prefix.length) });
  }
  return below;
}

/** Where the engine keeps a local-driver volume's files on its host (`DockerRootDir` from /info). */
export function volumeMountpoint(dockerRootDir: string | undefined, volumeName: string): string {
  return `${dockerRootDir || '/var/lib/docker'}/volumes/${volumeName}/_data`;
}
