/**
 * The embedded Kubernetes-compatible API server: `startApiServer` listens (loopback by default),
 * serves discovery, OpenAPI v3, the built-in resources and every CRD created on it, optionally
 * persists to a data directory, and exposes fault hooks and request counters for tests. With a
 * token, every API request must carry it (compared in constant time), and an address that keeps
 * failing is answered 429 for a while (http/auth-limiter.ts).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { crdController, namespaceController, registerStoredCrds } from './controllers.js';
import { coreVersions, group, groupList, resourceList } from './discovery.js';
import { ApiError, apiError } from './errors.js';
import { AuthFailureLimiter, type AuthLimiterOptions } from './http/auth-limiter.js';
import { Faults } from './http/faults.js';
import { sendError, sendJson } from './http/io.js';
import { handleResource } from './http/resource-handler.js';
import { parseResourcePath } from './http/route.js';
import { openApiDocument, openApiIndex } from './openapi.js';
import { ResourceRegistry } from './resources/registry.js';
import { ApiCore, type KindValidators } from './rest/core.js';
import { ensureNamespace } from './rest/namespaces.js';
import type { WatchOptions } from './rest/watch.js';
import { installCrds } from './install.js';
import { JournalPersister } from './store/journal.js';
import { ObjectStore } from './store/object-store.js';
import { DEFAULT_EVENT_TTL_MS, startEventExpiry } from './event-ttl.js';
import type { KubeObject } from './resources/types.js';

/** How to run the server. */
export interface ApiServerOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** When set, every API request must carry `Authorization: Bearer <token>`. */
  token?: string;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Persist objects here; in memory when absent. */
  dataDir?: string;
  /** CRDs created (or updated) at start, e.g. the project's own. */
  crds?: KubeObject[];
  /** Semantic validation of custom resource kinds, keyed `group/Kind`. */
  validators?: KindValidators;
  historySize?: number;
  watch?: WatchOptions;
  now?: () => Date;
  /** Sees every authenticated request before it is served (tests record what a client asks for, e.g. to check RBAC). */
  onRequest?: (request: ObservedRequest) => void;
  /** Events are removed this long after their last write, as kube-apiserver's --event-ttl (default 1 h; 0 keeps them). */
  eventTtlMs?: number;
  /**
   * With `token`: failed authentications tolerated per client address before it gets 429 (see
   * http/auth-limiter.ts; default 50 per 60 s); `false` turns the limit off.
   */
  authRateLimit?: AuthLimiterOptions | false;
}

/** A request as Kubernetes authorization sees it: the verb, and the resource or the non-resource path. */
export interface ObservedRequest {
  /** get, list, watch, create, update, patch, delete or deletecollection; the lower-case HTTP method for a non-resource path. */
  verb: string;
  /** '' for the core group (and for non-resource paths). */
  apiGroup: string;
  /** The resource's plural; '' for a non-resource path. */
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Set for requests that address no resource (discovery, /version, /openapi/...). */
  nonResourcePath?: string;
}

/** The authorization attributes of a request (what RBAC rules are matched against). */
export function observedRequest(method: string, url: URL): ObservedRequest {
  const route = parseResourcePath(url.pathname);
  if (!route) return { verb: method.toLowerCase(), apiGroup: '', resource: '', nonResourcePath: url.pathname };
  const named = route.name !== undefined;
  const watch = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
  const verbs: Record<string, string> = { GET: named ? 'get' : watch ? 'watch' : 'list', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: named ? 'delete' : 'deletecollection' };
  const { group: apiGroup, resource, subresource, namespace, name } = route;
  return { verb: verbs[method] ?? method.toLowerCase(), apiGroup, resource, ...(subresource !== undefined ? { subresource } : {}), ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}) };
}

/** Counters of the requests served, by method and outcome, for tests and benchmarks. */
export interface RequestStats {
  total: number;
  byMethod: Record<string, number>;
  byCode: Record<string, number>;
  /** Writes (POST, PUT, PATCH, DELETE) per resource plural. */
  writesByResource: Record<string, number>;
  /** Connections accepted (TLS handshakes completed, with TLS): how well clients reuse connections. */
  connections: number;
}

/** A running server. */
export interface RunningApiServer {
  url: string;
  port: number;
  core: ApiCore;
  faults: Faults;
  stats(): RequestStats;
  resetStats(): void;
  close(): Promise<void>;
}

const VERSION_INFO = {
  major: '1', minor: '32', gitVersion: 'v1.32.0', gitCommit: 'dockerpod-operator', gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.23.0', compiler: 'gc', platform: 'linux/amd64',
};

/** Tells the observer, if there is one, about a request. */
function observe(onRequest: ApiServerOptions['onRequest'], req: IncomingMessage, url: URL): void {
  if (onRequest) onRequest(observedRequest(req.method ?? 'GET', url));
}

const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** Connections on which a request carried the right token: a block on their address never applies to them. */
type Trusted = WeakSet<object>;

/**
 * Authenticates a request, or throws the answer: 401 for a wrong or missing token (counted
 * against the client's address), 429 with Retry-After, the token not even compared, while that
 * address is over its limit and the connection never authenticated.
 */
