/**
 * The kubelet's crash-loop back-off, kept in container labels so it survives an operator restart:
 * the first restart is immediate, then 10 s doubling to 300 s; a run of 10 minutes resets it.
 */
import { isZeroTime, type Instance } from './observe.js';

export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;
/** A run this long forgets the back-off (twice the cap, as the kubelet does). */
export const BACKOFF_RESET_MS = 2 * BACKOFF_MAX_MS;

/** When the next instance may start, and the back-off count it carries. */
export interface RestartTiming {
  delayMs: number;
  readyAt: number;
  nextBackoff: number;
}

const ms = (t: string, fallback: number): number => (isZeroTime(t) ? fallback : Date.parse(t));

/** The back-off before restarting after `previous` ended. */
export function restartTiming(previous: Instance, limits = { initialMs: BACKOFF_INITIAL_MS, maxMs: BACKOFF_MAX_MS }): RestartTiming {
  const started = ms(previous.details.startedAt, previous.details.created);
  const finished = ms(previous.details.finishedAt, started);
  const count = finished - started >= 2 * limits.maxMs ? 0 : previous.backoff;
  const delayMs = count === 0 ? 0 : Math.min(limits.maxMs, limits.initialMs * 2 ** (count - 1));
  return { delayMs, readyAt: finished + delayMs, nextBackoff: count + 1 };
}

/** A duration as Go prints it ("10s", "1m20s", "5m0s"), as the kubelet's messages show it. */
export function goDuration(durationMs: number): string {
  const total = Math.round(durationMs);
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const millis = total % 1000;
  const fraction = millis === 0 ? '' : `.${String(millis).padStart(3, '0').replace(/0+$/, '')}`;
  const seconds = `${Math.floor(total / 1000) % 60}${fraction}s`;
  const minutes = Math.floor(total / 60_000);
  if (minutes === 0) return seconds;
  return minutes < 60 ? `${minutes}m${seconds}` : `${Math.floor(minutes / 60)}h${minutes % 60}m${seconds}`;
}
