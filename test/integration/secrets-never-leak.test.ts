/**
 * TLS client keys, registry credentials and Secret values never leave the operator's memory by
 * the ways an operator talks: its log (captured at debug level through logger injection), the
 * Events it records, the statuses it writes (DockerPods and DockerHosts), its metrics, and the
 * labels of what it creates on the engine. The operator runs in-process with a DockerHost on
 * engine B over mutual TLS (its key in a Secret), two more hosts on B whose Secrets hold a key
 * that does not match the certificate and a key that is not PEM at all (the error paths), and
 * pods that use a Secret in env and a volume, pull with an imagePullSecret from a registry on
 * loopback that checks the credentials the engine presents, and pull with a malformed
 * `.dockerconfigjson` (whose parse error must not quote it). Every form of each secret is
 * searched for: PEM, its body lines, base64; password, user:password and its base64 `auth`.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { CoreV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { createLogger } from '../../src/observability/logger.js';
import { testServingCert } from '../support/apiserver.js';
import { SCOPE_LABEL, useDockerScope } from '../support/docker-scope.js';
import { TEST_IMAGES } from '../support/engines.js';
import { execIn } from '../support/exec.js';
import { createHost, createHostB, createTlsSecret, engineBMaterial, hostReady, IDLE, isReady, podWith, waitForHost } from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { containerIdOf, createPullSecretIn, createSecretIn, waitForPodIn, waitingOf } from '../support/isolation.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';
import { authRegistry, type AuthRegistry } from '../support/registry.js';

const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64');
const token = (what: string): string => `${what}-${randomBytes(12).toString('hex')}`;

/** Every form a PEM may be found in: whole, base64 (as in a Secret), and each long line of its body. */
const pemForms = (pem: string): string[] => [pem.trim(), b64(pem), ...pem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'))];

describe('secrets never leak: logs, Events, statuses, metrics and labels', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['b']);
  const logLines: string[] = [];
  let t: TestOperator;
  let registry: AuthRegistry;
  const secretValue = token('s3cr3t');
  const user = token('user');
  const password = token('pw');
  // Starts with a letter, so JSON.parse's message would quote it from its first character.
  const brokenAuth = `k${randomBytes(16).toString('hex')}`;
  const garbageKey = `-----BEGIN PRIVATE KEY-----\n${b64(token('garbage-key-material').repeat(3))}\n-----END PRIVATE KEY-----\n`;

  before(async function () {
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => logLines.push(c.toString()));
    registry = await authRegistry();
    t = await startTestOperator(scope, { engine: 'none', logger: createLogger({ level: 'debug', format: 'json', stream }) });
    const server = `127.0.0.1:${registry.port}`;
    const m = engineBMaterial();
    await createHostB(t, 'b');
    await createTlsSecret(t, 'wrong-key-tls', { ...m, key: testServingCert().key });
    await createTlsSecret(t, 'garbage-key-tls', { ...m, key: garbageKey });
    for (const name of ['wrong-key', 'garbage-key']) await createHost(t, name, { endpoint: m.endpoint, tls: { secretRef: { namespace: 'default', name: `${name}-tls` } } });
    const at = (name: string): { namespace: string; name: string } => ({ namespace: 'default', name });
    await createSecretIn(t.kc, at('creds'), { password: secretValue });
    await createPullSecretIn(t.kc, at('regcred'), { auths: { [server]: { username: user, password, auth: b64(`${user}:${password}`) } } });
    // Not JSON (an unquoted value): the parse error must not quote it.
    await createPullSecretIn(t.kc, at('broken'), `{"auths": {"${server}": {"auth": ${brokenAuth}}}}`);
    await waitForHost(t, 'b', (h) => hostReady(h).status === 'True');
  });
  scope.beforeCleanup(async () => t.stop());
  after(async () => {
    await registry.close();
    removeCgroupParent(`/dockerpod-test-${scope.id}`);
  });

  it('uses every secret, and none of them appears anywhere the operator writes', async function () {
    const server = `127.0.0.1:${registry.port}`;
    const create = (pod: DockerPod): Promise<unknown> => t.custom.createNamespacedCustomObject({ group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerpods', namespace: 'default', body: pod });
    await create(podWith('uses-secret', {
      hostName: 'b',
      volumes: [{ name: 'creds', secret: { secretName: 'creds' } }],
      containers: [{
        name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE],
        env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }], envFrom: [{ prefix: 'ALL_', secretRef: { name: 'creds' } }],
        volumeMounts: [{ name: 'creds', mountPath: '/etc/creds' }],
      }],
    }));
    await create(podWith('pulls', { hostName: 'b', imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'app', image: `${server}/private/app:1`, imagePullPolicy: 'Always' }] }));
    await create(podWith('broken-pull', { hostName: 'b', imagePullSecrets: [{ name: 'broken' }], containers: [{ name: 'app', image: `${server}/private/other:1` }] }));

    // Each secret really flowed: the value is in the container, the registry got the credentials, the hosts tried the keys.
    const ready = await waitForPodIn(t.kc, { namespace: 'default', name: 'uses-secret' }, isReady, 30_000);
    const seen = await execIn(scope.engine('b'), containerIdOf(ready, 'app'), ['sh', '-c', 'echo "$DB_PASSWORD $ALL_password $(cat /etc/creds/password)"']);
    expect(seen.stdout.trim()).to.equal(`${secretValue} ${secretValue} ${secretValue}`);
    const pullFailed = (p: DockerPod): boolean => ['ErrImagePull', 'ImagePullBackOff'].includes(waitingOf(p, 'app')?.reason ?? '');
    await waitForPodIn(t.kc, { namespace: 'default', name: 'pulls' }, pullFailed, 30_000);
    expect(registry.authorizations).to.include(`Basic ${b64(`${user}:${password}`)}`);
    const broken = await waitForPodIn(t.kc, { namespace: 'default', name: 'broken-pull' }, pullFailed, 30_000);
    // The hosts whose keys cannot work are NotReady with the TLS library's message (observed: "sslv3 alert bad certificate", "error:1E08010C:DECODER routines::unsupported").
    await Promise.all(['wrong-key', 'garbage-key'].map((h) => waitForHost(t, h, (x) => hostReady(x).status === 'False' && (hostReady(x).message ?? '') !== '')));
    await t.operator.events.flush();
    const core = t.kc.makeApiClient(CoreV1Api);
    const failed = (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${broken.metadata.uid ?? ''},reason=Failed` })).items;
    expect(failed.map((e) => e.message)).to.include(`Failed to pull image "${server}/private/other:1": imagePullSecret "broken": .dockerconfigjson is not valid JSON`);

    const written = {
      log: logLines.join(''),
      events: JSON.stringify((await core.listEventForAllNamespaces()).items),
      pods: JSON.stringify(await t.custom.listClusterCustomObject({ group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerpods' })),
      hosts: JSON.stringify(await t.custom.listClusterCustomObject({ group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerhosts' })),
      metrics: await t.operator.metrics.text(),
      labels: JSON.stringify((await scope.engine('b').listContainers({ all: true, filters: JSON.stringify({ label: [`${SCOPE_LABEL}=${scope.id}`] }) })).map((c) => c.Labels)),
    };
    expect(written.log, 'the log saw the pods and hosts').to.include('"name":"uses-secret"').and.include('"host":"b"').and.include('imagePullSecret \\"broken\\"');
    expect(written.labels, 'the labels of the pods\' containers').to.include('"dockerpod.dev/name":"uses-secret"');
    expect(written.events).to.include('Pulling image').and.to.include('imagePullSecret \\"broken\\"');
    const needles: Record<string, string[]> = {
      'engine B\'s client key': pemForms(engineBMaterial().key.toString()),
      'the mismatched key': pemForms(testServingCert().key),
      'the key that is not PEM': pemForms(garbageKey),
      'the registry password': [password, b64(password), `${user}:${password}`, b64(`${user}:${password}`)],
      // JSON.parse quotes about ten characters around where it failed: a prefix is a leak too.
      'the malformed pull Secret': [brokenAuth, brokenAuth.slice(0, 8)],
      'the Secret value': [secretValue, b64(secretValue)],
    };
    for (const [where, text] of Object.entries(written)) {
      for (const [what, forms] of Object.entries(needles)) {
        expect(forms.filter((f) => text.includes(f)), `${what} in the ${where}`).to.deep.equal([]);
      }
    }
  });
});
