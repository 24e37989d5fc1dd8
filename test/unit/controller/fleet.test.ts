/**
 * The fleet's placement against fake engines: hosts become Ready on a heartbeat and NotReady when
 * the engine stops answering (with the transition time kept), concurrent placements never
 * over-commit a host (the reservation counts at once), a reservation wins over a stale cache,
 * bound pods stay put, a pinned pod binds to a missing host never, two DockerHosts on one engine
 * are refused, the last heartbeat answers only while recent and valid, and a partition (--host-selector) decides which pods an operator manages.
 */
import { expect } from 'chai';
import type { DockerHost } from '../../../src/api/v1alpha1/dockerhost.js';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import { Fleet, type HostChange } from '../../../src/controller/fleet/fleet.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { FakeEngine } from '../../../src/runtime/docker/fake-engine.js';
import { FakeClock } from '../../../src/util/clock.js';

const host = (name: string, spec: Partial<DockerHost['spec']> = {}, labels: Record<string, string> = {}): DockerHost => ({
  apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerHost', metadata: { name, uid: `uid-${name}`, labels, generation: 1 }, spec: { endpoint: `tcp://${name}.example:2376`, ...spec },
});

const pod = (name: string, memory: string, extra: Partial<DockerPod['spec']> = {}, status?: DockerPod['status']): DockerPod => ({
  apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerPod',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1 },
  spec: { containers: [{ name: 'main', image: 'busybox', resources: { requests: { memory } } }], ...extra },
  ...(status ? { status } : {}),
});

interface World { fleet: Fleet; engines: Map<string, FakeEngine>; pods: DockerPod[]; changes: string[]; clock: FakeClock }

function world(hosts: DockerHost[], options: { partition?: Record<string, string>; sameEngine?: boolean } = {}): World {
  const clock = new FakeClock();
  const engines = new Map<string, FakeEngine>();
  const pods: DockerPod[] = [];
  const changes: string[] = [];
  const fleet = new Fleet({
    settings: { instance: 'test', extraLabels: {}, pauseImage: 'pause', podNetwork: 'bridge', cgroupRoot: '/dockerpod', negativeOomScores: false },
    readSecret: () => Promise.resolve(undefined),
    pods: () => pods,
    clock,
    logger: silentLogger,
    localAddress: '192.0.2.1',
    connect: (connection) => {
      const key = options.sameEngine ? 'shared' : connection.endpoint;
      const engine = engines.get(key) ?? new FakeEngine({ endpoint: key, clock, info: { memoryBytes: 4 * 1024 ** 3, cpus: 2 } });
      engines.set(key, engine);
      return engine;
    },
    probe: () => Promise.resolve({ version: '20.10.24', apiVersion: '1.41', minApiVersion: '1.12' }),
    onChange: (name: string, change: HostChange) => changes.push(`${name}:${change}`),
    ...(options.partition ? { partition: options.partition } : {}),
  });
  for (const h of hosts) fleet.upsert(h);
  return { fleet, engines, pods, changes, clock };
}

