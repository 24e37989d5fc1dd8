/**
 * Pod volumes whose labels the engine lost. A dockerd that is shutting down still answers a
 * volume create on an open connection: it makes the volume's directory, fails with "database not
 * open" and loses the labels, so after its restart a volume of that name exists without them
 * (found by test/chaos/engine-restart.test.ts). Creating a volume whose name is taken returns the
 * existing one unchanged, so the operator's next create "succeeded" and the pod ran on a volume
 * that no label-filtered sweep or teardown would ever find: it outlived the pod for ever.
 *
 * Regression tests on engine A: the adapter makes such a volume again with its labels when no
 * container uses it, keeps it (and succeeds) when one does, and a pod's teardown removes its
 * volumes by name too, so even a volume that stayed unlabelled goes with its pod.
 */
import { expect } from 'chai';
import type Docker from 'dockerode';
import { connectEngine } from '../../src/runtime/docker/dockerode-engine.js';
import type { DockerEngine } from '../../src/runtime/docker/types.js';
import { useDockerScope } from '../support/docker-scope.js';
import { engineConnectOptions, TEST_IMAGES } from '../support/engines.js';
import { createHostA, createPod, deletePod, IDLE, isReady, podWith, waitForPod, waitGone } from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';

/** The volume's labels on the engine, or undefined when it does not exist. */
async function labelsOf(docker: Docker, name: string): Promise<Record<string, string> | undefined> {
  const volume = await docker.getVolume(name).inspect().catch(() => undefined);
  return volume ? (volume.Labels ?? {}) : undefined;
}

describe('pod volumes that lost their labels (engine A)', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a']);
  let docker: Docker;
  let engine: DockerEngine;
  /** Unlabelled volumes and blocker containers the tests make: the scope's label-based cleanup cannot see the volumes. */
  const unlabelled: string[] = [];
  const blockers: string[] = [];

  before(() => {
    docker = scope.engine('a');
    engine = connectEngine(engineConnectOptions('a'));
  });
  after(async () => {
    for (const id of blockers) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
    for (const name of unlabelled) await docker.getVolume(name).remove().catch(() => undefined);
  });

  /** A volume of that name without labels, as a create the engine did not finish leaves it. */
  async function lostLabels(name: string): Promise<void> {
    unlabelled.push(name);
    await docker.createVolume({ Name: name });
    expect(await labelsOf(docker, name)).to.deep.equal({});
  }

  /** A created (never started) container of the scope that mounts the volume: the engine then refuses to remove it. */
  async function useVolume(name: string): Promise<string> {
    const container = await docker.createContainer({ Image: TEST_IMAGES.busybox, Cmd: ['true'], Labels: scope.labels, HostConfig: { Mounts: [{ Type: 'volume', Source: name, Target: '/data' }] } });
    blockers.push(container.id);
    return container.id;
  }

  it('createVolume makes an unused volume of the name again, with the labels, so label-filtered lists find it', async () => {
    const name = `dpt-${scope.id}-lost`;
    await lostLabels(name);
    await engine.createVolume(name, scope.labels);
    expect(await labelsOf(docker, name)).to.deep.equal(scope.labels);
    expect(await engine.listVolumes(scope.labels)).to.include(name);
    // A second create of a volume that carries its labels changes nothing.
    await engine.createVolume(name, scope.labels);
    expect(await engine.listVolumes(scope.labels)).to.include(name);
  });

  it('createVolume keeps such a volume when a container uses it, and succeeds', async () => {
    const name = `dpt-${scope.id}-busy`;
    await lostLabels(name);
    await useVolume(name);
    await engine.createVolume(name, scope.labels);
    expect(await labelsOf(docker, name)).to.deep.equal({});
  });

  describe('a pod whose emptyDir volume stayed unlabelled', function () {
    let t: TestOperator;
    before(async () => {
      t = await startTestOperator(scope, { engine: 'none', heartbeatPeriodMs: 1000 });
    });
    scope.beforeCleanup(async () => t.stop());
    after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

    it('runs on it, and its deletion removes it by name', async () => {
      // Pinned to a host that does not exist yet: the pod has its uid, and no volume, until host a appears.
      const pod = await createPod(t, podWith('vol', {
        hostName: 'a',
        containers: [{ name: 'main', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        volumes: [{ name: 'data', emptyDir: {} }],
      }));
      const volume = `dp_${pod.metadata.uid ?? ''}_data`;
      await lostLabels(volume);
      const blocker = await useVolume(volume);
      await createHostA(t, 'a');
      await waitForPod(t, 'vol', isReady, 30_000);
      // In use when the operator created it: it stays unlabelled, and the pod uses it.
      expect(await labelsOf(docker, volume)).to.deep.equal({});
      await docker.getContainer(blocker).remove({ force: true });
      await deletePod(t, 'vol');
      await waitGone(t, 'vol');
      expect(await labelsOf(docker, volume), `volume ${volume} after the pod's deletion`).to.equal(undefined);
    });
  });
});
