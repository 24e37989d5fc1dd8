/**
 * The real kubectl against the embedded API server, as users drive a cluster: apply (client- and
 * server-side), get with the DockerPod printer columns and watches, describe with events, the
 * patch types, replace conflicts, wait on conditions and generations, deletion through
 * finalizers, validation errors, a CRD's lifecycle, namespaces and explain. Every assertion is
 * on what kubectl prints and how it exits (and, where it matters, on the object read back), so
 * the suite fails whenever the server answers differently from a real one in a way kubectl shows.
 */
import { expect } from 'chai';
import { kubectl, kubectlBackground, startTestApiServer, type KubectlResult, type TestApiServer } from '../support/apiserver.js';

type Json = Record<string, unknown>;

/** Resolves once `probe` returns a truthy value; fails after `timeoutMs`. */
async function until<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** kubectl that must succeed; returns its stdout. */
async function ok(api: TestApiServer, args: string[], input?: string): Promise<string> {
  const r = await kubectl(api, args, input === undefined ? {} : { input });
  expect(r.stderr, `kubectl ${args.join(' ')}`).to.equal('');
  expect(r.code, `kubectl ${args.join(' ')}`).to.equal(0);
  return r.stdout;
}

/** The object as `kubectl get -o json` prints it. */
async function getJson(api: TestApiServer, args: string[]): Promise<Json> {
  return JSON.parse(await ok(api, ['get', ...args, '-o', 'json'])) as Json;
}

const metadata = (obj: Json): Json => obj['metadata'] as Json;

/** Resolves once the server has one more open watch than `before` (kubectl reached its watch). */
async function watchOpened(api: TestApiServer, before: number): Promise<void> {
  await until('kubectl to open its watch', () => api.server.core.store.watchCount() > before);
}

interface PodOptions {
  image?: string;
  labels?: Record<string, string>;
  namespace?: string;
}

/** A DockerPod manifest (JSON, which kubectl reads like YAML); ports carry their defaulted protocol. */
function dockerPod(name: string, options: PodOptions = {}): Json {
  const meta: Json = { name, ...(options.labels ? { labels: options.labels } : {}), ...(options.namespace ? { namespace: options.namespace } : {}) };
  const container = { name: 'app', image: options.image ?? 'busybox:1.36', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] };
  return { apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerPod', metadata: meta, spec: { containers: [container] } };
}

const manifest = (obj: unknown): string => JSON.stringify(obj);

