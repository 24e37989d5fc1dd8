/**
 * The READY, STATUS and RESTARTS columns computed like kubectl's printPod: STATUS is the pod
 * reason or phase, overridden by container reasons where the first container's wins (waiting
 * reason, terminated reason, else Signal:N / ExitCode:N); Completed with a container still
 * running ready becomes Running (or NotReady without the Ready condition); a deleted pod shows
 * Terminating unless its phase is terminal.
 */
import { expect } from 'chai';
import type { ContainerState, ContainerStatus } from '../../../src/api/v1alpha1/pod-status.js';
import { readySummary, restartSum, statusSummary, type SummaryInput } from '../../../src/status/summary.js';

const cs = (name: string, state: ContainerState, over: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name,
  state,
  lastState: {},
  ready: state.running !== undefined,
  restartCount: 0,
  image: 'busybox:1.36',
  ...over,
});
const running = (n: string, over: Partial<ContainerStatus> = {}): ContainerStatus => cs(n, { running: { startedAt: '2026-01-01T12:00:00Z' } }, over);
const waiting = (n: string, reason: string): ContainerStatus => cs(n, { waiting: { reason } });
const terminated = (n: string, exitCode: number, reason?: string, signal?: number): ContainerStatus =>
  cs(n, { terminated: { exitCode, ...(reason ? { reason } : {}), ...(signal ? { signal } : {}) } });

const input = (over: Partial<SummaryInput>): SummaryInput => ({ phase: 'Running', statuses: [], deleting: false, readyCondition: false, ...over });

describe('status/summary', function () {
  describe('statusSummary', function () {
    const cases: Array<{ name: string; given: SummaryInput; want: string }> = [
      { name: 'init: the first of two runs -> Init:0/2', given: input({ phase: 'Pending', initStatuses: [running('a'), waiting('b', 'PodInitializing')], statuses: [waiting('app', 'PodInitializing')] }), want: 'Init:0/2' },
      { name: 'init: the first done, the second waits -> Init:1/2', given: input({ phase: 'Pending', initStatuses: [terminated('a', 0, 'Completed'), waiting('b', 'PodInitializing')] }), want: 'Init:1/2' },
      { name: 'init: a waiting reason -> Init:CrashLoopBackOff', given: input({ phase: 'Pending', initStatuses: [waiting('a', 'CrashLoopBackOff')] }), want: 'Init:CrashLoopBackOff' },
      { name: 'init: a failure -> Init:Error', given: input({ phase: 'Failed', initStatuses: [terminated('a', 3, 'Error')] }), want: 'Init:Error' },
      { name: 'init: no reason -> Init:ExitCode:N', given: input({ phase: 'Pending', initStatuses: [terminated('a', 3)] }), want: 'Init:ExitCode:3' },
      { name: 'init: all done -> the members speak', given: input({ initStatuses: [terminated('a', 0, 'Completed')], statuses: [waiting('app', 'PodInitializing')] }), want: 'PodInitializing' },
      { name: 'running containers: the phase', given: input({ statuses: [running('a'), running('b')], readyCondition: true }), want: 'Running' },
      { name: 'no statuses: the phase', given: input({ phase: 'Pending' }), want: 'Pending' },
      { name: 'a waiting reason', given: input({ phase: 'Pending', statuses: [waiting('a', 'ContainerCreating')] }), want: 'ContainerCreating' },
      { name: "the first container's reason wins", given: input({ phase: 'Pending', statuses: [waiting('a', 'ContainerCreating'), waiting('b', 'ErrImagePull')] }), want: 'ContainerCreating' },
      { name: 'a reason after a running container', given: input({ statuses: [running('a'), waiting('b', 'CrashLoopBackOff')] }), want: 'CrashLoopBackOff' },
      { name: 'a terminated reason', given: input({ statuses: [terminated('a', 1, 'Error'), running('b')] }), want: 'Error' },
      { name: 'terminated without a reason: ExitCode:N', given: input({ statuses: [terminated('a', 3)] }), want: 'ExitCode:3' },
      { name: 'terminated by a signal: Signal:N', given: input({ statuses: [terminated('a', 137, undefined, 9)] }), want: 'Signal:9' },
      { name: 'all Completed', given: input({ phase: 'Succeeded', statuses: [terminated('a', 0, 'Completed'), terminated('b', 0, 'Completed')] }), want: 'Completed' },
      { name: 'Completed with a running ready container, Ready: Running', given: input({ statuses: [terminated('a', 0, 'Completed'), running('b')], readyCondition: true }), want: 'Running' },
      { name: 'Completed with a running ready container, not Ready: NotReady', given: input({ statuses: [terminated('a', 0, 'Completed'), running('b')], readyCondition: false }), want: 'NotReady' },
      { name: 'Completed with a running unready container: Completed', given: input({ statuses: [terminated('a', 0, 'Completed'), running('b', { ready: false })] }), want: 'Completed' },
      { name: 'the pod reason over the phase', given: input({ phase: 'Failed', reason: 'DeadlineExceeded', statuses: [running('a')] }), want: 'DeadlineExceeded' },
      { name: 'a container reason over the pod reason', given: input({ phase: 'Failed', reason: 'DeadlineExceeded', statuses: [terminated('a', 137, 'Error')] }), want: 'Error' },
      { name: 'deleting a running pod: Terminating', given: input({ statuses: [running('a')], deleting: true, readyCondition: true }), want: 'Terminating' },
      { name: 'deleting a pending pod: Terminating', given: input({ phase: 'Pending', statuses: [waiting('a', 'CrashLoopBackOff')], deleting: true }), want: 'Terminating' },
      { name: 'deleting a Succeeded pod: Completed', given: input({ phase: 'Succeeded', statuses: [terminated('a', 0, 'Completed')], deleting: true }), want: 'Completed' },
      { name: 'deleting a Failed pod: Error', given: input({ phase: 'Failed', statuses: [terminated('a', 1, 'Error')], deleting: true }), want: 'Error' },
      { name: 'a waiting container without a reason is skipped', given: input({ statuses: [cs('a', { waiting: {} }), running('b')] }), want: 'Running' },
    ];
    for (const { name, given, want } of cases) {
      it(`${name} -> ${want}`, function () {
        expect(statusSummary(given)).to.equal(want);
      });
    }
  });

  describe('readySummary and restartSum', function () {
    const cases: Array<{ name: string; given: ContainerStatus[]; want: { ready: string; restarts: number } }> = [
      { name: 'no containers', given: [], want: { ready: '0/0', restarts: 0 } },
      { name: 'all ready', given: [running('a'), running('b')], want: { ready: '2/2', restarts: 0 } },
      { name: 'one ready, restarts summed', given: [running('a', { restartCount: 2 }), cs('b', { waiting: { reason: 'CrashLoopBackOff' } }, { restartCount: 5 })], want: { ready: '1/2', restarts: 7 } },
    ];
    for (const { name, given, want } of cases) {
      it(`${name} -> ${want.ready}, ${want.restarts}`, function () {
        expect({ ready: readySummary(given), restarts: restartSum(given) }).to.deep.equal(want);
      });
    }
  });
});
