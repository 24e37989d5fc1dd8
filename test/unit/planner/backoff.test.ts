/**
 * The kubelet's crash-loop back-off, from an instance's labels and times: the first restart is
 * immediate, then 10 s doubling to the 300 s cap counted from the end of the run; a run of twice
 * the cap (10 minutes) forgets it; a start that failed counts from its creation. Whole-second
 * durations print as Go prints them, as in the kubelet's "back-off 40s restarting failed container" message.
 */
import { expect } from 'chai';
import { BACKOFF_RESET_MS, goDuration, restartTiming, type RestartTiming } from '../../../src/planner/backoff.js';
import { instancesOf, NOW, type FakeContainer } from './fixtures.js';

function instance(f: Omit<FakeContainer, 'container' | 'attempt'>): ReturnType<typeof instancesOf>[number] {
  const inst = instancesOf('app', [{ container: 'app', attempt: 1, ...f }])[0];
  if (!inst) throw new Error('no instance');
  return inst;
}

describe('planner/backoff', function () {
  describe('restartTiming', function () {
    const ended = NOW - 1000;
    const cases: Array<{ name: string; given: { f: Omit<FakeContainer, 'container' | 'attempt'>; limits?: { initialMs: number; maxMs: number } }; want: RestartTiming }> = [
      { name: 'back-off 0: immediate', given: { f: { state: 'exited', backoff: 0, startedAt: ended - 5000, finishedAt: ended } }, want: { delayMs: 0, readyAt: ended, nextBackoff: 1 } },
      { name: 'back-off 1: 10 s', given: { f: { state: 'exited', backoff: 1, startedAt: ended - 5000, finishedAt: ended } }, want: { delayMs: 10_000, readyAt: ended + 10_000, nextBackoff: 2 } },
      { name: 'back-off 2: 20 s', given: { f: { state: 'exited', backoff: 2, startedAt: ended - 5000, finishedAt: ended } }, want: { delayMs: 20_000, readyAt: ended + 20_000, nextBackoff: 3 } },
      { name: 'back-off 5: 160 s', given: { f: { state: 'exited', backoff: 5, startedAt: ended - 5000, finishedAt: ended } }, want: { delayMs: 160_000, readyAt: ended + 160_000, nextBackoff: 6 } },
      { name: 'back-off 6: capped at 300 s', given: { f: { state: 'exited', backoff: 6, startedAt: ended - 5000, finishedAt: ended } }, want: { delayMs: 300_000, readyAt: ended + 300_000, nextBackoff: 7 } },
      { name: 'back-off 40: still 300 s', given: { f: { state: 'exited', backoff: 40, startedAt: ended - 5000, finishedAt: ended } }, want: { delayMs: 300_000, readyAt: ended + 300_000, nextBackoff: 41 } },
      {
        name: 'a 10-minute run resets it',
        given: { f: { state: 'exited', backoff: 6, startedAt: ended - BACKOFF_RESET_MS, finishedAt: ended } },
        want: { delayMs: 0, readyAt: ended, nextBackoff: 1 },
      },
      {
        name: 'a failed start (never started, never finished) counts from the creation',
        given: { f: { state: 'created', exitCode: 128, error: 'boom', backoff: 1 } },
        want: { delayMs: 10_000, readyAt: NOW - 120_000 + 1000 + 10_000, nextBackoff: 2 },
      },
      {
        name: 'shorter limits',
        given: { f: { state: 'exited', backoff: 3, startedAt: ended - 500, finishedAt: ended }, limits: { initialMs: 100, maxMs: 1000 } },
        want: { delayMs: 400, readyAt: ended + 400, nextBackoff: 4 },
      },
      {
        name: 'shorter limits reset after twice their cap',
        given: { f: { state: 'exited', backoff: 3, startedAt: ended - 2000, finishedAt: ended }, limits: { initialMs: 100, maxMs: 1000 } },
        want: { delayMs: 0, readyAt: ended, nextBackoff: 1 },
      },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        expect(restartTiming(instance(given.f), given.limits)).to.deep.equal(want);
      });
    }
  });

  describe('goDuration', function () {
    // Whole seconds, as the kubelet's 10 s .. 300 s back-offs always are.
    const cases = [
      { given: 0, want: '0s' },
      { given: 1000, want: '1s' },
      { given: 10_000, want: '10s' },
      { given: 40_000, want: '40s' },
      { given: 59_000, want: '59s' },
      { given: 60_000, want: '1m0s' },
      { given: 80_000, want: '1m20s' },
      { given: 160_000, want: '2m40s' },
      { given: 300_000, want: '5m0s' },
      { given: 3_600_000, want: '1h0m0s' },
      { given: 3_661_000, want: '1h1m1s' },
      { given: 90_000_000, want: '25h0m0s' },
    ];
    for (const { given, want } of cases) {
      it(`${given} ms -> ${want}`, function () {
        expect(goDuration(given)).to.equal(want);
      });
    }
  });
});