describe('fleet: placement over fake engines', () => {
  it('a heartbeat makes a host Ready; a failing engine makes it NotReady with the time it went down', async () => {
    const w = world([host('a')]);
    expect(await w.fleet.heartbeat('a')).to.deep.include({ ok: true });
    expect(w.fleet.isReady('a')).to.equal(true);
    await w.clock.advance(5000);
    const engine = w.engines.get('tcp://a.example:2376');
    if (!engine) throw new Error('no engine');
    engine.down = true;
    const failed = await w.fleet.heartbeat('a');
    expect(failed).to.deep.include({ ok: false, reason: 'EngineUnreachable' });
    expect(w.fleet.problem('a')?.sinceMs).to.equal(w.clock.now());
    expect(w.changes).to.deep.equal(['a:ready', 'a:notReady']);
  });

  it('answers from the last heartbeat only while it is recent, succeeded, and the spec is unchanged', async () => {
    const w = world([host('a')]);
    expect(w.fleet.recentHeartbeat('a', 5000)).to.equal(undefined);
    const ok = await w.fleet.heartbeat('a');
    const at = w.clock.now();
    await w.clock.advance(4000);
    expect(w.fleet.recentHeartbeat('a', 5000)).to.deep.equal({ result: ok, atMs: at, ageMs: 4000 });
    await w.clock.advance(1000);
    expect(w.fleet.recentHeartbeat('a', 5000), 'too old').to.equal(undefined);

    await w.fleet.heartbeat('a');
    w.fleet.upsert(host('a', { endpoint: 'tcp://elsewhere.example:2376' }));
    expect(w.fleet.recentHeartbeat('a', 5000), 'after a spec change').to.equal(undefined);

    await w.fleet.heartbeat('a');
    const engine = w.engines.get('tcp://elsewhere.example:2376');
    if (!engine) throw new Error('no engine');
    engine.down = true;
    await w.fleet.heartbeat('a');
    expect(w.fleet.recentHeartbeat('a', 5000), 'after a failed heartbeat').to.equal(undefined);
  });

  it('never over-commits: two pods placed back to back, room for one, the second is unschedulable', async () => {
    const w = world([host('a', { capacity: { memory: '1Gi' } })]);
    await w.fleet.heartbeat('a');
    const first = pod('first', '768Mi');
    const second = pod('second', '768Mi');
    w.pods.push(first, second);
    expect(w.fleet.place(first)).to.deep.include({ kind: 'bound', fresh: true });
    const refused = w.fleet.place(second);
    expect(refused).to.deep.equal({ kind: 'unschedulable', message: '0/1 hosts are available: 1 Insufficient memory.' });
  });

  it('spreads by least allocated and keeps a reserved pod where it was placed even when the cache lags', async () => {
    const w = world([host('a'), host('b')]);
    await Promise.all([w.fleet.heartbeat('a'), w.fleet.heartbeat('b')]);
    const p1 = pod('p1', '512Mi');
    const p2 = pod('p2', '512Mi');
    w.pods.push(p1, p2);
    const at1 = w.fleet.place(p1);
    const at2 = w.fleet.place(p2);
    expect([at1, at2].map((p) => (p.kind === 'bound' ? p.host.hostName : p.kind))).to.deep.equal(['a', 'b']);
    // The cache still shows p1 unbound: the next pass finds it on a, not bound afresh.
    expect(w.fleet.place(p1)).to.deep.include({ kind: 'bound', fresh: false });
    expect(w.fleet.loads().get('a')?.memoryBytes).to.equal(512 * 1024 ** 2);
  });

  it('leaves a bound pod on its host even when another host is emptier, and reports the host down when it is', async () => {
    const w = world([host('a'), host('b')]);
    await Promise.all([w.fleet.heartbeat('a'), w.fleet.heartbeat('b')]);
    const bound = pod('bound', '64Mi', {}, { hostName: 'b' });
    w.pods.push(bound);
    expect(w.fleet.place(bound)).to.deep.include({ kind: 'bound', fresh: false });
    const engine = w.engines.get('tcp://b.example:2376');
    if (!engine) throw new Error('no engine');
    engine.down = true;
    await w.fleet.heartbeat('b');
    expect(w.fleet.place(bound)).to.deep.include({ kind: 'hostDown', hostName: 'b', unknownAtMs: w.clock.now() + 40_000, hostDeleting: false });
  });

  it('a pod no host\'s policy allows is forbidden even when a host is NotReady (InvalidSpec, not a wait); allowed by the NotReady one, it waits', async () => {
    const w = world([host('a'), host('down', { policy: { allowHostNamespaces: false } })]);
    await w.fleet.heartbeat('a');
    const hostNet = pod('hostnet', '1Mi', { hostNetwork: true });
    w.pods.push(hostNet);
    expect(w.fleet.place(hostNet)).to.deep.include({ kind: 'unschedulable', forbidden: true });
    const lenient = world([host('a'), host('down', { policy: { allowHostNamespaces: true } })]);
    await lenient.fleet.heartbeat('a');
    lenient.pods.push(hostNet);
    expect(lenient.fleet.place(hostNet)).to.not.have.property('forbidden');
  });

  it('counts cached pods through podChanged: a bound pod takes its room, a finished or deleted one gives it back', async () => {
    const w = world([host('a', { capacity: { memory: '1Gi' } })]);
    await w.fleet.heartbeat('a');
    const running = pod('running', '768Mi', {}, { hostName: 'a', phase: 'Running' });
    w.fleet.podChanged(running, undefined);
    const next = pod('next', '768Mi');
    expect(w.fleet.place(next)).to.deep.equal({ kind: 'unschedulable', message: '0/1 hosts are available: 1 Insufficient memory.' });
    const done = { ...running, status: { ...running.status, phase: 'Succeeded' as const } };
    w.fleet.podChanged(done, running);
    expect(w.fleet.place(next)).to.deep.include({ kind: 'bound', fresh: true });
    // The new pod's reservation goes once the cache shows its binding, and its room stays taken.
    w.fleet.podChanged({ ...next, status: { hostName: 'a' } }, next);
    expect(w.fleet.place(pod('third', '768Mi'))).to.deep.include({ kind: 'unschedulable' });
    w.fleet.podChanged(undefined, { ...next, status: { hostName: 'a' } });
    expect(w.fleet.place(pod('third', '768Mi'))).to.deep.include({ kind: 'bound', fresh: true });
  });

  it('does not bind a pod pinned to a host that does not exist', async () => {
    const w = world([host('a')]);
    await w.fleet.heartbeat('a');
    expect(w.fleet.place(pod('pinned', '1Mi', { hostName: 'ghost' }))).to.deep.equal({ kind: 'unschedulable', message: 'DockerHost ghost (spec.hostName) does not exist' });
  });

  it('refuses a second DockerHost on the same engine with DuplicateEngine', async () => {
    const w = world([host('a'), host('twin')], { sameEngine: true });
    expect(await w.fleet.heartbeat('a')).to.deep.include({ ok: true });
    const twin = await w.fleet.heartbeat('twin');
    expect(twin).to.deep.include({ ok: false, reason: 'DuplicateEngine' });
  });

  it('with a partition, manages pods on its hosts, pinned to them, or selecting its labels; no others', async () => {
    const w = world([host('a', {}, { pool: 'x' })], { partition: { pool: 'x' } });
    await w.fleet.heartbeat('a');
    expect(w.fleet.owns(pod('mine-bound', '1Mi', {}, { hostName: 'a' }))).to.equal(true);
    expect(w.fleet.owns(pod('mine-pinned', '1Mi', { hostName: 'a' }))).to.equal(true);
    expect(w.fleet.owns(pod('mine-selected', '1Mi', { hostSelector: { pool: 'x', disk: 'ssd' } }))).to.equal(true);
    expect(w.fleet.owns(pod('theirs-bound', '1Mi', {}, { hostName: 'z' }))).to.equal(false);
    expect(w.fleet.owns(pod('theirs-unselected', '1Mi'))).to.equal(false);
    expect(world([host('a')]).fleet.owns(pod('anything', '1Mi'))).to.equal(true);
  });
});
