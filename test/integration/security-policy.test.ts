/**
 * The DockerHost policy as users meet it, through the running operator on real engines: every
 * item the policy denies by default (host PID, IPC and network namespaces, privileged containers
 * and init containers, capabilities outside Docker's default set, host paths outside the allowed
 * prefixes, any mount exposing a Docker socket even under an allowed prefix, and runAsUser 0 with
 * runAsNonRoot) is refused on a host whose policy does not allow it with `InvalidSpec` in the
 * Ready condition and a Warning Event, both naming the pod's field and the policy field to change,
 * and nothing is created on the engine; Docker's default capabilities need nothing. On a host
 * whose policy allows them all, the same items run (so each named field really is the switch).
 * The API server runs without the project's validators, as a cluster without its webhook: the
 * operator must judge on its own. (Pure rules: test/unit/planner/security-policy.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../src/planner/labels.js';
import { startTestApiServer } from '../support/apiserver.js';
import { useDockerScope } from '../support/docker-scope.js';
import { TEST_IMAGES } from '../support/engines.js';
import { conditionOf, createHostA, createHostB, createPod, hostReady, IDLE, isReady, podWith, waitForHost, waitForPod } from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';

type Container = DockerPod['spec']['containers'][number];
const app = (extra: Partial<Container> = {}): Container => ({ name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE], ...extra });
const init = (extra: Partial<Container> = {}): Container => ({ name: 'setup', image: TEST_IMAGES.busybox, command: ['true'], ...extra });
/** The engine's id of a container of the pod (its current or last instance). */
const idOf = (p: DockerPod, name: string): string => p.status?.containerStatuses?.find((c) => c.name === name)?.containerID?.replace('docker://', '') ?? '';
/** The parts of a container's HostConfig checked here. */
interface HostConfig {
  NetworkMode?: string;
  IpcMode?: string;
  PidMode?: string;
  CapAdd?: string[];
  Binds?: string[];
  Privileged?: boolean;
}
const on = (host: string, spec: Partial<DockerPod['spec']>): Partial<DockerPod['spec']> => ({ hostName: host, containers: [app()], ...spec });

/** What host "strict" refuses, and the message naming the pod's field and the policy's. */
const REFUSED: Array<{ name: string; spec: Partial<DockerPod['spec']>; message: string }> = [
  { name: 'host-pid', spec: { hostPID: true }, message: 'spec.hostPID: Forbidden: host namespaces are not allowed on host "strict" (spec.policy.allowHostNamespaces)' },
  { name: 'host-ipc', spec: { hostIPC: true }, message: 'spec.hostIPC: Forbidden: host namespaces are not allowed on host "strict" (spec.policy.allowHostNamespaces)' },
  { name: 'host-net', spec: { hostNetwork: true }, message: 'spec.hostNetwork: Forbidden: host namespaces are not allowed on host "strict" (spec.policy.allowHostNamespaces)' },
  {
    name: 'privileged', spec: { containers: [app({ securityContext: { privileged: true } })] },
    message: 'spec.containers[0].securityContext.privileged: Forbidden: privileged containers are not allowed on host "strict" (spec.policy.allowPrivileged)',
  },
  {
    name: 'privileged-init', spec: { initContainers: [init({ securityContext: { privileged: true } })] },
    message: 'spec.initContainers[0].securityContext.privileged: Forbidden: privileged containers are not allowed on host "strict" (spec.policy.allowPrivileged)',
  },
  {
    name: 'capability', spec: { initContainers: [init({ securityContext: { capabilities: { add: ['CHOWN', 'CAP_NET_ADMIN'] } } })] },
    message: 'spec.initContainers[0].securityContext.capabilities.add: Forbidden: capabilities NET_ADMIN are outside Docker\'s default set and not allowed on host "strict" (spec.policy.allowedCapabilities)',
  },
  {
    name: 'host-path', spec: { volumes: [{ name: 'etc', hostPath: { path: '/etc' } }] },
    message: 'spec.volumes[0].hostPath.path: Forbidden: host path /etc is not allowed on host "strict" (spec.policy.allowedHostPaths)',
  },
  {
    name: 'docker-sock', spec: { volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }] },
    message: 'spec.volumes[0].hostPath.path: Forbidden: host path /var/run/docker.sock exposes the Docker engine\'s socket, which is not allowed on host "strict" (spec.policy.allowDockerSocket)',
  },
  {
    name: 'socket-dir', spec: { volumes: [{ name: 'run', hostPath: { path: '/var/run/' } }] },
    message: 'spec.volumes[0].hostPath.path: Forbidden: host path /var/run/ exposes the Docker engine\'s socket, which is not allowed on host "strict" (spec.policy.allowDockerSocket)',
  },
  {
    name: 'root-non-root', spec: { containers: [app({ securityContext: { runAsNonRoot: true, runAsUser: 0 } })] },
    message: 'spec.containers[0].securityContext.runAsNonRoot: Invalid value: true: must be false when `runAsUser` is 0',
  },
];

