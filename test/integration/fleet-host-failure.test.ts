/**
 * A DockerHost whose engine stops and comes back, on the real engine B (TCP with mutual TLS):
 * host `b` goes NotReady (EngineUnreachable) within two heartbeats; a pod with the default
 * hostFailurePolicy (Wait) turns Ready=False (HostNotReady) at once and phase Unknown after the
 * grace, keeping its last container statuses; a pod with hostFailurePolicy Reschedule moves to
 * host `a` after its hostFailureTimeoutSeconds with its restart count and a Rescheduled Event.
 * When B returns (its containers exited, as after an engine restart with live-restore off), the
 * waiting pod converges on b again and the moved pod's stale containers on b are removed, so it
 * runs on a only.
 */
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { expect } from 'chai';
import type Docker from 'dockerode';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import type { ContainerStatus } from '../../src/api/v1alpha1/pod-status.js';
import { LABEL } from '../../src/planner/labels.js';
import { connectEngine } from '../../src/runtime/docker/dockerode-engine.js';
import { useDockerScope } from '../support/docker-scope.js';
import { startEngineB, stopEngineB } from '../support/engine-control.js';
import { engineClient, engineConnectOptions, type EngineName } from '../support/engines.js';
import { eventually } from '../support/exec.js';
import {
  conditionOf, createHostA, createHostB, createPod, deletePod, getHost, getPod, hostReady, isReady, sleeper, waitForHost, waitForPod, waitGone,
} from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';

const HEARTBEAT_MS = 1000;
const GRACE_MS = 3000;
const MOVE_AFTER_S = 5;

type Container = Docker.ContainerInfo;

/** Every container (any state) of the pod with `uid` on an engine. */
async function containersOn(engine: EngineName, uid: string): Promise<Container[]> {
  return engineClient(engine).listContainers({ all: true, filters: { label: [`${LABEL.uid}=${uid}`] } });
}

const running = (list: Container[], role: string): Container[] => list.filter((c) => c.State === 'running' && c.Labels[LABEL.role] === role);
const describeAll = (list: Container[]): string => list.map((c) => `${c.Labels[LABEL.container] ?? '?'}#${c.Labels[LABEL.attempt] ?? '?'}:${c.State}`).sort().join(', ');
const mainStatus = (p: DockerPod): ContainerStatus | undefined => p.status?.containerStatuses?.find((s) => s.name === 'main');
const restartsOf = (p: DockerPod): number => mainStatus(p)?.restartCount ?? -1;

/** Exactly one running sandbox and one running member `main` of the pod on the engine. */
async function runsOnce(engine: EngineName, uid: string): Promise<Container[]> {
  const list = await containersOn(engine, uid);
  const sandboxes = running(list, 'sandbox');
  const members = running(list, 'member').filter((c) => c.Labels[LABEL.container] === 'main');
  if (sandboxes.length !== 1 || members.length !== 1) throw new Error(`expected one running sandbox and one running member on ${engine}, got ${describeAll(list)}`);
  return list;
}

/**
 * Pings engine B every 50 ms over a keep-alive connection, like the operator's client: dockerd
 * refuses new connections as soon as it gets SIGTERM but answers on open ones while it stops its
 * containers, so "B stopped answering" is the last answer seen here, not the signal.
 */
