/**
 * deriveStatus end to end: from the spec, the observed containers and the reconciler's facts
 * (waiting reasons, an invalid spec, a passed deadline) to the whole DockerPod status. It is
 * deterministic (same input, same status), keeps startTime and unchanged conditions' times from
 * the previous status, takes podIP and sandboxID from the live sandbox, reports an invalid spec
 * as reason InvalidSpec with Ready False carrying the message, and a passed deadline as Failed
 * DeadlineExceeded.
 */
import { expect } from 'chai';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import type { DockerPodStatus } from '../../../src/api/v1alpha1/pod-status.js';
import { emptyObservation } from '../../../src/planner/observe.js';
import type { WaitingOverride } from '../../../src/status/container-status.js';
import { deriveStatus, type StatusInput } from '../../../src/status/derive.js';
import { canonicalJson } from '../../../src/util/canonical.js';
import { NOW, NOW_ISO, observation, planContext, samplePod, statusTime, UID, type FakeContainer } from '../planner/fixtures.js';

const HOST = { name: 'node-1', ip: '192.168.1.10' };
const STARTED = statusTime(NOW - 60_000);
const FINISHED = statusTime(NOW - 30_000);
const EARLIER = '2026-01-01T11:00:00Z';
const INVALID = { reason: 'InvalidSpec', message: 'spec.volumes: Forbidden: not supported yet by dockerpod-operator' };

const sandbox = (over: Partial<FakeContainer> = {}): FakeContainer => ({ container: 'POD', attempt: 0, state: 'running', ...over });
const app = (over: Partial<FakeContainer> = {}): FakeContainer => ({ container: 'app', attempt: 0, state: 'running', ...over });
const sidecar = (over: Partial<FakeContainer> = {}): FakeContainer => ({ container: 'sidecar', attempt: 0, state: 'running', ...over });
const RUNNING = [sandbox(), app(), sidecar()];

interface Given {
  fakes: FakeContainer[];
  pod?: (p: DockerPod) => void;
  waiting?: Record<string, WaitingOverride>;
  invalid?: StatusInput['invalid'];
  deadlineExceeded?: boolean;
}

function input(given: Given): StatusInput {
  const pod = samplePod();
  given.pod?.(pod);
  const ctx = planContext();
  return {
    pod,
    observation: given.fakes.length === 0 ? emptyObservation() : observation(pod, ctx, given.fakes),
    now: NOW_ISO,
    host: HOST,
    ...(given.waiting ? { waiting: new Map(Object.entries(given.waiting)) } : {}),
    ...(given.invalid ? { invalid: given.invalid } : {}),
    ...(given.deadlineExceeded ? { deadlineExceeded: true } : {}),
  };
}

/** The pod-level fields of a status, conditions as `status reason: message`. */
function view(s: DockerPodStatus): Record<string, unknown> {
  return {
    phase: s.phase,
    reason: s.reason,
    message: s.message,
    summary: s.summary,
    readyContainers: s.readyContainers,
    restartCount: s.restartCount,
    podIP: s.podIP,
    sandboxID: s.sandboxID,
    conditions: Object.fromEntries((s.conditions ?? []).map((c) => [c.type, `${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`])),
  };
}

const ALL_TRUE = { PodReadyToStartContainers: 'True', Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodScheduled: 'True' };
const conditions = (readiness: string, sandboxReady = 'True'): Record<string, string> => ({ ...ALL_TRUE, PodReadyToStartContainers: sandboxReady, Ready: readiness, ContainersReady: readiness });
const RUNNING_VIEW = { phase: 'Running', reason: undefined, message: undefined, summary: 'Running', readyContainers: '2/2', restartCount: 0, podIP: '172.17.0.5', sandboxID: 'POD-0', conditions: ALL_TRUE };
const exited = (exitCode: number): Partial<FakeContainer> => ({ state: 'exited', exitCode });

