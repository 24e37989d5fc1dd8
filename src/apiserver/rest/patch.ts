/**
 * PATCH: merge patch, JSON patch and server-side apply (which creates a missing object, 201).
 * Strategic merge patch exists only for built-ins (applied here as a merge patch); custom
 * resources answer it with the API server's 415. A resourceVersion inside the patch is a
 * precondition, because it lands in the patched object the update step checks.
 */
import { apiError } from '../errors.js';
import { applyConfiguration, applyJsonPatch, mergePatch, parseApplyBody, patchTypeOf, type PatchType } from '../patch/index.js';
import { nameOf, type KubeObject } from '../resources/types.js';
import { checkTypeMeta, fieldValidationOf, handleUnknownFields } from './admission.js';
import { bindNamespace, checkNestingDepth, createPrepared, initializeForCreate } from './create.js';
import { metaOf, type ApiCore, type ResourceRequest, type VerbResult } from './core.js';
import { applyUpdate } from './update.js';

const ACCEPTED = 'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml';

function patchType(req: ResourceRequest): PatchType {
  const type = patchTypeOf(req.contentType);
  if (type === undefined || (type === 'strategic' && !req.info.strategicMerge)) {
    const accepted = req.info.strategicMerge ? `${ACCEPTED}, application/strategic-merge-patch+json` : ACCEPTED;
    throw apiError.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${accepted}`);
  }
  return type;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw apiError.badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

/** A patch that does not even decode is a bad request; one that does not apply is unprocessable. */
function patchError(err: unknown): never {
  if (!(err instanceof Error) || 'status' in err) throw err;
  if (err.message.startsWith('json: cannot unmarshal') || err.message.startsWith('error decoding')) throw apiError.badRequest(err.message);
  throw apiError.unprocessable(`the server rejected our request due to an error in our request: ${err.message}`);
}

/** The decoded patch, no deeper than a body may be. */
function decodePatch(type: PatchType, body: string): unknown {
  try {
    const value = type === 'apply' ? parseApplyBody(body) : parseJson(body);
    checkNestingDepth(value);
    return value;
  } catch (err) {
    return patchError(err);
  }
}

function patched(type: PatchType, old: KubeObject, body: string): KubeObject {
  const patch = decodePatch(type, body);
  try {
    if (type === 'json') return applyJsonPatch(old, patch) as KubeObject;
    if (type === 'apply') return applyConfiguration(old, patch) as KubeObject;
    return mergePatch(old, patch) as KubeObject;
  } catch (err) {
    return patchError(err);
  }
}

/** The object must keep the name of the URL. */
export function checkName(req: ResourceRequest, obj: KubeObject): void {
  if (nameOf(obj) !== req.name) throw apiError.badRequest(`the name of the object (${nameOf(obj)}) does not match the name on the URL (${req.name ?? ''})`);
}

function applyCreate(core: ApiCore, req: ResourceRequest, body: string): VerbResult {
  let obj: KubeObject;
  try {
    obj = parseApplyBody(body) as KubeObject;
  } catch (err) {
    throw apiError.badRequest((err as Error).message);
  }
  checkTypeMeta(req.info, obj);
  bindNamespace(req, obj);
  metaOf(obj)['name'] ??= req.name;
  checkName(req, obj);
  const warnings = handleUnknownFields(req.info, obj, fieldValidationOf(req.query.get('fieldValidation')));
  initializeForCreate(core, req, obj);
  return createPrepared(core, req, obj, warnings);
}

/** PATCH on an object or its status. */
export function patch(core: ApiCore, req: ResourceRequest): VerbResult {
  const type = patchType(req);
  const body = typeof req.body === 'string' ? req.body : '{}';
  if (type === 'apply' && !req.query.get('fieldManager')) throw apiError.badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
  const old = core.get(req.info, req.namespace, req.name ?? '');
  if (!old) {
    if (type === 'apply' && req.subresource === undefined) return applyCreate(core, req, body);
    throw apiError.notFound(req.info, req.name ?? '');
  }
  const obj = patched(type, old, body);
  checkTypeMeta(req.info, obj);
  checkName(req, obj);
  const warnings = handleUnknownFields(req.info, obj, fieldValidationOf(req.query.get('fieldValidation')));
  return applyUpdate(core, req, { incoming: obj, old, warnings });
}
