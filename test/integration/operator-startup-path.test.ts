/**
 * The startup path of a new pod on a real engine, as the pod-startup benchmark found it should be
 * (bench/README.md, "Where the time goes at C = 1"): one pass brings the pod to Ready (the update
 * that only adds the operator's own finalizer wakes no second pass); that pass lists the engine
 * once, before acting, and looks at what it made by inspecting it; and its Events are written
 * after the status that makes the pod Ready, not in its way. The API server's request hook gives
 * the order in which the requests reached it; a wrapper of the engine client records its lists.
 */
import { expect } from 'chai';
import type { ObservedRequest } from '../../src/apiserver/server.js';
import type { Logger } from '../../src/observability/logger.js';
import { LABEL } from '../../src/planner/labels.js';
import type { DockerEngine } from '../../src/runtime/docker/types.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { useDockerScope } from '../support/docker-scope.js';
import { createPod, IDLE, isReady, podWith, waitForPod } from '../support/fleet.js';
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

/** `engine` with the label filter of every container list it makes kept in `lists`. */
function recordingLists(engine: DockerEngine, lists: Array<Record<string, string>>): DockerEngine {
  return new Proxy(engine, {
    get(target, prop, receiver) {
      if (prop === 'listContainers') {
        return (labels: Record<string, string>, signal?: AbortSignal) => {
          lists.push(labels);
          return target.listContainers(labels, signal);
        };
      }
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
  const requests: ObservedRequest[] = [];
  const lists: Array<Record<string, string>> = [];
  let api: TestApiServer;
  let t: TestOperator;

  before(async () => {
    api = await startTestApiServer({ onRequest: (r) => requests.push(r) });
    t = await startTestOperator(scope, { api, logger: passLogger(passes), wrapEngine: (engine) => recordingLists(engine, lists) });
  });
  scope.beforeCleanup(async () => {
    await t.stop();
    await api.close();
  });
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  it('brings a new pod to Ready in one pass with one list, and writes its Events after the status that says Ready', async function () {
    const containers = ['app', 'sidecar'].map((name) => ({ name, image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE] }));
    const from = requests.length;
    const created = await createPod(t, podWith('path', { containers }));
    await waitForPod(t, 'path', isReady);
    // Anything that would wake the pod again (its finalizer's update, the Docker events of its own
    // starts) has arrived well within this.
    await sleep(1000);
    await t.operator.queue.onIdle();
    await t.operator.events.flush();
    expect(passes.filter((name) => name === 'path')).to.have.length(1);
    // The first look lists the pod's containers; the look after creating and starting them inspects the three it made.
    expect(lists.filter((labels) => labels[LABEL.uid] === created.metadata.uid)).to.have.length(1);

    const seen = requests.slice(from).filter((r) => r.verb !== 'get' && r.verb !== 'list' && r.verb !== 'watch');
    const statusWrites = seen.flatMap((r, i) => (r.resource === 'dockerpods' && r.subresource === 'status' ? [i] : []));
    const eventWrites = seen.flatMap((r, i) => (r.resource === 'events' ? [i] : []));
    // The binding and the status that says Ready: two status writes, nothing more.
    expect(statusWrites).to.have.length(2);
    const readyWrite = statusWrites[1] ?? -1;
    // Before it only the Scheduled Event (recorded once the binding is written); the pass's own
    // (Pulled, Created and Started for both members) come after it.
    expect(eventWrites.filter((i) => i < readyWrite)).to.have.length.at.most(1);
    expect(eventWrites.filter((i) => i > readyWrite).length).to.be.at.least(5);
  });
});
