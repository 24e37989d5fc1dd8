/**
 * The kubelet's runAsNonRoot check (pure): with `runAsNonRoot: true` and no `runAsUser`, the
 * image's own user decides. Root (an empty user, `0`, `0:gid`) or a user name (the kubelet
 * cannot tell a name's uid, not even `root`'s) make the container wait with CreateContainerConfigError, worded as
 * the kubelet words it; the engine is never asked to start it.
 */
import type { Container } from '../api/v1alpha1/container.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';

/** The kubelet's format.Pod: `name_namespace(uid)`. */
const podRef = (pod: DockerPod): string => `"${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})"`;

/** Whether the check applies at all: runAsNonRoot without an explicit user (validation refuses runAsUser 0 with it). */
export const needsImageUser = (c: Container): boolean => c.securityContext?.runAsNonRoot === true && c.securityContext.runAsUser === undefined;

/** Why the container may not run as the image's `user`, or undefined when it may. */
export function runAsNonRootError(pod: DockerPod, c: Container, imageUser: string): string | undefined {
  if (!needsImageUser(c)) return undefined;
  const user = imageUser.split(':')[0] ?? '';
  const where = `(pod: ${podRef(pod)}, container: ${c.name})`;
  if (user === '' || /^0+$/.test(user)) return `container has runAsNonRoot and image will run as root ${where}`;
  if (!/^[0-9]+$/.test(user)) return `container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root ${where}`;
  return undefined;
}
