/**
 * PUT (replace) and the update step shared with PATCH: optimistic concurrency on
 * resourceVersion, the status subresource split, server-owned metadata carried over,
 * generation bumped only on spec changes, no write at all when nothing changed, and removal
 * when the last finalizer of a deleting object goes.
 */
import { canonicalJson } from '../../util/canonical.js';
import { apiError } from '../errors.js';
import { metaString, nameOf, usesGeneration, type KubeObject, type ResourceInfo } from '../resources/types.js';
import { checkTypeMeta, defaultAndValidate, fieldValidationOf, handleUnknownFields } from './admission.js';
import { bodyObject } from './create.js';
import { metaOf, served, specPart, type ApiCore, type ResourceRequest, type VerbResult } from './core.js';

/** Server-owned metadata that an update can never change. */
const CARRIED_OVER = ['creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const;

/** The stored object, or 404. */
export function existing(core: ApiCore, req: ResourceRequest): KubeObject {
  const name = req.name ?? '';
  const old = core.get(req.info, req.namespace, name);
  if (!old) throw apiError.notFound(req.info, name);
  return old;
}

/** The object an update writes: for /status only the status of `incoming`, otherwise all but the status. */
function mergeSubresource(info: ResourceInfo, incoming: KubeObject, old: KubeObject, subresource: string | undefined): KubeObject {
  if (subresource === 'status') {
    const meta = metaOf(incoming);
    return { ...old, status: incoming['status'], metadata: { ...old.metadata, resourceVersion: meta['resourceVersion'] } };
  }
  if (!info.statusSubresource) return incoming;
  const merged: KubeObject = { ...incoming };
  if (old['status'] === undefined) delete merged['status'];
  else merged['status'] = old['status'];
  return merged;
}

/** Checks the resourceVersion precondition of an update (422 when a custom resource omits it, 409 when stale). */
function checkPrecondition(req: ResourceRequest, meta: Record<string, unknown>, old: KubeObject): void {
  const rv = meta['resourceVersion'];
  const name = nameOf(old);
  if (rv === undefined || rv === '') {
    if (!req.info.unconditionalUpdate) {
      throw apiError.invalid(req.info.group, req.info.kind, name, [{ type: 'FieldValueInvalid', field: 'metadata.resourceVersion', badValue: '0x0', detail: 'must be specified for an update' }]);
    }
    return;
  }
  if (rv !== metaString(old, 'resourceVersion')) throw apiError.conflict(req.info, name);
}

function carryOver(obj: KubeObject, old: KubeObject): void {
  const meta = metaOf(obj);
  const oldMeta = metaOf(old);
  for (const field of CARRIED_OVER) {
    if (oldMeta[field] === undefined) delete meta[field];
    else meta[field] = oldMeta[field];
  }
  meta['uid'] ??= oldMeta['uid'];
  delete meta['managedFields'];
  meta['resourceVersion'] = oldMeta['resourceVersion'];
}

const unchanged = (a: KubeObject, b: KubeObject): boolean => canonicalJson(a) === canonicalJson(b);

/**
 * Writes `incoming` over `old` with every update rule; `warnings` ride along to the response.
 * Used by PUT and, with the patched object, by PATCH.
 */
export function applyUpdate(core: ApiCore, req: ResourceRequest, change: { incoming: KubeObject; old: KubeObject; warnings?: string[] }): VerbResult {
  const { incoming, old, warnings = [] } = change;
  checkPrecondition(req, metaOf(incoming), old);
  const obj = mergeSubresource(req.info, incoming, old, req.subresource);
  carryOver(obj, old);
  defaultAndValidate(req.info, obj, old);
  const specChanged = usesGeneration(req.info) && specPart(req.info, obj) !== specPart(req.info, old);
  if (specChanged) metaOf(obj)['generation'] = Number(metaOf(old)['generation'] ?? 0) + 1;
  if (unchanged(obj, old) || req.query.get('dryRun') === 'All') return { code: 200, body: served(req.info, obj), warnings };
  return { code: 200, body: served(req.info, store(core, req, obj)), warnings };
}

/** Writes the object, or removes it when it is deleting and its last finalizer is gone. */
function store(core: ApiCore, req: ResourceRequest, obj: KubeObject): KubeObject {
  const meta = metaOf(obj);
  const finalizers = (meta['finalizers'] ?? []) as string[];
  if (meta['deletionTimestamp'] && finalizers.length === 0) return core.remove(req.info, req.namespace ?? '', nameOf(obj)) ?? obj;
  return core.put(req.info, obj);
}

/** PUT: replaces the object (or its status). */
export function update(core: ApiCore, req: ResourceRequest): VerbResult {
  const incoming = bodyObject(req.body);
  checkTypeMeta(req.info, incoming);
  const meta = metaOf(incoming);
  if (meta['name'] !== undefined && meta['name'] !== req.name) {
    throw apiError.badRequest(`the name of the object (${nameOf(incoming)}) does not match the name on the URL (${req.name ?? ''})`);
  }
  meta['name'] = req.name;
  if (req.info.namespaced) {
    if (meta['namespace'] && meta['namespace'] !== req.namespace) throw apiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    meta['namespace'] = req.namespace;
  }
  const warnings = handleUnknownFields(req.info, incoming, fieldValidationOf(req.query.get('fieldValidation')));
  return applyUpdate(core, req, { incoming, old: existing(core, req), warnings });
}
