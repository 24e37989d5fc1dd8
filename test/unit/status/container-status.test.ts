/**
 * One container's status as the kubelet and cri-dockerd report it: running (ready, started),
 * terminated with Completed / Error / OOMKilled (from the engine's flag, not exit 137) /
 * ContainerCannotRun (a start that failed: `created` with the engine's error), waiting
 * ContainerCreating while nothing runs, a reconciler override (CrashLoopBackOff) whose
 * lastState is the exited instance, restartCount = the attempt, `docker://` IDs, and an instance
 * of an older sandbox shown as waiting with its run as lastState, unless the restart policy
 * will not run it again.
 */
import { expect } from 'chai';
import type { ContainerState, ContainerStatus } from '../../../src/api/v1alpha1/pod-status.js';
import { containerStatus, type ContainerStatusInput } from '../../../src/status/container-status.js';
import { appContainer, instancesOf, NOW, statusTime, type FakeContainer } from '../planner/fixtures.js';

const STARTED = statusTime(NOW - 60_000);
const FINISHED = statusTime(NOW - 30_000);
const IDS = { imageID: 'docker://sha256:4f2d' };

const app = (attempt: number, over: Partial<FakeContainer> = {}): FakeContainer => ({ container: 'app', attempt, state: 'running', ...over });
const terminated = (id: string, exitCode: number, reason: string, extra: Record<string, string> = {}): ContainerState => ({
  terminated: { exitCode, reason, startedAt: STARTED, finishedAt: FINISHED, ...extra, containerID: `docker://${id}` },
});
const base = (over: Partial<ContainerStatus>): ContainerStatus => ({
  name: 'app',
  state: { waiting: { reason: 'ContainerCreating' } },
  lastState: {},
  ready: false,
  started: false,
  restartCount: 0,
  image: 'nginx:1.27',
  ...over,
});

interface Case {
  name: string;
  given: { fakes: FakeContainer[]; sandboxAttempt?: number; override?: ContainerStatusInput['override']; creatingReason?: string; restartPolicy?: string };
  want: ContainerStatus;
}

