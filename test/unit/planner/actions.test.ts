/**
 * computePodActions follows the kubelet's computePodActions: a missing, dead, outdated or
 * IP-less sandbox kills and recreates the whole pod (attempt + 1, members restarting at their
 * newest attempt + 1) except under restartPolicy Never once containers ran; otherwise exited
 * members restart per restart policy with the crash-loop back-off (first restart immediate,
 * then 10 s doubling to 300 s, reset by a 10-minute run), a changed member is recreated,
 * adopted never-started containers are started, and what is no longer needed is collected.
 * A finished pod only stops what still runs.
 */
import { expect } from 'chai';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import { computePodActions, shouldRestart, type PodActions } from '../../../src/planner/actions.js';
import type { PlanContext } from '../../../src/planner/context.js';
import { emptyObservation } from '../../../src/planner/observe.js';
import { NOW, observation, planContext, samplePod, UID, type FakeContainer } from './fixtures.js';

/** Actions as comparable text: ids, attempts, reasons. */
interface ActionsView {
  killPod: string | undefined;
  createSandbox: number | undefined;
  startSandbox: string | undefined;
  stopSandbox: string | undefined;
  kill: string[];
  remove: string[];
  startExisting: string[];
  /** `<container>#<attempt> backoff=<n> <reason>` */
  start: string[];
  waiting: Record<string, string>;
  requeueAfterMs: number | undefined;
}

function view(a: PodActions): ActionsView {
  return {
    killPod: a.killPod?.reason,
    createSandbox: a.createSandbox?.attempt,
    startSandbox: a.startSandbox?.id,
    stopSandbox: a.stopSandbox?.id,
    kill: a.kill.map((k) => `${k.instance.id}: ${k.reason}`),
    remove: a.remove.map((i) => i.id),
    startExisting: a.startExisting.map((i) => i.id),
    start: a.start.map((s) => `${s.container.name}#${s.attempt} backoff=${s.backoff} ${s.reason}`),
    waiting: Object.fromEntries([...a.waiting].map(([name, w]) => [name, `${w.reason}: ${w.message}`])),
    requeueAfterMs: a.requeueAfterMs,
  };
}

const NOTHING: ActionsView = {
  killPod: undefined,
  createSandbox: undefined,
  startSandbox: undefined,
  stopSandbox: undefined,
  kill: [],
  remove: [],
  startExisting: [],
  start: [],
  waiting: {},
  requeueAfterMs: undefined,
};

const SANDBOX_DEAD = 'Pod sandbox is not running, the pod will be killed and re-created.';
const SANDBOX_CHANGED = 'Pod sandbox changed, it will be killed and re-created.';
const SANDBOX_NO_IP = 'Pod sandbox has no IP address, the pod will be killed and re-created.';
const crashLoop = (delay: string, name = 'app'): string => `CrashLoopBackOff: back-off ${delay} restarting failed container=${name} pod=web_default(${UID})`;

const sandbox = (over: Partial<FakeContainer> = {}): FakeContainer => ({ container: 'POD', attempt: 0, state: 'running', ...over });
const app = (over: Partial<FakeContainer> = {}): FakeContainer => ({ container: 'app', attempt: 0, state: 'running', ...over });
const sidecar = (over: Partial<FakeContainer> = {}): FakeContainer => ({ container: 'sidecar', attempt: 0, state: 'running', ...over });
/** An instance that exited `agoMs` before now after running `ranMs`. */
const exited = (exitCode: number, agoMs = 30_000, ranMs = 30_000): Partial<FakeContainer> => ({ state: 'exited', exitCode, finishedAt: NOW - agoMs, startedAt: NOW - agoMs - ranMs });

interface Case {
  name: string;
  given: {
    fakes: FakeContainer[];
    pod?: (p: DockerPod) => void;
    ctx?: Partial<PlanContext>;
    finished?: boolean;
  };
  want: Partial<ActionsView>;
}

