/**
 * Shared plumbing of the fault-injection suite (test/chaos): a seeded PRNG whose seed is printed
 * and can be replayed, the short (CI) and full (`npm run test:chaos`) sizes of a scenario, and
 * one uniform line of figures per scenario so a run's results can be copied into the README.
 *
 * - DOCKERPOD_CHAOS_SEED=<int> replays a schedule (timings inside the operator still vary).
 * - DOCKERPOD_CHAOS_FULL=1 selects the full sizes; without it every scenario runs its short,
 *   still meaningful, CI form.
 */
import { randomInt } from 'node:crypto';

/** Whether the full (long) variants run: set by `npm run test:chaos`. */
export const CHAOS_FULL = process.env['DOCKERPOD_CHAOS_FULL'] === '1';

/** The short size in CI, the full size under `npm run test:chaos`. */
export function chaosSize(short: number, full: number): number {
  return CHAOS_FULL ? full : short;
}

/** A seeded PRNG (mulberry32), uniform in [0, 1): the same seed always gives the same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [lo, hi] drawn from `rand`. */
export function pick(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/**
 * The seed of this run: DOCKERPOD_CHAOS_SEED when set, else a random one. Printed with the
 * scenario's name, so a failing CI run says how to replay it.
 */
export function chaosSeed(scenario: string): number {
  const given = process.env['DOCKERPOD_CHAOS_SEED'];
  let seed: number;
  if (given === undefined || given === '') seed = randomInt(2 ** 31);
  else {
    seed = Number(given);
    if (!Number.isSafeInteger(seed)) throw new Error(`DOCKERPOD_CHAOS_SEED must be an integer, not "${given}"`);
  }
  console.log(`      [chaos] ${scenario}: seed ${seed} (replay with DOCKERPOD_CHAOS_SEED=${seed})`);
  return seed;
}

/** Figures of one scenario, printed as one `[chaos-figures]` line of JSON (grep-able from a run's log). */
export function reportFigures(scenario: string, figures: Record<string, number | string | boolean>): void {
  console.log(`      [chaos-figures] ${JSON.stringify({ scenario, full: CHAOS_FULL, ...figures })}`);
}