const cases: Case[] = [
  { name: 'no instance: waiting ContainerCreating', given: { fakes: [] }, want: base({}) },
  { name: 'no instance while init containers run: PodInitializing', given: { fakes: [], creatingReason: 'PodInitializing' }, want: base({ state: { waiting: { reason: 'PodInitializing' } } }) },
  {
    name: 'running: ready and started',
    given: { fakes: [app(0)], sandboxAttempt: 0 },
    want: base({ state: { running: { startedAt: STARTED } }, ready: true, started: true, ...IDS, containerID: 'docker://app-0' }),
  },
  {
    name: 'exit 0: terminated Completed',
    given: { fakes: [app(0, { state: 'exited', exitCode: 0 })], sandboxAttempt: 0 },
    want: base({ state: terminated('app-0', 0, 'Completed'), ...IDS, containerID: 'docker://app-0' }),
  },
  {
    name: 'exit 1: terminated Error',
    given: { fakes: [app(0, { state: 'exited', exitCode: 1 })], sandboxAttempt: 0 },
    want: base({ state: terminated('app-0', 1, 'Error'), ...IDS, containerID: 'docker://app-0' }),
  },
  {
    name: 'killed by the OOM killer: OOMKilled',
    given: { fakes: [app(0, { state: 'exited', exitCode: 137, oomKilled: true })], sandboxAttempt: 0 },
    want: base({ state: terminated('app-0', 137, 'OOMKilled'), ...IDS, containerID: 'docker://app-0' }),
  },
  {
    name: 'exit 137 without the OOM flag: Error',
    given: { fakes: [app(0, { state: 'exited', exitCode: 137 })], sandboxAttempt: 0 },
    want: base({ state: terminated('app-0', 137, 'Error'), ...IDS, containerID: 'docker://app-0' }),
  },
  {
    name: 'a start that failed (created, exit 128, engine error): ContainerCannotRun with the message',
    given: { fakes: [app(0, { state: 'created', exitCode: 128, error: 'OCI runtime create failed: exec: "/bin/server": not found' })], sandboxAttempt: 0 },
    want: base({
      state: { terminated: { exitCode: 128, reason: 'ContainerCannotRun', message: 'OCI runtime create failed: exec: "/bin/server": not found', containerID: 'docker://app-0' } },
      ...IDS,
      containerID: 'docker://app-0',
    }),
  },
  {
    name: 'a failed start without an exit code reports 128',
    given: { fakes: [app(0, { state: 'created', exitCode: 0, error: 'cannot join network of a non running container' })], sandboxAttempt: 0 },
    want: base({
      state: { terminated: { exitCode: 128, reason: 'ContainerCannotRun', message: 'cannot join network of a non running container', containerID: 'docker://app-0' } },
      ...IDS,
      containerID: 'docker://app-0',
    }),
  },
  {
    name: 'created, not started yet: waiting ContainerCreating',
    given: { fakes: [app(0, { state: 'created' })], sandboxAttempt: 0 },
    want: base({ ...IDS, containerID: 'docker://app-0' }),
  },
  {
    name: 'running again after an exit: lastState is the exited run, restartCount 1',
    given: { fakes: [app(1), app(0, { state: 'exited', exitCode: 2 })], sandboxAttempt: 0 },
    want: base({ state: { running: { startedAt: STARTED } }, lastState: terminated('app-0', 2, 'Error'), ready: true, started: true, restartCount: 1, ...IDS, containerID: 'docker://app-1' }),
  },
  {
    name: 'two exited runs: state the newest, lastState the one before',
    given: { fakes: [app(2, { state: 'exited', exitCode: 1 }), app(1, { state: 'exited', exitCode: 0 })], sandboxAttempt: 0 },
    want: base({ state: terminated('app-2', 1, 'Error'), lastState: terminated('app-1', 0, 'Completed'), restartCount: 2, ...IDS, containerID: 'docker://app-2' }),
  },
  {
    name: 'CrashLoopBackOff override: waiting with the message, lastState the exited instance',
    given: {
      fakes: [app(2, { state: 'exited', exitCode: 1 }), app(1, { state: 'exited', exitCode: 1 })],
      sandboxAttempt: 0,
      override: { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=app pod=web_default(uid)' },
    },
    want: base({
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=app pod=web_default(uid)' } },
      lastState: terminated('app-2', 1, 'Error'),
      restartCount: 2,
      ...IDS,
      containerID: 'docker://app-2',
    }),
  },
  {
    name: 'an override without a message',
    given: { fakes: [], override: { reason: 'ErrImagePull', message: '' } },
    want: base({ state: { waiting: { reason: 'ErrImagePull' } } }),
  },
  {
    name: 'a created instance after an exit: waiting, lastState the exit',
    given: { fakes: [app(1, { state: 'created' }), app(0, { state: 'exited', exitCode: 1 })], sandboxAttempt: 0 },
    want: base({ lastState: terminated('app-0', 1, 'Error'), restartCount: 1, ...IDS, containerID: 'docker://app-1' }),
  },
  {
    name: 'an exited instance of an older sandbox: waiting, its run as lastState',
    given: { fakes: [app(3, { state: 'exited', exitCode: 137, sandboxAttempt: 0 })], sandboxAttempt: 1 },
    want: base({ lastState: terminated('app-3', 137, 'Error'), restartCount: 3, ...IDS, containerID: 'docker://app-3' }),
  },
  {
    name: 'a running instance of an older sandbox (being killed): waiting',
    given: { fakes: [app(3, { sandboxAttempt: 0 })], sandboxAttempt: 1 },
    want: base({ restartCount: 3, ...IDS, containerID: 'docker://app-3' }),
  },
  {
    name: 'OnFailure: a success in an older sandbox will not run again, so it stays terminated',
    given: { fakes: [app(0, { state: 'exited', exitCode: 0, sandboxAttempt: 0 })], sandboxAttempt: 1, restartPolicy: 'OnFailure' },
    want: base({ state: terminated('app-0', 0, 'Completed'), ...IDS, containerID: 'docker://app-0' }),
  },
  {
    name: 'OnFailure: a failure in an older sandbox is restarted, so it waits',
    given: { fakes: [app(0, { state: 'exited', exitCode: 1, sandboxAttempt: 0 })], sandboxAttempt: 1, restartPolicy: 'OnFailure' },
    want: base({ lastState: terminated('app-0', 1, 'Error'), ...IDS, containerID: 'docker://app-0' }),
  },
  {
    name: 'Never: an exit in an older sandbox stays terminated',
    given: { fakes: [app(0, { state: 'exited', exitCode: 1, sandboxAttempt: 0 })], sandboxAttempt: 1, restartPolicy: 'Never' },
    want: base({ state: terminated('app-0', 1, 'Error'), ...IDS, containerID: 'docker://app-0' }),
  },
  {
    name: 'no live sandbox: the newest instance is the state',
    given: { fakes: [app(1, { state: 'exited', exitCode: 1, sandboxAttempt: 0 })] },
    want: base({ state: terminated('app-1', 1, 'Error'), restartCount: 1, ...IDS, containerID: 'docker://app-1' }),
  },
];

describe('status/container-status containerStatus', function () {
  for (const { name, given, want } of cases) {
    it(name, function () {
      const input: ContainerStatusInput = {
        spec: appContainer(),
        instances: instancesOf('app', given.fakes),
        sandboxAttempt: given.sandboxAttempt,
        ...(given.override ? { override: given.override } : {}),
        ...(given.creatingReason ? { creatingReason: given.creatingReason } : {}),
        ...(given.restartPolicy ? { restartPolicy: given.restartPolicy } : {}),
      };
      expect(containerStatus(input)).to.deep.equal(want);
    });
  }
});
