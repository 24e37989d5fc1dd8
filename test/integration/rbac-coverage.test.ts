/**
 * The chart's RBAC against what the operator really asks of the API server. The embedded API
 * server records every request (its onRequest hook) while the real operator (in-process, the real
 * client-node over HTTPS, real engines) goes through everything it does in a cluster: the implicit
 * host (created), a DockerHost over mutual TLS whose Secret lives in the operator's namespace, a
 * pod with env from a Secret and a ConfigMap, configMap and secret volumes and imagePullSecrets,
 * an image pull that fails (pull secret read, repeated Events patched), a restart of the operator
 * (Events adopted: read back after 409), deletions through finalizers, and leader election on the
 * Lease the Deployment names (a LeaderElector on the operator's own kubeconfig, as `--leader-elect`
 * runs it). The test's own objects are written server-side (through the server's core, not HTTP),
 * so every recorded request is the operator's.
 *
 * Then: every recorded request is allowed by the rendered ClusterRole/Role bindings of the
 * operator's ServiceAccount, and every permission granted is used by some request, or is listed
 * below with the reason it is granted anyway.
 */
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { create } from '../../src/apiserver/rest/create.js';
import { remove } from '../../src/apiserver/rest/delete.js';
import type { ObservedRequest } from '../../src/apiserver/server.js';
import type { KubeObject as StoredObject } from '../../src/apiserver/resources/types.js';
import { clientLeaseStore, LeaderElector } from '../../src/kube/leader-election.js';
import { renderChart, type KubeObject } from '../../hack/chart/chart.js';
import { CHART_DIR, MANIFESTS_RELEASE } from '../../hack/chart/deploy-files.js';
import { allowedBy, describePermission, grantsFor, permissionsOf, uses, type Grant } from '../../hack/chart/rbac-rules.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { useDockerScope } from '../support/docker-scope.js';
import { TEST_IMAGES } from '../support/engines.js';
import { eventually } from '../support/exec.js';
import { engineBMaterial, IDLE, isReady, podWith } from '../support/fleet.js';
import { removeCgroupParent } from '../support/host-proc.js';
import { startTestOperator, type TestOperator } from '../support/operator.js';
import { repoPath } from '../support/repo.js';

/** Granted but not exercised here, each with the reason it is granted. */
const UNUSED_ON_PURPOSE: Record<string, string> = {
  'update dockerpod.dev/dockerpods/finalizers': 'OwnerReferencesPermissionEnforcement (e.g. OpenShift) checks it for owner references with blockOwnerDeletion to a DockerPod',
  'update dockerpod.dev/dockerhosts/finalizers': 'the same, for DockerHosts',
};

/** Non-resource paths every authenticated user may GET (the system:discovery and system:public-info-viewer roles). */
const DISCOVERY = /^\/(api|apis|openapi|version|healthz|livez|readyz)(\/|$)/;

const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64');
const PULL_IMAGE = '127.0.0.1:9/dockerpod-rbac/none:1';

/** Writes through the server's core, never over HTTP: the recorder sees only the operator. */
function serverSide(api: TestApiServer): { create(resource: string, body: object, namespace?: string): void; get(resource: string, name: string, namespace?: string): StoredObject | undefined; remove(resource: string, name: string, namespace?: string): void } {
  const core = api.server.core;
  const info = (resource: string): NonNullable<ReturnType<typeof core.registry.get>> => {
    const [group, version] = resource === 'dockerpods' || resource === 'dockerhosts' ? ['dockerpod.dev', 'v1alpha1'] : ['', 'v1'];
    const found = core.registry.get(group ?? '', version ?? '', resource);
    if (!found) throw new Error(`no resource ${resource}`);
    return found;
  };
  const query = new URLSearchParams();
  return {
    create: (resource, body, namespace) => {
      const result = create(core, { info: info(resource), query, body, ...(namespace ? { namespace } : {}) });
      if (result.code >= 300) throw new Error(`create ${resource}: ${JSON.stringify(result.body)}`);
    },
    get: (resource, name, namespace) => core.get(info(resource), namespace, name),
    remove: (resource, name, namespace) => void remove(core, { info: info(resource), query, name, ...(namespace ? { namespace } : {}) }),
  };
}

