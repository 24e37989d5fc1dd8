/**
 * The startup path of a new pod on a real engine, as the pod-startup benchmark found it should be
 * (bench/README.md, "Where the time goes at C = 1"): one pass brings the pod to Ready (the update
 * that only adds the operator's own finalizer wakes no second pass); that pass lists the engine
 * once, before acting, and looks at what it made by inspecting it; and its Events are recorded as
 * they happen, so the Pulled and Created ones are written while the engine still starts the
 * containers, not after; and the next resync does not visit it again. A deletion shows on the
 * DockerHost's status without a heartbeat of its own. A wrapper of the engine
 * client records its lists and when its starts returned; the API server's request hook records
 * when each write arrived.
 */
import { expect } from 'chai';
import type { ObservedRequest } from '../../src/apiserver/server.js';
import type { Logger } from '../../src/observability/logger.js';
import { LABEL } from '../../src/planner/labels.js';
import type { DockerEngine } from '../../src/runtime/docker/types.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { useDockerScope } from '../support/docker-scope.js';
import { createPod, deletePod, IDLE, isReady, podWith, waitForHost, waitForPod, waitGone } from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';
import { TEST_IMAGES } from '../support/engines.js';

/** A logger that keeps the pod names of the reconciler's passes. */
function passLogger(passes: string[]): Logger {
  const logger: Logger = {
    error: () => undefined,
    warn: () => undefined,
    info: (message, meta) => {
      if (message === 'reconciled') passes.push(String(meta?.['name']));
    },
    debug: () => undefined,
    child: () => logger,
  };
  return logger;
}

/** What the engine wrapper saw: the label filter of every container list, and when each start returned. */
interface EngineLog {
  lists: Array<Record<string, string>>;
  startsReturnedAt: number[];
}

/** `engine` with its container lists and starts recorded in `log`. */
function recording(engine: DockerEngine, log: EngineLog): DockerEngine {
  const overrides: Partial<DockerEngine> = {
    listContainers: (labels, signal) => {
      log.lists.push(labels);
      return engine.listContainers(labels, signal);
    },
    startContainer: async (id, signal) => {
      await engine.startContainer(id, signal);
      log.startsReturnedAt.push(performance.now());
    },
  };
  return new Proxy(engine, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof DockerEngine];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('operator: the startup path of a new pod', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a']);
  const passes: string[] = [];
  const writes: Array<ObservedRequest & { at: number }> = [];
  const log: EngineLog = { lists: [], startsReturnedAt: [] };
  let api: TestApiServer;
  let t: TestOperator;

  before(async () => {
    api = await startTestApiServer({ onRequest: (r) => void (['create', 'patch', 'update'].includes(r.verb) && writes.push({ ...r, at: performance.now() })) });
    // Heartbeats a minute apart: the last one is always recent while these tests run.
    t = await startTestOperator(scope, { api, logger: passLogger(passes), wrapEngine: (engine) => recording(engine, log), heartbeatPeriodMs: 60_000 });
  });
  scope.beforeCleanup(async () => {
    await t.stop();
    await api.close();
  });
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  it('brings a new pod to Ready in one pass with one list, writing its Events while the engine starts the containers', async function () {
    const containers = ['app', 'sidecar'].map((name) => ({ name, image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE] }));
    const [fromWrite, fromStart] = [writes.length, log.startsReturnedAt.length];
    const created = await createPod(t, podWith('path', { containers }));
    await waitForPod(t, 'path', isReady);
    // Anything that would wake the pod again (its finalizer's update, the Docker events of its own
    // starts) has arrived well within this.
    await sleep(1000);
    await t.operator.queue.onIdle();
    await t.operator.events.flush();
    expect(passes.filter((name) => name === 'path')).to.have.length(1);
    // The first look lists the pod's containers; the look after creating and starting them inspects the three it made.
    expect(log.lists.filter((labels) => labels[LABEL.uid] === created.metadata.uid)).to.have.length(1);

    // Sandbox, then both members: the last start to return is the end of the engine's work.
    const starts = log.startsReturnedAt.slice(fromStart);
    expect(starts).to.have.length(3);
    const enginesDone = Math.max(...starts);
    const events = writes.slice(fromWrite).filter((w) => w.resource === 'events');
    // Scheduled, Pulled (both members: one Event, counted twice), Created for each member: written
    // before the starts returned; Started for each member after.
    expect(events.filter((w) => w.at < enginesDone).length).to.be.at.least(3);
    expect(events.length).to.be.at.least(6);
    const statusWrites = writes.slice(fromWrite).filter((w) => w.resource === 'dockerpods' && w.subresource === 'status');
    // The binding and the status that says Ready, nothing more.
    expect(statusWrites).to.have.length(2);

    // The next resync lists the engine once and finds the pod as its pass left it: no second pass.
    const listsBefore = log.lists.length;
    await t.operator.resync();
    await t.operator.queue.onIdle();
    expect(log.lists.length - listsBefore).to.equal(1);
    expect(passes.filter((name) => name === 'path')).to.have.length(1);
  });

  it('shows the room a deleted pod gave back on its DockerHost without asking the engine again', async function () {
    await createPod(t, podWith('room', { containers: [{ name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE] }] }));
    await waitForPod(t, 'room', isReady);
    // A host's status counts new pods at its next heartbeat (a minute here): ask for a pass now.
    const pods = t.operator.informer.list().length;
    t.operator.hosts.touch('local');
    await waitForHost(t, 'local', (h) => h.status?.allocated?.pods === pods);
    const infoBefore = t.calls.count({ operation: 'info' });
    await deletePod(t, 'room');
    await waitGone(t, 'room');
    // The deletion wakes the host's pass; the heartbeat a moment ago answers for the engine.
    await waitForHost(t, 'local', (h) => h.status?.allocated?.pods === pods - 1);
    expect(t.calls.count({ operation: 'info' }) - infoBefore).to.equal(0);
  });
});
