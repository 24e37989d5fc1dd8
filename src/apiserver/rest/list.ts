/**
 * GET of one object and of a list: label and field selectors (400 for field labels the resource
 * does not support), `limit` with `continue` tokens in namespace/name order, and the list's
 * resourceVersion. Lists are served from the current state.
 */
import { apiError } from '../errors.js';
import { nameOf, namespaceOf, type KubeObject, type ResourceInfo } from '../resources/types.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError, type FieldRequirement, type LabelRequirement } from '../selectors.js';
import { metaOf, resourceIdOf, served, type ApiCore, type ResourceRequest, type VerbResult } from './core.js';
import { existing } from './update.js';

/** The parsed selectors of a list or watch request. */
export interface Selectors {
  labels: LabelRequirement[];
  fields: FieldRequirement[];
}

function getPath(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), obj);
}

/** The value of a selectable field of an object, as the API server's field label conversion gives it. */
export function fieldValue(info: ResourceInfo, obj: KubeObject, field: string): string | undefined {
  const path = field === 'source' && info.resource === 'events' ? 'source.component' : field;
  const value = getPath(obj, path);
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function checkFieldLabels(info: ResourceInfo, fields: FieldRequirement[]): void {
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...info.fieldLabels]);
  const bad = fields.find((f) => !allowed.has(f.field));
  if (!bad) return;
  if (info.group === '' || info.crdName === undefined) throw apiError.badRequest(`field label not supported: ${bad.field}`);
  throw apiError.badRequest(`"${bad.field}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
}

/** Parses `labelSelector` and `fieldSelector`, answering 400 for bad ones. */
export function selectorsOf(info: ResourceInfo, query: URLSearchParams): Selectors {
  try {
    const selectors = { labels: parseLabelSelector(query.get('labelSelector') ?? ''), fields: parseFieldSelector(query.get('fieldSelector') ?? '') };
    checkFieldLabels(info, selectors.fields);
    return selectors;
  } catch (err) {
    if (err instanceof SelectorError) throw apiError.badRequest(err.message);
    throw err;
  }
}

/** Whether an object passes both selectors. */
export function matches(info: ResourceInfo, selectors: Selectors, obj: KubeObject): boolean {
  const labels = (metaOf(obj)['labels'] ?? undefined) as Record<string, string> | undefined;
  return matchesLabels(selectors.labels, labels) && matchesFields(selectors.fields, (f) => fieldValue(info, obj, f));
}

/** The objects of the request's resource and namespace that pass its selectors. */
export function listMatching(core: ApiCore, req: ResourceRequest): KubeObject[] {
  const selectors = selectorsOf(req.info, req.query);
  return core.store.list(resourceIdOf(req.info), req.info.namespaced ? req.namespace : undefined).filter((o) => matches(req.info, selectors, o));
}

interface ContinueToken {
  rv: number;
  after: string;
}

const keyOf = (obj: KubeObject): string => `${namespaceOf(obj)}/${nameOf(obj)}`;

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof parsed.after !== 'string' || typeof parsed.rv !== 'number') throw new Error('bad token');
    return parsed;
  } catch {
    throw apiError.badRequest('continue key is not valid: illegal base64 data or bad token');
  }
}

function limitOf(query: URLSearchParams): number | undefined {
  const text = query.get('limit');
  if (text === null || text === '' || text === '0') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw apiError.badRequest(`limit: Invalid value: "${text}": must be a non-negative integer`);
  return n;
}

/** One page of a list plus its continue token and the number of items after it. */
function paginate(items: KubeObject[], query: URLSearchParams, currentRv: number): { page: KubeObject[]; rv: number; next?: string; remaining?: number } {
  const token = query.get('continue');
  const start = token ? decodeContinue(token) : undefined;
  const rest = start ? items.filter((o) => keyOf(o) > start.after) : items;
  const rv = start?.rv ?? currentRv;
  const limit = limitOf(query);
  if (limit === undefined || rest.length <= limit) return { page: rest, rv };
  const page = rest.slice(0, limit);
  const last = page[page.length - 1];
  const next = Buffer.from(JSON.stringify({ rv, after: last ? keyOf(last) : '' })).toString('base64url');
  return { page, rv, next, remaining: rest.length - limit };
}

/** GET of a list: a `<Kind>List` with the list's resourceVersion (and `continue` when limited). */
export function list(core: ApiCore, req: ResourceRequest): VerbResult {
  const { page, rv, next, remaining } = paginate(listMatching(core, req), req.query, core.store.currentRV());
  const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
  if (next) Object.assign(metadata, { continue: next, remainingItemCount: remaining });
  return { code: 200, body: { kind: req.info.listKind, apiVersion: served(req.info, {}).apiVersion, metadata, items: page.map((o) => served(req.info, o)) } };
}

/** GET of one object (or of its status, which is the same object). */
export function get(core: ApiCore, req: ResourceRequest): VerbResult {
  return { code: 200, body: served(req.info, existing(core, req)) };
}
