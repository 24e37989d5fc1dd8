/**
 * A Docker call failing midway through a pod (issue 8): the operator runs against the REAL engine
 * A through a fault-injecting decorator (test/support/faulty-engine.ts), and each call the
 * actuator makes to build a two-member pod (observe, emptyDir volume, sandbox image, sandbox
 * create/start/inspect, each member's image, create and start) fails in turn: before reaching
 * the engine and kept failing until the operator has said why (a Warning Event and the pod's
 * status), or reaching it with the answer lost (the container exists, the operator was told it
 * failed). The sandbox is also killed between the two members' creates, and while the members
 * run (with and without a shared PID namespace).
 *
 * After each, the pod must be Ready again, with one running sandbox and exactly one running
 * container per spec container, every member joined (NetworkMode, IpcMode, PidMode when shared,
 * and the real /proc namespaces) to the CURRENT sandbox, never to a dead or removed one; nothing
 * else of the pod but the last run of a member whose sandbox was replaced (the kubelet keeps it
 * for lastState), its one emptyDir volume, and nothing at all once the pod is deleted.
 *
 * Short form: every step failing, three lost answers, the four kills and one seeded random
 * compound fault; full form (DOCKERPOD_CHAOS_FULL=1): every lost answer and 15 random rounds.
 */
import { CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { expect } from 'chai';
import type Docker from 'dockerode';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL, SANDBOX_NAME } from '../../src/planner/labels.js';
import { CHAOS_FULL, chaosSeed, chaosSize, pick, prng, reportFigures } from '../support/chaos.js';
import { useDockerScope } from '../support/docker-scope.js';
import { TEST_IMAGES } from '../support/engines.js';
import { eventually } from '../support/exec.js';
import { both, FaultInjector, onContainer, onPod, type Fault, type FaultOperation, type FaultPredicate } from '../support/faulty-engine.js';
import { conditionOf, createPod, deletePod, getPod, IDLE, isReady, podWith, waitForPod, waitGone } from '../support/fleet.js';
import { namespaceOf, removeCgroupParent, type NamespaceKind } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';

const MEMBERS = ['first', 'second'] as const;

/** Two idle members sharing an emptyDir, with or without a shared PID namespace. */
function pairPod(name: string, sharePid = true): DockerPod {
  return podWith(name, {
    shareProcessNamespace: sharePid,
    volumes: [{ name: 'scratch', emptyDir: {} }],
    containers: MEMBERS.map((m) => ({ name: m, image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE], volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] })),
  });
}

/** What the operator must say while a step fails: a Warning Event (reason, message) and, when the status can show it, how. */
interface Report {
  event: { reason: string; message: RegExp };
  status?: (pod: DockerPod) => boolean;
}

/** One step of a pod's creation that fails. */
interface Step {
  name: string;
  operation: FaultOperation;
  /** Which calls of that operation (the pod's name is given). */
  when: (pod: string) => FaultPredicate;
  /** The calls cannot be told apart by pod (an image inspect, a list before the uid is known): no other pod may be in flight. */
  anyPod?: boolean;
  report: Report;
}

const waitingOf = (pod: DockerPod, name: string): string | undefined => pod.status?.containerStatuses?.find((s) => s.name === name)?.state?.waiting?.reason;
const sandboxDown = (pod: DockerPod): boolean => conditionOf(pod, 'PodReadyToStartContainers').status === 'False';
const member = (name: string) => (pod: string): FaultPredicate => both(onPod(pod), onContainer(name));
const sandbox = member(SANDBOX_NAME);
const sandboxFailed = { reason: 'FailedCreatePodSandBox', message: /^Failed to create pod sandbox: .*injected fault/ };