const cases: Array<{ name: string; given: Given; want: Record<string, unknown> }> = [
  {
    name: 'nothing on the engine yet: Pending, ContainerCreating',
    given: { fakes: [] },
    want: {
      ...RUNNING_VIEW,
      phase: 'Pending',
      summary: 'ContainerCreating',
      readyContainers: '0/2',
      podIP: undefined,
      sandboxID: undefined,
      conditions: conditions('False ContainersNotReady: containers with unready status: [app sidecar]', 'False'),
    },
  },
  { name: 'everything running: Running and Ready', given: { fakes: RUNNING }, want: RUNNING_VIEW },
  {
    name: 'a sandbox without an IP: no podIP',
    given: { fakes: [sandbox({ ip: '' }), app(), sidecar()] },
    want: { ...RUNNING_VIEW, podIP: undefined },
  },
  {
    name: 'a crash loop: CrashLoopBackOff, restarts counted, still Running',
    given: {
      fakes: [sandbox(), app({ attempt: 2, ...exited(1) }), app({ attempt: 1, ...exited(1) }), sidecar()],
      waiting: { app: { reason: 'CrashLoopBackOff', message: `back-off 20s restarting failed container=app pod=web_default(${UID})` } },
    },
    want: { ...RUNNING_VIEW, summary: 'CrashLoopBackOff', readyContainers: '1/2', restartCount: 2, conditions: conditions('False ContainersNotReady: containers with unready status: [app]') },
  },
  {
    name: 'OnFailure, everything exited 0: Succeeded, Completed',
    given: { fakes: [sandbox(), app(exited(0)), sidecar(exited(0))], pod: (p) => (p.spec.restartPolicy = 'OnFailure') },
    want: { ...RUNNING_VIEW, phase: 'Succeeded', summary: 'Completed', readyContainers: '0/2', conditions: conditions('False PodCompleted') },
  },
  {
    name: 'OnFailure, a success left in an older sandbox still counts: Succeeded',
    given: {
      fakes: [sandbox({ attempt: 1 }), sandbox({ attempt: 0, state: 'exited' }), app({ sandboxAttempt: 0, ...exited(0) }), sidecar({ attempt: 1, sandboxAttempt: 1, ...exited(0) })],
      pod: (p) => (p.spec.restartPolicy = 'OnFailure'),
    },
    want: { ...RUNNING_VIEW, phase: 'Succeeded', summary: 'Completed', readyContainers: '0/2', restartCount: 1, sandboxID: 'POD-1', conditions: conditions('False PodCompleted') },
  },
  {
    name: 'Never, one failure: Failed, Error',
    given: { fakes: [sandbox(), app(exited(0)), sidecar(exited(2))], pod: (p) => (p.spec.restartPolicy = 'Never') },
    want: { ...RUNNING_VIEW, phase: 'Failed', summary: 'Completed', readyContainers: '0/2', conditions: conditions('False PodFailed') },
  },
  {
    name: 'an invalid spec: reason InvalidSpec, Ready False with the message',
    given: { fakes: [], invalid: INVALID },
    want: {
      ...RUNNING_VIEW,
      phase: 'Pending',
      ...INVALID,
      // Containers that cannot be configured wait with the kubelet's CreateContainerConfigError.
      summary: 'CreateContainerConfigError',
      readyContainers: '0/2',
      podIP: undefined,
      sandboxID: undefined,
      conditions: conditions(`False InvalidSpec: ${INVALID.message}`, 'False'),
    },
  },
  {
    name: 'an invalid spec keeps the previous phase',
    given: { fakes: RUNNING, invalid: INVALID, pod: (p) => (p.status = { phase: 'Running' }) },
    want: { ...RUNNING_VIEW, ...INVALID, summary: 'InvalidSpec', conditions: conditions(`False InvalidSpec: ${INVALID.message}`) },
  },
  {
    name: 'past the deadline with containers running: Failed DeadlineExceeded, not ready',
    given: { fakes: RUNNING, deadlineExceeded: true },
    want: {
      ...RUNNING_VIEW,
      phase: 'Failed',
      reason: 'DeadlineExceeded',
      message: 'Pod was active on the node longer than the specified deadline',
      summary: 'DeadlineExceeded',
      conditions: conditions('False PodFailed'),
    },
  },
  {
    name: 'a terminal phase never reverts',
    given: { fakes: RUNNING, pod: (p) => (p.status = { phase: 'Succeeded' }) },
    want: { ...RUNNING_VIEW, phase: 'Succeeded', summary: 'Succeeded', conditions: conditions('False PodCompleted') },
  },
  {
    name: 'deleting: Terminating',
    given: { fakes: RUNNING, pod: (p) => (p.metadata.deletionTimestamp = NOW_ISO) },
    want: { ...RUNNING_VIEW, summary: 'Terminating' },
  },
];

