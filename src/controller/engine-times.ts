/**
 * The engine's timestamps, pinned to the operator's monotonic clock. Docker stamps a container's
 * created, startedAt and finishedAt with its wall clock, and the crash-loop back-off compares them
 * with now() (planner/backoff.ts): a wall-clock step between the stamp and the comparison would
 * freeze a pod in CrashLoopBackOff for the size of a step back, or skip (even reset, when it
 * falls in a run) its back-off after a step forward. So each timestamp is pinned to the monotonic
 * clock the first time a pass sees it (its age then, by the wall clock, never negative) and, from
 * then on, restated in the current wall frame: a duration the planner measures between it and
 * now() is monotonic from that first sight on.
 *
 * Kept in memory per pod, for the instances of its last observation only; after an operator
 * restart the engine's own stamps are used again (as before the step, the best there is).
 */
import type { Instance, PodObservation } from '../planner/observe.js';
import { isZeroTime } from '../planner/observe.js';
import type { Clock } from '../util/clock.js';

/** A restated stamp closer than this to the engine's own is left as the engine wrote it (no step happened). */
const SAME_MS = 1000;

/** Monotonic pins of one pass: the pins of the previous one, and the ones this pass keeps. */
interface Pins {
  readonly before: ReadonlyMap<string, number> | undefined;
  readonly kept: Map<string, number>;
  readonly wall: number;
  readonly mono: number;
}

/** Pins engine timestamps to the monotonic clock per pod (see the module comment). */
export class EngineTimes {
  private readonly pins = new Map<string, Map<string, number>>();

  constructor(private readonly clock: Clock) {}

  /**
   * `obs` with the timestamps of its instances restated in the current wall frame. Instances whose
   * stamps need no change (no step since they were first seen) are the very same objects.
   */
  restate(uid: string, obs: PodObservation): PodObservation {
    const pins: Pins = { before: this.pins.get(uid), kept: new Map(), wall: this.clock.now(), mono: this.clock.monotonic() };
    const one = (inst: Instance): Instance => restateInstance(inst, pins);
    const restated: PodObservation = {
      sandboxes: obs.sandboxes.map(one),
      containers: new Map([...obs.containers].map(([name, list]) => [name, list.map(one)])),
      unknown: obs.unknown.map(one),
    };
    this.pins.set(uid, pins.kept);
    return restated;
  }

  /** Forgets a pod (it is gone). */
  forget(uid: string): void {
    this.pins.delete(uid);
  }
}

/** The stamp `wallMs` of `key` in the current wall frame, pinning it on first sight. */
function restated(pins: Pins, key: string, wallMs: number): number {
  const pinned = pins.before?.get(key) ?? pins.mono - Math.max(0, pins.wall - wallMs);
  pins.kept.set(key, pinned);
  return pinned + (pins.wall - pins.mono);
}

/** An RFC 3339 stamp restated, or itself when unset or unchanged. */
function restateIso(pins: Pins, key: string, iso: string): string {
  if (isZeroTime(iso)) return iso;
  const wall = Date.parse(iso);
  if (!Number.isFinite(wall)) return iso;
  const now = restated(pins, `${key}/${iso}`, wall);
  return Math.abs(now - wall) < SAME_MS ? iso : new Date(now).toISOString();
}

function restateInstance(inst: Instance, pins: Pins): Instance {
  const d = inst.details;
  const createdNow = restated(pins, `${inst.id}/created/${d.created}`, d.created);
  const created = Math.abs(createdNow - d.created) < SAME_MS ? d.created : createdNow;
  const startedAt = restateIso(pins, `${inst.id}/startedAt`, d.startedAt);
  const finishedAt = restateIso(pins, `${inst.id}/finishedAt`, d.finishedAt);
  if (created === d.created && startedAt === d.startedAt && finishedAt === d.finishedAt) return inst;
  return { ...inst, details: { ...d, created, startedAt, finishedAt } };
}
