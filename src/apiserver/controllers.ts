/**
 * The controllers that live inside the API server process, as write hooks: the CRD controller
 * (accepts names, writes Established/NamesAccepted, registers and unregisters the resources,
 * deletes the instances of a deleted CRD) and the namespace controller (empties a
 * Terminating namespace, then removes it).
 */
import { canonicalJson } from '../util/canonical.js';
import { crdResources, crdSpecOf, crdStatus, acceptedNames } from './resources/crd.js';
import { nameOf, namespaceOf, type KubeObject, type ResourceInfo } from './resources/types.js';
import { metaOf, resourceIdOf, type ApiCore } from './rest/core.js';
import { reconcileTerminatingNamespace } from './rest/namespaces.js';

type Condition = { type: string; status: string; lastTransitionTime?: string };

/** Keeps lastTransitionTime of conditions whose status did not change. */
function keepTransitionTimes(next: Record<string, unknown>, previous: unknown): Record<string, unknown> {
  const before = ((previous as { conditions?: Condition[] } | undefined)?.conditions ?? []);
  const conditions = (next['conditions'] as Condition[]).map((c) => {
    const old = before.find((b) => b.type === c.type && b.status === c.status);
    return old?.lastTransitionTime ? { ...c, lastTransitionTime: old.lastTransitionTime } : c;
  });
  return { ...next, conditions };
}

function deleteInstances(core: ApiCore, crd: KubeObject): void {
  const spec = crdSpecOf(crd);
  const resourceId = resourceIdOf({ group: spec.group, resource: spec.names.plural });
  for (const obj of core.store.list(resourceId)) {
    core.store.remove(resourceId, namespaceOf(obj), nameOf(obj));
  }
}

/** Registers the resources of every stored CRD (at start, after loading persisted state). */
export function registerStoredCrds(core: ApiCore): void {
  for (const crd of core.store.list('apiextensions.k8s.io/customresourcedefinitions')) syncCrd(core, crd);
}

function syncCrd(core: ApiCore, crd: KubeObject): void {
  const name = nameOf(crd);
  const spec = crdSpecOf(crd);
  const conflict = core.registry.conflictWith(name, spec.group, acceptedNames(spec));
  const resources = crdResources(crd).map((r) => {
    const validate = core.validators.get(`${r.group}/${r.kind}`);
    return validate ? { ...r, validate } : r;
  });
  core.registry.setCrd(name, conflict ? [] : resources);
  const status = keepTransitionTimes(crdStatus(spec, core.timestamp(), conflict), crd['status']);
  if (canonicalJson(status) === canonicalJson(crd['status'])) return;
  const info = core.registry.get('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  if (info) core.put(info, { ...crd, status });
}

/** Write hook of the CRD controller. */
export function crdController(core: ApiCore, info: ResourceInfo, obj: KubeObject, removed: boolean): void {
  if (info.group !== 'apiextensions.k8s.io' || info.resource !== 'customresourcedefinitions') return;
  if (removed) {
    core.registry.setCrd(nameOf(obj), []);
    deleteInstances(core, obj);
    return;
  }
  syncCrd(core, obj);
}

/** Write hook of the namespace controller: reacts to a deleting namespace and to writes inside one. */
export function namespaceController(): (core: ApiCore, info: ResourceInfo, obj: KubeObject, removed: boolean) => void {
  const pending = new Set<string>();
  return (core, info, obj) => {
    const isNamespace = info.group === '' && info.resource === 'namespaces';
    const namespace = isNamespace ? nameOf(obj) : namespaceOf(obj);
    if (!namespace || pending.has(namespace)) return;
    const ns = isNamespace ? obj : core.store.get('/namespaces', '', namespace);
    if (!ns || !metaOf(ns)['deletionTimestamp']) return;
    pending.add(namespace);
    // Deferred: never write from inside another write's hook chain.
    queueMicrotask(() => {
      pending.delete(namespace);
      reconcileTerminatingNamespace(core, namespace);
    });
  };
}
