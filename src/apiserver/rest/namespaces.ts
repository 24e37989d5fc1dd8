/**
 * Namespace lifecycle, as the API server and its namespace controller give it: `default`
 * exists; content may only be created in an existing, Active namespace; deleting a namespace
 * makes it Terminating, deletes everything in it (objects with finalizers wait for them), and
 * removes it once it is empty.
 */
import { apiError } from '../errors.js';
import { nameOf, type KubeObject, type ResourceInfo } from '../resources/types.js';
import { metaOf, resourceIdOf, type ApiCore } from './core.js';

const NAMESPACES = { group: '', resource: 'namespaces' };

/** The namespaces resource. */
export function namespacesInfo(core: ApiCore): ResourceInfo {
  const info = core.registry.get('', 'v1', 'namespaces');
  if (!info) throw new Error('namespaces resource is not registered');
  return info;
}

/** Creates the namespace when missing (used for `default` at start). */
export function ensureNamespace(core: ApiCore, name: string): void {
  if (core.store.get(resourceIdOf(NAMESPACES), '', name)) return;
  core.put(namespacesInfo(core), {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, uid: core.newUid(), creationTimestamp: core.timestamp(), labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });
}

/** 404 when the namespace does not exist, 403 when it is being terminated. */
export function assertNamespaceWritable(core: ApiCore, info: ResourceInfo, namespace: string, name: string): void {
  const ns = core.store.get(resourceIdOf(NAMESPACES), '', namespace);
  if (!ns) throw apiError.notFound(NAMESPACES, namespace);
  if ((ns.metadata ?? {})['deletionTimestamp']) {
    throw apiError.forbidden(info, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
  }
}

/** A new namespace starts Active, with the `kubernetes` finalizer and its name label. */
export function normalizeNamespace(obj: KubeObject): void {
  const meta = metaOf(obj);
  meta['labels'] = { ...((meta['labels'] ?? {}) as Record<string, string>), 'kubernetes.io/metadata.name': nameOf(obj) };
  obj['status'] = { phase: (meta['deletionTimestamp'] ? 'Terminating' : 'Active') };
  obj['spec'] = { finalizers: ['kubernetes'], ...((obj['spec'] ?? {})) };
}

function contentOf(core: ApiCore, namespace: string): Array<{ info: ResourceInfo; obj: KubeObject }> {
  const seen = new Set<string>();
  return core.registry.all().filter((r) => r.namespaced).filter((r) => {
    const id = resourceIdOf(r);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  }).flatMap((info) => core.store.list(resourceIdOf(info), namespace).map((obj) => ({ info, obj })));
}

/** Deletes what is in a terminating namespace and removes the namespace once nothing is left. */
export function reconcileTerminatingNamespace(core: ApiCore, namespace: string): void {
  const info = namespacesInfo(core);
  const ns = core.get(info, undefined, namespace);
  if (!ns || !(ns.metadata ?? {})['deletionTimestamp']) return;
  for (const { info: r, obj } of contentOf(core, namespace)) {
    const meta = metaOf(obj);
    const finalizers = (meta['finalizers'] ?? []) as string[];
    if (finalizers.length === 0) core.remove(r, namespace, nameOf(obj));
    else if (!meta['deletionTimestamp']) core.put(r, { ...obj, metadata: { ...meta, deletionTimestamp: core.timestamp(), deletionGracePeriodSeconds: 0 } });
  }
  if (contentOf(core, namespace).length === 0) core.remove(info, '', namespace);
}
