/**
 * LeaderElector with the client-node LeaseStore against the embedded API server over HTTPS, in
 * real time with short durations (lease 1.5 s, renew deadline 1 s, retry 0.2 s): exactly one of
 * two replicas leads, aborting the leader hands over within about a retry period, a leader whose
 * API calls fail steps down after the renew deadline, and the Lease carries MicroTime with six
 * fractional digits. A monitor checks throughout that two replicas never lead at the same time.
 */
import { expect } from 'chai';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { LeaderElector, clientLeaseStore } from '../../src/kube/leader-election.js';
import { rawRequest, startTestApiServer, type TestApiServer } from '../support/apiserver.js';

const NS = 'default';
const LEASE = 'dockerpod-operator';
const TIMING = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

interface Replica {
  identity: string;
  elector: LeaderElector;
  events: string[];
  controller: AbortController;
  done: Promise<void>;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(10);
  }
  return Date.now() - started;
}

describe('LeaderElector against the embedded API server', function () {
  this.timeout(20_000);
  let api: TestApiServer;
  let kc: KubeConfig;
  let replicas: Replica[];
  let leading: Set<string>;
  let mostAtOnce: number;

  const start = (identity: string): Replica => {
    const events: string[] = [];
    const controller = new AbortController();
    const elector = new LeaderElector({
      lease: { namespace: NS, name: LEASE },
      identity,
      store: clientLeaseStore(kc, NS, LEASE),
      ...TIMING,
      onStartedLeading: (signal) => {
        events.push('started');
        leading.add(identity);
        mostAtOnce = Math.max(mostAtOnce, leading.size);
        signal.addEventListener('abort', () => leading.delete(identity), { once: true });
      },
      onStoppedLeading: () => events.push('stopped'),
    });
    const replica = { identity, elector, events, controller, done: elector.run(controller.signal) };
    replicas.push(replica);
    return replica;
  };
  const leaders = (): Replica[] => replicas.filter((r) => r.elector.isLeader());
  const rawLease = async (): Promise<{ spec: Record<string, unknown> }> => {
    const res = await rawRequest(api, 'GET', `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${LEASE}`);
    expect(res.status).to.equal(200);
    return res.body as { spec: Record<string, unknown> };
  };
  /** Starts two replicas and returns [leader, standby] once one leads. */
  const pair = async (): Promise<[Replica, Replica]> => {
    const a = start('replica-a');
    const b = start('replica-b');
    await waitFor('a leader', () => leaders().length > 0, 3000);
    return a.elector.isLeader() ? [a, b] : [b, a];
  };

  beforeEach(async () => {
    api = await startTestApiServer();
    kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    replicas = [];
    leading = new Set();
    mostAtOnce = 0;
  });
  afterEach(async () => {
    api.server.faults.reset();
    for (const r of replicas) r.controller.abort();
    await Promise.all(replicas.map((r) => r.done));
    expect(mostAtOnce, 'replicas leading at the same time').to.be.at.most(1);
    await api.close();
  });

  it('lets exactly one of two replicas lead, and the Lease names it', async function () {
    const [leader, standby] = await pair();
    for (let i = 0; i < 20; i++) {
      expect(leaders().map((r) => r.identity)).to.deep.equal([leader.identity]);
      await delay(50);
    }
    expect(standby.elector.leader()).to.equal(leader.identity);
    expect(standby.events).to.deep.equal([]);
    const lease = await rawLease();
    expect(lease.spec).to.deep.include({ holderIdentity: leader.identity, leaseDurationSeconds: 2, leaseTransitions: 0 });
  });

  it('hands over to the standby within a few retry periods when the leader\'s signal aborts', async function () {
    const [leader, standby] = await pair();
    await delay(300);
    const started = Date.now();
    leader.controller.abort();
    await leader.done;
    expect(leader.events).to.deep.equal(['started', 'stopped']);
    const handover = await waitFor('the standby to lead', () => standby.elector.isLeader(), 3000);
    expect(Date.now() - started, 'handover time in ms').to.be.below(3000);
    expect(handover, 'well before the 2 s lease could have expired').to.be.below(1500);
    const lease = await rawLease();
    expect(lease.spec).to.deep.include({ holderIdentity: standby.identity, leaseDurationSeconds: 2, leaseTransitions: 1 });
  });

  it('steps a leader down after the renew deadline when its API calls fail, and recovers after', async function () {
    const [leader, standby] = await pair();
    await delay(300);
    api.server.faults.failNext(100_000, 500);
    const steppedDown = await waitFor('the leader to step down', () => !leader.elector.isLeader(), 3000);
    expect(steppedDown, 'ms from the first failure to stepping down').to.be.within(700, 1500);
    expect(leader.events).to.deep.equal(['started', 'stopped']);
    expect(standby.elector.isLeader(), 'the standby cannot reach the server either').to.equal(false);

    api.server.faults.reset();
    await waitFor('a leader again', () => leaders().length === 1, 5000);
    const lease = await rawLease();
    expect(lease.spec.holderIdentity).to.equal(leaders()[0]?.identity);
  });

  it('writes renewTime and acquireTime as MicroTime with six fractional digits, read back as strings', async function () {
    const replica = start('replica-a');
    await waitFor('the replica to lead', () => replica.elector.isLeader(), 3000);
    const { spec } = await rawLease();
    expect(spec.renewTime).to.match(MICRO_TIME);
    expect(spec.acquireTime).to.match(MICRO_TIME);
    expect(Math.abs(Date.parse(String(spec.renewTime)) - Date.now())).to.be.below(5000);

    const read = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: LEASE, namespace: NS });
    expect(typeof read.spec?.renewTime, 'client-node hands MicroTime back as a string').to.equal('string');
    const record = await clientLeaseStore(kc, NS, LEASE).get();
    expect(record).to.deep.include({ holderIdentity: 'replica-a', leaseDurationSeconds: 2, leaseTransitions: 0 });
    expect(record?.renewTime).to.equal(Date.parse(String(read.spec?.renewTime)));
    expect(record?.resourceVersion).to.equal(read.metadata?.resourceVersion);
  });
});
