/**
 * One operator, two real engines: engine A as DockerHost `a` (unix socket) and engine B as `b`
 * (TCP with mutual TLS from a Secret). Hosts become Ready with their engine's facts, a host whose
 * CA is wrong reports TLSError and gets nothing, pods spread by least-allocated, pins and host
 * selectors are obeyed, a pod too big for every host waits with kube-scheduler's message until a
 * host with room appears, host ports never collide, and orphans on both engines are removed while
 * unlabelled containers stay.
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../src/planner/labels.js';
import { useDockerScope } from '../support/docker-scope.js';
import { engineClient, TEST_IMAGES } from '../support/engines.js';
import { eventually } from '../support/exec.js';
import {
  conditionOf, createHostA, createHostB, createHostWrongCa, createPod, deletePod, hostReady, isReady, sleeper, waitForHost, waitForPod, waitGone,
} from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';

const bound = (p: DockerPod): boolean => Boolean(p.status?.hostName) && conditionOf(p, 'PodScheduled').status === 'True';

describe('fleet: DockerHosts and scheduling across two engines', function () {
  this.timeout(120_000);
  const scope = useDockerScope(['a', 'b']);
  let t: TestOperator;

  before(async () => {
    t = await startTestOperator(scope, { engine: 'none', heartbeatPeriodMs: 1000 });
  });
  scope.beforeCleanup(async () => t.stop());
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  it('host a becomes Ready with its engine facts; a host with a wrong CA reports TLSError', async () => {
    await createHostA(t, 'a', { capacity: { memory: '8Gi', cpu: '4' } }, { zone: 'left' });
    await createHostWrongCa(t, 'wrong-ca');
    const host = await waitForHost(t, 'a', (h) => hostReady(h).status === 'True');
    expect(host.status?.engine?.apiVersion).to.equal('1.41');
    expect(host.status?.engine?.cgroupDriver).to.equal('cgroupfs');
    expect(host.status?.engine?.cpus).to.be.greaterThan(0);
    expect(host.status?.allocatable).to.deep.include({ memory: '8Gi', cpu: '4' });
    expect(host.status?.lastHeartbeatTime).to.be.a('string');
    expect(host.metadata.finalizers).to.include('dockerpod.dev/bound-pods');
    const wrong = await waitForHost(t, 'wrong-ca', (h) => hostReady(h).reason === 'TLSError');
    expect(hostReady(wrong).status).to.equal('False');
    expect(hostReady(wrong).message).to.match(/certificate/i);
  });

  it('keeps a pod no host has room for Pending with the scheduler message, and starts it when a host with room (b, over mutual TLS) appears', async () => {
    await createPod(t, sleeper('big', { memory: '100Gi' }));
    const pending = await waitForPod(t, 'big', (p) => conditionOf(p, 'PodScheduled').reason === 'Unschedulable');
    expect(pending.status?.phase).to.equal('Pending');
    expect(conditionOf(pending, 'PodScheduled').message).to.equal('0/2 hosts are available: 1 Insufficient memory, 1 host(s) were not ready.');
    expect(pending.status?.hostName).to.equal(undefined);
    await createHostB(t, 'b', { capacity: { memory: '200Gi', cpu: '4' } }, { zone: 'right' });
    const placed = await waitForPod(t, 'big', isReady, 30_000);
    expect(placed.status?.hostName).to.equal('b');
    const b = await waitForHost(t, 'b', (h) => hostReady(h).status === 'True' && h.status?.pods === 1);
    expect(b.status?.allocated).to.deep.include({ memory: '100Gi', pods: 1 });
    await deletePod(t, 'big');
    await waitGone(t, 'big');
    await t.custom.patchClusterCustomObject({ group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerhosts', name: 'b', body: { spec: { capacity: { memory: '8Gi', cpu: '4' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await waitForHost(t, 'b', (h) => h.status?.allocatable?.memory === '8Gi' && h.status.pods === 0);
  });

  it('spreads twelve pods over a and b by least allocated, never onto the host with the wrong CA', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `spread-${i}`);
    for (const name of names) await createPod(t, sleeper(name, { memory: '32Mi' }));
    const pods = await Promise.all(names.map((n) => waitForPod(t, n, isReady, 60_000)));
    const perHost = new Map<string, number>();
    for (const p of pods) perHost.set(p.status?.hostName ?? '', (perHost.get(p.status?.hostName ?? '') ?? 0) + 1);
    expect(Object.fromEntries(perHost)).to.deep.equal({ a: 6, b: 6 });
    // Each pod's containers are on the engine its status names, and only there.
    for (const p of pods) {
      const where = await Promise.all((['a', 'b'] as const).map(async (e) => (await engineClient(e).listContainers({ all: true, filters: { label: [`${LABEL.uid}=${p.metadata.uid ?? ''}`] } })).length));
      expect(where, p.metadata.name).to.deep.equal(p.status?.hostName === 'a' ? [2, 0] : [0, 2]);
    }
    await Promise.all(names.map((n) => deletePod(t, n)));
    await Promise.all(names.map((n) => waitGone(t, n)));
  });

  it('puts a pinned pod on its host and a hostSelector pod on the matching host', async () => {
    await createPod(t, sleeper('pinned', { spec: { hostName: 'b' } }));
    await createPod(t, sleeper('selected', { spec: { hostSelector: { zone: 'left' } } }));
    expect((await waitForPod(t, 'pinned', isReady)).status?.hostName).to.equal('b');
    expect((await waitForPod(t, 'selected', isReady)).status?.hostName).to.equal('a');
    await Promise.all(['pinned', 'selected'].map((n) => deletePod(t, n)));
    await Promise.all(['pinned', 'selected'].map((n) => waitGone(t, n)));
  });

  it('never puts two pods asking for the same host port on one host', async () => {
    await createPod(t, sleeper('port-1', { hostPort: 18431, spec: { hostSelector: { zone: 'left' } } }));
    await waitForPod(t, 'port-1', bound);
    await createPod(t, sleeper('port-2', { hostPort: 18431 }));
    await createPod(t, sleeper('port-3', { hostPort: 18431, spec: { hostSelector: { zone: 'left' } } }));
    const second = await waitForPod(t, 'port-2', bound);
    expect(second.status?.hostName).to.not.equal('a');
    const third = await waitForPod(t, 'port-3', (p) => conditionOf(p, 'PodScheduled').reason === 'Unschedulable');
    expect(conditionOf(third, 'PodScheduled').message).to.include("1 host(s) didn't have free ports for the requested pod ports");
    await Promise.all(['port-1', 'port-2', 'port-3'].map((n) => deletePod(t, n)));
    await Promise.all(['port-1', 'port-2', 'port-3'].map((n) => waitGone(t, n)));
  });

  it('removes orphans (labelled containers and volumes of a pod that does not exist) on both engines and leaves unlabelled ones alone', async () => {
    const planted: Array<{ engine: 'a' | 'b'; id: string; labelled: boolean }> = [];
    for (const engine of ['a', 'b'] as const) {
      const docker = engineClient(engine);
      for (const labelled of [true, false]) {
        const labels = { ...scope.labels, ...(labelled ? { [LABEL.managedBy]: t.instance, [LABEL.uid]: `00000000-0000-0000-0000-00000000000${engine === 'a' ? 1 : 2}`, [LABEL.namespace]: 'default', [LABEL.name]: 'ghost' } : {}) };
        const c = await docker.createContainer({ Image: TEST_IMAGES.busybox, Cmd: ['sleep', '600'], Labels: labels });
        planted.push({ engine, id: c.id, labelled });
      }
    }
    // And volumes: a pod volume of a uid that does not exist goes, an unlabelled one stays.
    const volumes: Array<{ engine: 'a' | 'b'; name: string; labelled: boolean }> = [];
    for (const engine of ['a', 'b'] as const) {
      const ghost = `00000000-0000-0000-0000-00000000000${engine === 'a' ? 1 : 2}`;
      const labelled = `dp_${ghost}_data`;
      const plain = `dp_${ghost}_plain-${scope.id}`;
      await engineClient(engine).createVolume({ Name: labelled, Labels: { ...scope.labels, [LABEL.managedBy]: t.instance, [LABEL.uid]: ghost, [LABEL.namespace]: 'default' } });
      await engineClient(engine).createVolume({ Name: plain, Labels: scope.labels });
      volumes.push({ engine, name: labelled, labelled: true }, { engine, name: plain, labelled: false });
    }
    await t.operator.resync();
    await eventually(async () => {
      for (const p of planted) {
        const exists = await engineClient(p.engine).getContainer(p.id).inspect().then(() => true, () => false);
        if (exists === p.labelled) throw new Error(`container ${p.id} on ${p.engine} (labelled ${p.labelled}) exists=${exists}`);
      }
      for (const v of volumes) {
        const exists = await engineClient(v.engine).getVolume(v.name).inspect().then(() => true, () => false);
        if (exists === v.labelled) throw new Error(`volume ${v.name} on ${v.engine} (labelled ${v.labelled}) exists=${exists}`);
      }
    }, 15_000);
    for (const v of volumes.filter((x) => !x.labelled)) await engineClient(v.engine).getVolume(v.name).remove();
  });
});