describe('security policy: what a DockerHost refuses by default, through the operator', function () {
  this.timeout(60_000);
  const scope = useDockerScope(['a', 'b']);
  let t: TestOperator;
  let dir: string;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'dp-policy-'));
    t = await startTestOperator(scope, { engine: 'none', api: await startTestApiServer({ validators: new Map() }) });
    // "strict" allows /var/run, where sockets live: a socket there must still need allowDockerSocket.
    await createHostA(t, 'strict', { policy: { allowedHostPaths: [{ pathPrefix: '/var/run' }] } });
    await createHostB(t, 'open', {
      policy: { allowHostNamespaces: true, allowPrivileged: true, allowedCapabilities: ['NET_ADMIN'], allowedHostPaths: [{ pathPrefix: dir }], allowDockerSocket: true },
    });
    await Promise.all(['strict', 'open'].map((h) => waitForHost(t, h, (x) => hostReady(x).status === 'True')));
  });
  scope.beforeCleanup(async () => {
    await t.stop();
    await t.api.close();
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    removeCgroupParent(`/dockerpod-test-${scope.id}`);
  });

  it('refuses each item with InvalidSpec and a Warning Event naming the field to change, creating nothing', async function () {
    const created = await Promise.all(REFUSED.map((c) => createPod(t, podWith(c.name, on('strict', c.spec)))));
    await createPod(t, podWith('default-caps', on('strict', { containers: [app({ securityContext: { capabilities: { add: ['NET_BIND_SERVICE', 'CAP_KILL', 'CHOWN'] } } })] })));
    await t.operator.events.flush();
    for (const [i, c] of REFUSED.entries()) {
      const refused = await waitForPod(t, c.name, (p) => conditionOf(p, 'Ready').reason === 'InvalidSpec');
      expect({ status: conditionOf(refused, 'Ready').status, message: conditionOf(refused, 'Ready').message }, c.name).to.deep.equal({ status: 'False', message: c.message });
      const uid = created[i]?.metadata.uid ?? '';
      const events = await t.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${uid},reason=InvalidSpec` });
      expect(events.items.map((e) => `${e.type ?? ''}: ${e.message ?? ''}`), c.name).to.deep.equal([`Warning: ${c.message}`]);
      expect(await t.engine.listContainers({ [LABEL.uid]: uid }), `${c.name}: nothing on the engine`).to.deep.equal([]);
    }
    // Docker's default capabilities need nothing from the policy.
    await waitForPod(t, 'default-caps', isReady);
  });

  it('admits the same items on a host whose policy allows them', async function () {
    await createPod(t, podWith('allowed', on('open', {
      hostNetwork: true, hostPID: true, hostIPC: true,
      containers: [
        app({ securityContext: { capabilities: { add: ['NET_ADMIN'] } }, volumeMounts: [{ name: 'sock', mountPath: '/sock' }] }),
        // Created as asked; this machine's engines cannot start privileged containers ("unable to apply caps").
        app({ name: 'priv', securityContext: { privileged: true } }),
      ],
      volumes: [{ name: 'sock', hostPath: { path: join(dir, 'docker.sock'), type: 'DirectoryOrCreate' } }],
    })));
    const made = await waitForPod(t, 'allowed', (p) => ['app', 'priv'].every((n) => idOf(p, n) !== '') && p.status?.containerStatuses?.find((c) => c.name === 'app')?.ready === true, 30_000);
    expect(conditionOf(made, 'Ready').reason).not.to.equal('InvalidSpec');
    const inspect = async (id: string): Promise<HostConfig> => (await scope.engine('b').getContainer(id).inspect()).HostConfig;
    const [sandbox, member, priv] = await Promise.all([made.status?.sandboxID ?? '', idOf(made, 'app'), idOf(made, 'priv')].map(inspect));
    expect({ network: sandbox?.NetworkMode, ipc: sandbox?.IpcMode, pid: sandbox?.PidMode }).to.deep.equal({ network: 'host', ipc: 'host', pid: 'host' });
    expect({ caps: member?.CapAdd, binds: member?.Binds }).to.deep.equal({ caps: ['NET_ADMIN'], binds: [`${join(dir, 'docker.sock')}:/sock`] });
    expect(priv?.Privileged).to.equal(true);
  });
});
