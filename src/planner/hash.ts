/** Short, stable hashes of specs, for the spec-hash label that detects drift. */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../util/canonical.js';

/** 12 hex characters of SHA-256 over the canonical JSON of `value`. */
export function specHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 12);
}
