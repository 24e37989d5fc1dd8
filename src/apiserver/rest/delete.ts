/**
 * DELETE of one object and of a collection. With finalizers, deletion only sets
 * `deletionTimestamp` (once; the object stays until the last finalizer is removed by an
 * update); without, the object goes at once. Preconditions (uid, resourceVersion) are honoured;
 * propagation policies are accepted but add no finalizers, as there is no garbage collector.
 */
import { apiError } from '../errors.js';
import { metaString, nameOf, namespaceOf, usesGeneration, type KubeObject } from '../resources/types.js';
import { metaOf, resourceIdOf, served, type ApiCore, type ResourceRequest, type VerbResult } from './core.js';
import { normalizeNamespace } from './namespaces.js';
import { existing } from './update.js';
import { listMatching } from './list.js';

interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

const POLICIES = new Set(['Orphan', 'Background', 'Foreground']);

function deleteOptions(body: unknown): DeleteOptions {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw apiError.badRequest('the body of a DELETE must be a DeleteOptions object');
  const options = body as DeleteOptions;
  if (options.propagationPolicy !== undefined && !POLICIES.has(options.propagationPolicy)) {
    throw apiError.badRequest(`propagationPolicy: Unsupported value: "${options.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`);
  }
  return options;
}

function checkPreconditions(req: ResourceRequest, obj: KubeObject, options: DeleteOptions): void {
  const meta = metaOf(obj);
  const { uid, resourceVersion } = options.preconditions ?? {};
  const name = nameOf(obj);
  if (uid !== undefined && uid !== meta['uid']) {
    throw apiError.conflict(req.info, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${metaString(obj, 'uid')}`);
  }
  if (resourceVersion !== undefined && resourceVersion !== meta['resourceVersion']) {
    throw apiError.conflict(req.info, name, `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${metaString(obj, 'resourceVersion')}`);
  }
}

/** Marks the object deleting: deletionTimestamp once, generation bumped as the API server does. */
function markDeleting(core: ApiCore, req: ResourceRequest, obj: KubeObject): KubeObject {
  const meta = metaOf(obj);
  if (meta['deletionTimestamp']) return obj;
  meta['deletionTimestamp'] = core.timestamp();
  meta['deletionGracePeriodSeconds'] = 0;
  if (usesGeneration(req.info)) meta['generation'] = Number(meta['generation'] ?? 0) + 1;
  if (req.info.resource === 'namespaces' && req.info.group === '') normalizeNamespace(obj);
  return core.put(req.info, obj);
}

function deleteOne(core: ApiCore, req: ResourceRequest, obj: KubeObject, options: DeleteOptions): KubeObject {
  checkPreconditions(req, obj, options);
  const meta = metaOf(obj);
  const dryRun = req.query.get('dryRun') === 'All' || (options.dryRun ?? []).includes('All');
  const isNamespace = req.info.resource === 'namespaces' && req.info.group === '';
  const finalizers = (meta['finalizers'] ?? []) as string[];
  if (dryRun) return obj;
  // A namespace always goes through Terminating: its content is deleted first.
  if (finalizers.length > 0 || isNamespace) return markDeleting(core, req, obj);
  return core.remove(req.info, namespaceOf(obj), nameOf(obj)) ?? obj;
}

/** DELETE of one object: 200 with the object (deleting, or as it was when removed). */
export function remove(core: ApiCore, req: ResourceRequest): VerbResult {
  const options = deleteOptions(req.body);
  return { code: 200, body: served(req.info, deleteOne(core, req, existing(core, req), options)) };
}

/** DELETE of a collection (deletecollection), honouring label and field selectors. */
export function removeCollection(core: ApiCore, req: ResourceRequest): VerbResult {
  const options = deleteOptions(req.body);
  const items = listMatching(core, req).map((obj) => served(req.info, deleteOne(core, req, obj, options)));
  return {
    code: 200,
    body: { kind: req.info.listKind, apiVersion: served(req.info, {}).apiVersion, metadata: { resourceVersion: String(core.store.currentRV()) }, items },
  };
}

/** Storage id of the namespaces resource (for the namespace controller hook). */
export const NAMESPACES_ID = resourceIdOf({ group: '', resource: 'namespaces' });
