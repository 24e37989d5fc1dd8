/**
 * Two `dockerpod operator` processes (the built command) with `--leader-elect` on one Lease,
 * against the embedded API server and engine A, with the default timing (lease 15 s, renew
 * deadline 10 s, retry 2 s):
 *   - exactly one reconciles: its metrics count passes and Docker calls and say
 *     leader_election_master_status 1, the standby's count nothing and say 0, only the leader logs
 *     passes, the Lease names the leader, and both are ready;
 *   - SIGKILL of the leader: the standby leads within 20 s, and pods keep converging (a new pod
 *     becomes Ready, a container removed behind the operator's back of an old pod is recreated);
 *   - SIGTERM of the leader: exit 0, the lease released, and a standby leads within about one
 *     retry period (< 5 s: its next attempt comes at most 2 s * 2.2 after the release);
 *   - a leader whose renewals fail (the API server answers 500 to everything) stops and exits 1
 *     when the renew deadline (10 s after its last successful renewal) passes, before the lease
 *     duration (15 s) would let another replica take over.
 */
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../src/planner/labels.js';
import { useDockerScope } from '../support/docker-scope.js';
import { webPod } from '../support/operator.js';
import { metric, type OperatorProcess, useOperatorProcesses } from '../support/operator-process.js';

const REF = { group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerpods', namespace: 'default' };
const LEASE = 'e2e-leader';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const isReady = (p: DockerPod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

describe('operator: two processes on one Lease', function () {
  this.timeout(180_000);
  const scope = useDockerScope(['a']);
  const operators = useOperatorProcesses(scope);
  let custom: CustomObjectsApi;
  let coordination: CoordinationV1Api;
  let leader: OperatorProcess;
  let standby: OperatorProcess;

  const start = (): OperatorProcess => operators.start(['--leader-elect', '--leader-election-id', LEASE]);
  const leading = async (p: OperatorProcess): Promise<boolean> => metric(await p.metrics(), 'leader_election_master_status', { name: LEASE }) === 1;
  /** Polls until `p` leads; returns how long that took. */
  const untilLeading = async (p: OperatorProcess, timeoutMs: number): Promise<number> => {
    const started = Date.now();
    while (!(await leading(p))) {
      if (Date.now() - started > timeoutMs) throw new Error(`no leadership after ${timeoutMs} ms:\n${p.tail()}`);
      await sleep(50);
    }
    return Date.now() - started;
  };
  const identityOf = async (p: OperatorProcess): Promise<unknown> => (await p.waitForLine('operator started', 20_000))['identity'];
  const podReady = async (name: string, timeoutMs: number): Promise<DockerPod> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pod = (await custom.getNamespacedCustomObject({ ...REF, name })) as DockerPod;
      if (isReady(pod)) return pod;
      if (Date.now() > deadline) throw new Error(`${name} not Ready: ${JSON.stringify(pod.status)}`);
      await sleep(200);
    }
  };
  const containersOf = async (uid: string): Promise<Array<{ Id: string; Labels: Record<string, string> }>> =>
    scope.engine('a').listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL.uid}=${uid}`] }) });

  before(() => {
    custom = operators.custom;
    coordination = operators.kubeConfig.makeApiClient(CoordinationV1Api);
  });

  it('lets exactly one reconcile: metrics, logs and the Lease show the leader; the standby counts nothing and is ready', async () => {
    const a = start();
    const b = start();
    const ids = new Map([[a, await identityOf(a)], [b, await identityOf(b)]]);
    const started = Date.now();
    while (!(await leading(a)) && !(await leading(b))) {
      if (Date.now() - started > 10_000) throw new Error(`nobody leads:\n${a.tail()}\n${b.tail()}`);
      await sleep(50);
    }
    [leader, standby] = (await leading(a)) ? [a, b] : [b, a];
    await custom.createNamespacedCustomObject({ ...REF, body: webPod('one') });
    await podReady('one', 60_000);
    await sleep(2500);

    const [lm, sm] = [await leader.metrics(), await standby.metrics()];
    expect(metric(lm, 'leader_election_master_status', { name: LEASE })).to.equal(1);
    expect(metric(sm, 'leader_election_master_status', { name: LEASE })).to.equal(0);
    expect(metric(lm, 'controller_runtime_reconcile_total', { controller: 'dockerpod' })).to.be.greaterThan(0);
    expect(metric(lm, 'controller_runtime_reconcile_total', { controller: 'dockerhost' })).to.be.greaterThan(0);
    expect(metric(lm, 'dockerpod_docker_requests_total', { host: 'local', operation: 'createContainer', outcome: 'ok' })).to.equal(3);
    // The standby exports the same series, all at zero: no pass, no add, no mutating Docker call.
    for (const controller of ['dockerpod', 'dockerhost']) {
      expect(metric(sm, 'controller_runtime_reconcile_total', { controller }), controller).to.equal(0);
      expect(metric(sm, 'workqueue_adds_total', { name: controller }), controller).to.equal(0);
    }
    expect(metric(sm, 'dockerpod_docker_requests_total', { operation: 'createContainer' }) ?? 0).to.equal(0);
    expect(metric(sm, 'dockerpod_docker_requests_total', { operation: 'ping', outcome: 'ok' }), 'the standby pings its engine').to.be.greaterThan(0);
    expect(metric(sm, 'dockerpod_hosts', { ready: 'true' })).to.equal(1);

    const passes = (p: OperatorProcess): number => p.lines().filter((l) => l['message'] === 'reconciled' && l['name'] === 'one').length;
    expect(passes(leader)).to.be.greaterThan(0);
    expect(passes(standby)).to.equal(0);
    const lease = await coordination.readNamespacedLease({ name: LEASE, namespace: 'default' });
    expect(lease.spec?.holderIdentity).to.equal(ids.get(leader));
    for (const [p, role] of [[leader, 'leader'], [standby, 'standby']] as const) {
      const ready = await p.probe('/readyz');
      expect(ready.status, ready.body).to.equal(200);
      expect(ready.body).to.include(`[+]leader-election ok: ${role}`);
    }
  });

  it('SIGKILL of the leader: the standby leads within 20 s and pods keep converging', async () => {
    const old = (await custom.getNamespacedCustomObject({ ...REF, name: 'one' })) as DockerPod;
    const killedAt = Date.now();
    await leader.stop('SIGKILL');
    await untilLeading(standby, 30_000);
    const sinceKill = Date.now() - killedAt;
    console.log(`      takeover after SIGKILL: ${sinceKill} ms (lease 15 s, retry 2 s)`);
    expect(sinceKill).to.be.below(20_000);
    leader = standby;

    await custom.createNamespacedCustomObject({ ...REF, body: webPod('two') });
    await podReady('two', 60_000);
    // An old pod is still worked on: its app container, removed behind the operator's back, comes back.
    const app = (await containersOf(old.metadata.uid ?? '')).find((c) => c.Labels[LABEL.container] === 'app');
    expect(app, 'pod one has an app container').to.not.equal(undefined);
    await scope.engine('a').getContainer(app?.Id ?? '').remove({ force: true });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const now = await containersOf(old.metadata.uid ?? '');
      const apps = now.filter((c) => c.Labels[LABEL.container] === 'app');
      if (apps.length === 1 && apps[0]?.Id !== app?.Id && isReady((await custom.getNamespacedCustomObject({ ...REF, name: 'one' })) as DockerPod)) break;
      if (Date.now() > deadline) throw new Error(`pod one did not converge: ${JSON.stringify(now.map((c) => c.Labels[LABEL.container]))}\n${leader.tail()}`);
      await sleep(200);
    }
  });

  it('SIGTERM of the leader: exit 0, lease released, a standby leads within about one retry period', async () => {
    const next = start();
    await identityOf(next);
    await sleep(1000);
    expect(await leading(next)).to.equal(false);
    const termAt = Date.now();
    let exitMs = 0;
    const stopping = leader.stop('SIGTERM').then((r) => ((exitMs = Date.now() - termAt), r));
    const handoverMs = await untilLeading(next, 15_000);
    const exit = await stopping;
    const released = Date.parse(String(leader.lines().find((l) => l['message'] === 'leader election: stopped leading and released the lease')?.['timestamp'])) - termAt;
    console.log(`      SIGTERM: lease released after ${released} ms, old leader exited after ${exitMs} ms, the standby led after ${handoverMs} ms`);
    expect(exit).to.deep.equal({ code: 0, signal: null });
    expect(leader.lines().some((l) => l['message'] === 'leader election: stopped leading and released the lease')).to.equal(true);
    expect(handoverMs).to.be.below(5000);
    await custom.createNamespacedCustomObject({ ...REF, body: webPod('three') });
    await podReady('three', 60_000);
    expect((await next.stop('SIGTERM')).code).to.equal(0);
  });

  it('a leader that cannot renew stops and exits 1 at the renew deadline, before the lease expires', async () => {
    const alone = start();
    await untilLeading(alone, 25_000);
    const failedAt = Date.now();
    operators.api.server.faults.failNext(1_000_000, 500, 'injected: API server failing');
    try {
      const exit = await Promise.race([alone.exited, sleep(30_000).then(() => alone.stop('SIGKILL'))]);
      const exitMs = Date.now() - failedAt;
      console.log(`      renewals failing: exit ${exit.code} after ${exitMs} ms (renew deadline 10 s, lease 15 s, last renewal at most 2 s before)`);
      expect(exit, alone.tail()).to.deep.equal({ code: 1, signal: null });
      // The deadline runs from the last successful renewal (0-2 s before the faults began); the lease from the same moment.
      expect(exitMs).to.be.within(7_500, 12_500);
      expect(alone.lines().some((l) => l['message'] === 'leader election lost: workers stopped, exiting')).to.equal(true);
      expect(alone.lines().some((l) => l['message'] === 'leader election: stopped leading' && l['reason'] === 'renew deadline exceeded')).to.equal(true);
    } finally {
      operators.api.server.faults.reset();
    }
  });
});
