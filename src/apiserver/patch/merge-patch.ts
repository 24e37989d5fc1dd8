/**
 * JSON merge patch (RFC 7386), the `application/merge-patch+json` patch type of the Kubernetes API.
 *
 * Pure: the result is a fresh value that shares no object or array with either input, and neither
 * input is modified.
 */

import { cloneJson, isJsonObject, setOwn, type JsonObject } from './json-value.js';

/** The merged value of one key that the target has; `undefined` when the patch deletes it. */
function mergeKey(current: unknown, patch: JsonObject, key: string): unknown {
  if (!Object.hasOwn(patch, key) || patch[key] === undefined) return cloneJson(current);
  const change = patch[key];
  return change === null ? undefined : mergePatch(current, change);
}

/**
 * Applies an RFC 7386 merge patch to `target` and returns the result: a patch that is not an object
 * (including `null` and arrays) replaces the target; an object patch is merged into the target
 * (into `{}` when the target is not an object), where a `null` member deletes the key, an object
 * member merges recursively and any other member (arrays included) replaces the value wholesale.
 * Key order follows the target, with new keys appended in patch order. A patch member whose value
 * is `undefined` (not expressible in JSON) is treated as absent. Inputs are never modified and the
 * result shares no objects with them.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const base = isJsonObject(target) ? target : {};
  const result: JsonObject = {};
  for (const key of Object.keys(base)) {
    const merged = mergeKey(base[key], patch, key);
    if (merged !== undefined) setOwn(result, key, merged);
  }
  for (const [key, change] of Object.entries(patch)) {
    if (Object.hasOwn(base, key) || change === null || change === undefined) continue;
    setOwn(result, key, mergePatch(undefined, change));
  }
  return result;
}