function probeEngineB(): { lastAnswerMs: () => number; stop: () => Promise<void> } {
  const engine = connectEngine(engineConnectOptions('b'));
  let last = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await engine.ping(AbortSignal.timeout(1000)).then(() => { last = Date.now(); }, () => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { lastAnswerMs: () => last, stop: async () => { stopped = true; await loop; } };
}

/** A value as sampled over time: each change, with the time it was first seen. */
type Change = { atMs: number; value: string };

/** Samples `read` every 100 ms (a failed read is skipped) and keeps every change of its value. */
function recordChanges(read: () => Promise<string>): { changes: Change[]; stop: () => Promise<void> } {
  const changes: Change[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const value = await read().catch(() => undefined);
      if (value !== undefined && value !== changes.at(-1)?.value) changes.push({ atMs: Date.now(), value });
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return { changes, stop: async () => { stopped = true; await loop; } };
}

/** The change in effect at `atMs` (the last one seen at or before it). */
const valueAt = (changes: Change[], atMs: number): Change | undefined => changes.filter((c) => c.atMs <= atMs).at(-1);

const timings: Record<string, number> = {};
const since = (startMs: number): number => Date.now() - startMs;

describe('fleet: a host whose engine stops and returns', function () {
  this.timeout(60_000);
  // Registered before the scope's hooks, so it runs first even when a test failed: engine B
  // answers again before the scope removes its containers and before later test files run.
  after(async function () {
    this.timeout(120_000);
    await startEngineB();
    if (process.env['DOCKERPOD_TEST_TIMINGS']) console.log('    timings (ms):', JSON.stringify(timings));
  });
  const scope = useDockerScope(['a', 'b']);
  let t: TestOperator;
  const uids: Record<'waiter' | 'mover', string> = { waiter: '', mover: '' };
  let bDownAt = 0;

  before(async () => {
    t = await startTestOperator(scope, { engine: 'none', heartbeatPeriodMs: HEARTBEAT_MS, hostFailureGraceMs: GRACE_MS });
  });
  scope.beforeCleanup(async () => t.stop());
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  it('runs waiter (policy Wait) and mover (policy Reschedule) on b while a is cordoned, each restarted once', async () => {
    // Both hosts match the pods' selector; a is cordoned so that both pods land on b.
    await createHostA(t, 'a', { unschedulable: true }, { pool: 'x' });
    await createHostB(t, 'b', {}, { pool: 'x' });
    await Promise.all(['a', 'b'].map((h) => waitForHost(t, h, (x) => hostReady(x).status === 'True')));
    await createPod(t, sleeper('waiter', { spec: { hostSelector: { pool: 'x' } } }));
    await createPod(t, sleeper('mover', { spec: { hostSelector: { pool: 'x' }, hostFailurePolicy: 'Reschedule', hostFailureTimeoutSeconds: MOVE_AFTER_S } }));
    for (const name of ['waiter', 'mover'] as const) {
      const pod = await waitForPod(t, name, isReady, 30_000);
      expect(pod.status?.hostName, name).to.equal('b');
      uids[name] = pod.metadata.uid ?? '';
      // A restart before the failure, so there is a restart count to keep (waiter) and carry over (mover).
      const member = running(await runsOnce('b', uids[name]), 'member')[0];
      await engineClient('b').getContainer(member?.Id ?? '').kill({ signal: 'SIGKILL' });
      await waitForPod(t, name, (p) => isReady(p) && restartsOf(p) === 1, 30_000);
    }
    // Uncordon a: the mover may go there once b fails.
    await t.custom.patchClusterCustomObject({ group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerhosts', name: 'a', body: { spec: { unschedulable: false } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await waitForHost(t, 'a', (h) => h.spec.unschedulable === false);
    expect(await containersOn('a', uids.waiter)).to.have.length(0);
    expect(await containersOn('a', uids.mover)).to.have.length(0);
  });

  it('engine B stopped: b is NotReady within two heartbeats, waiter Ready=False at once and phase Unknown after the grace', async () => {
    const probe = probeEngineB();
    // While dockerd shuts down, a heartbeat on a new connection fails and one on an open connection
    // succeeds, so b may flap: the NotReady that counts is the last one.
    const hostLog = recordChanges(async () => hostReady(await getHost(t, 'b')).status ?? '');
    const waiterLog = recordChanges(async () => {
      const p = await getPod(t, 'waiter');
      return `${conditionOf(p, 'Ready').status ?? ''}/${conditionOf(p, 'Ready').reason ?? ''}/${p.status?.phase ?? ''}`;
    });
    let stopAt: number;
    let exitedAt = 0;
    try {
      await eventually(() => (probe.lastAnswerMs() > 0 ? Promise.resolve() : Promise.reject(new Error('engine B does not answer the probe'))), 5000, 50);
      stopAt = Date.now();
      await stopEngineB((at) => { exitedAt = at; });
      const b = await waitForHost(t, 'b', (h) => hostReady(h).status === 'False', 2 * HEARTBEAT_MS + 1000);
      expect(hostReady(b).reason).to.equal('EngineUnreachable');
      await eventually(() => (waiterLog.changes.some((c) => c.value.endsWith('/Unknown')) ? Promise.resolve() : Promise.reject(new Error(`waiter not Unknown yet: ${JSON.stringify(waiterLog.changes)}`))), GRACE_MS + 4000, 50);
    } finally {
      await Promise.all([probe.stop(), hostLog.stop(), waiterLog.stop()]);
    }
    const lastAnswer = probe.lastAnswerMs();
    const downs = hostLog.changes.filter((c) => c.value === 'False');
    bDownAt = downs.at(-1)?.atMs ?? 0;
    timings['engine B last answered after SIGTERM'] = lastAnswer - stopAt;
    timings['engine B exited after SIGTERM'] = exitedAt - stopAt;
    timings['b NotReady after engine B last answered'] = bDownAt - lastAnswer;
    timings['b NotReady transitions'] = downs.length;
    expect(bDownAt - lastAnswer, `b's Ready over time: ${JSON.stringify(hostLog.changes)}`).to.be.lessThanOrEqual(2 * HEARTBEAT_MS + 500);
    // Ready=False (HostNotReady) within a second of b's NotReady, phase Unknown once the grace has passed.
    const notReady = valueAt(waiterLog.changes, bDownAt + 1000);
    expect(notReady?.value, JSON.stringify(waiterLog.changes)).to.match(/^False\/HostNotReady\//);
    timings['waiter Ready=False after b NotReady'] = Math.max(0, (notReady?.atMs ?? 0) - bDownAt);
    const unknownAt = waiterLog.changes.find((c) => c.value.endsWith('/Unknown'))?.atMs ?? 0;
    timings['waiter Unknown after b NotReady'] = unknownAt - bDownAt;
    expect(unknownAt - bDownAt, JSON.stringify(waiterLog.changes)).to.be.within(GRACE_MS - 1000, GRACE_MS + 1500);
    const unknown = await getPod(t, 'waiter');
    expect(unknown.status?.hostName).to.equal('b');
    expect(unknown.status?.reason).to.equal('HostLost');
    expect(conditionOf(unknown, 'Ready')).to.include({ status: 'False', reason: 'HostNotReady' });
    // The last known container states are kept, with their restart count; none is ready.
    expect(unknown.status?.containerStatuses?.map((s) => s.name)).to.deep.equal(['main']);
    // At least the restart before the outage (dockerd stopping its containers while it still
    // answers may have cost the operator another restart or two); never reset.
    expect(mainStatus(unknown)?.ready).to.equal(false);
    expect(restartsOf(unknown)).to.be.at.least(1);
    expect(unknown.status?.restartCount).to.equal(restartsOf(unknown));
  });

  it('moves mover to a after its hostFailureTimeoutSeconds, with a Rescheduled Event and its restart count', async () => {
    const moved = await waitForPod(t, 'mover', (p) => p.status?.hostName === 'a' && isReady(p), MOVE_AFTER_S * 1000 + 10_000);
    timings['mover Ready on a after b NotReady'] = since(bDownAt);
    expect(since(bDownAt)).to.be.greaterThanOrEqual(MOVE_AFTER_S * 1000 - 1000);
    expect(conditionOf(moved, 'PodScheduled').status).to.equal('True');
    expect(moved.status?.phase).to.equal('Running');
    expect(restartsOf(moved)).to.equal(1);
    await runsOnce('a', uids.mover);
    // The waiter (policy Wait) stays bound to b.
    expect((await getPod(t, 'waiter')).status?.hostName).to.equal('b');
    const core = t.kc.makeApiClient(CoreV1Api);
    const event = await eventually(async () => {
      const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${uids.mover},reason=Rescheduled` });
      const first = events.items[0];
      if (!first) {
        const all = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${uids.mover}` });
        throw new Error(`no Rescheduled Event for mover; its Events: ${all.items.map((e) => `${e.reason ?? ''} x${e.count ?? 1}`).join(', ')}; Events dropped by the recorder's rate limit: ${t.operator.events.stats().dropped}`);
      }
      return first;
    }, 10_000, 200);
    expect(event.type).to.equal('Normal');
    expect(event.message).to.match(/DockerHost b was NotReady for \d+s; moving the pod to a/);
  });

  it('engine B back: b Ready, waiter converges on b, mover\'s stale containers on b are removed', async () => {
    const startAt = Date.now();
    await startEngineB();
    timings['engine B answering after start'] = since(startAt);
    const backAt = Date.now();
    await waitForHost(t, 'b', (h) => hostReady(h).status === 'True', 2 * HEARTBEAT_MS + 3000);
    timings['b Ready after B answers'] = since(backAt);
    const waiter = await waitForPod(t, 'waiter', (p) => isReady(p) && p.status?.phase === 'Running', 30_000);
    timings['waiter Ready on b after B answers'] = since(backAt);
    expect(waiter.status?.hostName).to.equal('b');
    expect(restartsOf(waiter)).to.be.greaterThanOrEqual(1);
    const onB = await eventually(() => runsOnce('b', uids.waiter), 10_000, 200);
    expect(await containersOn('a', uids.waiter)).to.have.length(0);
    await eventually(async () => {
      const stale = await containersOn('b', uids.mover);
      if (stale.length > 0) throw new Error(`mover still has containers on b: ${describeAll(stale)}`);
    }, 15_000, 200);
    timings['mover stale containers gone from b after B answers'] = since(backAt);
    const mover = await getPod(t, 'mover');
    expect(mover.status?.hostName).to.equal('a');
    expect(isReady(mover)).to.equal(true);
    await runsOnce('a', uids.mover);
    if (process.env['DOCKERPOD_TEST_TIMINGS']) console.log(`    waiter's containers on b: ${describeAll(onB)}`);
  });

  it('deletes both pods, leaving no container on either engine', async () => {
    await Promise.all(['waiter', 'mover'].map((n) => deletePod(t, n)));
    await Promise.all(['waiter', 'mover'].map((n) => waitGone(t, n)));
    for (const engine of ['a', 'b'] as const) {
      for (const uid of Object.values(uids)) expect(await containersOn(engine, uid), `${engine} ${uid}`).to.have.length(0);
    }
  });
});
