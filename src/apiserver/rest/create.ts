/** POST: create an object (`kubectl create`, `apply` of a new object, client `create*` calls). */
import { randomBytes } from 'node:crypto';
import { nestedDeeperThan } from '../../util/objects.js';
import { apiError } from '../errors.js';
import { MAX_NESTING_DEPTH } from '../patch/apply-patch.js';
import { nameOf, namespaceOf, usesGeneration, type KubeObject } from '../resources/types.js';
import { checkTypeMeta, defaultAndValidate, fieldValidationOf, handleUnknownFields } from './admission.js';
import { metaOf, served, type ApiCore, type ResourceRequest, type VerbResult } from './core.js';
import { assertNamespaceWritable } from './namespaces.js';

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** generateName + 5 random characters from the API server's alphabet (no vowels, no look-alikes). */
function generatedName(prefix: string): string {
  const bytes = randomBytes(5);
  return prefix + [...bytes].map((b) => NAME_SUFFIX_ALPHABET[b % NAME_SUFFIX_ALPHABET.length]).join('');
}

/** Answers 400 when `value` nests objects and lists deeper than MAX_NESTING_DEPTH. */
export function checkNestingDepth(value: unknown): void {
  if (nestedDeeperThan(value, MAX_NESTING_DEPTH)) throw apiError.badRequest(`json: exceeded max depth of ${MAX_NESTING_DEPTH}`);
}

/** Decodes a request body as a JSON object, or answers 400. */
export function bodyObject(body: unknown): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw apiError.badRequest('the body of the request was not a JSON object');
  checkNestingDepth(body);
  const metadata = (body as Record<string, unknown>)['metadata'];
  if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) throw apiError.badRequest('metadata: must be a JSON object');
  return structuredClone(body) as KubeObject;
}

/** Puts the URL's namespace into the object, or answers 400 when the body names another. */
export function bindNamespace(req: ResourceRequest, obj: KubeObject): void {
  const meta = metaOf(obj);
  if (!req.info.namespaced) return;
  if (meta['namespace'] !== undefined && meta['namespace'] !== '' && meta['namespace'] !== req.namespace) {
    throw apiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  meta['namespace'] = req.namespace;
}

/** Sets what the server owns on a new object: uid, creationTimestamp, generation; strips status where it has its own endpoint. */
export function initializeForCreate(core: ApiCore, req: ResourceRequest, obj: KubeObject): void {
  const meta = metaOf(obj);
  if (!meta['name'] && typeof meta['generateName'] === 'string' && meta['generateName']) meta['name'] = generatedName(meta['generateName']);
  for (const field of ['uid', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'managedFields']) delete meta[field];
  meta['uid'] = core.newUid();
  meta['creationTimestamp'] = core.timestamp();
  if (usesGeneration(req.info)) meta['generation'] = 1;
  else delete meta['generation'];
  if (req.info.statusSubresource && req.info.group !== '') delete obj['status'];
}

/** Creates the object; 409 AlreadyExists when the name is taken. */
export function create(core: ApiCore, req: ResourceRequest): VerbResult {
  const obj = bodyObject(req.body);
  checkTypeMeta(req.info, obj);
  bindNamespace(req, obj);
  const warnings = handleUnknownFields(req.info, obj, fieldValidationOf(req.query.get('fieldValidation')));
  initializeForCreate(core, req, obj);
  return createPrepared(core, req, obj, warnings);
}

/** The rest of a create once the body is decoded (shared with server-side apply of a new object). */
export function createPrepared(core: ApiCore, req: ResourceRequest, obj: KubeObject, warnings: string[]): VerbResult {
  if (req.info.namespaced) assertNamespaceWritable(core, req.info, namespaceOf(obj), nameOf(obj));
  defaultAndValidate(req.info, obj);
  const name = nameOf(obj);
  if (core.get(req.info, req.namespace, name)) throw apiError.alreadyExists(req.info, name);
  if (req.query.get('dryRun') === 'All') return { code: 201, body: served(req.info, obj), warnings };
  return { code: 201, body: served(req.info, core.put(req.info, obj)), warnings };
}
