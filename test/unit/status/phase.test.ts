/**
 * The pod phase with the kubelet's getPhase rules: Pending while any container waits without an
 * earlier termination; Running when one runs; when all have stopped, Running under Always,
 * Succeeded when every one exited 0, else Failed under Never and Running under OnFailure. A
 * container waiting after a termination counts as stopped but not as succeeded, and a terminal
 * phase never reverts.
 */
import { expect } from 'chai';
import type { ContainerStatus } from '../../../src/api/v1alpha1/pod-status.js';
import { isTerminal, podPhase, type Phase } from '../../../src/status/phase.js';

const status = (name: string, state: ContainerStatus['state'], lastState: ContainerStatus['lastState'] = {}): ContainerStatus => ({
  name,
  state,
  lastState,
  ready: state?.running !== undefined,
  restartCount: 0,
  image: 'busybox:1.36',
});
const running = (n = 'a'): ContainerStatus => status(n, { running: { startedAt: '2026-01-01T12:00:00Z' } });
const waiting = (n = 'a', reason = 'ContainerCreating'): ContainerStatus => status(n, { waiting: { reason } });
const exited = (code: number, n = 'a'): ContainerStatus => status(n, { terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error' } });
/** Waiting (CrashLoopBackOff) after a run that exited with `code`. */
const restarting = (code: number, n = 'a'): ContainerStatus => status(n, { waiting: { reason: 'CrashLoopBackOff' } }, { terminated: { exitCode: code } });

type Policy = 'Always' | 'OnFailure' | 'Never';
const cases: Array<{ name: string; given: { statuses: ContainerStatus[]; policy: Policy; previous?: Phase }; want: Phase }> = [
  { name: 'no statuses', given: { statuses: [], policy: 'Always' }, want: 'Pending' },
  { name: 'one waiting', given: { statuses: [waiting()], policy: 'Always' }, want: 'Pending' },
  { name: 'one running, one waiting', given: { statuses: [running('a'), waiting('b')], policy: 'Always' }, want: 'Pending' },
  { name: 'one exited, one waiting to start', given: { statuses: [exited(0, 'a'), waiting('b')], policy: 'Never' }, want: 'Pending' },
  { name: 'all running', given: { statuses: [running('a'), running('b')], policy: 'Always' }, want: 'Running' },
  { name: 'one running, one exited 0', given: { statuses: [running('a'), exited(0, 'b')], policy: 'Never' }, want: 'Running' },
  { name: 'one running, one exited 1 (Never)', given: { statuses: [running('a'), exited(1, 'b')], policy: 'Never' }, want: 'Running' },
  { name: 'one running, one crash-looping', given: { statuses: [running('a'), restarting(1, 'b')], policy: 'Always' }, want: 'Running' },
  { name: 'all exited 0, Always: restarting', given: { statuses: [exited(0, 'a'), exited(0, 'b')], policy: 'Always' }, want: 'Running' },
  { name: 'all exited 0, OnFailure', given: { statuses: [exited(0, 'a'), exited(0, 'b')], policy: 'OnFailure' }, want: 'Succeeded' },
  { name: 'all exited 0, Never', given: { statuses: [exited(0, 'a'), exited(0, 'b')], policy: 'Never' }, want: 'Succeeded' },
  { name: 'one failed, Never', given: { statuses: [exited(0, 'a'), exited(1, 'b')], policy: 'Never' }, want: 'Failed' },
  { name: 'one failed, OnFailure: restarting', given: { statuses: [exited(0, 'a'), exited(1, 'b')], policy: 'OnFailure' }, want: 'Running' },
  { name: 'one failed, Always', given: { statuses: [exited(1, 'a'), exited(2, 'b')], policy: 'Always' }, want: 'Running' },
  { name: 'crash-looping alone, Always', given: { statuses: [restarting(1)], policy: 'Always' }, want: 'Running' },
  { name: 'crash-looping alone, OnFailure', given: { statuses: [restarting(1)], policy: 'OnFailure' }, want: 'Running' },
  { name: 'waiting after exit 0 is stopped but not succeeded (OnFailure)', given: { statuses: [restarting(0), exited(0, 'b')], policy: 'OnFailure' }, want: 'Running' },
  { name: 'waiting after exit 0 is stopped but not succeeded (Never)', given: { statuses: [restarting(0)], policy: 'Never' }, want: 'Failed' },
  { name: 'Succeeded never reverts', given: { statuses: [running()], policy: 'Always', previous: 'Succeeded' }, want: 'Succeeded' },
  { name: 'Failed never reverts', given: { statuses: [exited(0)], policy: 'OnFailure', previous: 'Failed' }, want: 'Failed' },
  { name: 'Failed never reverts to Pending', given: { statuses: [], policy: 'Always', previous: 'Failed' }, want: 'Failed' },
  { name: 'Running moves on to Succeeded', given: { statuses: [exited(0)], policy: 'OnFailure', previous: 'Running' }, want: 'Succeeded' },
  { name: 'Running may go back to Pending (a new sandbox)', given: { statuses: [waiting()], policy: 'Always', previous: 'Running' }, want: 'Pending' },
];

describe('status/phase', function () {
  describe('podPhase', function () {
    for (const { name, given, want } of cases) {
      it(`${name} -> ${want}`, function () {
        expect(podPhase(given.statuses, given.policy, given.previous)).to.equal(want);
      });
    }
  });

  describe('isTerminal', function () {
    const table: Array<{ given: Phase; want: boolean }> = [
      { given: 'Pending', want: false },
      { given: 'Running', want: false },
      { given: 'Unknown', want: false },
      { given: 'Succeeded', want: true },
      { given: 'Failed', want: true },
    ];
    for (const { given, want } of table) {
      it(`${given} -> ${want}`, function () {
        expect(isTerminal(given)).to.equal(want);
      });
    }
  });
});
