/**
 * Isolation of Secrets, ConfigMaps and registry credentials between namespaces, through the
 * operator on engine A (behind a wire tap that records every pull request the engine gets, with
 * the X-Registry-Auth header the operator sent) and the in-process API server:
 *
 * - a pod in namespace team-a that names a Secret or ConfigMap existing only in team-b (env
 *   valueFrom, envFrom, secret and configMap volumes) gets the kubelet's outcome for a missing
 *   object (CreateContainerConfigError, or ContainerCreating with FailedMount) and never the data,
 *   while the same pod in team-b gets it;
 * - image pull credentials go only to the registry they are for: a pull Secret for R1 is sent for
 *   R1 images only (not for R1's host on another port, another registry, a longer name ending in
 *   R1's, nor Docker Hub under any of its names), Hub credentials go to Hub images under each of
 *   docker.io, index.docker.io and registry-1.docker.io, and a pull Secret of team-b is never
 *   used for a pod of team-a. No registry is reachable: pulls fail; the header is what counts.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../src/planner/labels.js';
import { useDockerScope } from '../support/docker-scope.js';
import { engineConnectOptions, TEST_IMAGES } from '../support/engines.js';
import { eventually, execIn } from '../support/exec.js';
import { createHost, hostReady, IDLE, isReady, podWith, waitForHost } from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import {
  containerIdOf, createConfigMapIn, createNamespaces, createPodIn, createPullSecretIn, createSecretIn, eventsAbout, PullTap, waitForPodIn, waitingOf,
} from '../support/isolation.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';

const R1 = 'r1.dockerpod.invalid:5000';
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const secret = (what: string): string => `${what}-${randomBytes(10).toString('hex')}`;

const B_SECRET = secret('team-b-secret');
const B_CONFIG = secret('team-b-config');
const B_PULL = secret('team-b-pull');
const R1_PASS = secret('r1-pass');
const HUB_PASS = secret('hub-pass');

/** A container that idles with `extra` settings. */
const idler = (name: string, extra: Partial<DockerPod['spec']['containers'][number]> = {}): DockerPod['spec']['containers'][number] =>
  ({ name, image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE], ...extra });

/** The references to team-b's objects, as containers (env) and as a pod (volumes). */
const ENV_REFS: Array<{ container: DockerPod['spec']['containers'][number]; message: string }> = [
  { container: idler('secret-key', { env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'shared', key: 'password' } } }] }), message: 'secret "shared" not found' },
  { container: idler('config-key', { env: [{ name: 'L', valueFrom: { configMapKeyRef: { name: 'shared-cfg', key: 'level' } } }] }), message: 'configmap "shared-cfg" not found' },
  { container: idler('secret-all', { envFrom: [{ secretRef: { name: 'shared' } }] }), message: 'secret "shared" not found' },
  { container: idler('config-all', { envFrom: [{ configMapRef: { name: 'shared-cfg' } }] }), message: 'configmap "shared-cfg" not found' },
];
const VOLUME_REFS: Array<{ pod: string; volume: NonNullable<DockerPod['spec']['volumes']>[number]; message: string }> = [
  { pod: 'secret-vol', volume: { name: 'data', secret: { secretName: 'shared' } }, message: 'MountVolume.SetUp failed for volume "data" : secret "shared" not found' },
  { pod: 'config-vol', volume: { name: 'data', configMap: { name: 'shared-cfg' } }, message: 'MountVolume.SetUp failed for volume "data" : configmap "shared-cfg" not found' },
];

/** What each image's pull must carry: R1's credentials, Hub's, or none. */
const PULLS: Array<{ image: string; want: 'r1' | 'hub' | 'none' }> = [
  { image: `${R1}/team/app:1`, want: 'r1' },
  { image: 'r1.dockerpod.invalid/team/app:1', want: 'none' },
  { image: 'r1.dockerpod.invalid:5001/team/app:1', want: 'none' },
  { image: 'r2.dockerpod.invalid:5000/team/app:1', want: 'none' },
  { image: 'r1.dockerpod.invalid.r2.dockerpod.invalid:5000/team/app:1', want: 'none' },
  { image: 'dockerpod-test/none:1', want: 'hub' },
  { image: 'docker.io/dockerpod-test/none:1', want: 'hub' },
  { image: 'index.docker.io/dockerpod-test/none:1', want: 'hub' },
  { image: 'registry-1.docker.io/dockerpod-test/none:1', want: 'hub' },
];

