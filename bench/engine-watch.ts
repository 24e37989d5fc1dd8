/**
 * The benchmark's own view of an engine's events: one `GET /events` stream filtered by the run's
 * label, every container event stamped with the time it arrived here, and waiters that resolve on
 * the first event matching a predicate. Reaction times are measured to these arrivals, for the
 * operator and the baselines alike.
 */
import type Docker from 'dockerode';

/** A container event as the engine sends it, with its arrival time (performance.now()). */
export interface SeenEvent {
  action: string;
  id: string;
  attributes: Record<string, string>;
  at: number;
}

interface Waiter {
  match: (e: SeenEvent) => boolean;
  resolve: (e: SeenEvent) => void;
}

/** Follows the events of the containers carrying `label=value`. */
export class EngineWatch {
  private readonly waiters = new Set<Waiter>();
  private readonly listeners: Array<(e: SeenEvent) => void> = [];
  private stream: NodeJS.ReadableStream | undefined;
  private buffer = '';

  constructor(private readonly docker: Docker, private readonly label: string, private readonly value: string) {}

  /** Opens the stream (events from now on). */
  async start(): Promise<void> {
    this.stream = await this.docker.getEvents({ filters: JSON.stringify({ type: ['container'], label: [`${this.label}=${this.value}`] }) });
    this.stream.on('data', (chunk: Buffer) => this.data(chunk.toString('utf8')));
  }

  /** Calls `fn` on every event (after the waiters). */
  onEvent(fn: (e: SeenEvent) => void): void {
    this.listeners.push(fn);
  }

  private data(text: string): void {
    const at = performance.now();
    this.buffer += text;
    const lines = this.buffer.split('\n');
    this.buffer = lines.pop() ?? '';
    for (const line of lines.filter((l) => l.trim() !== '')) {
      const raw = JSON.parse(line) as { Action?: string; id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
      this.dispatch({ action: raw.Action ?? '', id: raw.Actor?.ID ?? raw.id ?? '', attributes: raw.Actor?.Attributes ?? {}, at });
    }
  }

  private dispatch(event: SeenEvent): void {
    for (const w of [...this.waiters]) {
      if (!w.match(event)) continue;
      this.waiters.delete(w);
      w.resolve(event);
    }
    for (const fn of this.listeners) fn(event);
  }

  /** The first event from now on matching `match`; rejects after `timeoutMs`. */
  next(match: (e: SeenEvent) => boolean, timeoutMs: number, what: string): Promise<SeenEvent> {
    return new Promise<SeenEvent>((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Closes the stream. */
  stop(): void {
    (this.stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
  }
}