/** A status as the operator writes it, with a Ready condition for `generation`. */
function readyStatus(generation: number, extra: Json = {}): string {
  return JSON.stringify({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', reason: 'ContainersReady', observedGeneration: generation }], observedGeneration: generation, ...extra } });
}

function failed(r: KubectlResult, stderr: string): void {
  expect(r.stderr).to.equal(stderr);
  expect(r.stdout).to.equal('');
  expect(r.code).to.equal(1);
}

describe('kubectl apply', function () {
  let api: TestApiServer;
  before(async function () {
    api = await startTestApiServer();
  });
  after(async function () {
    await api.close();
  });

  it('apply -f creates a DockerPod, reports "configured" for a changed manifest and "unchanged" for the same one', async function () {
    expect(await ok(api, ['apply', '-f', '-'], manifest(dockerPod('web', { labels: { app: 'web' } })))).to.equal('dockerpod.dockerpod.dev/web created\n');
    const changed = manifest(dockerPod('web', { labels: { app: 'web' }, image: 'busybox:1.37' }));
    expect(await ok(api, ['apply', '-f', '-'], changed)).to.equal('dockerpod.dockerpod.dev/web configured\n');
    expect(await ok(api, ['apply', '-f', '-'], changed)).to.equal('dockerpod.dockerpod.dev/web unchanged\n');
    const pod = await getJson(api, ['dpod', 'web']);
    expect((pod['spec'] as { containers: Json[] }).containers[0]?.['image']).to.equal('busybox:1.37');
    expect(metadata(pod)['generation']).to.equal(2);
  });

  it('apply --server-side creates a DockerPod, then updates it, and get -o yaml shows the change', async function () {
    expect(await ok(api, ['apply', '--server-side', '-f', '-'], manifest(dockerPod('ssa', { image: 'nginx:1.27' })))).to.equal('dockerpod.dockerpod.dev/ssa serverside-applied\n');
    expect(await ok(api, ['apply', '--server-side', '-f', '-'], manifest(dockerPod('ssa', { image: 'nginx:1.28' })))).to.equal('dockerpod.dockerpod.dev/ssa serverside-applied\n');
    const yaml = await ok(api, ['get', 'dpod', 'ssa', '-o', 'yaml']);
    expect(yaml).to.include('\n  - image: nginx:1.28\n    name: app\n');
    expect(yaml).to.include('\n  generation: 2\n');
    expect(yaml).not.to.include('nginx:1.27');
  });
});

describe('kubectl get', function () {
  let api: TestApiServer;
  let clock = Date.parse('2026-03-01T12:00:00Z');
  before(async function () {
    // The server humanises AGE with its own clock: a controlled one makes every column exact.
    api = await startTestApiServer({ now: () => new Date(clock) });
    await ok(api, ['apply', '-f', '-'], manifest(dockerPod('web', { labels: { app: 'web', tier: 'front' } })));
    await ok(api, ['apply', '-f', '-'], manifest(dockerPod('idle', { labels: { app: 'batch' } })));
    await ok(api, ['create', 'namespace', 'team-b']);
    await ok(api, ['apply', '-f', '-'], manifest(dockerPod('db', { namespace: 'team-b' })));
    const status = readyStatus(1, { summary: 'Running', readyContainers: '1/1', restartCount: 2, hostName: 'engine-a', hostIP: '192.168.1.10', podIP: '10.0.0.5' });
    expect(await ok(api, ['patch', 'dpod', 'web', '--subresource=status', '--type=merge', '-p', status])).to.equal('dockerpod.dockerpod.dev/web patched\n');
    clock += 5 * 60_000;
  });
  after(async function () {
    await api.close();
  });

  it('prints the printer columns, with the values of a status written through patch --subresource=status', async function () {
    expect(await ok(api, ['get', 'dpod'])).to.equal([
      'NAME   READY   STATUS    RESTARTS   HOST       IP         AGE',
      'idle                                                      5m',
      'web    1/1     Running   2          engine-a   10.0.0.5   5m',
      '',
    ].join('\n'));
  });

  it('prints the same columns with -o wide (none of them is wide-only)', async function () {
    expect(await ok(api, ['get', 'dpod', 'web', '-o', 'wide'])).to.equal([
      'NAME   READY   STATUS    RESTARTS   HOST       IP         AGE',
      'web    1/1     Running   2          engine-a   10.0.0.5   5m',
      '',
    ].join('\n'));
  });

  it('adds the NAMESPACE column with -A and lists every namespace', async function () {
    expect(await ok(api, ['get', 'dockerpods', '-A'])).to.equal([
      'NAMESPACE   NAME   READY   STATUS    RESTARTS   HOST       IP         AGE',
      'default     idle                                                      5m',
      'default     web    1/1     Running   2          engine-a   10.0.0.5   5m',
      'team-b      db                                                        5m',
      '',
    ].join('\n'));
  });

  it('adds label columns with -L and the labels with --show-labels', async function () {
    expect(await ok(api, ['get', 'dpod', '-L', 'tier', '--show-labels'])).to.equal([
      'NAME   READY   STATUS    RESTARTS   HOST       IP         AGE   TIER    LABELS',
      'idle                                                      5m            app=batch',
      'web    1/1     Running   2          engine-a   10.0.0.5   5m    front   app=web,tier=front',
      '',
    ].join('\n'));
  });

  it('filters by label selector', async function () {
    expect(await ok(api, ['get', 'dpod', '-l', 'app=batch', '-o', 'name'])).to.equal('dockerpod.dockerpod.dev/idle\n');
  });

  it('prints fields of one DockerPod with -o jsonpath', async function () {
    const template = '{.metadata.name} {.status.podIP} {.status.conditions[?(@.type=="Ready")].status} {.spec.containers[*].image}';
    expect(await ok(api, ['get', 'dpod', 'web', '-o', `jsonpath=${template}`])).to.equal('web 10.0.0.5 True busybox:1.36');
  });

  it('prints the DockerHost columns with get dhost', async function () {
    const host = { apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerHost', metadata: { name: 'engine-a' }, spec: { endpoint: 'tcp://10.0.0.12:2376' } };
    expect(await ok(api, ['apply', '-f', '-'], manifest(host))).to.equal('dockerhost.dockerpod.dev/engine-a created\n');
    const status = JSON.stringify({ status: { pods: 3, engine: { version: '27.1.0' }, conditions: [{ type: 'Ready', status: 'True', reason: 'EngineReachable' }] } });
    await ok(api, ['patch', 'dhost', 'engine-a', '--subresource=status', '--type=merge', '-p', status]);
    expect(await ok(api, ['get', 'dhost'])).to.equal([
      'NAME       READY   ENDPOINT               PODS   VERSION   AGE',
      'engine-a   True    tcp://10.0.0.12:2376   3      27.1.0    0s',
      '',
    ].join('\n'));
  });

  it('says NotFound for a DockerPod that does not exist', async function () {
    failed(await kubectl(api, ['get', 'dpod', 'nope']), 'Error from server (NotFound): dockerpods.dockerpod.dev "nope" not found\n');
  });

  it('get -w prints a row for a DockerPod created while watching', async function () {
    const before = api.server.core.store.watchCount();
    const watch = kubectlBackground(api, ['get', 'dpod', '-w']);
    try {
      await watchOpened(api, before);
      await ok(api, ['apply', '-f', '-'], manifest(dockerPod('late')));
      await until('the new row', () => watch.output().includes('\nlate '));
    } finally {
      await watch.stop();
    }
    expect(watch.output().split('\n').map((l) => l.trimEnd())).to.deep.equal([
      'NAME   READY   STATUS    RESTARTS   HOST       IP         AGE',
      'idle                                                      5m',
      'web    1/1     Running   2          engine-a   10.0.0.5   5m',
      'late                                                      0s',
      '',
    ]);
  });
});

describe('kubectl describe', function () {
  let api: TestApiServer;
  before(async function () {
    api = await startTestApiServer();
  });
  after(async function () {
    await api.close();
  });

  it('lists the Events posted about the DockerPod, and <none> when there are none', async function () {
    await ok(api, ['apply', '-f', '-'], manifest(dockerPod('web')));
    await ok(api, ['apply', '-f', '-'], manifest(dockerPod('quiet')));
    const uid = metadata(await getJson(api, ['dpod', 'web']))['uid'];
    const now = `${new Date().toISOString().slice(0, 19)}Z`;
    const event = {
      apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.scheduled', namespace: 'default' },
      involvedObject: { apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerPod', name: 'web', namespace: 'default', uid },
      type: 'Normal', reason: 'Scheduled', message: 'Bound to engine-a', source: { component: 'dockerpod-scheduler' },
      firstTimestamp: now, lastTimestamp: now, count: 1,
    };
    expect(await ok(api, ['create', '-f', '-'], manifest(event))).to.equal('event/web.scheduled created\n');
    const out = await ok(api, ['describe', 'dpod', 'web']);
    expect(out).to.match(/^Name: {9}web\nNamespace: {4}default\n/);
    expect(out).to.include('\n    Image:  busybox:1.36\n');
    expect(out).to.match(/\nEvents:\n {2}Type {4}Reason {5}Age {3}From {17}Message\n {2}---- {4}------ {5}---- {2}---- {17}-------\n {2}Normal {2}Scheduled {2}(?:\ds {4}|\d\ds {3})dockerpod-scheduler {2}Bound to engine-a\n$/);
    expect(await ok(api, ['describe', 'dpod', 'quiet'])).to.match(/\nEvents: +<none>\n$/);
  });
});

describe('kubectl patch and replace', function () {
  let api: TestApiServer;
  before(async function () {
    api = await startTestApiServer();
    await ok(api, ['apply', '-f', '-'], manifest(dockerPod('web', { labels: { app: 'web' } })));
  });
  after(async function () {
    await api.close();
  });

  it('patch --type=merge changes the spec and bumps generation', async function () {
    expect(await ok(api, ['patch', 'dpod', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"tier":"front"}},"spec":{"terminationGracePeriodSeconds":5}}'])).to.equal('dockerpod.dockerpod.dev/web patched\n');
    const pod = await getJson(api, ['dpod', 'web']);
    expect(metadata(pod)['labels']).to.deep.equal({ app: 'web', tier: 'front' });
    expect((pod['spec'] as Json)['terminationGracePeriodSeconds']).to.equal(5);
    expect(metadata(pod)['generation']).to.equal(2);
  });

  it('patch --type=json applies the operations in order', async function () {
    const ops = [{ op: 'replace', path: '/spec/containers/0/image', value: 'busybox:1.37' }, { op: 'remove', path: '/metadata/labels/tier' }];
    expect(await ok(api, ['patch', 'dpod', 'web', '--type=json', '-p', JSON.stringify(ops)])).to.equal('dockerpod.dockerpod.dev/web patched\n');
    expect(await ok(api, ['get', 'dpod', 'web', '-o', 'jsonpath={.spec.containers[0].image} {.metadata.labels}'])).to.equal('busybox:1.37 {"app":"web"}');
  });

  it('patch --subresource=status writes the status and leaves generation alone', async function () {
    const before = metadata(await getJson(api, ['dpod', 'web']))['generation'];
    expect(await ok(api, ['patch', 'dpod', 'web', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Pending","summary":"ContainerCreating"}}'])).to.equal('dockerpod.dockerpod.dev/web patched\n');
    const pod = await getJson(api, ['dpod', 'web']);
    expect(pod['status']).to.deep.equal({ phase: 'Pending', summary: 'ContainerCreating' });
    expect(metadata(pod)['generation']).to.equal(before);
  });

  it('a status in a patch of the main resource is ignored', async function () {
    expect(await ok(api, ['patch', 'dpod', 'web', '--type=merge', '-p', '{"status":{"phase":"Failed"}}'])).to.equal('dockerpod.dockerpod.dev/web patched (no change)\n');
    expect(await ok(api, ['get', 'dpod', 'web', '-o', 'jsonpath={.status.phase}'])).to.equal('Pending');
  });

  it('the default (strategic merge) patch is refused with the API server\'s 415 message', async function () {
    failed(
      await kubectl(api, ['patch', 'dpod', 'web', '-p', '{"metadata":{"labels":{"x":"y"}}}']),
      'error: application/strategic-merge-patch+json is not supported by dockerpod.dev/v1alpha1, Kind=DockerPod: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml\n',
    );
  });

  it('replace -f with a stale resourceVersion is refused with a Conflict', async function () {
    const stale = await getJson(api, ['dpod', 'web']);
    await ok(api, ['label', 'dpod', 'web', 'touched=yes']);
    failed(
      await kubectl(api, ['replace', '-f', '-'], { input: manifest(stale) }),
      'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on dockerpods.dockerpod.dev "web": the object has been modified; please apply your changes to the latest version and try again\n',
    );
    const fresh = await getJson(api, ['dpod', 'web']);
    expect(await ok(api, ['replace', '-f', '-'], manifest({ ...fresh, metadata: { ...metadata(fresh), labels: { app: 'web' } } }))).to.equal('dockerpod.dockerpod.dev/web replaced\n');
    expect(metadata(await getJson(api, ['dpod', 'web']))['labels']).to.deep.equal({ app: 'web' });
  });
});

describe('kubectl wait', function () {
  let api: TestApiServer;
  before(async function () {
    api = await startTestApiServer();
  });
  after(async function () {
    await api.close();
  });

  it('--for=condition=Ready is satisfied by a status written after the wait started', async function () {
    await ok(api, ['apply', '-f', '-'], manifest(dockerPod('web')));
    await ok(api, ['apply', '-f', '-'], manifest(dockerPod('other')));
    // Another object's Ready condition must not satisfy the wait (the field selector filters).
    await ok(api, ['patch', 'dpod', 'other', '--subresource=status', '--type=merge', '-p', readyStatus(1)]);
    const before = api.server.core.store.watchCount();
    let settled = false;
    const wait = kubectl(api, ['wait', '--for=condition=Ready', 'dpod/web', '--timeout=30s']).finally(() => (settled = true));
    await watchOpened(api, before);
    expect(settled).to.equal(false);
    await ok(api, ['patch', 'dpod', 'web', '--subresource=status', '--type=merge', '-p', readyStatus(1)]);
    const r = await wait;
    expect(r).to.deep.equal({ code: 0, stdout: 'dockerpod.dockerpod.dev/web condition met\n', stderr: '' });
  });

  it('--for=condition=Ready times out while the Ready condition describes an older generation', async function () {
    await ok(api, ['apply', '-f', '-'], manifest(dockerPod('lagging')));
    await ok(api, ['patch', 'dpod', 'lagging', '--subresource=status', '--type=merge', '-p', readyStatus(1)]);
    await ok(api, ['apply', '-f', '-'], manifest(dockerPod('lagging', { image: 'busybox:1.37' })));
    expect(await ok(api, ['get', 'dpod', 'lagging', '-o', 'jsonpath={.metadata.generation} {.status.conditions[0].status} {.status.conditions[0].observedGeneration}'])).to.equal('2 True 1');
    const r = await kubectl(api, ['wait', '--for=condition=Ready', 'dpod/lagging', '--timeout=3s']);
    expect(r.stderr).to.equal('error: timed out waiting for the condition on dockerpods/lagging\n');
    expect(r.code).to.not.equal(0);
    // Once the operator catches up, the same wait is met at once.
    await ok(api, ['patch', 'dpod', 'lagging', '--subresource=status', '--type=merge', '-p', readyStatus(2)]);
    expect(await ok(api, ['wait', '--for=condition=Ready', 'dpod/lagging', '--timeout=3s'])).to.equal('dockerpod.dockerpod.dev/lagging condition met\n');
  });

  it('a wait for a DockerPod that does not exist fails at once with NotFound', async function () {
    failed(await kubectl(api, ['wait', '--for=condition=Ready', 'dpod/ghost', '--timeout=30s']), 'Error from server (NotFound): dockerpods.dockerpod.dev "ghost" not found\n');
  });
});

describe('kubectl delete', function () {
  let api: TestApiServer;
  before(async function () {
    api = await startTestApiServer();
  });
  after(async function () {
    await api.close();
  });

  it('deletes a DockerPod without finalizers at once', async function () {
    await ok(api, ['apply', '-f', '-'], manifest(dockerPod('plain')));
    expect(await ok(api, ['delete', 'dpod', 'plain'])).to.equal('dockerpod.dockerpod.dev "plain" deleted\n');
    failed(await kubectl(api, ['get', 'dpod', 'plain']), 'Error from server (NotFound): dockerpods.dockerpod.dev "plain" not found\n');
  });

  it('waits while a finalizer holds the DockerPod, and completes once the finalizer is removed', async function () {
    await ok(api, ['apply', '-f', '-'], manifest({ ...dockerPod('held'), metadata: { name: 'held', finalizers: ['dockerpod.dev/cleanup'] } }));
    const before = api.server.core.store.watchCount();
    let settled = false;
    const deletion = kubectl(api, ['delete', 'dpod', 'held']).finally(() => (settled = true));
    await watchOpened(api, before);
    const pod = await getJson(api, ['dpod', 'held']);
    expect(metadata(pod)['deletionTimestamp']).to.be.a('string');
    expect(metadata(pod)['finalizers']).to.deep.equal(['dockerpod.dev/cleanup']);
    expect(settled).to.equal(false);
    expect(await ok(api, ['patch', 'dpod', 'held', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]'])).to.equal('dockerpod.dockerpod.dev/held patched\n');
    expect(await deletion).to.deep.equal({ code: 0, stdout: 'dockerpod.dockerpod.dev "held" deleted\n', stderr: '' });
    failed(await kubectl(api, ['get', 'dpod', 'held']), 'Error from server (NotFound): dockerpods.dockerpod.dev "held" not found\n');
  });
});

describe('kubectl and server-side validation', function () {
  let api: TestApiServer;
  before(async function () {
    api = await startTestApiServer();
  });
  after(async function () {
    await api.close();
  });

  it('an invalid DockerPod is refused with a 422 naming every field', async function () {
    const bad = { apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerPod', metadata: { name: 'bad' }, spec: { containers: [{ name: 'app', image: 'busybox:1.36' }, { name: 'app' }] } };
    const expected = 'The DockerPod "bad" is invalid: \n* spec.containers[1].image: Required value\n* spec.containers[1].name: Duplicate value: "app"\n';
    failed(await kubectl(api, ['apply', '-f', '-'], { input: manifest(bad) }), expected);
    failed(await kubectl(api, ['create', '-f', '-'], { input: manifest(bad) }), expected);
    failed(await kubectl(api, ['get', 'dpod', 'bad']), 'Error from server (NotFound): dockerpods.dockerpod.dev "bad" not found\n');
  });

  it('a DockerHost with a bad endpoint is refused with a 422 naming spec.endpoint', async function () {
    const host = { apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerHost', metadata: { name: 'badhost' }, spec: { endpoint: 'http://example.com' } };
    // The schema already faults spec.endpoint, so the semantic check's cause for it is not repeated.
    failed(
      await kubectl(api, ['apply', '-f', '-'], { input: manifest(host) }),
      'The DockerHost "badhost" is invalid: spec.endpoint: Invalid value: "http://example.com": spec.endpoint in body should match \'^(unix:///.+|tcp://[^/]+:[0-9]+/?|ssh://([^@/]+@)?[^/]+)$\'\n',
    );
    const noPort = { ...host, metadata: { name: 'noport' }, spec: { endpoint: 'tcp://10.0.0.1:0' } };
    failed(await kubectl(api, ['apply', '-f', '-'], { input: manifest(noPort) }), 'The DockerHost "noport" is invalid: spec.endpoint: Invalid value: "tcp://10.0.0.1:0": must end with a port between 1 and 65535, e.g. tcp://10.0.0.5:2376\n');
  });

  it('an unknown field is refused under strict validation (the default)', async function () {
    const pod = dockerPod('typo');
    const typo = manifest({ ...pod, spec: { ...(pod['spec'] as Json), containerz: [] } });
    failed(await kubectl(api, ['create', '-f', '-'], { input: typo }), 'Error from server (BadRequest): error when creating "STDIN": strict decoding error: unknown field "spec.containerz"\n');
    failed(await kubectl(api, ['apply', '-f', '-'], { input: typo }), 'Error from server (BadRequest): error when creating "STDIN": strict decoding error: unknown field "spec.containerz"\n');
  });

  it('with --validate=warn an unknown field is dropped with a warning and the object created', async function () {
    const pod = dockerPod('typo');
    const typo = manifest({ ...pod, spec: { ...(pod['spec'] as Json), containerz: [] } });
    const r = await kubectl(api, ['create', '--validate=warn', '-f', '-'], { input: typo });
    expect(r).to.deep.equal({ code: 0, stdout: 'dockerpod.dockerpod.dev/typo created\n', stderr: 'Warning: unknown field "spec.containerz"\n' });
    expect(Object.keys((await getJson(api, ['dpod', 'typo']))['spec'] as Json)).to.not.include('containerz');
  });
});

describe('kubectl and a new CRD', function () {
  let api: TestApiServer;
  before(async function () {
    api = await startTestApiServer();
  });
  after(async function () {
    await api.close();
  });

  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com', scope: 'Namespaced',
      names: { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget', shortNames: ['wdg'] },
      versions: [{
        name: 'v1', served: true, storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', description: 'How big the widget is.' } } } } } },
        additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
      }],
    },
  };

  it('apply, wait for Established, then create, get and discover instances', async function () {
    expect(await ok(api, ['apply', '-f', '-'], manifest(crd))).to.equal('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n');
    expect(await ok(api, ['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=10s'])).to.equal('customresourcedefinition.apiextensions.k8s.io/widgets.example.com condition met\n');
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } };
    expect(await ok(api, ['apply', '-f', '-'], manifest(widget))).to.equal('widget.example.com/w1 created\n');
    expect(await ok(api, ['get', 'wdg'])).to.equal('NAME   SIZE\nw1     3\n');
    expect(await ok(api, ['get', 'widget', 'w1', '-o', 'jsonpath={.kind} {.spec.size}'])).to.equal('Widget 3');
    expect(await ok(api, ['api-resources', '--api-group=example.com'])).to.equal([
      'NAME      SHORTNAMES   APIVERSION       NAMESPACED   KIND',
      'widgets   wdg          example.com/v1   true         Widget',
      '',
    ].join('\n'));
    failed(await kubectl(api, ['apply', '-f', '-'], { input: manifest({ ...widget, spec: { size: 'big' } }) }), [
      'The Widget "w1" is invalid: spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"',
      '',
    ].join('\n'));
  });
});

describe('kubectl and namespaces', function () {
  let api: TestApiServer;
  before(async function () {
    api = await startTestApiServer();
  });
  after(async function () {
    await api.close();
  });

  it('create namespace makes an Active namespace that holds objects', async function () {
    expect(await ok(api, ['create', 'namespace', 'team-a'])).to.equal('namespace/team-a created\n');
    expect(await ok(api, ['get', 'ns', 'team-a', '-o', 'jsonpath={.status.phase} {.metadata.labels}'])).to.equal('Active {"kubernetes.io/metadata.name":"team-a"}');
    expect(await ok(api, ['apply', '-n', 'team-a', '-f', '-'], manifest(dockerPod('web')))).to.equal('dockerpod.dockerpod.dev/web created\n');
    expect(await ok(api, ['create', 'configmap', 'settings', '-n', 'team-a', '--from-literal=mode=fast'])).to.equal('configmap/settings created\n');
    expect(await ok(api, ['get', 'configmap', 'settings', '-n', 'team-a', '-o', 'jsonpath={.data}'])).to.equal('{"mode":"fast"}');
    expect(await ok(api, ['get', 'dpod', '-n', 'team-a', '-o', 'name'])).to.equal('dockerpod.dockerpod.dev/web\n');
  });

  it('delete namespace removes the namespace and everything in it', async function () {
    expect(await ok(api, ['delete', 'namespace', 'team-a'])).to.equal('namespace "team-a" deleted\n');
    failed(await kubectl(api, ['get', 'ns', 'team-a']), 'Error from server (NotFound): namespaces "team-a" not found\n');
    const r = await kubectl(api, ['get', 'dpod,configmap', '-n', 'team-a']);
    expect(r).to.deep.equal({ code: 0, stdout: '', stderr: 'No resources found in team-a namespace.\n' });
  });

  it('creating in a namespace that does not exist is refused with NotFound', async function () {
    failed(await kubectl(api, ['create', '-n', 'nope', '-f', '-'], { input: manifest(dockerPod('web')) }), 'Error from server (NotFound): error when creating "STDIN": namespaces "nope" not found\n');
  });
});

describe('kubectl explain', function () {
  let api: TestApiServer;
  before(async function () {
    api = await startTestApiServer();
  });
  after(async function () {
    await api.close();
  });

  it('prints the description of a DockerPod field from the CRD schema', async function () {
    expect(await ok(api, ['explain', 'dockerpod.spec.containers.image'])).to.equal([
      'GROUP:      dockerpod.dev',
      'KIND:       DockerPod',
      'VERSION:    v1alpha1',
      '',
      'FIELD: image <string>',
      '',
      '',
      'DESCRIPTION:',
      '    Image reference, as for docker pull (e.g. "nginx:1.27" or',
      '    "registry.example.com/app@sha256:...").',
      '    ',
      '',
      '',
    ].join('\n'));
  });
});