describe('isolation: Secrets, ConfigMaps and pull credentials stay in their namespace and registry', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a']);
  let t: TestOperator;
  let tap: PullTap;

  before(async function () {
    tap = await PullTap.start(engineConnectOptions('a').endpoint);
    t = await startTestOperator(scope, { engine: 'none', restartBackoffMs: 200 });
    await createHost(t, 'tapped', { endpoint: tap.endpoint });
    await createNamespaces(t.kc, ['team-a', 'team-b']);
    await Promise.all([
      createSecretIn(t.kc, { namespace: 'team-b', name: 'shared' }, { password: B_SECRET }),
      createConfigMapIn(t.kc, { namespace: 'team-b', name: 'shared-cfg' }, { level: B_CONFIG }),
      createPullSecretIn(t.kc, { namespace: 'team-b', name: 'b-regcred' }, { auths: { [R1]: { username: 'b-user', password: B_PULL } } }),
      createPullSecretIn(t.kc, { namespace: 'team-a', name: 'regcred' }, { auths: { [R1]: { username: 'r1-user', password: R1_PASS } } }),
      createPullSecretIn(t.kc, { namespace: 'team-a', name: 'hubcred' }, { auths: { 'https://index.docker.io/v1/': { auth: b64(`hub-user:${HUB_PASS}`) } } }),
    ]);
    await waitForHost(t, 'tapped', (h) => hostReady(h).status === 'True');
  });
  scope.beforeCleanup(async () => t.stop());
  after(async () => {
    await tap.close();
    removeCgroupParent(`/dockerpod-test-${scope.id}`);
  });

  it('a pod never reads another namespace\'s Secrets and ConfigMaps: it waits as for missing ones, while the owner namespace\'s pod gets the data', async function () {
    // The same references, all in one pod of team-b.
    const reader = podWith('reader', {
      volumes: [{ name: 'secret', secret: { secretName: 'shared' } }, { name: 'config', configMap: { name: 'shared-cfg' } }],
      containers: [idler('all', {
        env: ENV_REFS.flatMap((r) => r.container.env ?? []), envFrom: ENV_REFS.flatMap((r) => r.container.envFrom ?? []),
        volumeMounts: [{ name: 'secret', mountPath: '/secret' }, { name: 'config', mountPath: '/config' }],
      })],
    });
    await createPodIn(t.kc, 'team-b', reader);
    const envPod = await createPodIn(t.kc, 'team-a', podWith('env-refs', { containers: ENV_REFS.map((r) => r.container) }));
    const volPods = await Promise.all(VOLUME_REFS.map((r) => createPodIn(t.kc, 'team-a', podWith(r.pod, { volumes: [r.volume], containers: [idler('app', { volumeMounts: [{ name: 'data', mountPath: '/data' }] })] }))));

    // The owner's pod gets every value, so the names above are right.
    const ready = await waitForPodIn(t.kc, { namespace: 'team-b', name: 'reader' }, isReady);
    const seen = await execIn(scope.engine('a'), containerIdOf(ready, 'all'), ['sh', '-c', 'echo "$P $L $password $level $(cat /secret/password) $(cat /config/level)"']);
    expect(seen.stdout.trim()).to.equal([B_SECRET, B_CONFIG, B_SECRET, B_CONFIG, B_SECRET, B_CONFIG].join(' '));

    const env = await waitForPodIn(t.kc, { namespace: 'team-a', name: 'env-refs' }, (p) => ENV_REFS.every((r) => waitingOf(p, r.container.name)?.reason === 'CreateContainerConfigError'));
    expect(ENV_REFS.map((r) => waitingOf(env, r.container.name)?.message)).to.deep.equal(ENV_REFS.map((r) => r.message));
    await t.operator.events.flush();
    for (const [i, r] of VOLUME_REFS.entries()) {
      const uid = volPods[i]?.metadata.uid ?? '';
      const events = await eventually(async () => {
        const found = (await eventsAbout(t.kc, 'team-a', uid)).filter((e) => e.reason === 'FailedMount');
        if (found.length === 0) throw new Error(`no FailedMount for ${r.pod} yet`);
        return found;
      }, 20_000, 200);
      expect(events.map((e) => `${e.type ?? ''} ${e.message ?? ''}`)).to.deep.equal([`Warning ${r.message}`]);
      const pod = await waitForPodIn(t.kc, { namespace: 'team-a', name: r.pod }, (p) => waitingOf(p, 'app')?.reason === 'ContainerCreating');
      expect(JSON.stringify(pod)).not.to.include(B_SECRET).and.not.to.include(B_CONFIG);
    }
    // No container of those pods but their sandboxes was ever made: the data had nowhere to go.
    for (const uid of [envPod, ...volPods].map((p) => p.metadata.uid ?? '')) {
      const made = await t.engine.listContainers({ [LABEL.uid]: uid });
      expect(made.map((c) => c.labels[LABEL.role]), `containers of ${uid}`).to.deep.equal(made.length === 0 ? [] : ['sandbox']);
      const events = await eventsAbout(t.kc, 'team-a', uid);
      expect(JSON.stringify(events)).not.to.include(B_SECRET).and.not.to.include(B_CONFIG);
    }
  });

  it('sends a registry\'s credentials with pulls from that registry only, and never a pull Secret of another namespace', async function () {
    const containers = PULLS.map((p, i) => ({ name: `c${i}`, image: p.image }));
    await createPodIn(t.kc, 'team-a', podWith('pulls', { imagePullSecrets: [{ name: 'regcred' }, { name: 'hubcred' }], containers }));
    // team-b's pull Secret named from team-a finds nothing there; the same name in team-b works.
    await createPodIn(t.kc, 'team-a', podWith('borrow', { imagePullSecrets: [{ name: 'b-regcred' }], containers: [{ name: 'app', image: `${R1}/team/borrow:1` }] }));
    await createPodIn(t.kc, 'team-b', podWith('own', { imagePullSecrets: [{ name: 'b-regcred' }], containers: [{ name: 'app', image: `${R1}/team/own:1` }] }));
    const images = [...PULLS.map((p) => p.image), `${R1}/team/borrow:1`, `${R1}/team/own:1`];
    await eventually(async () => {
      const missing = images.filter((i) => tap.pullsOf(i).length === 0);
      if (missing.length > 0) throw new Error(`no pull seen yet of ${missing.join(', ')}`);
      return Promise.resolve();
    }, 30_000, 100);

    const r1 = { serveraddress: R1, username: 'r1-user', password: R1_PASS };
    const hub = { serveraddress: 'https://index.docker.io/v1/', username: 'hub-user', password: HUB_PASS };
    const expected = { r1, hub, none: undefined };
    for (const p of PULLS) {
      expect(tap.pullsOf(p.image).map((s) => s.auth), p.image).to.deep.equal([expected[p.want]]);
    }
    expect(tap.pullsOf(`${R1}/team/borrow:1`).map((s) => s.auth), 'team-a pod naming team-b\'s Secret').to.deep.equal([undefined]);
    expect(tap.pullsOf(`${R1}/team/own:1`).map((s) => s.auth), 'team-b pod, its own Secret').to.deep.equal([{ serveraddress: R1, username: 'b-user', password: B_PULL }]);
    // Across every request the engine got, each password went only with its own registry's images.
    const carrying = (password: string): string[] => tap.pulls.filter((s) => JSON.stringify(s.auth ?? {}).includes(password)).map((s) => s.image).sort();
    expect(carrying(R1_PASS)).to.deep.equal([`${R1}/team/app:1`]);
    expect(carrying(HUB_PASS)).to.deep.equal(PULLS.filter((p) => p.want === 'hub').map((p) => p.image).sort());
    expect(carrying(B_PULL)).to.deep.equal([`${R1}/team/own:1`]);
  });
});
