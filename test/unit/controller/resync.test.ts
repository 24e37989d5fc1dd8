/**
 * The periodic resync wakes a pod only when its containers changed since anyone last looked:
 * the resync's own previous list, or the last look of a pass that converged. A pod created since
 * the last resync is therefore not reconciled again for nothing, and a change after the pass's
 * look (a death whose event was lost) still wakes it.
 */
import { expect } from 'chai';
import { Resyncer, type ResyncHost } from '../../../src/controller/resync.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { PlanContext } from '../../../src/planner/context.js';
import { LABEL } from '../../../src/planner/labels.js';
import { FakeEngine } from '../../../src/runtime/docker/fake-engine.js';

const INSTANCE = 'resync-test';
const UID = '0b9a3c0e-1111-4222-8333-444455556666';

async function podOn(engine: FakeEngine): Promise<string[]> {
  engine.addImage('busybox');
  const labels = { [LABEL.managedBy]: INSTANCE, [LABEL.uid]: UID, [LABEL.namespace]: 'default', [LABEL.name]: 'web' };
  const ids = await Promise.all(['sandbox', 'app'].map((n) => engine.createContainer(`dp-${n}`, { Image: 'busybox', Labels: labels, HostConfig: { NetworkMode: 'none' } })));
  for (const id of ids) await engine.startContainer(id);
  return ids;
}

function resyncer(engine: FakeEngine, enqueued: string[], busy: Set<string> = new Set()): Resyncer {
  const host: ResyncHost = { hostName: 'local', engine, ctx: { instance: INSTANCE } as PlanContext };
  return new Resyncer({ hosts: () => [host], podHosts: () => new Map([[UID, 'local']]), watches: () => true, enqueue: (key) => enqueued.push(key), busy: (key) => busy.has(key), logger: silentLogger });
}

describe('resync: which pods it wakes', () => {
  const cases: Array<{ name: string; seenByPass: boolean; crashAfterLook: boolean; wakes: boolean }> = [
    { name: 'a pod no pass or resync has looked at', seenByPass: false, crashAfterLook: false, wakes: true },
    { name: 'a pod whose pass saw exactly what the engine lists', seenByPass: true, crashAfterLook: false, wakes: false },
    { name: 'a pod whose member died after the pass looked', seenByPass: true, crashAfterLook: true, wakes: true },
  ];
  for (const c of cases) {
    it(`${c.wakes ? 'wakes' : 'leaves alone'} ${c.name}`, async () => {
      const engine = new FakeEngine();
      const ids = await podOn(engine);
      const enqueued: string[] = [];
      const r = resyncer(engine, enqueued);
      if (c.seenByPass) r.seen(UID, await Promise.all(ids.map(async (id) => (await engine.inspectContainer(id))!)));
      if (c.crashAfterLook) engine.crash(ids[1] ?? '', 137);
      const report = await r.run();
      expect(report.lists).to.equal(1);
      expect(enqueued).to.deep.equal(c.wakes ? ['default/web'] : []);
    });
  }

  it('leaves a pod whose pass is running or waiting alone, and wakes it at the next resync if still changed', async () => {
    const engine = new FakeEngine();
    await podOn(engine);
    const enqueued: string[] = [];
    const busy = new Set(['default/web']);
    const r = resyncer(engine, enqueued, busy);
    await r.run();
    expect(enqueued).to.deep.equal([]);
    busy.clear();
    await r.run();
    expect(enqueued).to.deep.equal(['default/web']);
  });

  it('wakes a pod once per change: the resync remembers what it listed', async () => {
    const engine = new FakeEngine();
    const ids = await podOn(engine);
    const enqueued: string[] = [];
    const r = resyncer(engine, enqueued);
    await r.run();
    await r.run();
    engine.crash(ids[0] ?? '', 0);
    await r.run();
    await r.run();
    expect(enqueued).to.deep.equal(['default/web', 'default/web']);
  });
});
