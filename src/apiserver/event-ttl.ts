/**
 * Event expiry, as kube-apiserver's `--event-ttl` (default 1 h). A real API server stores each
 * Event under an etcd lease of that TTL, renewed by every write of the Event, so an Event
 * disappears one TTL after it was last written and its watchers see DELETED. Without this, a
 * standalone server that runs for months keeps every Event the operator ever recorded, in memory
 * and in its journal.
 *
 * The embedded server has no leases: a write hook notes when each Event was last written (by the
 * server's clock, never the client's timestamps, which a skewed client could set anywhere), and a
 * periodic sweep removes those older than the TTL through ApiCore.remove, so watchers and the
 * journal see an ordinary deletion. Events loaded from disk count as written when the sweeper
 * started: a restart can only lengthen an Event's life, never cut it short.
 */
import { nameOf, namespaceOf, type ResourceInfo } from './resources/types.js';
import { resourceIdOf, type ApiCore } from './rest/core.js';

/** When Events expire and how often the sweep looks. */
export interface EventTtlOptions {
  /** Milliseconds after its last write that an Event is removed (kube-apiserver's default: 1 h). */
  ttlMs: number;
  /** Milliseconds between sweeps (default: a tenth of the TTL, at least 1 s, at most 1 min). */
  intervalMs?: number;
}

/** The default TTL, as kube-apiserver's `--event-ttl`. */
export const DEFAULT_EVENT_TTL_MS = 60 * 60 * 1000;

const EVENTS = { group: '', resource: 'events' } as const;
const isEvents = (info: Pick<ResourceInfo, 'group' | 'resource'>): boolean => info.group === EVENTS.group && info.resource === EVENTS.resource;
const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

/** The keys of the Events written more than `ttlMs` before `nowMs` (pure: the sweep's decision). */
export function expiredEventKeys(lastWrites: ReadonlyMap<string, number>, nowMs: number, ttlMs: number): string[] {
  const expired: string[] = [];
  for (const [key, at] of lastWrites) if (nowMs - at >= ttlMs) expired.push(key);
  return expired;
}

/**
 * Starts expiring Events of `core`; returns the function that stops the sweep. Guarantees: an
 * Event is never removed less than `ttlMs` after its last write (as the server's clock measures),
 * and is removed at most one interval after that.
 */
export function startEventExpiry(core: ApiCore, options: EventTtlOptions): () => void {
  const lastWrites = new Map<string, number>();
  const now = (): number => core.now().getTime();
  const startedAt = now();
  for (const event of core.store.list(resourceIdOf(EVENTS))) lastWrites.set(keyOf(namespaceOf(event), nameOf(event)), startedAt);
  let stopped = false;
  core.onWrite((_core, info, object, removed) => {
    if (stopped || !isEvents(info)) return;
    const key = keyOf(namespaceOf(object), nameOf(object));
    if (removed) lastWrites.delete(key);
    else lastWrites.set(key, now());
  });
  const sweep = (): void => {
    const info = core.registry.get('', 'v1', 'events');
    if (!info) return;
    for (const key of expiredEventKeys(lastWrites, now(), options.ttlMs)) {
      const slash = key.indexOf('/');
      lastWrites.delete(key);
      core.remove(info, key.slice(0, slash), key.slice(slash + 1));
    }
  };
  const intervalMs = options.intervalMs ?? Math.min(60_000, Math.max(1000, Math.floor(options.ttlMs / 10)));
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
