/**
 * Isolation of pods on one real engine (A), through the operator and the in-process API server:
 * `dockerpod logs` and `dockerpod exec` for a pod reach that pod's containers only, found by its
 * uid label on its own host, never by name: not when two pods share a name across namespaces,
 * not when a container of another pod is renamed to look like the pod's, not when a hand-made
 * container carries the pod's name, or its namespace and name labels without its uid. And the
 * operator never adopts, joins or removes a hand-made container that holds the name it wants for
 * a member or a sandbox: it reports the conflict and waits until a person removes it.
 * (Secrets, ConfigMaps and pull credentials across namespaces: isolation-secrets.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type Docker from 'dockerode';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { containerName, LABEL, SANDBOX_NAME } from '../../src/planner/labels.js';
import { useDockerScope, type DockerScope } from '../support/docker-scope.js';
import { TEST_IMAGES } from '../support/engines.js';
import { eventually } from '../support/exec.js';
import { IDLE, isReady, podWith } from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { containerIdOf, createNamespaces, createPodIn, eventsAbout, runPodCli, waitForPodIn, waitingOf } from '../support/isolation.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';

/** A pod whose one container says who it is on start and holds it in $POD_ID. */
function idPod(name: string, id: string): DockerPod {
  return podWith(name, { containers: [{ name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', `echo "I am $POD_ID"; ${IDLE}`], env: [{ name: 'POD_ID', value: id }] }] });
}

/** A running container made by hand (the test's scope labels only, plus `labels`) that claims to be FORGED. */
async function handMade(scope: DockerScope, name: string, labels: Record<string, string> = {}): Promise<Docker.Container> {
  const container = await scope.engine('a').createContainer({
    name, Image: TEST_IMAGES.busybox, Cmd: ['sh', '-c', `echo "I am $POD_ID"; ${IDLE}`], Env: ['POD_ID=FORGED'], Labels: { ...scope.labels, ...labels },
  });
  await container.start();
  return container;
}

const A_WEB = { namespace: 'team-a', name: 'web' };
const B_WEB = { namespace: 'team-b', name: 'web' };

const identity = (p: DockerPod): { namespace: string; name: string; uid: string } => ({ namespace: p.metadata.namespace ?? '', name: p.metadata.name ?? '', uid: p.metadata.uid ?? '' });

describe('isolation: logs, exec and container identity on a real engine', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a']);
  let t: TestOperator;
  let podA: DockerPod;
  let podB: DockerPod;
  const cli = (command: 'logs' | 'exec', args: string[]): ReturnType<typeof runPodCli> => runPodCli(command, t.api.kubeconfigPath, args);

  before(async function () {
    t = await startTestOperator(scope, { restartBackoffMs: 200 });
    await createNamespaces(t.kc, ['team-a', 'team-b']);
    // Same pod name and container name in both namespaces.
    await createPodIn(t.kc, 'team-a', idPod('web', 'team-a/web'));
    await createPodIn(t.kc, 'team-b', idPod('web', 'team-b/web'));
    [podA, podB] = await Promise.all([waitForPodIn(t.kc, A_WEB, isReady), waitForPodIn(t.kc, B_WEB, isReady)]);
  });
  scope.beforeCleanup(async () => t.stop());
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  /** Checks that logs and exec of web in `namespace` reach that pod's own container. */
  async function expectReaches(namespace: string): Promise<void> {
    const logs = await cli('logs', ['web', '-n', namespace]);
    expect({ code: logs.code, stdout: logs.stdout, stderr: logs.stderr }, `logs -n ${namespace}`).to.deep.equal({ code: 0, stdout: `I am ${namespace}/web\n`, stderr: '' });
    const exec = await cli('exec', ['web', '-n', namespace, '--', 'sh', '-c', 'echo "$POD_ID"']);
    expect({ code: exec.code, stdout: exec.stdout }, `exec -n ${namespace}`).to.deep.equal({ code: 0, stdout: `${namespace}/web\n` });
  }

  it('reaches the pod of the namespace asked for when two pods share their name and container name', async function () {
    await expectReaches('team-a');
    await expectReaches('team-b');
    const other = await cli('logs', ['web', '-n', 'team-c']);
    expect(other.code).to.equal(1);
    expect(other.stderr).to.equal('Error from server (NotFound): dockerpods.dockerpod.dev "web" not found\n');
  });

  it('goes by uid label, not by name: look-alike containers are never read or exec\'ed into', async function () {
    const a = identity(podA);
    // 1. A hand-made container named as the pod's next app instance would be, without any label of ours.
    await handMade(scope, containerName(a, 'app', 9));
    // 2. The other namespace's real container, renamed to look like this pod's.
    await scope.engine('a').getContainer(containerIdOf(podB, 'app')).rename({ name: containerName(a, 'app', 7) });
    // 3. One claiming this pod's namespace, name and container (and a high attempt) but another uid.
    await handMade(scope, `look-alike-${scope.id}`, {
      [LABEL.managedBy]: t.instance, [LABEL.namespace]: 'team-a', [LABEL.name]: 'web', [LABEL.uid]: randomUUID(), [LABEL.container]: 'app', [LABEL.role]: 'member', [LABEL.attempt]: '99',
    });
    await expectReaches('team-a');
    await expectReaches('team-b');
    const previous = await cli('logs', ['web', '-n', 'team-a', '--previous']);
    expect({ code: previous.code, stderr: previous.stderr }, 'no look-alike counts as an earlier instance').to.deep.equal({ code: 1, stderr: 'error: previous terminated container "app" in pod "web" not found\n' });
  });

  it('never adopts nor removes a hand-made container holding a member\'s next name: the member waits with CreateContainerError until it is gone', async function () {
    const a = identity(podA);
    const squatter = await handMade(scope, containerName(a, 'app', 1));
    const before = await squatter.inspect();
    await scope.engine('a').getContainer(containerIdOf(podA, 'app')).kill();

    const waiting = await waitForPodIn(t.kc, A_WEB, (p) => waitingOf(p, 'app')?.reason === 'CreateContainerError');
    expect(waitingOf(waiting, 'app')?.message).to.equal(
      `Conflict. The container name "/${containerName(a, 'app', 1)}" is already in use by container "${before.Id}", which dockerpod-operator instance "${t.instance}" did not create: it is left alone; remove or rename it`,
    );
    await t.operator.events.flush();
    expect((await eventsAbout(t.kc, 'team-a', a.uid)).filter((e) => e.reason === 'Failed').map((e) => e.type)).to.include('Warning');
    const after = await squatter.inspect();
    expect({ id: after.Id, running: after.State.Running, startedAt: after.State.StartedAt }, 'untouched').to.deep.equal({ id: before.Id, running: true, startedAt: before.State.StartedAt });

    await squatter.remove({ force: true });
    const back = await waitForPodIn(t.kc, A_WEB, (p) => isReady(p) && containerIdOf(p, 'app') !== containerIdOf(podA, 'app'));
    const app = await scope.engine('a').getContainer(containerIdOf(back, 'app')).inspect();
    expect({ name: app.Name, managedBy: app.Config.Labels[LABEL.managedBy], uid: app.Config.Labels[LABEL.uid] }).to.deep.equal({ name: `/${containerName(a, 'app', 1)}`, managedBy: t.instance, uid: a.uid });
    expect(back.status?.containerStatuses?.[0]?.restartCount).to.equal(1);
    podA = back;
  });

  it('never joins nor removes a hand-made container holding the pod\'s next sandbox name', async function () {
    const a = identity(podA);
    const squatter = await handMade(scope, containerName(a, SANDBOX_NAME, 1));
    const { Id: squatterId } = await squatter.inspect();
    const failedBefore = t.calls.count({ operation: 'createContainer', outcome: 'error' });
    await scope.engine('a').getContainer(podA.status?.sandboxID ?? '').remove({ force: true });

    // The operator tries (and fails) to create the new sandbox more than once, backing off.
    await eventually(async () => {
      if (t.calls.count({ operation: 'createContainer', outcome: 'error' }) < failedBefore + 2) throw new Error('no repeated sandbox create yet');
      return Promise.resolve();
    }, 20_000, 100);
    const ours = await scope.engine('a').listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL.uid}=${a.uid}`] }) });
    const modes = await Promise.all(ours.map(async (c) => (await scope.engine('a').getContainer(c.Id).inspect()).HostConfig.NetworkMode ?? ''));
    expect(modes.filter((m) => m.includes(squatterId)), 'no member joined the hand-made container').to.deep.equal([]);
    expect((await squatter.inspect()).State.Running, 'untouched').to.equal(true);

    await squatter.remove({ force: true });
    const back = await waitForPodIn(t.kc, A_WEB, (p) => isReady(p) && (p.status?.sandboxID ?? '') !== (podA.status?.sandboxID ?? ''), 30_000);
    const sandbox = await scope.engine('a').getContainer(back.status?.sandboxID ?? '').inspect();
    expect({ name: sandbox.Name, managedBy: sandbox.Config.Labels[LABEL.managedBy] }).to.deep.equal({ name: `/${containerName(a, SANDBOX_NAME, 1)}`, managedBy: t.instance });
    await expectReaches('team-a');
  });
});
