/**
 * The Helm chart and the plain manifests, tested without helm: every non-template file parses,
 * values.yaml meets values.schema.json (and the schema refuses typos and bad values), the chart's
 * crds/ are the top-level crds/ byte for byte, deploy/manifests/ is the chart's default render,
 * every rendered object (default and with every option on) is valid for Kubernetes, the
 * Deployment runs as the issue asks (non-root, read-only root, probes on the health port, args
 * that `dockerpod operator` parses with the CLI's defaults), and RBAC follows the values.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parseDuration, parseFlags } from '../../../src/cli/flags.js';
import { OPERATOR_FLAGS } from '../../../src/cli/operator-flags.js';
import { loadChart, parseStream, parseYamlStrict, renderChart, validateValues, type KubeObject, type RenderedChart } from '../../../hack/chart/chart.js';
import { CHART_DIR, deployFiles, MANIFESTS_DIR, MANIFESTS_RELEASE } from '../../../hack/chart/deploy-files.js';
import { REPO_ROOT, repoPath } from '../../support/repo.js';
import { schemaProblems } from './kube-schemas.js';

const RELEASE = { name: 'dockerpod-operator', namespace: 'dockerpod-system' };
const render = (overrides: Record<string, unknown> = {}, release = RELEASE): RenderedChart => renderChart(repoPath(CHART_DIR), release, overrides);
const find = (r: RenderedChart, kind: string, name?: string): KubeObject[] => r.manifests.map((m) => m.object).filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

interface Container {
  name: string;
  args: string[];
  ports: Array<{ name: string; containerPort: number }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  securityContext: Record<string, unknown>;
  volumeMounts: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  securityContext: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  containers: Container[];
  volumes: Array<{ name: string; emptyDir?: object; hostPath?: { path: string } }>;
  serviceAccountName: string;
  terminationGracePeriodSeconds: number;
}
const podSpecOf = (r: RenderedChart): PodSpec => (find(r, 'Deployment')[0] as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const containerOf = (r: RenderedChart): Container => podSpecOf(r).containers[0] as Container;
const rulesOf = (r: RenderedChart, kind: string): Array<{ resources: string[]; verbs: string[]; resourceNames?: string[] }> => (find(r, kind)[0]?.['rules'] as never) ?? [];

const PEM = {
  ca: '-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n',
  cert: '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n',
  key: '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n',
};

/** Every option on: what the default render does not show. */
const EVERYTHING = {
  replicaCount: 2,
  image: { repository: 'registry.example/dockerpod-operator', tag: 'v9' },
  imagePullSecrets: ['regcred'],
  serviceAccount: { annotations: { 'example.com/role': 'x' } },
  operator: { hostSelector: 'zone=lab', dockerLabels: 'team=infra', extraArgs: ['--log-level=debug'] },
  metrics: { serviceMonitor: { enabled: true, labels: { release: 'prom' } } },
  podAnnotations: { 'example.com/a': 'b' },
  podLabels: { tier: 'control' },
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ops', effect: 'NoSchedule' }],
  priorityClassName: 'system-cluster-critical',
  implicitHost: { enabled: true, hostIP: '10.0.0.5' },
  dockerHosts: [
    { name: 'engine-b', endpoint: 'tcp://10.0.0.12:2376', labels: { zone: 'lab' }, capacity: { pods: 50, memory: '8Gi' }, reserved: { cpu: '500m' }, policy: { allowedHostPaths: [{ pathPrefix: '/srv', readOnly: true }] }, tls: PEM },
    { name: 'engine-c', endpoint: 'tcp://10.0.0.13:2376', unschedulable: true, cgroupParent: '/dockerpod', tls: { existingSecret: { name: 'engine-c-tls' }, serverName: 'engine-c.lab' } },
  ],
};

/** Flags the Deployment passes that the operator's CLI may not have yet (they are wired in parallel). */
const PENDING_FLAGS = ['leader-elect', 'leader-election-namespace', 'leader-election-id', 'metrics-bind-address', 'health-probe-bind-address'];
/** Flags whose chart value differs from the CLI default on purpose. */
const DELIBERATE = {
  'log-format': 'json: log collectors read one JSON object per line (the CLI picks by terminal)',
  'leader-elect': 'on in a cluster (off by default on the command line and in standalone mode)',
  'leader-election-namespace': 'the release namespace, where the Role grants the Lease (the CLI reads the same from the service account)',
  'leader-election-id': 'named explicitly so that the Role can name the Lease (the release full name by default)',
};