/** Every engine call the actuator makes to build the pod (src/controller/actuator.ts, create-container.ts, observe-pod.ts). */
const STEPS: Step[] = [
  {
    name: 'observe (list the pod\'s containers)', operation: 'listContainers', when: () => (c) => c.labels[LABEL.uid] !== undefined, anyPod: true,
    report: { event: { reason: 'FailedSync', message: /^error determining status: .*injected fault/ } },
  },
  {
    name: 'emptyDir volume create', operation: 'createVolume', when: onPod,
    report: { event: { reason: 'FailedMount', message: /^MountVolume\.SetUp failed for volume "scratch" : .*injected fault/ }, status: sandboxDown },
  },
  { name: 'sandbox image inspect', operation: 'inspectImage', when: () => (c) => c.name === TEST_IMAGES.pause, anyPod: true, report: { event: sandboxFailed, status: sandboxDown } },
  { name: 'sandbox create', operation: 'createContainer', when: sandbox, report: { event: sandboxFailed, status: sandboxDown } },
  { name: 'sandbox start', operation: 'startContainer', when: sandbox, report: { event: sandboxFailed, status: sandboxDown } },
  { name: 'sandbox inspect (its IP)', operation: 'inspectContainer', when: sandbox, report: { event: sandboxFailed } },
  {
    name: 'members\' image inspect', operation: 'inspectImage', when: () => (c) => c.name === TEST_IMAGES.busybox, anyPod: true,
    report: { event: { reason: 'InspectFailed', message: /^Failed to inspect image ".*": .*injected fault/ }, status: (p) => waitingOf(p, 'first') === 'ImageInspectError' },
  },
  {
    name: 'first member create', operation: 'createContainer', when: member('first'),
    report: { event: { reason: 'Failed', message: /^Error: injected fault/ }, status: (p) => waitingOf(p, 'first') === 'CreateContainerError' },
  },
  {
    name: 'SECOND member create', operation: 'createContainer', when: member('second'),
    report: { event: { reason: 'Failed', message: /^Error: injected fault/ }, status: (p) => waitingOf(p, 'second') === 'CreateContainerError' },
  },
  {
    name: 'first member start', operation: 'startContainer', when: member('first'),
    report: { event: { reason: 'Failed', message: /^Error: failed to start container "first": injected fault/ }, status: (p) => waitingOf(p, 'first') === 'RunContainerError' },
  },
  {
    name: 'second member start', operation: 'startContainer', when: member('second'),
    report: { event: { reason: 'Failed', message: /^Error: failed to start container "second": injected fault/ }, status: (p) => waitingOf(p, 'second') === 'RunContainerError' },
  },
];

/**
 * Calls whose answer can be lost after the engine acted (a create or start that happened although
 * the operator was told it failed). The short form runs those marked `short`; the random rounds
 * draw from all of them.
 */
const LOST: Array<{ step: string; operation: FaultOperation; when: (pod: string) => FaultPredicate; short?: boolean }> = [
  { step: 'sandbox create', operation: 'createContainer', when: sandbox, short: true },
  { step: 'sandbox start', operation: 'startContainer', when: sandbox },
  { step: 'first member create', operation: 'createContainer', when: member('first') },
  { step: 'SECOND member create', operation: 'createContainer', when: member('second'), short: true },
  { step: 'second member start', operation: 'startContainer', when: member('second'), short: true },
  { step: 'emptyDir volume create', operation: 'createVolume', when: onPod },
];

type Inspect = Docker.ContainerInspectInfo;
const labelOf = (d: Inspect, key: string): string | undefined => d.Config.Labels[key];

/** Tallies of the whole run, for the figures line. */
const tally = { cases: 0, recoveries: [] as number[], runningMembers: 0, deadNamespaceMembers: 0, previousRuns: 0, leftovers: 0 };

