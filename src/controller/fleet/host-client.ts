/**
 * The writes the operator makes to DockerHosts: the protection finalizer (held while pods are
 * bound), status through the status subresource as a merge patch, and the implicit host that
 * `--docker-host` and standalone mode declare (created when missing, its endpoint kept in step).
 */
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import type { DockerHost, DockerHostStatus } from '../../api/v1alpha1/dockerhost.js';
import { GROUP, VERSION } from '../../api/v1alpha1/group.js';
import { isApiConflict, isApiNotFound } from '../../kube/dockerpod-client.js';

/** Holds a DockerHost while pods are bound to it. */
export const HOST_FINALIZER = 'dockerpod.dev/bound-pods';
/** Marks the DockerHost the operator made for `--docker-host`. */
export const IMPLICIT_LABEL = 'dockerpod.dev/implicit';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const REF = { group: GROUP, version: VERSION, plural: 'dockerhosts' };

/** DockerHost writes through client-node. */
export class DockerHostClient {
  constructor(private readonly custom: CustomObjectsApi) {}

  /** Lists hosts (optionally by label selector). */
  async list(labelSelector?: string): Promise<{ items: DockerHost[]; metadata?: { resourceVersion?: string } }> {
    return (await this.custom.listClusterCustomObject({ ...REF, ...(labelSelector ? { labelSelector } : {}) })) as { items: DockerHost[]; metadata?: { resourceVersion?: string } };
  }

  /** Adds the finalizer (no-op when present), conditional on the resourceVersion. */
  async addFinalizer(host: DockerHost): Promise<DockerHost> {
    const finalizers = host.metadata.finalizers ?? [];
    if (finalizers.includes(HOST_FINALIZER)) return host;
    const body = { metadata: { finalizers: [...finalizers, HOST_FINALIZER], resourceVersion: host.metadata.resourceVersion } };
    return (await this.custom.patchClusterCustomObject({ ...REF, name: host.metadata.name ?? '', body }, MERGE)) as DockerHost;
  }

  /** Removes the finalizer; a host already gone is fine. */
  async removeFinalizer(host: DockerHost): Promise<void> {
    const finalizers = (host.metadata.finalizers ?? []).filter((f) => f !== HOST_FINALIZER);
    const body = { metadata: { finalizers: finalizers.length > 0 ? finalizers : null, resourceVersion: host.metadata.resourceVersion } };
    try {
      await this.custom.patchClusterCustomObject({ ...REF, name: host.metadata.name ?? '', body }, MERGE);
    } catch (err) {
      if (!isApiNotFound(err)) throw err;
    }
  }

  /** Writes the status (top-level fields that disappeared are removed); returns the updated host. */
  async patchStatus(host: DockerHost, status: DockerHostStatus): Promise<DockerHost> {
    const removed = Object.keys(host.status ?? {}).filter((k) => !(k in status));
    const body = { status: { ...Object.fromEntries(removed.map((k) => [k, null])), ...status } };
    return (await this.custom.patchClusterCustomObjectStatus({ ...REF, name: host.metadata.name ?? '', body }, MERGE)) as DockerHost;
  }

  /** Creates the implicit host, or adopts an existing one and sets its endpoint to the flag's. */
  async ensureImplicit(name: string, endpoint: string, labels: Record<string, string>): Promise<'created' | 'adopted' | 'updated'> {
    try {
      const existing = (await this.custom.getClusterCustomObject({ ...REF, name })) as DockerHost;
      if (existing.spec.endpoint === endpoint) return 'adopted';
      await this.custom.patchClusterCustomObject({ ...REF, name, body: { spec: { endpoint } } }, MERGE);
      return 'updated';
    } catch (err) {
      if (!isApiNotFound(err)) throw err;
    }
    const body = { apiVersion: `${GROUP}/${VERSION}`, kind: 'DockerHost', metadata: { name, labels: { ...labels, [IMPLICIT_LABEL]: 'true' } }, spec: { endpoint } };
    try {
      await this.custom.createClusterCustomObject({ ...REF, body });
      return 'created';
    } catch (err) {
      // Another operator instance made it between our read and our create.
      if (isApiConflict(err)) return 'adopted';
      throw err;
    }
  }
}