describe('Helm chart and plain manifests', function () {
  describe('files', function () {
    it('every non-template YAML file parses strictly, and values.schema.json is a valid draft-07 schema', function () {
      const files = ['Chart.yaml', 'values.yaml', ...readdirSync(repoPath(CHART_DIR, 'crds')).map((f) => `crds/${f}`)].map((f) => repoPath(CHART_DIR, f));
      files.push(...readdirSync(repoPath(MANIFESTS_DIR)).map((f) => repoPath(MANIFESTS_DIR, f)));
      for (const file of files) {
        const docs = readFileSync(file, 'utf8').split(/^---[ \t]*$/m);
        docs.forEach((doc, i) => expect(() => parseYamlStrict(doc, `${file} document ${i}`), file).not.to.throw());
      }
      expect(files.filter((f) => f.startsWith(repoPath(MANIFESTS_DIR)))).to.have.length(3);
      const schema = JSON.parse(readFileSync(repoPath(CHART_DIR, 'values.schema.json'), 'utf8')) as object;
      expect(validateValues(schema, {})).to.deep.equal([]);
    });

    it("values.yaml meets values.schema.json, and every schema property says what it is", function () {
      const chart = loadChart(repoPath(CHART_DIR));
      expect(validateValues(chart.schema ?? {}, chart.values)).to.deep.equal([]);
      const undocumented: string[] = [];
      const walk = (node: { description?: string; properties?: Record<string, object>; items?: object }, path: string): void => {
        if (path && !node.description) undocumented.push(path);
        for (const [k, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${k}`);
        // An array's items are described by the array.
        if (node.items) walk({ ...node.items, description: 'items' }, `${path}[]`);
      };
      walk(chart.schema as never, '');
      expect(undocumented).to.deep.equal([]);
    });

    const refused = [
      { name: 'a typo in a key', values: { replicas: 2 }, want: /must NOT have additional properties: replicas/ },
      { name: 'an unknown pull policy', values: { image: { repository: 'x', pullPolicy: 'Sometimes' } }, want: /pullPolicy must be equal to one of the allowed values/ },
      { name: 'a duration without a unit', values: { operator: { resyncPeriod: '300' } }, want: /resyncPeriod must match pattern/ },
      { name: 'a log level the CLI does not know', values: { operator: { logLevel: 'verbose' } }, want: /logLevel must be equal to one of the allowed values/ },
      { name: 'a DockerHost without an endpoint', values: { dockerHosts: [{ name: 'x' }] }, want: /must have required property 'endpoint'/ },
      { name: 'a DockerHost with both an existing Secret and PEM data', values: { dockerHosts: [{ name: 'x', endpoint: 'tcp://h:2376', tls: { existingSecret: { name: 's' }, ca: PEM.ca } }] }, want: /tls must NOT be valid/ },
      { name: 'a client certificate without its key', values: { dockerHosts: [{ name: 'x', endpoint: 'tcp://h:2376', tls: { ca: PEM.ca, cert: PEM.cert } }] }, want: /tls must have properties key, ca when property cert is present/ },
      { name: 'an implicit host that is not a unix socket', values: { implicitHost: { endpoint: 'tcp://h:2376' } }, want: /endpoint must match pattern/ },
      { name: 'a host selector with a set-based term', values: { operator: { hostSelector: 'zone in (a,b)' } }, want: /hostSelector must match pattern/ },
    ];
    for (const c of refused) {
      it(`values.schema.json refuses ${c.name}`, function () {
        expect(() => render(c.values)).to.throw(c.want);
      });
    }

    it("the chart's crds/ are byte-identical to the top-level crds/", function () {
      const top = readdirSync(repoPath('crds')).sort();
      expect(readdirSync(repoPath(CHART_DIR, 'crds')).sort()).to.deep.equal(top);
      for (const file of top) expect(readFileSync(repoPath(CHART_DIR, 'crds', file), 'utf8'), `${file}: run npm run gen`).to.equal(readFileSync(repoPath('crds', file), 'utf8'));
    });

    it('deploy/manifests/ and the chart crds/ are what `npm run gen` makes from the chart (its default render)', function () {
      for (const [path, content] of deployFiles(REPO_ROOT)) {
        expect(existsSync(repoPath(path)), `${path} is missing: run npm run gen`).to.equal(true);
        expect(readFileSync(repoPath(path), 'utf8'), `${path} is stale: run npm run gen`).to.equal(content);
      }
      const objects = parseStream(readFileSync(repoPath(MANIFESTS_DIR, 'operator.yaml'), 'utf8'));
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).to.deep.equal(render({}, MANIFESTS_RELEASE).manifests.map((m) => `${m.object.kind}/${m.object.metadata.name}`));
    });

    it("Chart.yaml's version and appVersion are package.json's version", function () {
      const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string };
      const chart = loadChart(repoPath(CHART_DIR)).meta;
      expect([chart['version'], chart['appVersion']]).to.deep.equal([pkg.version, pkg.version]);
    });
  });

  describe('Kubernetes schemas', function () {
    it('every object of deploy/manifests/ is valid (schemas, no unknown fields)', async function () {
      const objects = readdirSync(repoPath(MANIFESTS_DIR)).flatMap((f) => parseStream(readFileSync(repoPath(MANIFESTS_DIR, f), 'utf8')));
      expect(objects.map((o) => o.kind)).to.include.members(['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Service', 'Deployment']);
      for (const obj of objects) expect(await schemaProblems(obj), `${obj.kind}/${obj.metadata.name}`).to.deep.equal([]);
    });

    it('a render with every option on is valid too, DockerHosts included', async function () {
      const r = render(EVERYTHING);
      expect(r.manifests.map((m) => m.object.kind)).to.include.members(['Secret', 'DockerHost', 'ServiceMonitor']);
      for (const { object } of r.manifests) expect(await schemaProblems(object), `${object.kind}/${object.metadata.name}`).to.deep.equal([]);
    });

    it('the validation does refuse a bad object (the check can fail)', async function () {
      const deployment = structuredClone(find(render(), 'Deployment')[0] as KubeObject);
      (deployment['spec'] as Record<string, unknown>)['replica'] = 1;
      ((deployment['spec'] as { template: { spec: PodSpec } }).template.spec.containers[0] as unknown as Record<string, unknown>)['imagePullPolicy'] = 'Sometimes';
      const problems = await schemaProblems(deployment);
      expect(problems.join('\n')).to.match(/imagePullPolicy must be equal to one of the allowed values/).and.match(/unknown field "spec.replica"/);
    });
  });

  describe('the Deployment', function () {
    it('runs as a numeric non-root user with a read-only root filesystem, no privileges, and only /tmp writable', function () {
      const pod = podSpecOf(render());
      const container = containerOf(render());
      expect(pod.securityContext.runAsNonRoot).to.equal(true);
      expect(pod.securityContext.runAsUser).to.be.a('number').above(0);
      expect(pod.securityContext.seccompProfile?.type).to.equal('RuntimeDefault');
      expect(container.securityContext).to.deep.include({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } });
      expect(container.volumeMounts).to.deep.equal([{ name: 'tmp', mountPath: '/tmp' }]);
      expect(pod.volumes.find((v) => v.name === 'tmp')?.emptyDir).to.be.an('object');
      const drain = parseDuration(container.args.find((a) => a.startsWith('--graceful-shutdown-timeout='))?.split('=')[1] ?? '');
      expect(pod.terminationGracePeriodSeconds * 1000, 'SIGKILL must not cut the drain short').to.be.above(drain);
    });

    it('probes /healthz and /readyz on the health port, and exposes the metrics port the args bind', function () {
      const r = render({ health: { port: 9441 }, metrics: { port: 9440, service: { port: 8443 } } });
      const c = containerOf(r);
      const port = (name: string): number | undefined => c.ports.find((p) => p.name === name)?.containerPort;
      expect([c.livenessProbe.httpGet, c.readinessProbe.httpGet]).to.deep.equal([{ path: '/healthz', port: 'health' }, { path: '/readyz', port: 'health' }]);
      expect([port('health'), port('metrics')]).to.deep.equal([9441, 9440]);
      expect(c.args).to.include.members(['--health-probe-bind-address=:9441', '--metrics-bind-address=:9440']);
      const service = find(r, 'Service')[0] as unknown as { spec: { ports: Array<{ port: number; targetPort: string }> } };
      expect(service.spec.ports).to.deep.equal([{ name: 'metrics', port: 8443, targetPort: 'metrics', protocol: 'TCP' }]);
    });

    it('passes args that `dockerpod operator` parses, equal to the CLI defaults except where the chart means to differ', function () {
      const args = containerOf(render()).args;
      expect(args[0]).to.equal('operator');
      const missing = PENDING_FLAGS.filter((f) => !(f in OPERATOR_FLAGS));
      if (missing.length > 0) {
        // Checked fully once the parallel wiring lands; until then the other flags are still checked.
        console.log(`      (skipping --${missing.join(', --')}: not in src/cli/operator-flags.ts yet)`);
      }
      const known = args.slice(1).filter((a) => !missing.some((f) => a.startsWith(`--${f}=`)));
      const flags = parseFlags(OPERATOR_FLAGS, known, {});
      const defaults = parseFlags(OPERATOR_FLAGS, [], {});
      const differing = Object.keys(flags).filter((k) => JSON.stringify(flags[k]) !== JSON.stringify(defaults[k]) && !(k in DELIBERATE));
      expect(differing).to.deep.equal([]);
      expect(flags['log-format']).to.equal('json');
      if (!missing.includes('leader-elect')) expect(flags['leader-elect']).to.equal(true);
    });

    it('declares the implicit host with the socket mounted from the node, only when asked', function () {
      const c = containerOf(render({ implicitHost: { enabled: true, endpoint: 'unix:///run/docker.sock', name: 'node-engine' } }));
      expect(c.args).to.include.members(['--docker-host=unix:///run/docker.sock', '--host-name=node-engine', '--allow-host-namespaces=false', '--allow-privileged=false']);
      expect(c.volumeMounts).to.deep.include({ name: 'docker-socket', mountPath: '/run/docker.sock' });
      expect(podSpecOf(render({ implicitHost: { enabled: true } })).volumes).to.deep.include({ name: 'docker-socket', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } });
      expect(containerOf(render()).args.filter((a) => a.startsWith('--docker-host') || a.startsWith('--host-name'))).to.deep.equal([]);
    });
  });

  describe('names, DockerHosts and NOTES', function () {
    const cases = [
      { name: 'a release named like the chart', release: 'dockerpod-operator', values: {}, want: 'dockerpod-operator' },
      { name: 'another release', release: 'ops', values: {}, want: 'ops-dockerpod-operator' },
      { name: 'a release containing the chart name', release: 'dockerpod-operator-prod', values: {}, want: 'dockerpod-operator-prod' },
      { name: 'fullnameOverride', release: 'ops', values: { fullnameOverride: 'dpo' }, want: 'dpo' },
      { name: 'nameOverride', release: 'ops', values: { nameOverride: 'pods' }, want: 'ops-pods' },
    ];
    for (const c of cases) {
      it(`names objects after ${c.name}`, function () {
        const r = render(c.values, { name: c.release, namespace: 'ns1' });
        expect(find(r, 'Deployment').map((d) => d.metadata.name)).to.deep.equal([c.want]);
        expect(podSpecOf(r).serviceAccountName).to.equal(c.want);
        const binding = find(r, 'ClusterRoleBinding')[0] as unknown as { roleRef: { name: string }; subjects: unknown[] };
        expect(binding.roleRef.name).to.equal(c.want);
        expect(binding.subjects).to.deep.equal([{ kind: 'ServiceAccount', name: c.want, namespace: 'ns1' }]);
      });
    }

    it('declares DockerHosts with their TLS Secret (PEM given) or the existing one, kept on uninstall', function () {
      const r = render(EVERYTHING, { name: 'dp', namespace: 'ops' });
      const secret = find(r, 'Secret', 'dockerhost-engine-b-tls')[0] as unknown as { metadata: { namespace: string; annotations: Record<string, string> }; data: Record<string, string> };
      const decoded = Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      expect(decoded).to.deep.equal({ 'ca.crt': PEM.ca, 'tls.crt': PEM.cert, 'tls.key': PEM.key });
      expect(secret.metadata.namespace).to.equal('ops');
      const [b, c] = ['engine-b', 'engine-c'].map((n) => find(r, 'DockerHost', n)[0] as unknown as { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: Record<string, unknown> });
      expect(b?.spec).to.deep.equal({ endpoint: 'tcp://10.0.0.12:2376', tls: { secretRef: { namespace: 'ops', name: 'dockerhost-engine-b-tls' } }, capacity: { pods: 50, memory: '8Gi' }, reserved: { cpu: '500m' }, policy: { allowedHostPaths: [{ pathPrefix: '/srv', readOnly: true }] } });
      expect(b?.metadata.labels['zone']).to.equal('lab');
      expect(c?.spec).to.deep.equal({ endpoint: 'tcp://10.0.0.13:2376', tls: { secretRef: { namespace: 'ops', name: 'engine-c-tls' }, serverName: 'engine-c.lab' }, unschedulable: true, cgroupParent: '/dockerpod' });
      expect([b?.metadata.annotations, secret.metadata.annotations]).to.deep.equal([{ 'helm.sh/resource-policy': 'keep' }, { 'helm.sh/resource-policy': 'keep' }]);
      expect(find(render({ ...EVERYTHING, keepDockerHostsOnUninstall: false }), 'DockerHost', 'engine-b')[0]?.metadata.annotations).to.equal(undefined);
    });

    it('renders NOTES.txt with the commands to check the install', function () {
      const notes = render({}, { name: 'ops', namespace: 'ns1' }).notes;
      expect(notes).to.include('kubectl -n ns1 rollout status deployment/ops-dockerpod-operator');
      expect(notes).to.include('kubectl get dockerhosts');
      expect(notes).to.include('No DockerHost is declared yet');
      expect(render(EVERYTHING).notes).not.to.include('No DockerHost is declared yet');
    });

    it('refuses inconsistent values with a message', function () {
      expect(() => render({ metrics: { service: { enabled: false }, serviceMonitor: { enabled: true } } })).to.throw(/needs metrics.service.enabled/);
      expect(() => render({ serviceAccount: { create: false } })).to.throw(/serviceAccount.name is required/);
    });
  });

  describe('RBAC follows the values', function () {
    it('grants least privilege by default: no wildcard, secrets and configmaps get only, no DockerHost create', function () {
      const rules = rulesOf(render(), 'ClusterRole');
      const verbsOf = (resource: string): string[] => rules.filter((r) => r.resources.includes(resource)).flatMap((r) => r.verbs).sort();
      expect(rules.flatMap((r) => [...r.resources, ...r.verbs])).not.to.include('*');
      expect([verbsOf('secrets'), verbsOf('configmaps')]).to.deep.equal([['get'], ['get']]);
      expect(verbsOf('dockerhosts')).to.deep.equal(['list', 'patch', 'watch']);
    });

    it('adds get (by name) and create of DockerHosts for the implicit host', function () {
      const rules = rulesOf(render({ implicitHost: { enabled: true, name: 'node-engine' } }), 'ClusterRole').filter((r) => r.resources.includes('dockerhosts'));
      expect(rules).to.deep.include({ apiGroups: ['dockerpod.dev'], resources: ['dockerhosts'], verbs: ['get'], resourceNames: ['node-engine'] });
      expect(rules).to.deep.include({ apiGroups: ['dockerpod.dev'], resources: ['dockerhosts'], verbs: ['create'] });
    });

    it('has the leader-election Role only with leader election, and no RBAC at all when rbac.create is false', function () {
      expect(rulesOf(render(), 'Role')).to.have.length(2);
      const off = render({ leaderElection: { enabled: false } });
      expect(find(off, 'Role').concat(find(off, 'RoleBinding'))).to.deep.equal([]);
      expect(containerOf(off).args).to.include('--leader-elect=false');
      const none = render({ rbac: { create: false } });
      expect(none.manifests.map((m) => m.object.kind).filter((k) => k.includes('Role'))).to.deep.equal([]);
    });
  });
});
