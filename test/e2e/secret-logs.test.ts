/**
 * Secrets and registry credentials never reach the operator's logs. The built `dockerpod operator`
 * runs at debug level (JSON, then text) with two pods that use them: one takes a Secret as an env
 * var (secretKeyRef and envFrom) and as a secret volume, and becomes Ready (the value is checked
 * inside the container, so the Secret really flowed); the other pulls from a registry on loopback
 * with an imagePullSecret, and the registry checks that the engine presented exactly those
 * credentials before refusing the image. Then the captured output is searched for every form of
 * the secret values: plain, base64, the user:password pair and its base64 `auth`.
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../src/planner/labels.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { useDockerScope } from '../support/docker-scope.js';
import { TEST_IMAGES } from '../support/engines.js';
import { execIn } from '../support/exec.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { operatorArgs, OperatorProcess } from '../support/operator-process.js';
import { buildOnce } from '../support/repo.js';
import { authRegistry, type AuthRegistry } from '../support/registry.js';

const REF = { group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerpods', namespace: 'default' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const b64 = (text: string): string => Buffer.from(text).toString('base64');

const isReady = (p: DockerPod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const pullFailed = (p: DockerPod): boolean => p.status?.containerStatuses?.some((c) => ['ErrImagePull', 'ImagePullBackOff'].includes(c.state?.waiting?.reason ?? '')) === true;

describe('operator: secrets and registry credentials stay out of the logs', function () {
  this.timeout(120_000);
  const scope = useDockerScope(['a']);
  let api: TestApiServer;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;
  let registry: AuthRegistry;
  const processes: OperatorProcess[] = [];
  const secretValue = `s3cr3t-${randomBytes(12).toString('hex')}`;
  const user = `u-${randomBytes(6).toString('hex')}`;
  const password = `p-${randomBytes(12).toString('hex')}`;

  before(async function () {
    this.timeout(120_000);
    buildOnce();
    api = await startTestApiServer();
    registry = await authRegistry();
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    custom = kc.makeApiClient(CustomObjectsApi);
    core = kc.makeApiClient(CoreV1Api);
    const server = `127.0.0.1:${registry.port}`;
    const dockerconfig = JSON.stringify({ auths: { [server]: { username: user, password, auth: b64(`${user}:${password}`) } } });
    await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'creds' }, data: { password: b64(secretValue) } } });
    await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'regcred' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(dockerconfig) } } });
  });
  scope.beforeCleanup(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  });
  after(async () => {
    await registry.close();
    await api.close();
    removeCgroupParent(`/dockerpod-test-${scope.id}`);
  });

  /** Until the Secret pod is Ready and the pull pod failed its pull after the registry saw credentials; returns the Secret pod. */
  async function untilUsed(withSecret: string, withPull: string, authorized: () => boolean, p: OperatorProcess): Promise<DockerPod> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const pod = (await custom.getNamespacedCustomObject({ ...REF, name: withSecret })) as DockerPod;
      const pulled = (await custom.getNamespacedCustomObject({ ...REF, name: withPull })) as DockerPod;
      if (isReady(pod) && pullFailed(pulled) && authorized()) return pod;
      if (Date.now() > deadline) throw new Error(`pods did not get there: ${JSON.stringify(pod.status?.conditions)} / ${JSON.stringify(pulled.status?.containerStatuses)}\n${p.tail()}`);
      await sleep(300);
    }
  }

  for (const format of ['json', 'text']) {
    it(`never logs them (--log-format ${format}, --log-level debug)`, async () => {
      const [withSecret, withPull] = [`secret-${format}`, `pull-${format}`];
      const before = registry.authorizations.length;
      const p = new OperatorProcess([...operatorArgs(scope, api), '--log-level', 'debug', '--log-format', format]);
      processes.push(p);
      const secretPod: DockerPod = {
        apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerPod', metadata: { name: withSecret },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{
            name: 'app', image: TEST_IMAGES.busybox, command: ['sleep', '3600'],
            env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }],
            envFrom: [{ prefix: 'ALL_', secretRef: { name: 'creds' } }],
            volumeMounts: [{ name: 'creds', mountPath: '/etc/creds' }],
          }],
          volumes: [{ name: 'creds', secret: { secretName: 'creds' } }],
        },
      };
      const pullPod: DockerPod = {
        apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerPod', metadata: { name: withPull },
        spec: { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'app', image: `127.0.0.1:${registry.port}/private/app:1`, imagePullPolicy: 'Always' }] },
      };
      await custom.createNamespacedCustomObject({ ...REF, body: secretPod });
      await custom.createNamespacedCustomObject({ ...REF, body: pullPod });

      const pod = await untilUsed(withSecret, withPull, () => registry.authorizations.length > before, p);
      // The credentials really flowed: the engine presented them to the registry, the container has the value.
      expect(registry.authorizations.slice(before)).to.include(`Basic ${b64(`${user}:${password}`)}`);
      const [app] = await scope.engine('a').listContainers({ filters: JSON.stringify({ label: [`${LABEL.uid}=${pod.metadata.uid ?? ''}`, `${LABEL.container}=app`] }) });
      const seen = await execIn(scope.engine('a'), app?.Id ?? '', ['sh', '-c', 'echo "$DB_PASSWORD $ALL_password $(cat /etc/creds/password)"']);
      expect(seen.stdout.trim()).to.equal(`${secretValue} ${secretValue} ${secretValue}`);

      expect((await p.stop('SIGTERM')).code).to.equal(0);
      const log = p.log();
      expect(log.split('\n').length, 'a debug run logs its passes').to.be.greaterThan(10);
      expect(log).to.include(withSecret);
      for (const [what, value] of Object.entries({
        'the secret value': secretValue, 'its base64': b64(secretValue), 'the registry password': password, 'user:password': `${user}:${password}`,
        'the auth field': b64(`${user}:${password}`), 'the password as base64': b64(password),
      })) {
        expect(log.includes(value), `${what} appears in the log`).to.equal(false);
      }
      await custom.deleteNamespacedCustomObject({ ...REF, name: withSecret });
      await custom.deleteNamespacedCustomObject({ ...REF, name: withPull });
    });
  }
});
