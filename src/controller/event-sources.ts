/**
 * The Docker events subscriptions of the operator: at most one per host (following a host again
 * replaces its subscription), all closed together when the operator stops leading.
 */
import type { Logger } from '../observability/logger.js';
import type { Clock } from '../util/clock.js';
import { EngineEventSource } from './engine-events.js';
import type { HostBinding } from './hosts.js';
import type { OwnActions } from './own-actions.js';

/** What the subscriptions need. */
export interface EventSourcesDeps {
  /** Receives the key of a pod whose containers changed. */
  enqueue: (key: string) => void;
  clock: Clock;
  logger: Logger;
  own: OwnActions;
}

/** One events stream per followed host. */
export class EventSources {
  private readonly sources = new Map<string, EngineEventSource>();

  constructor(private readonly deps: EventSourcesDeps) {}

  /** Opens (or reopens) the stream of a host. */
  follow(binding: HostBinding): void {
    this.stop(binding.hostName);
    const source = new EngineEventSource(binding, this.deps.enqueue, { clock: this.deps.clock, logger: this.deps.logger, own: this.deps.own });
    source.start();
    this.sources.set(binding.hostName, source);
  }

  /** Closes the stream of a host, if any. */
  stop(name: string): void {
    this.sources.get(name)?.stop();
    this.sources.delete(name);
  }

  /** Closes every stream. */
  stopAll(): void {
    for (const source of this.sources.values()) source.stop();
    this.sources.clear();
  }
}
