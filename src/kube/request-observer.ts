/**
 * Sees every HTTP request an agent carries: client-node 1.4 sends its API calls (through its
 * generated fetch-based clients) and its watches (through `Watch`, with node-fetch) over the agent
 * `KubeConfig#createAgent` returns, so observing the agents observes the whole client, watches
 * included, without touching the library's middleware or request objects.
 *
 * The hook is `Agent#addRequest`, which Node's `ClientRequest` calls for every request that uses
 * an agent (kept-alive sockets included). A request is reported once: when its response headers
 * arrive (the status code; for a watch, the moment the stream opened), or when it fails or is
 * aborted before that (code `<error>`, as client-go's rest_client metrics say).
 */
import type { Agent, ClientRequest, IncomingMessage } from 'node:http';

/** One request as the client saw it. */
export interface ObservedRequest {
  method: string;
  /** `host:port` of the server (IPv6 in brackets). */
  host: string;
  /** The request's path, without its query (which resource: a benchmark tells Event writes from DockerPod writes by it). */
  path: string;
  /** The HTTP status code, or `<error>` when no response came. */
  code: string;
  /** From the request being handed to the agent to its response headers (or failure). */
  durationMs: number;
}

/** Receives observed requests. */
export type RequestObserver = (request: ObservedRequest) => void;

type AddRequest = (req: ClientRequest, options: { host?: string | null; hostname?: string | null; port?: number | string | null }, ...rest: unknown[]) => void;

const OBSERVED = new WeakSet<Agent>();

/** `host:port` of a request's options (what client-go puts in the `host` label). */
function hostOf(options: { host?: string | null; hostname?: string | null; port?: number | string | null }): string {
  const host = options.hostname ?? options.host ?? 'localhost';
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return options.port === undefined || options.port === null || options.port === '' ? bracketed : `${bracketed}:${options.port}`;
}

/**
 * Makes `agent` report each request it carries to the observers `observers()` returns at that
 * moment (so observers can come and go). Idempotent per agent; an observer that throws is ignored.
 * Returns the same agent.
 */
export function observeAgent<T extends Agent>(agent: T, observers: () => Iterable<RequestObserver>): T {
  if (OBSERVED.has(agent)) return agent;
  const target = agent as unknown as { addRequest?: AddRequest };
  const original = target.addRequest;
  if (typeof original !== 'function') return agent;
  OBSERVED.add(agent);
  target.addRequest = function (this: Agent, req, options, ...rest) {
    track(req, { method: req.method, host: hostOf(options), path: req.path.split('?')[0] ?? '' }, observers);
    original.call(this, req, options, ...rest);
  };
  return agent;
}

function track(req: ClientRequest, target: Pick<ObservedRequest, 'method' | 'host' | 'path'>, observers: () => Iterable<RequestObserver>): void {
  const started = performance.now();
  let reported = false;
  const report = (code: string): void => {
    if (reported) return;
    reported = true;
    const observed = { ...target, code, durationMs: performance.now() - started };
    for (const observer of observers()) {
      try {
        observer(observed);
      } catch {
        // Metrics must never break a request.
      }
    }
  };
  req.once('response', (res: IncomingMessage) => report(String(res.statusCode ?? 0)));
  req.once('error', () => report('<error>'));
  // Aborted or destroyed before any response (no 'error' is emitted for some aborts).
  req.once('close', () => report('<error>'));
}
