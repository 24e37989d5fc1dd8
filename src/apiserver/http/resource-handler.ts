/**
 * Requests for resources: resolves the route against the registry, decodes the body, runs the
 * verb, and encodes the answer (object, list, Table, or a watch stream).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiError } from '../errors.js';
import { create } from '../rest/create.js';
import { remove, removeCollection } from '../rest/delete.js';
import { get, list } from '../rest/list.js';
import { patch } from '../rest/patch.js';
import { update } from '../rest/update.js';
import { startWatch, type WatchOptions } from '../rest/watch.js';
import type { ApiCore, ResourceRequest, VerbResult } from '../rest/core.js';
import type { KubeObject, ResourceInfo } from '../resources/types.js';
import { includeObjectOf, toTable, wantsTable } from '../table.js';
import { parseJsonBody, readBody, sendJson } from './io.js';
import { decodeProtobufObject, isProtobuf } from './protobuf.js';
import type { ResourceRoute } from './route.js';

/** What the handler needs from the server. */
export interface HandlerContext {
  core: ApiCore;
  watch: WatchOptions;
}

function resolve(core: ApiCore, route: ResourceRoute, path: string): ResourceInfo {
  const info = core.registry.get(route.group, route.version, route.resource);
  if (!info || (route.namespace !== undefined && !info.namespaced)) throw apiError.pageNotFound(path);
  if (route.subresource !== undefined && !(route.subresource === 'status' && info.statusSubresource)) throw apiError.pageNotFound(path);
  return info;
}

type Verb = (core: ApiCore, req: ResourceRequest) => VerbResult;

function verbOf(method: string, hasName: boolean): Verb | 'watch' | undefined {
  const table: Record<string, [Verb | undefined, Verb | undefined]> = {
    GET: [get, list],
    POST: [undefined, create],
    PUT: [update, undefined],
    PATCH: [patch, undefined],
    DELETE: [remove, removeCollection],
  };
  const pair = table[method];
  if (!pair) return undefined;
  return hasName ? pair[0] : pair[1];
}

function tableOf(ctx: HandlerContext, req: ResourceRequest, body: unknown): unknown {
  const now = ctx.core.now().getTime();
  const include = includeObjectOf(req.query.get('includeObject'));
  const record = body as KubeObject & { items?: KubeObject[] };
  if (Array.isArray(record.items)) return toTable(req.info, record.items, { now, include, listMetadata: record.metadata ?? {} });
  return toTable(req.info, [record], { now, include, listMetadata: { resourceVersion: (record.metadata ?? {})['resourceVersion'] } });
}

function serveWatch(ctx: HandlerContext, req: ResourceRequest, http: { req: IncomingMessage; res: ServerResponse; table: boolean }): void {
  const encode = http.table ? (obj: KubeObject): unknown => toTable(req.info, [obj], { now: ctx.core.now().getTime(), include: includeObjectOf(req.query.get('includeObject')) }) : undefined;
  let open = true;
  const stop = startWatch(ctx.core, req, {
    send: (event) => {
      if (!open) return;
      if (!http.res.headersSent) http.res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
      http.res.write(`${JSON.stringify(event)}\n`);
    },
    close: () => {
      if (!open) return;
      open = false;
      if (!http.res.headersSent) http.res.writeHead(200, { 'Content-Type': 'application/json' });
      http.res.end();
    },
  }, { ...ctx.watch, ...(encode ? { encode } : {}) });
  if (!http.res.headersSent) http.res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  http.res.flushHeaders();
  http.req.on('close', stop);
}

/** A PATCH body stays text (its type says how to read it); protobuf is decoded; anything else is JSON. */
function decodeBody(req: IncomingMessage, raw: Buffer): unknown {
  if (req.method === 'PATCH') return raw.toString('utf8');
  return isProtobuf(req.headers['content-type']) ? decodeProtobufObject(raw) : parseJsonBody(raw.toString('utf8'));
}

function requestOf(info: ResourceInfo, route: ResourceRoute, url: URL, http: { req: IncomingMessage; raw: Buffer }): ResourceRequest {
  const method = http.req.method;
  const req: ResourceRequest = { info, query: url.searchParams, body: decodeBody(http.req, http.raw) };
  if (route.namespace !== undefined) req.namespace = route.namespace;
  if (route.name !== undefined) req.name = route.name;
  if (route.subresource === 'status') req.subresource = 'status';
  const contentType = http.req.headers['content-type'];
  if (contentType !== undefined) req.contentType = contentType;
  // A namespaced object is only addressed inside its namespace (lists may span all of them).
  const addressesObject = method === 'POST' || route.name !== undefined;
  if (info.namespaced && req.namespace === undefined && addressesObject) throw apiError.pageNotFound(url.pathname);
  return req;
}

function chooseVerb(method: string, route: ResourceRoute, url: URL, info: ResourceInfo): Verb | 'watch' {
  const isWatch = method === 'GET' && route.name === undefined && ['true', '1'].includes(url.searchParams.get('watch') ?? '');
  const verb = isWatch ? 'watch' : verbOf(method, route.name !== undefined);
  if (!verb) throw apiError.methodNotAllowed(method, info);
  return verb;
}

/** Handles one resource request end to end. */
export async function handleResource(ctx: HandlerContext, route: ResourceRoute, url: URL, http: { req: IncomingMessage; res: ServerResponse }): Promise<void> {
  const info = resolve(ctx.core, route, url.pathname);
  const method = http.req.method ?? 'GET';
  const verb = chooseVerb(method, route, url, info);
  const raw = method === 'GET' ? Buffer.alloc(0) : await readBody(http.req);
  const req = requestOf(info, route, url, { req: http.req, raw });
  const table = wantsTable(http.req.headers.accept);
  if (verb === 'watch') return serveWatch(ctx, req, { ...http, table });
  const result = verb(ctx.core, req);
  const body = table && method === 'GET' ? tableOf(ctx, req, result.body) : result.body;
  sendJson(http.res, result.code, body, result.warnings);
}
