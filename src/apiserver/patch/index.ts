/**
 * The patch formats of the Kubernetes API, as pure functions over JSON values: JSON merge patch
 * (RFC 7386), JSON patch (RFC 6902) and a simplified server-side apply, plus the mapping from a
 * PATCH request's Content-Type to the format it selects.
 */
export { mergePatch } from './merge-patch.js';
export { JsonPatchError, applyJsonPatch } from './json-patch.js';
export { applyConfiguration, parseApplyBody } from './apply-patch.js';

/**
 * The patch formats a PATCH request can select: `merge` (application/merge-patch+json), `json`
 * (application/json-patch+json), `apply` (application/apply-patch+yaml) and `strategic`
 * (application/strategic-merge-patch+json).
 */
export type PatchType = 'merge' | 'json' | 'apply' | 'strategic';

const PATCH_TYPES: ReadonlyMap<string, PatchType> = new Map([
  ['application/merge-patch+json', 'merge'],
  ['application/json-patch+json', 'json'],
  ['application/apply-patch+yaml', 'apply'],
  ['application/strategic-merge-patch+json', 'strategic'],
]);

/**
 * The patch format a Content-Type header selects, or undefined when it selects none (absent,
 * another media type, or `application/apply-patch+cbor`, which is not supported). Media type
 * parameters such as `; charset=utf-8` are ignored, as are case and surrounding whitespace.
 */
export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const mediaType = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  return mediaType === undefined ? undefined : PATCH_TYPES.get(mediaType);
}
