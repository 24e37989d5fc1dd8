/**
 * WATCH: resourceVersion "" or "0" replays the current state as synthetic ADDED events first;
 * a later version replays the history after it (or ends with ERROR 410 Expired when the history
 * no longer reaches back); then live changes follow, with label and field selectors applied to
 * both the old and new state (an object leaving the selection is DELETED, entering it ADDED).
 * Bookmarks only when asked for; the watch ends after `timeoutSeconds`.
 */
import { apiError, type Status } from '../errors.js';
import type { StoredEvent } from '../store/types.js';
import type { KubeObject } from '../resources/types.js';
import { resourceIdOf, served, type ApiCore, type ResourceRequest } from './core.js';
import { matches, selectorsOf, type Selectors } from './list.js';

/** One event on the wire. */
export interface WireEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: unknown;
}

/** Where a watch writes: the HTTP response, or a test. */
export interface WatchSink {
  send(event: WireEvent): void;
  close(): void;
}

/** Timing of watches. */
export interface WatchOptions {
  /** Interval between bookmarks when the client allows them (default 30 s). */
  bookmarkIntervalMs?: number;
  /** Longest watch when the client gives no timeoutSeconds (default 30 min). */
  defaultTimeoutMs?: number;
  /** Turns a served object into what is sent (a one-row Table for `kubectl get -w`). */
  encode?: (obj: KubeObject) => unknown;
}

/** What an event means to a watcher with these selectors (undefined: not its business). */
export function translate(req: ResourceRequest, selectors: Selectors, event: StoredEvent): WireEvent['type'] | undefined {
  const now = matches(req.info, selectors, event.object);
  const before = event.prev !== undefined && matches(req.info, selectors, event.prev);
  if (event.type === 'DELETED') return now ? 'DELETED' : undefined;
  if (event.type === 'ADDED') return now ? 'ADDED' : undefined;
  if (now) return before ? 'MODIFIED' : 'ADDED';
  return before ? 'DELETED' : undefined;
}

function expired(rv: number, oldest: number): Status {
  return { ...apiError.expired(`too old resource version: ${rv} (${oldest})`).status };
}

function startingVersion(req: ResourceRequest): number | undefined {
  const text = req.query.get('resourceVersion') ?? '';
  if (text === '' || text === '0') return undefined;
  const rv = Number(text);
  if (!Number.isInteger(rv) || rv < 0) throw apiError.badRequest(`resourceVersion: Invalid value: "${text}": must be a valid resourceVersion`);
  return rv;
}

function timeoutMs(req: ResourceRequest, options: WatchOptions): number {
  const seconds = Number(req.query.get('timeoutSeconds') ?? '');
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : (options.defaultTimeoutMs ?? 30 * 60 * 1000);
}

/** Starts a watch; returns the function that ends it. Throws ApiError for a bad request before anything is sent. */
export function startWatch(core: ApiCore, req: ResourceRequest, sink: WatchSink, options: WatchOptions = {}): () => void {
  const selectors = selectorsOf(req.info, req.query);
  const from = startingVersion(req);
  const namespace = req.info.namespaced ? req.namespace : undefined;
  const resourceId = resourceIdOf(req.info);
  const encode = (obj: KubeObject): unknown => (options.encode ?? ((o: KubeObject) => o))(served(req.info, obj));
  const deliver = (event: StoredEvent): void => {
    const type = translate(req, selectors, event);
    if (type) sink.send({ type, object: encode(event.object) });
  };

  if (from === undefined) {
    for (const obj of core.store.list(resourceId, namespace)) if (matches(req.info, selectors, obj)) sink.send({ type: 'ADDED', object: encode(obj) });
  } else {
    const history = core.store.eventsSince(from, resourceId, namespace);
    if (!history.ok) {
      sink.send({ type: 'ERROR', object: expired(from, history.oldest) });
      sink.close();
      return () => undefined;
    }
    history.events.forEach(deliver);
  }

  let stopped = false;
  const timers: NodeJS.Timeout[] = [];
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    timers.forEach((t) => clearInterval(t));
    sink.close();
  };
  const unsubscribe = core.store.watch({ resourceId, ...(namespace !== undefined ? { namespace } : {}), onEvent: deliver, onClose: stop });
  timers.push(setTimeout(stop, timeoutMs(req, options)));
  if (req.query.get('allowWatchBookmarks') === 'true') {
    const bookmark = (): void => sink.send({ type: 'BOOKMARK', object: { kind: req.info.kind, apiVersion: served(req.info, {}).apiVersion, metadata: { resourceVersion: String(core.store.currentRV()) } } });
    timers.push(setInterval(bookmark, options.bookmarkIntervalMs ?? 30_000));
  }
  timers.forEach((t) => t.unref());
  return stop;
}