const waitingReason = (pod: StoredObject | undefined): string | undefined => (pod as DockerPod | undefined)?.status?.containerStatuses?.[0]?.state?.waiting?.reason;
const argOf = (args: string[], flag: string): string => args.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3) ?? '';

describe('RBAC of the chart: every API call of the operator is granted, and nothing more', function () {
  this.timeout(240_000);
  const scope = useDockerScope(['a', 'b']);
  const seen: ObservedRequest[] = [];
  let recording = false;
  let api: TestApiServer;
  let t: TestOperator | undefined;
  let objects: KubeObject[];
  let grants: Grant[];

  before(async function () {
    // The chart as the scenario runs the operator: with an implicit host (--docker-host) and leader election.
    objects = renderChart(repoPath(CHART_DIR), MANIFESTS_RELEASE, { implicitHost: { enabled: true, name: 'local' } }).manifests.map((m) => m.object);
    const account = { namespace: MANIFESTS_RELEASE.namespace, name: 'dockerpod-operator' };
    grants = grantsFor(objects, account);
    api = await startTestApiServer({ onRequest: (r) => void (recording && seen.push(r)) });
  });
  scope.beforeCleanup(async () => t?.stop());
  after(async () => {
    await api?.close();
    removeCgroupParent(`/dockerpod-test-${scope.id}`);
  });

  it('runs the operator through everything it does in a cluster', async function () {
    const server = serverSide(api);
    const ns = MANIFESTS_RELEASE.namespace;
    const b = engineBMaterial();
    server.create('namespaces', { metadata: { name: ns } });
    server.create('secrets', { metadata: { name: 'engine-b-tls' }, data: { 'ca.crt': b64(b.ca), 'tls.crt': b64(b.cert), 'tls.key': b64(b.key) } }, ns);
    server.create('dockerhosts', { apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerHost', metadata: { name: 'b' }, spec: { endpoint: b.endpoint, tls: { secretRef: { namespace: ns, name: 'engine-b-tls' } } } });
    server.create('secrets', { metadata: { name: 'app-secret' }, data: { password: b64('s3cr3t') } }, 'default');
    server.create('configmaps', { metadata: { name: 'app-config' }, data: { level: 'debug' } }, 'default');
    const auths = { auths: { '127.0.0.1:9': { auth: b64('user:pass') } } };
    server.create('secrets', { metadata: { name: 'pull-secret' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify(auths)) } }, 'default');

    recording = true;
    t = await startTestOperator(scope, { api, engine: 'a', heartbeatPeriodMs: 1000 });
    const args = ((objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } }).spec.template.spec.containers[0]?.args) ?? [];
    const lease = { namespace: argOf(args, 'leader-election-namespace'), name: argOf(args, 'leader-election-id') };
    expect(lease).to.deep.equal({ namespace: ns, name: 'dockerpod-operator' });
    const election = new AbortController();
    let leading = false;
    const elector = new LeaderElector({
      lease, identity: 'rbac-test', store: clientLeaseStore(t.kc, lease.namespace, lease.name),
      leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200,
      onStartedLeading: () => void (leading = true), onStoppedLeading: () => void (leading = false),
    });
    const electing = elector.run(election.signal);

    const full = podWith('full', {
      hostName: 'b',
      imagePullSecrets: [{ name: 'pull-secret' }],
      volumes: [{ name: 'cfg', configMap: { name: 'app-config' } }, { name: 'sec', secret: { secretName: 'app-secret' } }],
      containers: [{
        name: 'app', image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE],
        env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'password' } } }],
        envFrom: [{ configMapRef: { name: 'app-config' } }],
        volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }, { name: 'sec', mountPath: '/sec' }],
      }],
    });
    server.create('dockerpods', full, 'default');
    server.create('dockerpods', podWith('pull', { hostName: 'local', imagePullSecrets: [{ name: 'pull-secret' }], containers: [{ name: 'app', image: PULL_IMAGE }] }), 'default');
    await eventually(() => {
      if (!isReady(server.get('dockerpods', 'full', 'default') as unknown as DockerPod)) throw new Error('pod full not Ready yet');
      if (!['ErrImagePull', 'ImagePullBackOff'].includes(waitingReason(server.get('dockerpods', 'pull', 'default')) ?? '')) throw new Error('pod pull has not failed its pull yet');
      if (!leading) throw new Error('the elector does not lead yet');
      return Promise.resolve();
    }, 60_000, 200);

    // A restart: the new process's Events meet 409 (same names) and are read back to continue their count.
    await t.stop();
    t = await startTestOperator(scope, { api, engine: 'a', heartbeatPeriodMs: 1000 });
    await eventually(async () => {
      await t?.operator.events.flush();
      if (!seen.some((r) => r.resource === 'events' && r.verb === 'get')) throw new Error('no Event read back yet');
    }, 60_000, 200);

    server.remove('dockerpods', 'full', 'default');
    server.remove('dockerpods', 'pull', 'default');
    await eventually(() => {
      if (server.get('dockerpods', 'full', 'default') || server.get('dockerpods', 'pull', 'default')) throw new Error('pods still there');
      return Promise.resolve();
    }, 60_000, 200);
    election.abort();
    await electing;
    await t.stop();
    t = undefined;
    recording = false;
  });

  it('every request the operator made is granted to its ServiceAccount', function () {
    // RBAC_DUMP=1 prints the distinct requests, to see what the operator asks for.
    if (process.env['RBAC_DUMP']) console.log([...new Set(seen.map((r) => r.nonResourcePath ?? `${describePermission({ ...r, resource: r.subresource ? `${r.resource}/${r.subresource}` : r.resource })} ${r.name ?? ''}`))].sort().join('\n'));
    expect(seen.length, 'the scenario must have run').to.be.above(50);
    const forbidden = seen.filter((r) => (r.nonResourcePath !== undefined ? !DISCOVERY.test(r.nonResourcePath) : allowedBy(grants, r).length === 0));
    const described = [...new Set(forbidden.map((r) => r.nonResourcePath ?? `${describePermission({ ...r, resource: r.subresource ? `${r.resource}/${r.subresource}` : r.resource })}${r.name ? ` name ${r.name}` : ''}`))];
    expect(described).to.deep.equal([]);
  });

  it('every permission granted is used, or listed with its reason', function () {
    const unused = grants.flatMap(permissionsOf).filter((p) => !seen.some((r) => uses(r, p))).map((p) => `${p.verb} ${p.apiGroup || 'core'}/${p.resource}`);
    expect(unused.filter((u) => !(u in UNUSED_ON_PURPOSE))).to.deep.equal([]);
    // A reason for something that is in fact used (or no longer granted) is stale.
    expect(Object.keys(UNUSED_ON_PURPOSE).filter((k) => !unused.includes(k))).to.deep.equal([]);
  });

  it('the check can say no: what the operator must not do is not granted', function () {
    const refused: ObservedRequest[] = [
      { verb: 'delete', apiGroup: 'dockerpod.dev', resource: 'dockerpods', namespace: 'default', name: 'full' },
      { verb: 'list', apiGroup: '', resource: 'secrets', namespace: 'default' },
      { verb: 'watch', apiGroup: '', resource: 'secrets' },
      { verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'default', name: 'dockerpod-operator' },
      { verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: MANIFESTS_RELEASE.namespace, name: 'another-lease' },
      { verb: 'get', apiGroup: 'dockerpod.dev', resource: 'dockerhosts', name: 'b' },
    ];
    expect(refused.filter((r) => allowedBy(grants, r).length > 0)).to.deep.equal([]);
  });
});