function authenticate(req: IncomingMessage, res: ServerResponse, token: string | undefined, gate: { limiter: AuthFailureLimiter; trusted: Trusted } | undefined): void {
  if (token === undefined) return;
  const address = req.socket.remoteAddress ?? '';
  const retryAfter = gate && !gate.trusted.has(req.socket) ? gate.limiter.retryAfterSeconds(address) : undefined;
  if (retryAfter !== undefined) {
    res.setHeader('Retry-After', String(retryAfter));
    throw apiError.tooManyRequests('Too many failed authentication attempts from this address, please try again later.', retryAfter);
  }
  if (authorized(req, token)) {
    gate?.trusted.add(req.socket);
    return;
  }
  gate?.limiter.failed(address);
  throw apiError.unauthorized();
}

/** Discovery documents by path shape: /api, /api/V, /apis, /apis/G, /apis/G/V. */
function discovery(registry: ResourceRegistry, parts: string[], address: string): unknown {
  const [root, a = '', b = ''] = parts;
  const key = `${root ?? ''}/${parts.length}`;
  const handlers: Record<string, () => unknown> = {
    'api/1': () => coreVersions(address),
    'api/2': () => resourceList(registry, '', a),
    'apis/1': () => groupList(registry),
    'apis/2': () => group(registry, a),
    'apis/3': () => resourceList(registry, a, b),
  };
  return handlers[key]?.();
}

/** /openapi/v3 and its group-version documents. */
function openapi(registry: ResourceRegistry, parts: string[]): unknown {
  if (parts[0] !== 'openapi' || parts[1] !== 'v3') return undefined;
  const [kind, a = '', b = ''] = parts.slice(2);
  if (kind === undefined) return openApiIndex(registry);
  if (kind === 'api' && parts.length === 4) return openApiDocument(registry, '', a);
  return kind === 'apis' && parts.length === 5 ? openApiDocument(registry, a, b) : undefined;
}

function count(stats: RequestStats, method: string, code: number, path: string): void {
  stats.total++;
  stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
  stats.byCode[String(code)] = (stats.byCode[String(code)] ?? 0) + 1;
  if (method !== 'GET') {
    const route = parseResourcePath(path);
    if (route) stats.writesByResource[route.resource] = (stats.writesByResource[route.resource] ?? 0) + 1;
  }
}

const emptyStats = (): RequestStats => ({ total: 0, byMethod: {}, byCode: {}, writesByResource: {}, connections: 0 });

/** The store and core of a server: persisted objects loaded, controllers hooked, CRDs installed. */
function buildCore(options: ApiServerOptions): ApiCore {
  const persister = options.dataDir ? new JournalPersister(options.dataDir) : undefined;
  const store = new ObjectStore({ historySize: options.historySize ?? 2000, ...(persister ? { persister } : {}) });
  const core = new ApiCore(store, new ResourceRegistry(), options.now);
  core.validators = options.validators ?? new Map();
  core.onWrite(crdController);
  core.onWrite(namespaceController());
  registerStoredCrds(core);
  ensureNamespace(core, 'default');
  installCrds(core, options.crds ?? []);
  return core;
}

/** Starts a server and resolves once it listens. */
export async function startApiServer(options: ApiServerOptions = {}): Promise<RunningApiServer> {
  const core = buildCore(options);
  const store = core.store;
  const eventTtlMs = options.eventTtlMs ?? DEFAULT_EVENT_TTL_MS;
  const stopEventExpiry = eventTtlMs > 0 ? startEventExpiry(core, { ttlMs: eventTtlMs }) : () => undefined;
  const faults = new Faults(store);
  const authGate = options.authRateLimit === false ? undefined : { limiter: new AuthFailureLimiter(options.authRateLimit), trusted: new WeakSet<object>() };
  let stats = emptyStats();
  const watch = options.watch ?? {};
  let address = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.on('finish', () => count(stats, req.method ?? 'GET', res.statusCode, url.pathname));
    try {
      if (PUBLIC_PATHS.has(url.pathname)) return servePublic(url.pathname, res);
      authenticate(req, res, options.token, authGate);
      observe(options.onRequest, req, url);
      const injected = await faults.apply(req.method ?? 'GET', url);
      if (injected) throw injected;
      const parts = url.pathname.split('/').filter(Boolean);
      const meta = discovery(core.registry, parts, address) ?? openapi(core.registry, parts);
      if (meta !== undefined) return sendJson(res, 200, meta);
      const route = parseResourcePath(url.pathname);
      if (!route) throw apiError.pageNotFound(url.pathname);
      await handleResource({ core, watch }, route, url, { req, res });
    } catch (err) {
      sendError(res, err instanceof ApiError ? err : apiError.internal((err as Error).message));
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => void handle(req, res);
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createHttpServer(listener);
  server.on(options.tls ? 'secureConnection' : 'connection', () => { stats.connections++; });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const hostPort = `${bracketed(options.host ?? '127.0.0.1')}:${port}`;
  const url = `${options.tls ? 'https' : 'http'}://${hostPort}`;
  address = hostPort;

  return {
    url,
    port,
    core,
    faults,
    stats: () => structuredClone(stats),
    resetStats: () => { stats = emptyStats(); },
    close: async () => {
      stopEventExpiry();
      store.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An IPv6 address in URL form. */
const bracketed = (host: string): string => (host.includes(':') ? `[${host}]` : host);

function servePublic(path: string, res: ServerResponse): void {
  if (path === '/version') return sendJson(res, 200, VERSION_INFO);
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('ok');
}
