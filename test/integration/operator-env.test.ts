/**
 * Env from Secrets and ConfigMaps on a real engine, with the kubelet's semantics: valueFrom
 * secretKeyRef/configMapKeyRef and envFrom (with a prefix) land in the running container (read
 * back with `env`); secret values are never `$(VAR)`-expanded but can be referenced from later
 * entries and from args; envFrom keys that are not variable names are skipped with the kubelet's
 * InvalidEnvironmentVariableNames Warning; optional references to missing objects or keys are
 * skipped; a missing required key or object makes that container wait with
 * CreateContainerConfigError and the kubelet's message, without a container, while the others
 * run, until the key and object appear (the pass retries every 10 s); a pass with nothing to
 * create reads no Secret or ConfigMap; no Event carries a secret value.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../src/planner/labels.js';
import { useDockerScope } from '../support/docker-scope.js';
import { eventually } from '../support/exec.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, webPod, type TestOperator } from '../support/operator.js';

const ref = { group: 'dockerpod.dev', version: 'v1alpha1', namespace: 'default', plural: 'dockerpods' };
const PASSWORD = 'p@ss $(MODE) w0rd';
const SLEEP = ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"];

const isReady = (p: DockerPod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const statusOf = (p: DockerPod, name: string) => p.status?.containerStatuses?.find((s) => s.name === name);
const idOf = (p: DockerPod, name: string): string => statusOf(p, name)?.containerID?.replace('docker://', '') ?? '';

async function waitFor(t: TestOperator, name: string, check: (p: DockerPod) => boolean, timeoutMs = 30_000): Promise<DockerPod> {
  return eventually(async () => {
    const pod = (await t.custom.getNamespacedCustomObject({ ...ref, name })) as DockerPod;
    if (!check(pod)) throw new Error(`pod ${name} not there yet: ${JSON.stringify(pod.status)}`);
    return pod;
  }, timeoutMs, 100);
}

async function envOf(t: TestOperator, id: string): Promise<string[]> {
  const out = await t.engine.exec(id, ['env'], 5000);
  return out.stdout.split('\n').filter(Boolean);
}

async function containersOf(t: TestOperator, uid: string): Promise<string[]> {
  const list = await t.engine.listContainers({ [LABEL.managedBy]: t.instance, [LABEL.uid]: uid });
  return list.map((c) => c.labels[LABEL.container] ?? '').sort();
}

async function eventsOf(t: TestOperator, uid: string): Promise<string[]> {
  await t.operator.events.flush();
  const events = await t.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${uid}` });
  return events.items.map((e) => `${e.type ?? ''}/${e.reason ?? ''}: ${e.message ?? ''}`);
}

/** Counts the operator's Secret and ConfigMap reads (client-node's CoreV1Api, shared by every client). */
function countReads(): { count(): number; restore(): void } {
  const proto = CoreV1Api.prototype as unknown as Record<'readNamespacedSecret' | 'readNamespacedConfigMap', (...args: unknown[]) => unknown>;
  const originals = { readNamespacedSecret: proto.readNamespacedSecret, readNamespacedConfigMap: proto.readNamespacedConfigMap };
  let reads = 0;
  for (const name of ['readNamespacedSecret', 'readNamespacedConfigMap'] as const) {
    const original = originals[name];
    proto[name] = function (this: unknown, ...args: unknown[]) {
      reads++;
      return original.apply(this, args);
    };
  }
  return { count: () => reads, restore: () => Object.assign(proto, originals) };
}