describe('status/derive deriveStatus', function () {
  for (const { name, given, want } of cases) {
    it(name, function () {
      expect(view(deriveStatus(input(given)))).to.deep.equal(want);
    });
  }

  it('derives the whole status of a running pod', function () {
    const running = (name: string, image: string) => ({
      name,
      state: { running: { startedAt: STARTED } },
      lastState: {},
      ready: true,
      started: true,
      restartCount: 0,
      image,
      imageID: 'docker://sha256:4f2d',
      containerID: `docker://${name}-0`,
    });
    const condition = (type: string) => ({ type, status: 'True', lastTransitionTime: NOW_ISO, observedGeneration: 3 });
    expect(deriveStatus(input({ fakes: RUNNING }))).to.deep.equal({
      phase: 'Running',
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition),
      hostName: 'node-1',
      hostIP: '192.168.1.10',
      podIP: '172.17.0.5',
      sandboxID: 'POD-0',
      startTime: NOW_ISO,
      observedGeneration: 3,
      summary: 'Running',
      readyContainers: '2/2',
      restartCount: 0,
      containerStatuses: [running('app', 'nginx:1.27'), running('sidecar', 'busybox:1.36')],
    });
  });

  it('is deterministic: the same input twice gives equal statuses', function () {
    const given: Given = { fakes: [sandbox(), app({ attempt: 1, ...exited(1) }), app(exited(1)), sidecar()], waiting: { app: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } } };
    const first = deriveStatus(input(given));
    const second = deriveStatus(input(given));
    expect(second).to.deep.equal(first);
    expect(canonicalJson(second)).to.equal(canonicalJson(first));
  });

  it('is a fixed point: feeding the status back changes nothing', function () {
    const first = deriveStatus(input({ fakes: RUNNING }));
    const again = deriveStatus({ ...input({ fakes: RUNNING }), pod: { ...samplePod(), status: first }, now: '2026-01-01T13:00:00Z' });
    expect(again).to.deep.equal(first);
  });

  it('keeps startTime and the times of unchanged conditions from the previous status', function () {
    const previous: DockerPodStatus = {
      phase: 'Running',
      startTime: EARLIER,
      conditions: [
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: EARLIER, observedGeneration: 2 },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: EARLIER, observedGeneration: 2 },
      ],
    };
    const status = deriveStatus(input({ fakes: RUNNING, pod: (p) => (p.status = previous) }));
    expect(status.startTime).to.equal(EARLIER);
    expect(status.conditions?.map((c) => [c.type, c.lastTransitionTime, c.observedGeneration])).to.deep.equal([
      ['PodReadyToStartContainers', NOW_ISO, 3],
      ['Initialized', NOW_ISO, 3],
      ['Ready', NOW_ISO, 3],
      ['ContainersReady', NOW_ISO, 3],
      ['PodScheduled', EARLIER, 3],
    ]);
  });

  it('shows a crash-looping container with its exited run as lastState', function () {
    const status = deriveStatus(
      input({
        fakes: [sandbox(), app({ attempt: 1, ...exited(1) }), app(exited(1)), sidecar()],
        waiting: { app: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
      }),
    );
    expect(status.containerStatuses?.[0]).to.deep.equal({
      name: 'app',
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: STARTED, finishedAt: FINISHED, containerID: 'docker://app-1' } },
      ready: false,
      started: false,
      restartCount: 1,
      image: 'nginx:1.27',
      imageID: 'docker://sha256:4f2d',
      containerID: 'docker://app-1',
    });
  });
});
describe('status/derive with probes', function () {
  it('a running container is ready only when its probes say so; the others stay ready', function () {
    const status = deriveStatus({ ...input({ fakes: RUNNING }), probes: new Map([['app', { ready: false, started: true }]]) });
    expect(status.containerStatuses?.map((c) => [c.name, c.ready, c.started])).to.deep.equal([['app', false, true], ['sidecar', true, true]]);
    expect(status.readyContainers).to.equal('1/2');
    expect(status.conditions?.find((c) => c.type === 'Ready')).to.include({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' });
  });

  it('a container not started yet (startup probe pending) is neither started nor ready', function () {
    const status = deriveStatus({ ...input({ fakes: RUNNING }), probes: new Map([['sidecar', { ready: false, started: false }]]) });
    expect(status.containerStatuses?.find((c) => c.name === 'sidecar')).to.include({ ready: false, started: false });
  });
});