describe('chaos: a Docker call failing midway through a pod', function () {
  this.timeout(chaosSize(150_000, 600_000));
  const scope = useDockerScope(['a']);
  const faults = new FaultInjector();
  let t: TestOperator;
  let docker: Docker;
  let core: CoreV1Api;
  let seq = 0;
  const started = Date.now();

  before(async function () {
    this.timeout(30_000);
    t = await startTestOperator(scope, { wrapEngine: (e) => faults.wrap(e) });
    docker = scope.engine('a');
    core = t.kc.makeApiClient(CoreV1Api);
  });
  scope.beforeCleanup(async () => t.stop());
  afterEach(() => faults.clearAll());
  after(() => {
    removeCgroupParent(`/dockerpod-test-${scope.id}`);
    const sorted = [...tally.recoveries].sort((a, b) => a - b);
    reportFigures('partial-failure', {
      cases: tally.cases, faultsInjected: faults.log.length, recoveryP50Ms: sorted[Math.floor(sorted.length / 2)] ?? 0, recoveryMaxMs: sorted.at(-1) ?? 0,
      runningMembersChecked: tally.runningMembers, membersInDeadNamespace: tally.deadNamespaceMembers, previousRunsKept: tally.previousRuns, leftovers: tally.leftovers,
      seconds: Math.round((Date.now() - started) / 1000),
    });
  });

  const eventsOf = async (uid: string, reason: string): Promise<CoreV1Event[]> =>
    (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${uid},reason=${reason}` })).items.filter((e) => e.type === 'Warning');

  /** Waits until the operator reports the failure: a Warning Event, and the status where it can show it. */
  async function expectReported(name: string, report: Report): Promise<void> {
    await eventually(async () => {
      await t.operator.events.flush();
      const pod = await getPod(t, name);
      const events = await eventsOf(pod.metadata.uid ?? '', report.event.reason);
      if (!events.some((e) => report.event.message.test(e.message ?? ''))) throw new Error(`no Warning ${report.event.reason} matching ${String(report.event.message)}: ${JSON.stringify(events.map((e) => e.message))}`);
      if (report.status && !report.status(pod)) throw new Error(`the status does not show the failure: ${JSON.stringify(pod.status)}`);
    }, 15_000, 25);
  }

  /** The engine's view of the pod once Ready, checked: see the module comment. */
  async function expectConverged(name: string, options: { previousRuns: number; sharePid: boolean }): Promise<void> {
    const pod = await waitForPod(t, name, isReady, 30_000);
    const uid = pod.metadata.uid ?? '';
    const listed = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL.uid}=${uid}`] }) });
    const all = await Promise.all(listed.map((c) => docker.getContainer(c.Id).inspect()));
    const sandboxes = all.filter((d) => labelOf(d, LABEL.role) === 'sandbox');
    expect(sandboxes.map((d) => d.State.Status), 'sandboxes of the pod').to.deep.equal(['running']);
    const sb = sandboxes[0] as Inspect;
    expect(pod.status?.sandboxID).to.equal(sb.Id);
    let expected = 1;
    for (const m of MEMBERS) {
      const instances = all.filter((d) => labelOf(d, LABEL.container) === m);
      const running = instances.filter((d) => d.State.Running);
      expect(running, `running instances of ${m}`).to.have.length(1);
      expectJoined(running[0] as Inspect, sb, options.sharePid);
      expect(pod.status?.containerStatuses?.find((s) => s.name === m)?.containerID).to.equal(`docker://${(running[0] as Inspect).Id}`);
      // The last run of a member whose sandbox was replaced stays (stopped) for lastState, as the kubelet keeps one dead container.
      const previous = instances.length - 1;
      expect(previous, `stopped instances of ${m}`).to.equal(options.previousRuns);
      tally.previousRuns += previous;
      expected += instances.length;
    }
    expect(all.length, 'containers of the pod: its sandbox and its members\' instances, nothing else').to.equal(expected);
    const volumes = (await docker.listVolumes({ filters: JSON.stringify({ label: [`${LABEL.uid}=${uid}`] }) })).Volumes ?? [];
    expect(volumes, 'volumes of the pod').to.have.length(1);
  }

  /** A running member joined to the running sandbox `sb`, by its modes and by the real namespaces of its process. */
  function expectJoined(d: Inspect, sb: Inspect, sharePid: boolean): void {
    tally.runningMembers++;
    const target = `container:${sb.Id}`;
    const joined = d.HostConfig.NetworkMode === target && d.HostConfig.IpcMode === target && d.HostConfig.PidMode === (sharePid ? target : '');
    const kinds: NamespaceKind[] = sharePid ? ['net', 'ipc', 'pid'] : ['net', 'ipc'];
    const shared = kinds.every((k) => namespaceOf(d.State.Pid, k) === namespaceOf(sb.State.Pid, k));
    if (!joined || !shared) tally.deadNamespaceMembers++;
    expect({ network: d.HostConfig.NetworkMode, ipc: d.HostConfig.IpcMode, pid: d.HostConfig.PidMode }, `${d.Name} joins the current sandbox`).to.deep.equal({ network: target, ipc: target, pid: sharePid ? target : '' });
    expect(shared, `${d.Name} is in the sandbox's ${kinds.join('/')} namespaces`).to.equal(true);
  }

  /** Deletes the pod and checks that nothing of it is left on the engine. */
  async function expectCleanedUp(name: string, uid: string): Promise<void> {
    await deletePod(t, name);
    await waitGone(t, name, 30_000);
    const filters = JSON.stringify({ label: [`${LABEL.uid}=${uid}`] });
    const left = (await docker.listContainers({ all: true, filters })).length + ((await docker.listVolumes({ filters })).Volumes ?? []).length;
    tally.leftovers += left;
    expect(left, 'containers and volumes left after deletion').to.equal(0);
  }

  /** Deletions still running (each checks that nothing of its pod is left), overlapping the next case. */
  const cleanups: Array<Promise<string | undefined>> = [];

  /** Waits for every deletion so far; returns what went wrong with them. */
  const settleCleanups = async (): Promise<string[]> => (await Promise.all(cleanups.splice(0))).filter((e): e is string => e !== undefined);

  /**
   * Creates a pod with `arm` applied first, waits for it to converge (recovery counted from
   * `since()`) and checks it; its deletion runs on while the next case starts.
   */
  async function runPod(arm: (name: string) => Promise<() => number>, options = { previousRuns: 0, sharePid: true }): Promise<void> {
    const name = `pf-${seq++}`;
    tally.cases++;
    const since = await arm(name);
    await expectConverged(name, options);
    tally.recoveries.push(since());
    const uid = (await getPod(t, name)).metadata.uid ?? '';
    cleanups.push(expectCleanedUp(name, uid).then(() => undefined, (err: unknown) => `${name}: ${(err as Error).message}`));
  }

  for (const step of STEPS) {
    it(`${step.name} fails until reported (${step.report.event.reason}), then the pod converges`, async function () {
      // A fault that cannot name its pod must not strike another pod's deletion.
      if (step.anyPod) expect(await settleCleanups()).to.deep.equal([]);
      await runPod(async (name) => {
        const fault = faults.failOn(step.operation, step.when(name), undefined, Infinity);
        await createPod(t, pairPod(name));
        await struck(fault);
        await expectReported(name, step.report);
        fault.clear();
        const cleared = Date.now();
        return () => Date.now() - cleared;
      });
    });
  }

  for (const lost of LOST.filter((l) => CHAOS_FULL || l.short === true)) {
    it(`${lost.step} is done by the engine but its answer is lost: adopted or started, never duplicated`, async function () {
      await runPod(async (name) => {
        const fault = faults.loseResponse(lost.operation, lost.when(name));
        const created = Date.now();
        await createPod(t, pairPod(name));
        await struck(fault);
        return () => Date.now() - created;
      });
    });
  }

  for (const sharePid of [true, false]) {
    it(`the sandbox is killed between the two members' creates (${sharePid ? 'shared' : 'own'} PID namespace): both run in a new sandbox`, async function () {
      await runPod(async (name) => {
        const fault = faults.before('createContainer', member('second')(name), async () => {
          const sb = await sandboxOf(docker, t.instance, name);
          await docker.getContainer(sb).kill();
        });
        await createPod(t, pairPod(name, sharePid));
        await struck(fault);
        const killed = Date.now();
        return () => Date.now() - killed;
      }, { previousRuns: 1, sharePid });
    });

    it(`the sandbox is killed while the members run (${sharePid ? 'shared' : 'own'} PID namespace): both are recreated in a new sandbox`, async function () {
      await runPod(async (name) => {
        await createPod(t, pairPod(name, sharePid));
        const before = await waitForPod(t, name, isReady, 30_000);
        await docker.getContainer(before.status?.sandboxID ?? '').kill();
        const killed = Date.now();
        await waitForPod(t, name, (p) => p.status?.sandboxID !== before.status?.sandboxID && isReady(p), 30_000);
        return () => Date.now() - killed;
      }, { previousRuns: 1, sharePid });
    });
  }

  it('seeded random compound faults: several steps failing or losing answers at once, the pod converges', async function () {
    const rand = prng(chaosSeed('partial-failure'));
    for (let round = 0; round < chaosSize(1, 15); round++) {
      expect(await settleCleanups()).to.deep.equal([]);
      await runPod(async (name) => {
        for (let i = pick(rand, 1, 3); i > 0; i--) armRandom(faults, rand, name);
        const created = Date.now();
        await createPod(t, pairPod(name));
        return () => Date.now() - created;
      });
      faults.clearAll();
    }
  });

  it('every pod, once deleted, left no container and no volume on the engine', async function () {
    expect(await settleCleanups()).to.deep.equal([]);
    expect(tally.leftovers).to.equal(0);
  });
});

