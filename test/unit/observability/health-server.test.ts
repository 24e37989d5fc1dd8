/**
 * The health and metrics servers: bind addresses as controller-runtime takes them (`:8080`,
 * `HOST:PORT`, `[v6]:PORT`, `0` for off), /healthz and /readyz bodies and codes in Kubernetes'
 * format (a failed /readyz is 503, a failed /healthz 500; one check by name; 404 and 405
 * elsewhere), /metrics with its content type, the readiness rules (caches, engines with "none
 * configured", role, shutdown), and the event-loop monitor: stalled after a real 300 ms block with
 * a 200 ms threshold, fine again on the next tick, and stalled when ticks stop coming.
 */
import { expect } from 'chai';
import { EventLoopMonitor } from '../../../src/observability/event-loop.js';
import {
  healthListener, livenessChecks, metricsListener, parseBindAddress, readinessChecks, serve, type ReadinessInput, type RunningServer,
} from '../../../src/observability/health-server.js';
import { OperatorMetrics } from '../../../src/observability/metrics.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('health and metrics servers', function () {
  const servers: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const start = async (listener: Parameters<typeof serve>[1]): Promise<string> => {
    const server = await serve('127.0.0.1:0', listener);
    if (!server) throw new Error('not served');
    servers.push(server);
    return server.url;
  };

  describe('parseBindAddress', function () {
    const cases: Array<[string, ReturnType<typeof parseBindAddress> | 'error']> = [
      [':8080', { port: 8080 }],
      ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
      ['localhost:8081', { host: 'localhost', port: 8081 }],
      ['[::1]:9090', { host: '::1', port: 9090 }],
      ['0', undefined],
      ['8080', 'error'],
      [':70000', 'error'],
      ['::1:8080', 'error'],
      ['', 'error'],
    ];
    for (const [given, want] of cases) {
      it(`"${given}" -> ${JSON.stringify(want)}`, function () {
        if (want === 'error') expect(() => parseBindAddress(given)).to.throw(/is not an address/);
        else expect(parseBindAddress(given)).to.deep.equal(want);
      });
    }
  });

  it('does not listen for "0", and refuses an address in use', async function () {
    expect(await serve('0', () => undefined)).to.equal(undefined);
    const url = await start(() => undefined);
    await serve(`127.0.0.1:${new URL(url).port}`, () => undefined).then(
      () => expect.fail('bound twice'),
      (err: NodeJS.ErrnoException) => expect(err.code).to.equal('EADDRINUSE'),
    );
  });

  it('serves /readyz and /healthz in Kubernetes\' format, one check by name, 404 and 405 elsewhere', async function () {
    const input: ReadinessInput = { role: 'standby', shuttingDown: false };
    const loop = new EventLoopMonitor();
    loop.start();
    try {
      const url = await start(healthListener({ healthz: livenessChecks(loop), readyz: readinessChecks(() => input) }));
      let res = await fetch(`${url}/readyz`);
      expect(res.status).to.equal(503);
      expect(await res.text()).to.equal([
        '[-]caches failed: the informers have not listed yet', '[-]engines failed: not started', '[+]leader-election ok: standby', '[+]shutdown ok: running', 'readyz check failed', '',
      ].join('\n'));
      input.operator = { synced: true, hosts: 0, readyHosts: 0 };
      res = await fetch(`${url}/readyz`);
      expect(res.status).to.equal(200);
      expect(await res.text()).to.include('[+]engines ok: no DockerHost configured\n').and.match(/readyz check passed\n$/);
      input.operator = { synced: true, hosts: 2, readyHosts: 0 };
      expect((await fetch(`${url}/readyz`)).status).to.equal(503);
      expect(await (await fetch(`${url}/readyz/engines`)).text()).to.equal('[-]engines failed: 0 of 2 DockerHost engines answer\nreadyz check failed\n');
      expect((await fetch(`${url}/readyz/caches`)).status).to.equal(200);
      input.operator = { synced: true, hosts: 2, readyHosts: 1 };
      expect((await fetch(`${url}/readyz`)).status).to.equal(200);
      input.shuttingDown = true;
      expect((await fetch(`${url}/readyz`)).status).to.equal(503);
      input.shuttingDown = false;
      input.role = 'lost';
      expect(await (await fetch(`${url}/readyz/leader-election`)).text()).to.equal('[-]leader-election failed: lost the lease; stopping\nreadyz check failed\n');
      res = await fetch(`${url}/healthz`);
      expect(res.status).to.equal(200);
      expect(await res.text()).to.match(/^\[\+\]event-loop ok: lag \d+ ms, last tick \d+ ms ago\nhealthz check passed\n$/);
      expect((await fetch(`${url}/readyz/nope`)).status).to.equal(404);
      expect((await fetch(`${url}/metrics`)).status).to.equal(404);
      expect((await fetch(`${url}/healthz`, { method: 'POST' })).status).to.equal(405);
    } finally {
      loop.stop();
    }
  });

  it('serves /metrics in the Prometheus text format', async function () {
    const metrics = new OperatorMetrics();
    metrics.controller('dockerpod', 4);
    const url = await start(metricsListener(metrics));
    const res = await fetch(`${url}/metrics`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).to.include('controller_runtime_max_concurrent_reconciles{controller="dockerpod"} 4');
    expect((await fetch(`${url}/`)).status).to.equal(404);
  });

  it('reports a stalled event loop after a block longer than the threshold, and recovers on the next tick', async function () {
    const loop = new EventLoopMonitor({ intervalMs: 50, stallMs: 200 });
    loop.start();
    try {
      const url = await start(healthListener({ healthz: livenessChecks(loop), readyz: [] }));
      await sleep(120);
      expect((await fetch(`${url}/healthz`)).status).to.equal(200);
      const until = performance.now() + 300;
      while (performance.now() < until) {
        // a synchronous stall, as a hot loop or a huge JSON parse would cause
      }
      await sleep(1);
      const stalled = await fetch(`${url}/healthz`);
      expect(stalled.status).to.equal(500);
      expect(await stalled.text()).to.match(/^\[-\]event-loop failed: stalled \(lag \d{3} ms/);
      await sleep(120);
      expect((await fetch(`${url}/healthz`)).status).to.equal(200);
    } finally {
      loop.stop();
    }
  });

  it('reports a stall when no tick comes for interval + threshold (injected time)', function () {
    let now = 0;
    const loop = new EventLoopMonitor({ intervalMs: 1000, stallMs: 5000, now: () => now });
    loop.start();
    try {
      now = 5999;
      expect(loop.state()).to.deep.equal({ stalled: false, lagMs: 0, sinceTickMs: 5999 });
      now = 6001;
      expect(loop.state().stalled).to.equal(true);
    } finally {
      loop.stop();
    }
  });
});
