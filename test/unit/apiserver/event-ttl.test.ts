/**
 * Event expiry (kube-apiserver --event-ttl): the sweep's pure decision, then the real server over
 * HTTP with a short TTL — an Event is gone one TTL after its last write (a later write renews it),
 * watchers see DELETED, other resources are untouched, and a TTL of 0 keeps Events.
 */
import { expect } from 'chai';
import { expiredEventKeys } from '../../../src/apiserver/event-ttl.js';
import { startApiServer, type RunningApiServer } from '../../../src/apiserver/server.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('apiserver: Event TTL', () => {
  describe('expiredEventKeys', () => {
    const cases: Array<{ name: string; writes: Array<[string, number]>; now: number; ttl: number; want: string[] }> = [
      { name: 'nothing written', writes: [], now: 10_000, ttl: 1000, want: [] },
      { name: 'younger than the TTL stays', writes: [['ns/a', 9500]], now: 10_000, ttl: 1000, want: [] },
      { name: 'exactly one TTL old goes', writes: [['ns/a', 9000]], now: 10_000, ttl: 1000, want: ['ns/a'] },
      { name: 'only the old ones go', writes: [['ns/a', 1], ['ns/b', 9999], ['ns/c', 8000]], now: 10_000, ttl: 1000, want: ['ns/a', 'ns/c'] },
      { name: 'a clock that went back expires nothing early', writes: [['ns/a', 20_000]], now: 10_000, ttl: 1000, want: [] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        expect(expiredEventKeys(new Map(c.writes), c.now, c.ttl)).to.deep.equal(c.want);
      });
    }
  });

  describe('on a running server', function () {
    this.timeout(20_000);
    let server: RunningApiServer;
    afterEach(async () => server.close());

    const post = async (path: string, body: unknown): Promise<number> =>
      (await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).status;
    const status = async (path: string): Promise<number> => (await fetch(`${server.url}${path}`)).status;
    const event = (name: string): unknown => ({ apiVersion: 'v1', kind: 'Event', metadata: { name }, involvedObject: { kind: 'DockerPod', name: 'x', namespace: 'default' }, reason: 'Test', message: 'm', type: 'Normal' });
    const EVENTS = '/api/v1/namespaces/default/events';

    it('removes an Event one TTL after its last write; a write renews it; watchers see DELETED; ConfigMaps stay', async () => {
      server = await startApiServer({ eventTtlMs: 1500 });
      const watch = await fetch(`${server.url}${EVENTS}?watch=true`);
      const reader = (watch.body as ReadableStream<Uint8Array>).getReader();
      let seen = '';
      const reading = (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          seen += new TextDecoder().decode(value);
        }
      })();
      expect(await post(EVENTS, event('old'))).to.equal(201);
      expect(await post('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' } })).to.equal(201);
      await sleep(1000);
      expect(await post(EVENTS, event('young'))).to.equal(201);
      // Renew "old"'s life with a write just before it would expire.
      const renewed = await fetch(`${server.url}${EVENTS}/old`, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify({ message: 'again' }) });
      expect(renewed.status).to.equal(200);
      await sleep(1000);
      expect(await status(`${EVENTS}/old`), 'renewed 1 s ago').to.equal(200);
      await sleep(1800);
      expect(await status(`${EVENTS}/old`)).to.equal(404);
      expect(await status(`${EVENTS}/young`)).to.equal(404);
      expect(await status('/api/v1/namespaces/default/configmaps/kept')).to.equal(200);
      await reader.cancel();
      await reading.catch(() => undefined);
      expect(seen).to.match(/"type":"DELETED".*"name":"(old|young)"/);
    });

    it('keeps Events with a TTL of 0', async () => {
      server = await startApiServer({ eventTtlMs: 0 });
      expect(await post(EVENTS, event('forever'))).to.equal(201);
      await sleep(1200);
      expect(await status(`${EVENTS}/forever`)).to.equal(200);
    });
  });
});
