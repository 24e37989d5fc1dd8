/**
 * The Docker events stream of one engine, turned into reconcile requests: a container of a pod
 * starting, dying, being OOM-killed or destroyed enqueues that pod at once. The stream
 * reconnects after drops and engine restarts with `since` set to the last event seen (replayed
 * duplicates are dropped), with a back-off between attempts.
 *
 * Duplicates are known by identity (container, action, time), never by time order: the engine
 * stamps events with its wall clock, which may step back, and every event after such a step is
 * "older" than the last one seen (dropping those would leave crashed containers unnoticed until
 * the resync). What a reconnect cannot replay across a step back, the resync covers.
 */
import type { Logger } from '../observability/logger.js';
import { LABEL } from '../planner/labels.js';
import type { DockerEvent, EventStream } from '../runtime/docker/types.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { HostBinding } from './hosts.js';
import type { OwnActions } from './own-actions.js';

// Not 'create': only the operator creates containers with its labels, and a created container changes nothing until it starts.
const INTERESTING = new Set(['start', 'die', 'oom', 'destroy', 'kill', 'stop']);

/** Events remembered to drop a reconnect's replay (it repeats only those of the last stamp's millisecond, or a few hundred at most). */
const RECENT_EVENTS = 1024;

/** Keeps one events subscription open per host and maps events to pod keys. */
export class EngineEventSource {
  private stream: EventStream | undefined;
  private retry: TimerHandle | undefined;
  private stopped = true;
  private lastNano = 0n;
  /** Identities of the last RECENT_EVENTS events, oldest first. */
  private readonly recent = new Set<string>();
  private delayMs = 0;

  private readonly clock: Clock;
  private readonly logger: Logger;
  /** Events the operator caused itself: dropped, they would only wake the pod that caused them. */
  private readonly own: OwnActions | undefined;

  constructor(
    private readonly host: HostBinding,
    private readonly onPod: (key: string) => void,
    deps: { clock: Clock; logger: Logger; own?: OwnActions },
  ) {
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.own = deps.own;
  }

  /** Opens the stream (from now: the resync covers what happened before). */
  start(): void {
    this.stopped = false;
    this.lastNano = BigInt(this.clock.now()) * 1_000_000n;
    this.open();
  }

  /** Closes the stream for good. */
  stop(): void {
    this.stopped = true;
    this.retry?.cancel();
    this.stream?.close();
  }

  private open(): void {
    const since = Number(this.lastNano / 1_000_000n) / 1000;
    this.stream = this.host.engine.events(
      { since, labels: { [LABEL.managedBy]: this.host.ctx.instance } },
      { onEvent: (e) => this.handle(e), onEnd: (err) => this.ended(err) },
    );
  }

  private handle(e: DockerEvent): void {
    const id = `${e.id}/${e.action}/${e.timeNano}`;
    if (this.recent.has(id)) return;
    this.recent.add(id);
    if (this.recent.size > RECENT_EVENTS) this.recent.delete(this.recent.values().next().value as string);
    // The latest event's stamp, not the highest: after a step back, a reconnect replays from the engine's new time.
    this.lastNano = e.timeNano;
    this.delayMs = 0;
    const namespace = e.labels[LABEL.namespace];
    const name = e.labels[LABEL.name];
    const action = e.action.split(':')[0] ?? '';
    if (!namespace || !name || !INTERESTING.has(action) || this.own?.consume(e.id, action)) return;
    this.onPod(`${namespace}/${name}`);
  }

  private ended(err?: Error): void {
    if (this.stopped) return;
    this.delayMs = Math.min(30_000, this.delayMs === 0 ? 250 : this.delayMs * 2);
    this.logger.warn('docker events stream ended; reconnecting', { host: this.host.hostName, error: err?.message, retryInMs: this.delayMs });
    this.retry = this.clock.setTimeout(() => this.open(), this.delayMs);
  }
}