/** Arms one random fault on `pod`: a step of the table failing 1-3 times, or a lost answer. */
function armRandom(faults: FaultInjector, rand: () => number, pod: string): void {
  if (rand() < 0.3) {
    const lost = LOST[pick(rand, 0, LOST.length - 1)] as (typeof LOST)[number];
    faults.loseResponse(lost.operation, lost.when(pod));
    return;
  }
  const step = STEPS[pick(rand, 0, STEPS.length - 1)] as Step;
  faults.failOn(step.operation, step.when(pod), undefined, pick(rand, 1, 3));
}

/** Resolves when the fault struck, or fails after 15 s (the step was never reached: the table is stale). */
async function struck(fault: Fault): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`the fault on ${fault.operation} never struck`)), 15_000); });
  try {
    await Promise.race([fault.struck, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The id of the pod's newest sandbox on the engine. */
async function sandboxOf(docker: Docker, instance: string, pod: string): Promise<string> {
  const filters = JSON.stringify({ label: [`${LABEL.managedBy}=${instance}`, `${LABEL.name}=${pod}`, `${LABEL.role}=sandbox`] });
  const [newest] = await docker.listContainers({ all: true, filters });
  if (!newest) throw new Error(`pod ${pod} has no sandbox`);
  return newest.Id;
}