describe('operator: env from Secrets and ConfigMaps on a real engine', function () {
  this.timeout(90_000);
  const scope = useDockerScope(['a']);
  let t: TestOperator;
  let core: CoreV1Api;

  before(async () => {
    t = await startTestOperator(scope);
    core = t.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'app-creds' }, data: { user: Buffer.from('admin').toString('base64') }, stringData: { password: PASSWORD } } });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'app-cfg' }, data: { MODE: 'fast', level: '3', '1bad': 'skipped' } } });
  });
  scope.beforeCleanup(async () => t.stop());
  after(() => removeCgroupParent(`/dockerpod-test-${scope.id}`));

  it('sets valueFrom and envFrom (with prefix) variables, expands a secret-derived $(VAR) in args, skips optional misses and invalid keys', async function () {
    const pod = webPod('envpod');
    pod.spec.containers = [
      {
        name: 'app',
        image: pod.spec.containers[0]?.image ?? '',
        command: ['sh', '-c'],
        args: ["trap 'exit 0' TERM; echo 'login=$(DB_USER) $$(DB_USER)' > /tmp/args; sleep 3600 & wait"],
        envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'app-cfg' } }, { configMapRef: { name: 'app-cfg' } }, { prefix: 'S_', secretRef: { name: 'app-creds' } }, { secretRef: { name: 'no-such-secret', optional: true } }],
        env: [
          { name: 'DB_USER', valueFrom: { secretKeyRef: { name: 'app-creds', key: 'user' } } },
          { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'app-creds', key: 'password' } } },
          { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'app-cfg', key: 'level' } } },
          { name: 'DSN', value: 'db://$(DB_USER)@db/$(MODE)' },
          { name: 'OPTIONAL_KEY', valueFrom: { secretKeyRef: { name: 'app-creds', key: 'absent', optional: true } } },
          { name: 'OPTIONAL_MAP', valueFrom: { configMapKeyRef: { name: 'no-such-map', key: 'x', optional: true } } },
          { name: 'MODE', value: 'slow' },
        ],
      },
    ];
    const created = (await t.custom.createNamespacedCustomObject({ ...ref, body: pod })) as DockerPod;
    const ready = await waitFor(t, 'envpod', isReady);
    const env = await envOf(t, idOf(ready, 'app'));
    expect(env).to.include.members([
      'DB_USER=admin',
      `DB_PASSWORD=${PASSWORD}`,
      'LEVEL=3',
      'DSN=db://admin@db/fast',
      'MODE=slow',
      'level=3',
      'CFG_MODE=fast',
      'CFG_level=3',
      'CFG_1bad=skipped',
      'S_user=admin',
      `S_password=${PASSWORD}`,
    ]);
    expect(env.filter((e) => /^(OPTIONAL_KEY|OPTIONAL_MAP|1bad)=/.test(e))).to.deep.equal([]);
    const args = await t.engine.exec(idOf(ready, 'app'), ['cat', '/tmp/args'], 5000);
    expect(args.stdout.trim()).to.equal('login=admin $(DB_USER)');
    const events = await eventsOf(t, created.metadata.uid ?? '');
    expect(events).to.include('Warning/InvalidEnvironmentVariableNames: Keys [1bad] from the EnvFrom configMap default/app-cfg were skipped since they are considered invalid environment variable names.');
    expect(events.filter((e) => e.includes('w0rd') || e.includes('admin'))).to.deep.equal([]);
  });

  it('reads no Secret or ConfigMap and writes nothing on a pass with nothing to create', async function () {
    await waitFor(t, 'envpod', isReady);
    await t.operator.queue.onIdle();
    await t.operator.events.flush();
    const reads = countReads();
    try {
      t.api.server.resetStats();
      t.calls.reset();
      await t.operator.reconciler.reconcile('default/envpod');
      await t.operator.events.flush();
      expect(reads.count()).to.equal(0);
      // The DockerHost's own controller may write its status meanwhile (a heartbeat, room given back).
      const { dockerhosts: _hostWrites, ...writes } = t.api.server.stats().writesByResource;
      expect(writes).to.deep.equal({});
      expect(t.calls.mutating()).to.equal(0);
      // The spy sees reads of any CoreV1Api client (so the zero above means something).
      await core.readNamespacedConfigMap({ namespace: 'default', name: 'app-cfg' });
      expect(reads.count()).to.equal(1);
    } finally {
      reads.restore();
    }
  });

  it('a missing key or object: CreateContainerConfigError with the kubelet message and no container, the rest runs; it starts once they exist', async function () {
    const pod = webPod('envwait');
    const image = pod.spec.containers[0]?.image ?? '';
    pod.spec.containers = [
      { name: 'app', image, command: SLEEP, env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'app-creds', key: 'token' } } }] },
      { name: 'cfg', image, command: SLEEP, envFrom: [{ configMapRef: { name: 'late-cfg' } }] },
      { name: 'sidecar', image, command: SLEEP },
    ];
    const created = (await t.custom.createNamespacedCustomObject({ ...ref, body: pod })) as DockerPod;
    const waiting = await waitFor(t, 'envwait', (p) => statusOf(p, 'sidecar')?.state?.running !== undefined && statusOf(p, 'app')?.state?.waiting !== undefined && statusOf(p, 'cfg')?.state?.waiting !== undefined);
    expect(statusOf(waiting, 'app')?.state?.waiting).to.deep.equal({ reason: 'CreateContainerConfigError', message: "couldn't find key token in Secret default/app-creds" });
    expect(statusOf(waiting, 'cfg')?.state?.waiting).to.deep.equal({ reason: 'CreateContainerConfigError', message: 'configmap "late-cfg" not found' });
    // The kubelet's getPhase: a container still waiting to start keeps the pod Pending.
    expect(waiting.status?.phase).to.equal('Pending');
    expect(await containersOf(t, created.metadata.uid ?? '')).to.deep.equal(['POD', 'sidecar']);
    expect(await eventsOf(t, created.metadata.uid ?? '')).to.include.members([
      "Warning/Failed: Error: couldn't find key token in Secret default/app-creds",
      'Warning/Failed: Error: configmap "late-cfg" not found',
    ]);

    const secret = await core.readNamespacedSecret({ namespace: 'default', name: 'app-creds' });
    await core.replaceNamespacedSecret({ namespace: 'default', name: 'app-creds', body: { ...secret, data: { ...secret.data, token: Buffer.from('t0k3n').toString('base64') } } });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'late-cfg' }, data: { LATE: 'yes' } } });
    // Nothing watches Secrets: the waiting pod is looked at again after 10 s, like the kubelet's sync loop.
    const ready = await waitFor(t, 'envwait', isReady, 40_000);
    expect(await envOf(t, idOf(ready, 'app'))).to.include('TOKEN=t0k3n');
    expect(await envOf(t, idOf(ready, 'cfg'))).to.include('LATE=yes');
    expect(statusOf(ready, 'app')?.restartCount).to.equal(0);
  });
});
