/**
 * Status of a pod that cannot run on a host: unschedulable (only PodScheduled=False with the
 * scheduler's message, like kube-scheduler leaves a Pod) and bound to a host that stopped
 * answering (Ready=False HostNotReady at once, phase Unknown after the grace, last known container
 * states kept). Both are deterministic, so an unchanged situation never causes a write.
 */
import { expect } from 'chai';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import { hostDownStatus, unschedulableStatus } from '../../../src/status/placement.js';
import { canonicalJson } from '../../../src/util/canonical.js';
import { samplePod } from '../planner/fixtures.js';

const T0 = '2026-01-01T12:00:00Z';
const T1 = '2026-01-01T12:00:30Z';
const MESSAGE = '0/3 hosts are available: 1 Insufficient memory, 2 host(s) didn\'t match host selector.';

function runningPod(): DockerPod {
  const pod = samplePod();
  pod.metadata.generation = 2;
  pod.status = {
    phase: 'Running',
    hostName: 'b',
    hostIP: '10.0.0.2',
    podIP: '172.17.0.5',
    startTime: T0,
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: T0, observedGeneration: 2 },
      { type: 'ContainersReady', status: 'True', lastTransitionTime: T0, observedGeneration: 2 },
      { type: 'Ready', status: 'True', lastTransitionTime: T0, observedGeneration: 2 },
    ],
    containerStatuses: [
      { name: 'app', ready: true, restartCount: 1, image: 'busybox', imageID: '', started: true, state: { running: { startedAt: T0 } } },
      { name: 'sidecar', ready: true, restartCount: 0, image: 'busybox', imageID: '', started: true, state: { running: { startedAt: T0 } } },
    ],
    summary: 'Running',
    readyContainers: '2/2',
    restartCount: 1,
  };
  return pod;
}

describe('status: placement', () => {
  describe('unschedulableStatus', () => {
    it('is Pending with only PodScheduled=False, reason Unschedulable and the scheduler message', () => {
      const pod = samplePod();
      const status = unschedulableStatus(pod, MESSAGE, T0);
      expect(status.phase).to.equal('Pending');
      expect(status.conditions).to.deep.equal([{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: MESSAGE, lastTransitionTime: T0, observedGeneration: pod.metadata.generation ?? 0 }]);
      expect(status).to.not.have.any.keys('hostName', 'hostIP', 'containerStatuses', 'podIP');
      expect(status.readyContainers).to.equal(`0/${pod.spec.containers.length}`);
      expect(status.summary).to.equal('Pending');
    });

    it('keeps lastTransitionTime while still unschedulable, so a repeat pass writes nothing', () => {
      const pod = samplePod();
      pod.status = unschedulableStatus(pod, MESSAGE, T0);
      const again = unschedulableStatus(pod, MESSAGE, T1);
      expect(canonicalJson(again)).to.equal(canonicalJson(pod.status));
    });
  });

  describe('hostDownStatus', () => {
    const table: Array<{ name: string; unknown: boolean; phase: string; summary: string }> = [
      { name: 'within the grace: phase kept', unknown: false, phase: 'Running', summary: 'Running' },
      { name: 'after the grace: phase Unknown', unknown: true, phase: 'Unknown', summary: 'Unknown' },
    ];
    for (const row of table) {
      it(`${row.name}; Ready=False HostNotReady, containers not ready but their states kept`, () => {
        const pod = runningPod();
        const status = hostDownStatus(pod, { hostName: 'b', message: 'EngineUnreachable: connect ECONNREFUSED 127.0.0.1:23760', unknown: row.unknown }, T1);
        expect(status.phase).to.equal(row.phase);
        expect(status.summary).to.equal(row.summary);
        const ready = status.conditions?.find((c) => c.type === 'Ready');
        expect(ready).to.deep.include({ status: 'False', reason: 'HostNotReady', lastTransitionTime: T1 });
        expect(ready?.message).to.equal('DockerHost b is not ready: EngineUnreachable: connect ECONNREFUSED 127.0.0.1:23760');
        expect(status.conditions?.find((c) => c.type === 'PodScheduled')).to.deep.include({ status: 'True', lastTransitionTime: T0 });
        expect(status.containerStatuses?.map((c) => [c.name, c.ready, c.restartCount, Object.keys(c.state ?? {})])).to.deep.equal([
          ['app', false, 1, ['running']],
          ['sidecar', false, 0, ['running']],
        ]);
        expect(status).to.include({ hostName: 'b', hostIP: '10.0.0.2', podIP: '172.17.0.5', startTime: T0, readyContainers: '0/2', restartCount: 1 });
      });
    }

    it('is stable: the same outage gives the same status on the next pass', () => {
      const pod = runningPod();
      pod.status = hostDownStatus(pod, { hostName: 'b', message: 'down', unknown: true }, T1);
      expect(canonicalJson(hostDownStatus(pod, { hostName: 'b', message: 'down', unknown: true }, '2026-01-01T12:05:00Z'))).to.equal(canonicalJson(pod.status));
    });
  });
});