function run(given: Case['given']): ActionsView {
  const pod = samplePod();
  given.pod?.(pod);
  const ctx = planContext(given.ctx);
  const obs = given.fakes.length === 0 ? emptyObservation() : observation(pod, ctx, given.fakes);
  return view(computePodActions({ pod, obs, ctx, now: NOW, finished: given.finished ?? false }));
}

function table(cases: Case[]): void {
  for (const { name, given, want } of cases) {
    it(name, function () {
      expect(run(given)).to.deep.equal({ ...NOTHING, ...want });
    });
  }
}

describe('planner/actions computePodActions', function () {
  describe('the sandbox', function () {
    table([
      {
        name: 'nothing on the engine: sandbox attempt 0 and every container at attempt 0',
        given: { fakes: [] },
        want: { createSandbox: 0, start: ['app#0 backoff=0 new', 'sidecar#0 backoff=0 new'] },
      },
      {
        name: 'a healthy sandbox and running members with matching hashes: nothing',
        given: { fakes: [sandbox(), app(), sidecar()] },
        want: {},
      },
      {
        name: 'a healthy sandbox of attempt 3: members of attempt 3 are current',
        given: { fakes: [sandbox({ attempt: 3 }), app({ attempt: 5, sandboxAttempt: 3 }), sidecar({ attempt: 2, sandboxAttempt: 3 })] },
        want: {},
      },
      {
        name: 'a sandbox that exited: kill the pod, sandbox attempt + 1, members at newest + 1',
        given: { fakes: [sandbox({ state: 'exited', exitCode: 0 }), app({ attempt: 2 }), sidecar({ attempt: 1, ...exited(137) })] },
        want: { killPod: SANDBOX_DEAD, createSandbox: 1, start: ['app#3 backoff=0 new', 'sidecar#2 backoff=1 restart'] },
      },
      {
        name: 'a sandbox of another spec hash: kill the pod and recreate it',
        given: { fakes: [sandbox({ attempt: 4, hash: 'outdated0000' }), app({ sandboxAttempt: 4 }), sidecar({ sandboxAttempt: 4 })] },
        want: { killPod: SANDBOX_CHANGED, createSandbox: 5, start: ['app#1 backoff=0 new', 'sidecar#1 backoff=0 new'] },
      },
      {
        name: 'a running sandbox without an IP on the bridge network: kill the pod and recreate it',
        given: { fakes: [sandbox({ ip: '' }), app(), sidecar()] },
        want: { killPod: SANDBOX_NO_IP, createSandbox: 1, start: ['app#1 backoff=0 new', 'sidecar#1 backoff=0 new'] },
      },
      {
        name: 'no IP is expected on the "none" network',
        given: { fakes: [sandbox({ ip: '' }), app(), sidecar()], ctx: { podNetwork: 'none' } },
        want: {},
      },
      {
        name: 'no IP is expected with hostNetwork',
        given: { fakes: [sandbox({ ip: '' }), app(), sidecar()], pod: (p) => (p.spec.hostNetwork = true) },
        want: {},
      },
      {
        name: 'a sandbox that failed to start (created with an error) is dead',
        given: { fakes: [sandbox({ state: 'created', exitCode: 128, error: 'OCI runtime create failed' })] },
        want: { killPod: SANDBOX_DEAD, createSandbox: 1, start: ['app#0 backoff=0 new', 'sidecar#0 backoff=0 new'] },
      },
      {
        name: 'a created, never-started sandbox is started, and its members created',
        given: { fakes: [sandbox({ state: 'created', ip: '' })] },
        want: { startSandbox: 'POD-0', start: ['app#0 backoff=0 new', 'sidecar#0 backoff=0 new'] },
      },
      {
        name: 'restartPolicy Never, dead sandbox, containers that ran: kill the pod, never recreate it',
        given: { fakes: [sandbox({ state: 'exited' }), app(exited(0)), sidecar(exited(1))], pod: (p) => (p.spec.restartPolicy = 'Never') },
        want: { killPod: SANDBOX_DEAD },
      },
      {
        name: 'restartPolicy Never, nothing ran yet: the first sandbox is created',
        given: { fakes: [], pod: (p) => (p.spec.restartPolicy = 'Never') },
        want: { createSandbox: 0, start: ['app#0 backoff=0 new', 'sidecar#0 backoff=0 new'] },
      },
      {
        name: 'OnFailure, dead sandbox: a container that succeeded is not started again',
        given: { fakes: [sandbox({ state: 'exited' }), app(exited(0)), sidecar(exited(2))], pod: (p) => (p.spec.restartPolicy = 'OnFailure') },
        want: { killPod: SANDBOX_DEAD, createSandbox: 1, start: ['sidecar#1 backoff=1 restart'] },
      },
      {
        name: 'a member left from the previous sandbox restarts in the live one',
        given: { fakes: [sandbox({ attempt: 1 }), sandbox({ attempt: 0, state: 'exited' }), app({ sandboxAttempt: 1 }), sidecar({ attempt: 3, sandboxAttempt: 0, ...exited(137) })] },
        want: { remove: ['POD-0'], start: ['sidecar#4 backoff=1 restart'] },
      },
    ]);
  });

  describe('restart policy of an exited member', function () {
    const setPolicy = (policy: 'Always' | 'OnFailure' | 'Never') => (p: DockerPod) => (p.spec.restartPolicy = policy);
    table([
      { name: 'Always, exit 0: restart at once (first restart), back-off 1', given: { fakes: [sandbox(), app(exited(0)), sidecar()] }, want: { start: ['app#1 backoff=1 restart'] } },
      { name: 'Always, exit 1: restart', given: { fakes: [sandbox(), app(exited(1)), sidecar()] }, want: { start: ['app#1 backoff=1 restart'] } },
      { name: 'OnFailure, exit 0: nothing', given: { fakes: [sandbox(), app(exited(0)), sidecar()], pod: setPolicy('OnFailure') }, want: {} },
      { name: 'OnFailure, exit 1: restart', given: { fakes: [sandbox(), app(exited(1)), sidecar()], pod: setPolicy('OnFailure') }, want: { start: ['app#1 backoff=1 restart'] } },
      { name: 'Never, exit 1: nothing', given: { fakes: [sandbox(), app(exited(1)), sidecar()], pod: setPolicy('Never') }, want: {} },
      { name: 'Never, exit 0: nothing', given: { fakes: [sandbox(), app(exited(0)), sidecar()], pod: setPolicy('Never') }, want: {} },
      {
        name: 'a start that failed (created, exit 128, engine error) counts as an exit',
        given: { fakes: [sandbox(), app({ attempt: 2, state: 'created', exitCode: 128, error: 'exec: "/bin/server": not found' }), sidecar()] },
        want: { start: ['app#3 backoff=1 restart'] },
      },
    ]);
  });

  describe('crash-loop back-off', function () {
    table([
      {
        name: 'back-off 1, finished 3 s ago: CrashLoopBackOff for 10 s, look again in 7 s',
        given: { fakes: [sandbox(), app({ attempt: 1, backoff: 1, ...exited(1, 3000) }), sidecar()] },
        want: { waiting: { app: crashLoop('10s') }, requeueAfterMs: 7000 },
      },
      {
        name: 'back-off 1, finished 10 s ago: restart with back-off 2',
        given: { fakes: [sandbox(), app({ attempt: 1, backoff: 1, ...exited(1, 10_000) }), sidecar()] },
        want: { start: ['app#2 backoff=2 restart'] },
      },
      {
        name: 'back-off 2: 20 s',
        given: { fakes: [sandbox(), app({ attempt: 2, backoff: 2, ...exited(1, 3000) }), sidecar()] },
        want: { waiting: { app: crashLoop('20s') }, requeueAfterMs: 17_000 },
      },
      {
        name: 'back-off 3: 40 s',
        given: { fakes: [sandbox(), app({ attempt: 3, backoff: 3, ...exited(1, 3000) }), sidecar()] },
        want: { waiting: { app: crashLoop('40s') }, requeueAfterMs: 37_000 },
      },
      {
        name: 'back-off 3, finished 41 s ago: restart with back-off 4',
        given: { fakes: [sandbox(), app({ attempt: 3, backoff: 3, ...exited(1, 41_000) }), sidecar()] },
        want: { start: ['app#4 backoff=4 restart'] },
      },
      {
        name: 'back-off 6: capped at 5m0s',
        given: { fakes: [sandbox(), app({ attempt: 6, backoff: 6, ...exited(1, 3000) }), sidecar()] },
        want: { waiting: { app: crashLoop('5m0s') }, requeueAfterMs: 297_000 },
      },
      {
        name: 'a run of 10 minutes resets the back-off: restart at once with back-off 1',
        given: { fakes: [sandbox(), app({ attempt: 6, backoff: 6, ...exited(1, 3000, 600_000) }), sidecar()] },
        want: { start: ['app#7 backoff=1 restart'] },
      },
      {
        name: 'a run just under 10 minutes keeps it',
        given: { fakes: [sandbox(), app({ attempt: 6, backoff: 6, ...exited(1, 3000, 599_000) }), sidecar()] },
        want: { waiting: { app: crashLoop('5m0s') }, requeueAfterMs: 297_000 },
      },
      {
        name: 'two containers waiting: the earliest end is the requeue',
        given: { fakes: [sandbox(), app({ attempt: 3, backoff: 3, ...exited(1, 3000) }), sidecar({ attempt: 1, backoff: 1, ...exited(1, 5000) })] },
        want: { waiting: { app: crashLoop('40s'), sidecar: crashLoop('10s', 'sidecar') }, requeueAfterMs: 5000 },
      },
      {
        name: 'a shorter back-off from the context (1 s doubling to 4 s)',
        given: { fakes: [sandbox(), app({ attempt: 1, backoff: 1, ...exited(1, 400, 2000) }), sidecar({ attempt: 5, backoff: 5, ...exited(1, 1500, 2000) })], ctx: { restartBackoff: { initialMs: 1000, maxMs: 4000 } } },
        want: { waiting: { app: crashLoop('1s'), sidecar: crashLoop('4s', 'sidecar') }, requeueAfterMs: 600 },
      },
      {
        name: 'a shorter back-off is over sooner',
        given: { fakes: [sandbox(), app({ attempt: 1, backoff: 1, ...exited(1, 1000, 2000) }), sidecar()], ctx: { restartBackoff: { initialMs: 1000, maxMs: 4000 } } },
        want: { start: ['app#2 backoff=2 restart'] },
      },
      {
        name: 'a shorter back-off resets after twice its cap (8 s)',
        given: { fakes: [sandbox(), app({ attempt: 5, backoff: 5, ...exited(1, 100, 8000) }), sidecar()], ctx: { restartBackoff: { initialMs: 1000, maxMs: 4000 } } },
        want: { start: ['app#6 backoff=1 restart'] },
      },
    ]);
  });

  describe('members', function () {
    table([
      {
        name: 'a running member of another spec hash: kill it and start the new definition',
        given: { fakes: [sandbox(), app({ attempt: 2, hash: 'outdated0000' }), sidecar()] },
        want: { kill: ['app-2: Container app definition changed, will be restarted'], start: ['app#3 backoff=0 changed'] },
      },
      {
        name: 'a created, never-started member is started as is',
        given: { fakes: [sandbox(), app({ attempt: 1, state: 'created' }), app({ attempt: 0, ...exited(1) }), sidecar()] },
        want: { startExisting: ['app-1'] },
      },
      {
        name: 'a created, never-started member of an older spec (its pass interrupted, then the spec changed) is removed and the current spec started',
        given: { fakes: [sandbox(), app({ attempt: 1, state: 'created', hash: 'outdated0000' }), app({ attempt: 0, ...exited(0) }), sidecar()] },
        want: { start: ['app#2 backoff=0 changed'], remove: ['app-1'] },
      },
      {
        name: 'a missing member is started',
        given: { fakes: [sandbox(), app()] },
        want: { start: ['sidecar#0 backoff=0 new'] },
      },
      {
        name: 'a container no longer in the spec is killed, every instance of it',
        given: { fakes: [sandbox(), app(), sidecar(), { container: 'old', attempt: 1, state: 'running' }, { container: 'old', attempt: 0, state: 'exited' }] },
        want: { kill: ['old-1: container old is no longer in the spec', 'old-0: container old is no longer in the spec'] },
      },
      {
        name: 'a member replaced for a changed spec keeps only the instance it stops (its last state), not an older one too',
        given: { fakes: [sandbox(), app({ attempt: 2, hash: 'outdated0000' }), app({ attempt: 1, ...exited(0) }), sidecar()] },
        want: { kill: ['app-2: Container app definition changed, will be restarted'], start: ['app#3 backoff=0 changed'], remove: ['app-1'] },
      },
      {
        name: 'an exited member started again keeps only its newest instance as its last state',
        given: { fakes: [sandbox(), app({ attempt: 2, ...exited(0) }), app({ attempt: 1, ...exited(0) }), sidecar()] },
        want: { start: ['app#3 backoff=1 restart'], remove: ['app-1'] },
      },
      {
        name: 'more than two instances of a container: the older ones are removed',
        given: { fakes: [sandbox(), app({ attempt: 3 }), app({ attempt: 2, ...exited(1) }), app({ attempt: 1, ...exited(1) }), app({ attempt: 0, ...exited(1) }), sidecar()] },
        want: { remove: ['app-1', 'app-0'] },
      },
      {
        name: 'older sandboxes and containers with labels the planner does not know are removed',
        given: { fakes: [sandbox({ attempt: 2 }), sandbox({ attempt: 1, state: 'exited' }), sandbox({ attempt: 0, state: 'exited' }), app({ sandboxAttempt: 2 }), sidecar({ sandboxAttempt: 2 }), { container: 'mystery', attempt: 0, state: 'exited', role: '' }] },
        want: { remove: ['POD-1', 'POD-0', 'mystery-0'] },
      },
    ]);
  });

  describe('a finished pod', function () {
    table([
      {
        name: 'stops the sandbox and the running members, starts nothing',
        given: { fakes: [sandbox(), app(), sidecar(exited(0))], finished: true },
        want: { stopSandbox: 'POD-0', kill: ['app-0: the pod is finished'] },
      },
      {
        name: 'starts nothing even with nothing on the engine',
        given: { fakes: [], finished: true },
        want: {},
      },
      {
        name: 'leaves a stopped sandbox alone',
        given: { fakes: [sandbox({ state: 'exited' }), app(exited(0)), sidecar(exited(0))], finished: true },
        want: {},
      },
      {
        name: 'kills a running container no longer in the spec once',
        given: { fakes: [sandbox(), app(exited(0)), sidecar(exited(0)), { container: 'old', attempt: 0, state: 'running' }], finished: true },
        want: { stopSandbox: 'POD-0', kill: ['old-0: container old is no longer in the spec'] },
      },
      {
        name: 'still collects garbage',
        given: { fakes: [sandbox({ attempt: 1 }), sandbox({ attempt: 0, state: 'exited' }), app({ sandboxAttempt: 1, ...exited(0) }), sidecar({ sandboxAttempt: 1, ...exited(0) })], finished: true },
        want: { stopSandbox: 'POD-1', remove: ['POD-0'] },
      },
    ]);
  });

  describe('shouldRestart', function () {
    const cases = [
      { given: { policy: 'Always', exit: 0 }, want: true },
      { given: { policy: 'Always', exit: 1 }, want: true },
      { given: { policy: 'OnFailure', exit: 0 }, want: false },
      { given: { policy: 'OnFailure', exit: 137 }, want: true },
      { given: { policy: 'Never', exit: 0 }, want: false },
      { given: { policy: 'Never', exit: 1 }, want: false },
    ];
    for (const { given, want } of cases) {
      it(`${given.policy}, exit ${given.exit} -> ${want}`, function () {
        expect(shouldRestart(given.policy, given.exit)).to.equal(want);
      });
    }
  });
});
describe('planner/actions init containers', function () {
  const withInit = (p: DockerPod): void => {
    p.spec.initContainers = [
      { name: 'one', image: 'busybox', command: ['true'] },
      { name: 'two', image: 'busybox', command: ['true'] },
    ];
  };
  const init = (name: string, over: Partial<FakeContainer> = {}): FakeContainer => ({ container: name, attempt: 0, state: 'running', role: 'init', ...over });
  table([
    {
      name: 'a new pod: the sandbox and the first init container only',
      given: { fakes: [], pod: withInit },
      want: { createSandbox: 0, start: ['one#0 backoff=0 new'] },
    },
    { name: 'the first init container runs: wait', given: { fakes: [sandbox(), init('one')], pod: withInit }, want: {} },
    {
      name: 'the first succeeded: the second starts',
      given: { fakes: [sandbox(), init('one', exited(0))], pod: withInit },
      want: { start: ['two#0 backoff=0 new'] },
    },
    {
      name: 'both succeeded: the members start',
      given: { fakes: [sandbox(), init('one', exited(0)), init('two', exited(0))], pod: withInit },
      want: { start: ['app#0 backoff=0 new', 'sidecar#0 backoff=0 new'] },
    },
    {
      name: 'the second failed under Always: restarted at once the first time',
      given: { fakes: [sandbox(), init('one', exited(0)), init('two', exited(1))], pod: withInit },
      want: { start: ['two#1 backoff=1 restart'] },
    },
    {
      name: 'the second failed under Never: nothing (the status fails the pod)',
      given: { fakes: [sandbox(), init('one', exited(0)), init('two', exited(1))], pod: (p) => { withInit(p); p.spec.restartPolicy = 'Never'; } },
      want: {},
    },
    {
      name: 'a new sandbox re-runs the init containers from the first',
      given: { fakes: [sandbox({ attempt: 1 }), init('one', { ...exited(0), sandboxAttempt: 0 }), init('two', { ...exited(0), sandboxAttempt: 0 })], pod: withInit },
      want: { start: ['one#1 backoff=0 new'] },
    },
    {
      name: 'a created, never-started init container of an older spec is removed and the current spec started',
      given: { fakes: [sandbox(), init('one', { state: 'created', hash: 'outdated0000' })], pod: withInit },
      want: { start: ['one#1 backoff=0 changed'], remove: ['one-0'] },
    },
    {
      name: 'init instances are not taken for containers removed from the spec',
      given: { fakes: [sandbox(), init('one', exited(0)), init('two', exited(0)), app(), sidecar()], pod: withInit },
      want: {},
    },
  ]);
});
describe('planner/actions probes', function () {
  it('kills a running container whose liveness probe failed, with the kubelet message, and starts nothing in the same pass', function () {
    const pod = samplePod();
    const ctx = planContext();
    const obs = observation(pod, ctx, [sandbox(), app(), sidecar()]);
    const actions = computePodActions({ pod, obs, ctx, now: NOW, finished: false, unhealthy: new Map([['app', 'Container app failed liveness probe, will be restarted']]) });
    expect(view(actions)).to.deep.equal({ ...NOTHING, kill: [`${obs.containers.get('app')?.[0]?.id ?? ''}: Container app failed liveness probe, will be restarted`] });
  });
});
