/**
 * The operator's own Docker actions, so their events do not wake the pod again. Every start, stop,
 * kill and remove the operator makes announces the events it will cause; the events stream drops
 * an event that was announced (once), and passes everything else: a container that dies on its
 * own, one a user kills or removes. Without this a failing pass (a sandbox that cannot start, say)
 * is re-run at once by the events of its own clean-up, defeating the queue's back-off.
 */
import type { DockerEngine } from '../runtime/docker/types.js';
import type { Clock } from '../util/clock.js';

/** How long an announced event is awaited (events arrive within milliseconds; this only bounds memory). */
const TTL_MS = 60_000;

/** Events an operation causes. */
const CAUSES: Record<'start' | 'stop' | 'kill' | 'remove', readonly string[]> = {
  start: ['start'],
  stop: ['kill', 'die', 'stop'],
  kill: ['kill', 'die'],
  remove: ['kill', 'die', 'stop', 'destroy'],
};

/** Announced events by container id. */
export class OwnActions {
  private readonly expected = new Map<string, { actions: Set<string>; until: number }>();

  constructor(private readonly clock: Clock) {}

  /** Records that the operator is about to cause `actions` on container `id`. */
  announce(id: string, actions: readonly string[]): void {
    const now = this.clock.now();
    this.prune(now);
    const entry = this.expected.get(id);
    if (entry) {
      for (const a of actions) entry.actions.add(a);
      entry.until = now + TTL_MS;
    } else {
      this.expected.set(id, { actions: new Set(actions), until: now + TTL_MS });
    }
  }

  /** True (and forgotten) when the event was announced: the caller drops it. */
  consume(id: string, action: string): boolean {
    const entry = this.expected.get(id);
    if (!entry || entry.until < this.clock.now() || !entry.actions.delete(action)) return false;
    if (entry.actions.size === 0) this.expected.delete(id);
    return true;
  }

  /** Announced events not seen yet (for tests and diagnostics). */
  pending(): number {
    return [...this.expected.values()].reduce((n, e) => n + e.actions.size, 0);
  }

  private prune(now: number): void {
    for (const [id, entry] of this.expected) if (entry.until < now) this.expected.delete(id);
  }
}

/** `engine` with its start, stop, kill and remove calls announced to `own` before they are made; every other member is the engine's own. */
export function announcingOwnActions(engine: DockerEngine, own: OwnActions): DockerEngine {
  const overrides: Partial<DockerEngine> = {
    startContainer: (id, signal) => {
      own.announce(id, CAUSES.start);
      return engine.startContainer(id, signal);
    },
    stopContainer: (id, timeoutSeconds, signal) => {
      own.announce(id, CAUSES.stop);
      return engine.stopContainer(id, timeoutSeconds, signal);
    },
    killContainer: (id, signalName, signal) => {
      own.announce(id, CAUSES.kill);
      return engine.killContainer(id, signalName, signal);
    },
    removeContainer: (id, options, signal) => {
      own.announce(id, CAUSES.remove);
      return engine.removeContainer(id, options, signal);
    },
  };
  return new Proxy(engine, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof DockerEngine];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
