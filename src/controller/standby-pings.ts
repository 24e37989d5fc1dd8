/**
 * The engine pings of a standby replica: every DockerHost's engine once at once, then each
 * heartbeat period, and a host new to the cache at once, so a standby's readiness and its hosts
 * gauge say what its own engines answer. Read-only (ping and info, through the fleet's
 * heartbeat); pings run one round after the other, never two heartbeats of a host at the same time.
 */
import type { Clock, TimerHandle } from '../util/clock.js';

/** What the pings need of the fleet. */
export interface StandbyPingsDeps {
  /** The hosts to ping. */
  names: () => string[];
  /** One heartbeat (never throws). */
  heartbeat: (name: string) => Promise<unknown>;
  clock: Clock;
  periodMs: number;
}

/** Periodic pings while standing by. */
export class StandbyPings {
  private timer: TimerHandle | undefined;
  private round: Promise<unknown> = Promise.resolve();
  private running = false;

  constructor(private readonly deps: StandbyPingsDeps) {}

  /** Starts pinging (the first round at once). */
  start(): void {
    this.running = true;
    this.schedule(0);
  }

  /** Whether the pings run. */
  active(): boolean {
    return this.running;
  }

  /** Pings `names` after the pings already under way (at once when none is). */
  ping(names: string[]): Promise<unknown> {
    this.round = this.round.then(() => Promise.all(names.map((name) => this.deps.heartbeat(name))));
    return this.round;
  }

  /** Stops pinging; resolves once the round under way (if any) has ended. */
  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    await this.round;
  }

  private schedule(delayMs: number): void {
    this.timer = this.deps.clock.setTimeout(() => {
      void this.ping(this.deps.names()).then(() => {
        if (this.running) this.schedule(this.deps.periodMs);
      });
    }, delayMs);
  }
}
