/**
 * Pod conditions as the kubelet sets them: ContainersReady True when every container is ready,
 * else ContainersNotReady with "containers with unready status: [a b]"; PodCompleted when
 * Succeeded and PodFailed whenever Failed (even if containers still run); Ready mirrors
 * ContainersReady; and stamping keeps lastTransitionTime while the status stays the same and
 * sets observedGeneration.
 */
import { expect } from 'chai';
import type { Condition } from '../../../src/api/v1alpha1/condition.js';
import type { ContainerStatus } from '../../../src/api/v1alpha1/pod-status.js';
import { containersReady, ready, stampConditions, type ConditionValue } from '../../../src/status/conditions.js';
import type { Phase } from '../../../src/status/phase.js';

const cs = (name: string, isReady: boolean): ContainerStatus => ({ name, ready: isReady, restartCount: 0, image: 'busybox:1.36', lastState: {} });

describe('status/conditions', function () {
  describe('containersReady and ready', function () {
    const cases: Array<{ name: string; given: { statuses: ContainerStatus[]; phase: Phase }; want: ConditionValue }> = [
      { name: 'all ready', given: { statuses: [cs('a', true), cs('b', true)], phase: 'Running' }, want: { type: 'ContainersReady', status: 'True' } },
      {
        name: 'some unready, in spec order',
        given: { statuses: [cs('a', false), cs('b', true), cs('c', false)], phase: 'Running' },
        want: { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [a c]' },
      },
      {
        name: 'none ready while pending',
        given: { statuses: [cs('app', false)], phase: 'Pending' },
        want: { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' },
      },
      { name: 'Succeeded', given: { statuses: [cs('a', false)], phase: 'Succeeded' }, want: { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' } },
      { name: 'Failed with unready containers', given: { statuses: [cs('a', false)], phase: 'Failed' }, want: { type: 'ContainersReady', status: 'False', reason: 'PodFailed' } },
      { name: 'Failed while containers still run ready', given: { statuses: [cs('a', true), cs('b', true)], phase: 'Failed' }, want: { type: 'ContainersReady', status: 'False', reason: 'PodFailed' } },
      { name: 'no containers', given: { statuses: [], phase: 'Pending' }, want: { type: 'ContainersReady', status: 'True' } },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${want.status} ${want.reason ?? ''}`, function () {
        const containers = containersReady(given.statuses, given.phase);
        expect(containers).to.deep.equal(want);
        expect(ready(containers)).to.deep.equal({ ...want, type: 'Ready' });
      });
    }
  });

  describe('stampConditions', function () {
    const T0 = '2026-01-01T10:00:00Z';
    const NOW = '2026-01-01T12:00:00Z';
    const previous: Condition[] = [
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]', lastTransitionTime: T0, observedGeneration: 1 },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: T0, observedGeneration: 1 },
      { type: 'Initialized', status: 'True', observedGeneration: 1 },
    ];
    const cases: Array<{ name: string; given: { next: ConditionValue[]; previous: Condition[] | undefined }; want: Condition[] }> = [
      {
        name: 'no previous conditions: every time is now',
        given: { next: [{ type: 'Ready', status: 'True' }], previous: undefined },
        want: [{ type: 'Ready', status: 'True', lastTransitionTime: NOW, observedGeneration: 4 }],
      },
      {
        name: 'same status: the time is kept, reason and message follow',
        given: { next: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app sidecar]' }], previous },
        want: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app sidecar]', lastTransitionTime: T0, observedGeneration: 4 }],
      },
      {
        name: 'changed status: the time is now',
        given: { next: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }], previous },
        want: [
          { type: 'Ready', status: 'True', lastTransitionTime: NOW, observedGeneration: 4 },
          { type: 'PodScheduled', status: 'True', lastTransitionTime: T0, observedGeneration: 4 },
        ],
      },
      {
        name: 'a new condition type: now',
        given: { next: [{ type: 'ContainersReady', status: 'False', reason: 'PodFailed' }], previous },
        want: [{ type: 'ContainersReady', status: 'False', reason: 'PodFailed', lastTransitionTime: NOW, observedGeneration: 4 }],
      },
      {
        name: 'a previous condition without a time: now',
        given: { next: [{ type: 'Initialized', status: 'True' }], previous },
        want: [{ type: 'Initialized', status: 'True', lastTransitionTime: NOW, observedGeneration: 4 }],
      },
      { name: 'conditions no longer computed are dropped', given: { next: [], previous }, want: [] },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        expect(stampConditions(given.next, given.previous, NOW, 4)).to.deep.equal(want);
      });
    }
  });
});
