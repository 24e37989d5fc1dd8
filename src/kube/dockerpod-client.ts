/**
 * The writes the operator makes to DockerPods: the finalizer (added and removed with a
 * resourceVersion precondition, so a concurrent change makes the pass retry instead of
 * clobbering it), status through the status subresource as a merge patch, and Secret and
 * ConfigMap reads.
 */
import { ApiException, PatchStrategy, setHeaderOptions, type CoreV1Api, type CustomObjectsApi, type V1ConfigMap, type V1Secret } from '@kubernetes/client-node';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import type { DockerPodStatus } from '../api/v1alpha1/pod-status.js';
import { GROUP, VERSION } from '../api/v1alpha1/group.js';

/** The finalizer that holds a DockerPod until its containers are gone. */
export const FINALIZER = 'dockerpod.dev/cleanup';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Whether an error is the API server's 404. */
export const isApiNotFound = (err: unknown): boolean => err instanceof ApiException && err.code === 404;

/** Whether an error is the API server's 409. */
export const isApiConflict = (err: unknown): boolean => err instanceof ApiException && err.code === 409;

/** A merge patch for `status` that also removes top-level fields `previous` had and `next` has not. */
export function statusPatch(next: DockerPodStatus, previous: DockerPodStatus | undefined): Record<string, unknown> {
  const removed = Object.keys(previous ?? {}).filter((k) => !(k in next));
  return { status: { ...Object.fromEntries(removed.map((k) => [k, null])), ...next } };
}

/** DockerPod writes through client-node. */
export class DockerPodClient {
  constructor(
    private readonly custom: CustomObjectsApi,
    private readonly core: CoreV1Api,
  ) {}

  private ref(pod: DockerPod): { group: string; version: string; plural: string; namespace: string; name: string } {
    return { group: GROUP, version: VERSION, plural: 'dockerpods', namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '' };
  }

  /** Adds the finalizer (no-op when present); returns the updated pod. */
  async addFinalizer(pod: DockerPod): Promise<DockerPod> {
    const finalizers = pod.metadata.finalizers ?? [];
    if (finalizers.includes(FINALIZER)) return pod;
    const body = { metadata: { finalizers: [...finalizers, FINALIZER], resourceVersion: pod.metadata.resourceVersion } };
    return (await this.custom.patchNamespacedCustomObject({ ...this.ref(pod), body }, MERGE)) as DockerPod;
  }

  /** Removes the finalizer; a pod already gone is fine. */
  async removeFinalizer(pod: DockerPod): Promise<void> {
    const finalizers = (pod.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    const body = { metadata: { finalizers: finalizers.length > 0 ? finalizers : null, resourceVersion: pod.metadata.resourceVersion } };
    try {
      await this.custom.patchNamespacedCustomObject({ ...this.ref(pod), body }, MERGE);
    } catch (err) {
      if (!isApiNotFound(err)) throw err;
    }
  }

  /**
   * Writes the status (the caller only calls it when the status changed); returns the updated pod.
   * `conditional` makes the pod's resourceVersion a precondition (409 when someone wrote since).
   */
  async patchStatus(pod: DockerPod, status: DockerPodStatus, conditional = false): Promise<DockerPod> {
    const body = { ...statusPatch(status, pod.status), ...(conditional ? { metadata: { resourceVersion: pod.metadata.resourceVersion } } : {}) };
    return (await this.custom.patchNamespacedCustomObjectStatus({ ...this.ref(pod), body }, MERGE)) as DockerPod;
  }

  /** A Secret, or undefined when it does not exist. */
  async readSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      return await this.core.readNamespacedSecret({ namespace, name });
    } catch (err) {
      if (isApiNotFound(err)) return undefined;
      throw err;
    }
  }

  /** A ConfigMap, or undefined when it does not exist. */
  async readConfigMap(namespace: string, name: string): Promise<V1ConfigMap | undefined> {
    try {
      return await this.core.readNamespacedConfigMap({ namespace, name });
    } catch (err) {
      if (isApiNotFound(err)) return undefined;
      throw err;
    }
  }
}
