/**
 * Small rules of the Operator about pods and keys, kept apart so the Operator reads as wiring:
 * which informer updates deserve a pass, the pod's queue key, the --host-selector labels, and
 * where image pull credentials come from.
 */
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import { FINALIZER, type DockerPodClient } from '../kube/dockerpod-client.js';
import type { RegistryAuth } from '../runtime/docker/types.js';
import { authFromDockerConfig, type CredentialSource } from './images.js';

/** The work queue key of a pod: `namespace/name`. */
export const keyOf = (pod: DockerPod): string => `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;

/**
 * Whether an update of a pod is worth a pass: not for our own status writes, nor for our own
 * finalizer being added (the pass that adds it goes on to do the pod's work in the same pass; a
 * second pass would only list and inspect its containers again: one pass per pod, not two).
 */
export function specChanged(pod: DockerPod, old: DockerPod): boolean {
  const a = pod.metadata;
  const b = old.metadata;
  return a.generation !== b.generation || a.deletionTimestamp !== b.deletionTimestamp || finalizersChanged(a.finalizers, b.finalizers) || JSON.stringify(a.labels) !== JSON.stringify(b.labels) || JSON.stringify(a.annotations) !== JSON.stringify(b.annotations);
}

/** A change of the finalizers other than ours being added (a removal of ours, or anyone else's change, counts). */
function finalizersChanged(now: string[] | undefined, before: string[] | undefined): boolean {
  const withoutOurs = (list: string[] | undefined): string => JSON.stringify((list ?? []).filter((f) => f !== FINALIZER));
  const oursAdded = !(before ?? []).includes(FINALIZER) && (now ?? []).includes(FINALIZER);
  return oursAdded ? withoutOurs(now) !== withoutOurs(before) : JSON.stringify(now) !== JSON.stringify(before);
}

/** The labels of an equality selector `k=v,k=v` (what --host-selector takes). */
export function selectorLabels(selector: string | undefined): Record<string, string> {
  const pairs = (selector ?? '').split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.split('='));
  return Object.fromEntries(pairs.filter((kv): kv is [string, string] => kv.length === 2 && kv[0] !== ''));
}

/** Whether the pod has finished (its room is free again). */
export const terminal = (pod: DockerPod | undefined): boolean => pod?.status?.phase === 'Succeeded' || pod?.status?.phase === 'Failed';

/** Resolves when `signal` aborts (at once when it has). */
export const aborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

/** Credentials for `registry` in one pull Secret; a malformed one fails the pull naming the Secret (never quoting it). */
function authFromSecret(data: string, name: string, registry: string): RegistryAuth | undefined {
  try {
    return authFromDockerConfig(Buffer.from(data, 'base64').toString('utf8'), registry);
  } catch (err) {
    throw new Error(`imagePullSecret "${name}": ${(err as Error).message}`, { cause: err });
  }
}

/** Credentials from the pod's imagePullSecrets, read in the pod's own namespace (the first that has the registry). */
export function credentialsFrom(client: DockerPodClient): CredentialSource {
  return async (pod, registry) => {
    for (const ref of pod.spec.imagePullSecrets ?? []) {
      const secret = await client.readSecret(pod.metadata.namespace ?? 'default', ref.name);
      const data = secret?.data?.['.dockerconfigjson'];
      const auth = data ? authFromSecret(data, ref.name, registry) : undefined;
      if (auth) return auth;
    }
    return undefined;
  };
}

/** `namespace/name` split at the first slash. */
export function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return slash < 0 ? ['', key] : [key.slice(0, slash), key.slice(slash + 1)];
}
