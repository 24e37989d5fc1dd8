/**
 * The timer wheel on a FakeClock: deadlines fire never early and within a tick, in deadline
 * order, on one clock timer however many keys wait; reschedule, cancel, far deadlines (more than
 * one turn), past deadlines, re-entrant callbacks, throwing callbacks, clock steps, and 10 000 keys.
 */
import { expect } from 'chai';
import { FakeClock } from '../../../src/util/clock.js';
import { TimerWheel, type TimerWheelOptions } from '../../../src/util/timer-wheel.js';

interface Fired {
  key: string;
  at: number;
  now: number;
}

function setup(options: TimerWheelOptions = { tickMs: 20, slots: 64 }): { clock: FakeClock; wheel: TimerWheel; fired: Fired[]; t0: number } {
  const clock = new FakeClock();
  const fired: Fired[] = [];
  const wheel = new TimerWheel(clock, (key, at) => fired.push({ key, at, now: clock.now() }), options);
  return { clock, wheel, fired, t0: clock.now() };
}

describe('util/timer-wheel', function () {
  it('fires a key at its deadline, not before, within one tick', async () => {
    const { clock, wheel, fired, t0 } = setup();
    wheel.schedule('a', t0 + 1005);
    await clock.advance(1004);
    expect(fired).to.deep.equal([]);
    await clock.advance(100);
    expect(fired).to.deep.equal([{ key: 'a', at: t0 + 1005, now: t0 + 1020 }]);
    expect(wheel.size).to.equal(0);
    expect(clock.pending()).to.equal(0);
  });

  const orders: Array<{ name: string; given: Array<[string, number]>; want: string[] }> = [
    { name: 'deadline order, not schedule order', given: [['c', 300], ['a', 100], ['b', 200]], want: ['a', 'b', 'c'] },
    { name: 'within one tick, by exact deadline', given: [['late', 19], ['early', 2], ['mid', 11]], want: ['early', 'mid', 'late'] },
    { name: 'equal deadlines in schedule order', given: [['x', 50], ['y', 50], ['z', 50]], want: ['x', 'y', 'z'] },
    { name: 'across turns of the wheel (64 slots x 20 ms = 1.28 s)', given: [['far', 5000], ['near', 10], ['next-turn', 1290]], want: ['near', 'next-turn', 'far'] },
  ];
  for (const { name, given, want } of orders) {
    it(`fires in ${name}`, async () => {
      const { clock, wheel, fired, t0 } = setup();
      for (const [key, offset] of given) wheel.schedule(key, t0 + offset);
      await clock.advance(10_000);
      expect(fired.map((f) => f.key)).to.deep.equal(want);
      for (const f of fired) expect(f.now - f.at).to.be.within(0, 19);
    });
  }

  it('fires all due keys in deadline order when woken late (one wake collects several ticks)', async () => {
    const { clock, wheel, fired, t0 } = setup();
    wheel.schedule('b', t0 + 45);
    wheel.schedule('a', t0 + 25);
    // The wall clock is past both deadlines when the (monotonic) timer runs, as after a stall.
    clock.step(100);
    await clock.advance(40);
    expect(fired.map((f) => f.now - t0)).to.deep.equal([140, 140]);
    expect(fired.map((f) => f.key)).to.deep.equal(['a', 'b']);
  });

  it('replaces the deadline of a rescheduled key and drops a cancelled one', async () => {
    const { clock, wheel, fired, t0 } = setup();
    wheel.schedule('moved', t0 + 100);
    wheel.schedule('gone', t0 + 100);
    wheel.schedule('moved', t0 + 300);
    expect(wheel.cancel('gone')).to.equal(true);
    expect(wheel.cancel('never')).to.equal(false);
    expect(wheel.deadline('moved')).to.equal(t0 + 300);
    expect(wheel.has('gone')).to.equal(false);
    await clock.advance(1000);
    expect(fired.map((f) => [f.key, f.at])).to.deep.equal([['moved', t0 + 300]]);
  });

  it('fires a deadline in the past at once, or at the latest at the next tick', async () => {
    const { clock, wheel, fired, t0 } = setup();
    wheel.schedule('busy', t0 + 5000);
    await clock.advance(1000);
    wheel.schedule('overdue', t0);
    await clock.advance(20);
    expect(fired.map((f) => f.key)).to.deep.equal(['overdue']);
    expect((fired[0]?.now ?? 0) - t0).to.be.within(1000, 1020);
  });

  it('keeps one clock timer however many keys wait, and none when empty', async () => {
    const { clock, wheel, t0 } = setup();
    for (let i = 0; i < 500; i++) wheel.schedule(`k${i}`, t0 + 10 + i * 37);
    expect(clock.pending()).to.equal(1);
    await clock.advance(5000);
    expect(clock.pending()).to.equal(1);
    wheel.clear();
    expect(clock.pending()).to.equal(0);
    expect(wheel.size).to.equal(0);
  });

  it('lets a callback reschedule itself (a periodic probe) and cancel a key due in the same wake', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const fired: string[] = [];
    const wheel: TimerWheel = new TimerWheel(clock, (key, at) => {
      fired.push(`${key}@${at - t0}`);
      if (key === 'tick' && at - t0 < 3000) wheel.schedule('tick', at + 1000);
      if (key === 'first') wheel.cancel('second');
    }, { tickMs: 20, slots: 64 });
    wheel.schedule('tick', t0);
    wheel.schedule('first', t0 + 500);
    wheel.schedule('second', t0 + 505);
    await clock.advance(10_000);
    expect(fired).to.deep.equal(['tick@0', 'first@500', 'tick@1000', 'tick@2000', 'tick@3000']);
    expect(clock.pending()).to.equal(0);
  });

  it('hands what a callback throws to onError and keeps going', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const errors: string[] = [];
    const fired: string[] = [];
    const wheel = new TimerWheel(clock, (key) => {
      fired.push(key);
      if (key === 'bad') throw new Error('boom');
    }, { onError: (err, key) => errors.push(`${key}: ${(err as Error).message}`) });
    wheel.schedule('bad', t0 + 10);
    wheel.schedule('good', t0 + 10);
    wheel.schedule('later', t0 + 100);
    await clock.advance(1000);
    expect(fired).to.deep.equal(['bad', 'good', 'later']);
    expect(errors).to.deep.equal(['bad: boom']);
  });

  it('without onError, rethrows after the wake\'s other callbacks ran and the wheel re-armed', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const fired: string[] = [];
    const wheel = new TimerWheel(clock, (key) => {
      fired.push(key);
      if (key === 'bad') throw new Error('boom');
    });
    wheel.schedule('bad', t0 + 10);
    wheel.schedule('good', t0 + 10);
    wheel.schedule('later', t0 + 100);
    let thrown: unknown;
    await clock.advance(50).catch((err: unknown) => { thrown = err; });
    expect((thrown as Error).message).to.equal('boom');
    expect(fired).to.deep.equal(['bad', 'good']);
    expect(clock.pending()).to.equal(1);
  });

  it('follows a wall-clock step back: new deadlines are not held back until the old time returns', async () => {
    const { clock, wheel, fired, t0 } = setup();
    wheel.schedule('before', t0 + 100);
    await clock.advance(200);
    clock.step(-3_600_000);
    const now = clock.now();
    wheel.schedule('after', now + 100);
    await clock.advance(200);
    expect(fired.map((f) => f.key)).to.deep.equal(['before', 'after']);
    expect((fired[1]?.now ?? 0) - now).to.be.within(100, 120);
  });

  it('fires deadlines that a wall-clock step forward made due at once', async () => {
    const { clock, wheel, fired, t0 } = setup();
    wheel.schedule('a', t0 + 60_000);
    wheel.schedule('b', t0 + 30_000);
    clock.step(120_000);
    wheel.schedule('c', t0 + 120_010);
    await clock.advance(40);
    expect(fired.map((f) => f.key)).to.deep.equal(['b', 'a', 'c']);
  });

  it('handles 10 000 keys: cheap inserts and cancels, one clock timer, every survivor in order', async () => {
    const { clock, wheel, fired, t0 } = setup({ tickMs: 20, slots: 1024 });
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const started = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i++) wheel.schedule(`c${i}`, t0 + Math.floor(random() * 60_000));
    for (let i = 0; i < 10_000; i += 3) wheel.cancel(`c${i}`);
    for (let i = 1; i < 10_000; i += 3) wheel.schedule(`c${i}`, t0 + Math.floor(random() * 60_000));
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(elapsedMs).to.be.below(200);
    expect(wheel.size).to.equal(6666);
    expect(clock.pending()).to.equal(1);

    let maxPending = 0;
    for (let ms = 0; ms < 61_000; ms += 1000) {
      await clock.advance(1000);
      maxPending = Math.max(maxPending, clock.pending());
    }
    expect(maxPending).to.be.at.most(1);
    expect(fired).to.have.length(6666);
    expect(new Set(fired.map((f) => f.key)).size).to.equal(6666);
    expect(fired.some((f) => Number(f.key.slice(1)) % 3 === 0)).to.equal(false);
    for (let i = 1; i < fired.length; i++) expect((fired[i] as Fired).at).to.be.at.least((fired[i - 1] as Fired).at);
    for (const f of fired) expect(f.now - f.at).to.be.within(0, 19);
    expect(wheel.size).to.equal(0);
  });

  it('never asks for a timer beyond Node\'s 2^31-1 ms (Node would fire it at once), and still fires a far deadline on time', async () => {
    const delays: number[] = [];
    class RecordingClock extends FakeClock {
      override setTimeout(fn: () => void, ms: number): ReturnType<FakeClock['setTimeout']> {
        delays.push(ms);
        return super.setTimeout(fn, ms);
      }
    }
    const clock = new RecordingClock();
    const fired: string[] = [];
    const wheel = new TimerWheel(clock, (key) => fired.push(key), { tickMs: 1000, slots: 8 });
    const far = 2 ** 31 + 5000;
    wheel.schedule('far', clock.now() + far);
    await clock.advance(2 ** 31 - 1);
    expect(fired).to.deep.equal([]);
    await clock.advance(far - (2 ** 31 - 1) + 1000);
    expect(fired).to.deep.equal(['far']);
    expect(Math.max(...delays)).to.be.at.most(2 ** 31 - 1);
  });
});

