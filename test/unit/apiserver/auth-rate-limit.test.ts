/**
 * The failed-authentication limiter of the embedded API server, on a fake clock: an address may
 * fail `maxFailures` times per sliding window, then waits until its oldest failure leaves the
 * window (Retry-After counts down to it); addresses are counted apart, IPv6 per /64 and
 * IPv4-mapped IPv6 as IPv4; memory stays bounded however many addresses fail.
 * The same limiter over real HTTPS is in test/integration/apiserver-auth.test.ts.
 */
import { expect } from 'chai';
import { AuthFailureLimiter, clientKey } from '../../../src/apiserver/http/auth-limiter.js';

describe('apiserver: failed-authentication limiter', function () {
  let now = 0;
  const clock = (): number => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('lets an address fail maxFailures times, then blocks it until the oldest failure leaves the window', function () {
    const limiter = new AuthFailureLimiter({ maxFailures: 3, windowMs: 10_000, now: clock });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('10.0.0.1'), `before failure ${i + 1}`).to.equal(undefined);
      limiter.failed('10.0.0.1');
      now += 1000;
    }
    // Failures at t0, t0+1 s, t0+2 s; now t0+3 s: the first leaves the window at t0+10 s.
    expect(limiter.retryAfterSeconds('10.0.0.1')).to.equal(7);
    now += 6500;
    expect(limiter.retryAfterSeconds('10.0.0.1'), 'rounded up, never 0').to.equal(1);
    now += 500;
    expect(limiter.retryAfterSeconds('10.0.0.1'), 'the first failure left the window').to.equal(undefined);
    // One more failure fills the window again: the next to leave is the one at t0+1 s.
    limiter.failed('10.0.0.1');
    expect(limiter.retryAfterSeconds('10.0.0.1')).to.equal(1);
  });

  it('counts addresses apart: one address over its limit does not block another', function () {
    const limiter = new AuthFailureLimiter({ maxFailures: 2, windowMs: 60_000, now: clock });
    limiter.failed('127.0.0.1');
    limiter.failed('127.0.0.1');
    expect(limiter.retryAfterSeconds('127.0.0.1')).to.equal(60);
    expect(limiter.retryAfterSeconds('127.0.0.2')).to.equal(undefined);
    limiter.failed('127.0.0.2');
    expect(limiter.retryAfterSeconds('127.0.0.2')).to.equal(undefined);
  });

  const keys: Array<{ name: string; given: string; want: string }> = [
    { name: 'IPv4 as it is', given: '192.0.2.7', want: '192.0.2.7' },
    { name: 'IPv4-mapped IPv6 as its IPv4', given: '::ffff:192.0.2.7', want: '192.0.2.7' },
    { name: 'IPv6 by its /64', given: '2001:db8:1:2:aaaa:bbbb:cccc:dddd', want: '2001:db8:1:2::/64' },
    { name: 'compressed IPv6 expanded first', given: '2001:db8::1', want: '2001:db8:0:0::/64' },
    { name: 'IPv6 loopback', given: '::1', want: '0:0:0:0::/64' },
    { name: 'a zone index dropped', given: 'fe80::1%eth0', want: 'fe80:0:0:0::/64' },
    { name: 'upper case and leading zeros folded', given: '2001:0DB8:0001:0002::9', want: '2001:db8:1:2::/64' },
  ];
  for (const k of keys) {
    it(`keys clients: ${k.name}`, function () {
      expect(clientKey(k.given)).to.equal(k.want);
    });
  }

  it('blocks a whole IPv6 /64, so a host cannot rotate addresses within its block', function () {
    const limiter = new AuthFailureLimiter({ maxFailures: 2, windowMs: 60_000, now: clock });
    limiter.failed('2001:db8:1:2::10');
    limiter.failed('2001:db8:1:2::11');
    expect(limiter.retryAfterSeconds('2001:db8:1:2::12')).to.equal(60);
    expect(limiter.retryAfterSeconds('2001:db8:1:3::12')).to.equal(undefined);
  });

  it('keeps memory bounded: at most maxClients addresses, the one whose last failure is oldest forgotten first', function () {
    const limiter = new AuthFailureLimiter({ maxFailures: 1, windowMs: 60_000, maxClients: 100, now: clock });
    for (let i = 0; i < 1000; i++) {
      limiter.failed(`10.0.${Math.floor(i / 250)}.${i % 250}`);
      now += 1;
    }
    expect(limiter.trackedClients).to.equal(100);
    expect(limiter.retryAfterSeconds('10.0.3.249'), 'the latest is still tracked').to.equal(60);
    expect(limiter.retryAfterSeconds('10.0.0.0'), 'the oldest was forgotten').to.equal(undefined);
  });

  it('by default tolerates 50 failures a minute (ten runs of kubectl with a stale token, five requests each)', function () {
    const limiter = new AuthFailureLimiter({ now: clock });
    for (let i = 0; i < 50; i++) {
      expect(limiter.retryAfterSeconds('10.0.0.1'), `before failure ${i + 1}`).to.equal(undefined);
      limiter.failed('10.0.0.1');
    }
    expect(limiter.retryAfterSeconds('10.0.0.1')).to.equal(60);
  });

  it('forgets an address once all its failures left the window', function () {
    const limiter = new AuthFailureLimiter({ maxFailures: 5, windowMs: 1000, now: clock });
    limiter.failed('10.0.0.1');
    now += 1001;
    expect(limiter.retryAfterSeconds('10.0.0.1')).to.equal(undefined);
    expect(limiter.trackedClients).to.equal(0);
  });
});
