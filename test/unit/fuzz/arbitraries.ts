/**
 * Random but structurally plausible DockerPods and DockerHosts for the property tests: every field
 * of the schema appears, each value mostly drawn from realistic choices and now and then from
 * wrong ones (bad names, ports out of range, garbage quantities, two probe handlers, mounts of
 * missing volumes, random strings), so that some pods pass validation and reach the planner and
 * the rest exercise every refusal. Also the run count: small in CI, DOCKERPOD_FUZZ_RUNS for more.
 */
import fc from 'fast-check';
import type { Container, Probe } from '../../../src/api/v1alpha1/container.js';
import type { DockerHost } from '../../../src/api/v1alpha1/dockerhost.js';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import type { Volume } from '../../../src/api/v1alpha1/pod-spec.js';

/** Runs per property: about 200 by default (seconds in CI); `npm run test:chaos` sets many more. */
export const FUZZ_RUNS = Number(process.env['DOCKERPOD_FUZZ_RUNS'] ?? 200);

/** fast-check parameters of every property here (it prints the seed and the shrunk input on failure). */
export const fuzzParameters = (runs = FUZZ_RUNS): fc.Parameters<unknown> => ({ numRuns: runs, ...(process.env['DOCKERPOD_FUZZ_SEED'] ? { seed: Number(process.env['DOCKERPOD_FUZZ_SEED']) } : {}) });

/** Mostly one of `good`, one time in `1 / odds` one of `bad` (or any short string). */
function mostly<T>(good: readonly T[], bad: readonly T[] = [], odds = 12): fc.Arbitrary<T | string> {
  const wrong = bad.length > 0 ? fc.oneof(fc.constantFrom(...bad), fc.string({ maxLength: 12 })) : fc.string({ maxLength: 12 });
  return fc.oneof({ weight: odds, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: wrong });
}

/** An optional field, present one time in `every` (absent mostly: pods stay small, and each wrong choice rare enough that some pods pass). */
const maybe = <T>(arb: fc.Arbitrary<T>, every = 3): fc.Arbitrary<T | undefined> => fc.oneof({ weight: every - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

/** Drops the keys whose value is undefined (fields that are absent, not undefined, as JSON has them). */
function compact<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

const record = <T extends Record<string, unknown>>(fields: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> => fc.record(fields).map((r) => compact(r as T));

export const VOLUME_NAMES = ['data', 'cache', 'cfg', 'sec', 'logs'] as const;
const CONTAINER_NAMES = ['app', 'web', 'sidecar', 'init', 'a-1', 'x'.repeat(63)];
const BAD_NAMES = ['App', 'a_b', '', '-a', 'x'.repeat(64), 'POD'];
const IMAGES = ['busybox', 'busybox:1.36', 'nginx:1.27', 'localhost:5000/team/app:v1', `registry.example.com/app@sha256:${'a'.repeat(64)}`, 'dockerpod.dev/test/busybox:1'];
const BAD_IMAGES = ['', 'Busybox', 'busybox:1:2', 'busybox@sha256:abc', ' busybox', 'https://r.example.com/x', `busybox:${'t'.repeat(129)}`, 'registry.example.com/'];
const CPU = ['100m', '0.5', '1', '2', '250m', '1e3', '0', '0.1m', '1e-9', 1, 2];
const MEMORY = ['6Mi', '64Mi', '128Mi', '1Gi', '0', '1.5Gi', '8192Ki', '1e9', 0, 268435456];
const BAD_QUANTITIES = ['-1', 'lots', '1.5.3', '1e999999999', '1e400', '12GB', '', '9223372036854775808', '1Mi'];
const MOUNT_PATHS = ['/data', '/data/x', '/data/x/y', '/cache', '/etc/cfg', '/srv', '/var/log/app', '/data/', '/cache/./'];
const SUB_PATHS = ['x', 'x/y', 'y', './x/', 'a/b/c', 'logs'];
const ENV_NAMES = ['A', 'MODE', 'X_1', 'my.var', 'PORT', 'URL'];
const ENV_VALUES = ['x', '$(A)', '$$(A)', 'http://$(HOST):$(PORT)', '', '$(MISSING)'];
const FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', "metadata.labels['app']", 'spec.hostName', 'status.podIP', 'status.hostIP'];

const int = (good: readonly number[], bad: readonly number[] = []): fc.Arbitrary<number> => fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: bad.length > 0 ? fc.constantFrom(...bad) : fc.integer() });
const quantity = (good: ReadonlyArray<string | number> = [...CPU, ...MEMORY]): fc.Arbitrary<string | number> => fc.oneof({ weight: 15, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...BAD_QUANTITIES) });

const keyRef = (names: readonly string[], keys: readonly string[]): fc.Arbitrary<{ name: string; key: string; optional?: boolean }> =>
  record({ name: mostly(names, ['Bad_Name']), key: mostly(keys, ['a/b']), optional: maybe(fc.boolean()) });

/** An env entry: a value or a source, now and then both or a source naming nothing. */
const envVar = fc
  .tuple(
    mostly(ENV_NAMES, ['MY VAR', '1A', 'A=B', '..']),
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...ENV_VALUES).map((value) => ({ value })) },
      { weight: 1, arbitrary: record({ fieldPath: mostly(FIELD_PATHS, ['spec.nodeName']) }).map((fieldRef) => ({ valueFrom: { fieldRef } })) },
      { weight: 1, arbitrary: keyRef(['db', 'gone'], ['password', 'user', 'absent']).map((secretKeyRef) => ({ valueFrom: { secretKeyRef } })) },
      { weight: 1, arbitrary: keyRef(['cfg', 'gone'], ['mode', 'absent']).map((configMapKeyRef) => ({ valueFrom: { configMapKeyRef } })) },
      { weight: 1, arbitrary: fc.constantFrom({ value: 'x' }, { value: 'x' }, { valueFrom: {} }, { value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }) },
    ),
  )
  .map(([name, rest]) => ({ name, ...rest }));

/** An envFrom entry: one source mostly, sometimes two. */
const envFrom = fc
  .tuple(
    maybe(mostly(['CFG_', 'S_', ''], ['1-'])),
    fc.oneof(
      { weight: 4, arbitrary: record({ configMapRef: record({ name: mostly(['cfg', 'gone']), optional: maybe(fc.boolean()) }) }) },
      { weight: 4, arbitrary: record({ secretRef: record({ name: mostly(['db', 'gone']), optional: maybe(fc.boolean()) }) }) },
      { weight: 1, arbitrary: fc.constantFrom({}, { configMapRef: { name: 'cfg' }, secretRef: { name: 'db' } }) },
    ),
  )
  .map(([prefix, refs]) => compact({ prefix, ...refs }) as NonNullable<Container['envFrom']>[number]);

const port = record({
  name: maybe(mostly(['http', 'metrics', 'dns'], ['HTTP', 'a-very-long-port-name'])),
  containerPort: int([80, 8080, 9090, 53, 65535, 1], [0, 65536, -1]),
  hostPort: maybe(int([8080, 18080, 53, 80], [0, 70000]), 4),
  hostIP: maybe(mostly(['', '0.0.0.0', '127.0.0.1', '::', '::1', '10.1.2.3'], ['localhost'])),
  protocol: maybe(mostly(['TCP', 'UDP'], ['SCTP'])),
}) as fc.Arbitrary<NonNullable<Container['ports']>[number]>;

const probePort = fc.oneof({ weight: 4, arbitrary: int([80, 8080, 9090], [0, 70000]) }, { weight: 1, arbitrary: mostly(['http', 'metrics', '8080'], ['HTTP']) });

type Handler = 'exec' | 'httpGet' | 'tcpSocket';

/** A probe: one handler most of the time, sometimes two or none. */
const probe: fc.Arbitrary<Probe> = fc
  .record({
    handlers: fc.oneof({ weight: 10, arbitrary: fc.constantFrom<Handler[]>(['exec'], ['httpGet'], ['tcpSocket']) }, { weight: 1, arbitrary: fc.constantFrom<Handler[]>([], ['exec', 'tcpSocket']) }),
    port: probePort,
    timing: record({
      initialDelaySeconds: maybe(int([0, 5], [-1])),
      periodSeconds: maybe(int([1, 10], [0])),
      timeoutSeconds: maybe(int([1, 3])),
      successThreshold: maybe(int([1], [2, 0])),
      failureThreshold: maybe(int([3, 1])),
    }),
    scheme: maybe(mostly(['HTTP', 'HTTPS'], ['FTP'])),
  })
  .map(({ handlers, port: p, timing, scheme }) => {
    const probe: Record<string, unknown> = { ...timing };
    if (handlers.includes('exec')) probe['exec'] = { command: ['true'] };
    if (handlers.includes('httpGet')) probe['httpGet'] = compact({ port: p, path: '/healthz', scheme });
    if (handlers.includes('tcpSocket')) probe['tcpSocket'] = { port: p };
    return probe;
  });

/** A mount of one of `volumes` (now and then of one the pod lacks). */
const mount = (volumes: readonly string[]): fc.Arbitrary<NonNullable<Container['volumeMounts']>[number]> =>
  record({
    name: mostly(volumes.length > 0 ? volumes : ['missing'], ['missing']),
    mountPath: mostly(MOUNT_PATHS, ['relative', '/a:b']),
    readOnly: maybe(fc.boolean()),
    subPath: maybe(mostly(SUB_PATHS, ['../z', '/abs'])),
  });

const resourceList = record({ cpu: maybe(quantity(CPU), 2), memory: maybe(quantity(MEMORY), 2) });
const resources = record({ requests: maybe(resourceList, 2), limits: maybe(resourceList, 2) }) as fc.Arbitrary<NonNullable<Container['resources']>>;

const securityContext = fc
  .tuple(
    maybe(fc.tuple(int([1000, 0, 65534]), maybe(int([1000, 0]), 2)), 2),
    record({
      runAsNonRoot: maybe(fc.boolean()),
      readOnlyRootFilesystem: maybe(fc.boolean()),
      allowPrivilegeEscalation: maybe(fc.constant(false), 4),
      privileged: maybe(fc.boolean(), 6),
      capabilities: maybe(record({ add: maybe(fc.array(mostly(['NET_ADMIN', 'CAP_CHOWN', 'SYS_TIME'], ['net admin']), { maxLength: 2 })), drop: maybe(fc.constant(['ALL'])) })),
    }),
    fc.integer({ min: 1, max: 10 }).map((n) => n === 1),
  )
  // Now and then the group alone, which Docker cannot set without a user.
  .map(([user, rest, groupAlone]) => compact({ ...rest, runAsUser: user?.[0], runAsGroup: user?.[1] ?? (groupAlone && !user ? 1000 : undefined) }) as NonNullable<Container['securityContext']>);

const args = fc.array(fc.oneof(fc.constantFrom('sleep', '3600', '$(A)', '$$(A)', '--port=$(PORT)'), fc.string({ maxLength: 8 })), { maxLength: 3 });

/** Mostly distinct by `key`; now and then anything (duplicates are a refusal worth seeing). */
const distinct = <T>(arb: fc.Arbitrary<T>, key: (t: T) => unknown, maxLength: number): fc.Arbitrary<T[]> =>
  fc.oneof({ weight: 10, arbitrary: fc.uniqueArray(arb, { maxLength, selector: key }) }, { weight: 1, arbitrary: fc.array(arb, { maxLength }) });

/** One container mounting some of `volumes`: a regular one, or an init one (mostly without probes and lifecycle, which it may not have). */
const containerOf = (volumes: readonly string[], init: boolean): fc.Arbitrary<Container> =>
  record({
    name: mostly(CONTAINER_NAMES, BAD_NAMES),
    image: mostly(IMAGES, BAD_IMAGES),
    imagePullPolicy: maybe(mostly(['Always', 'IfNotPresent', 'Never'], ['Maybe'])),
    command: maybe(args),
    args: maybe(args),
    workingDir: maybe(mostly(['/srv', '/'], ['srv'])),
    env: maybe(fc.array(envVar, { maxLength: 4 })),
    envFrom: maybe(fc.array(envFrom, { maxLength: 2 }), 4),
    ports: maybe(distinct(port, (p) => `${p.containerPort}/${p.protocol ?? 'TCP'}/${p.name ?? ''}`, 3)),
    resources: maybe(resources),
    volumeMounts: maybe(distinct(mount(volumes), (m) => m.mountPath, 4), volumes.length > 0 ? 2 : 20),
    livenessProbe: maybe(probe, init ? 40 : 3),
    readinessProbe: maybe(probe, init ? 40 : 3),
    startupProbe: maybe(probe, init ? 40 : 5),
    lifecycle: maybe(fc.constant({ preStop: { exec: { command: ['sh', '-c', 'sleep 1'] } } }), init ? 40 : 6),
    securityContext: maybe(securityContext),
    stdin: maybe(fc.boolean()),
    tty: maybe(fc.boolean()),
  }) as fc.Arbitrary<Container>;

/** Any container (no volumes to mount): for tests of one container alone. */
export const container: fc.Arbitrary<Container> = containerOf([], false);

const items = maybe(fc.array(record({ key: mostly(['mode', 'password', 'a.b'], ['a/b']), path: mostly(['mode', 'conf/mode'], ['../x', '/abs']), mode: maybe(int([0o644, 0o400])) }), { maxLength: 2 }));

/** The sources of a volume: one most of the time, sometimes none or two. */
const source: fc.Arbitrary<Omit<Volume, 'name'>> = fc.oneof(
  { weight: 4, arbitrary: record({ emptyDir: record({ medium: maybe(mostly(['', 'Memory'], ['HugePages'])), sizeLimit: maybe(quantity()) }) }) },
  { weight: 2, arbitrary: record({ hostPath: record({ path: mostly(['/srv', '/var/log', '/srv/data'], ['relative', '/srv/../etc']), type: maybe(mostly(['', 'DirectoryOrCreate', 'Directory', 'File', 'Socket'], ['Dir'])) }) }) },
  { weight: 2, arbitrary: record({ configMap: record({ name: mostly(['cfg'], ['Bad_Name']), items, defaultMode: maybe(int([0o644, 0o400])), optional: maybe(fc.boolean()) }) }) },
  { weight: 2, arbitrary: record({ secret: record({ secretName: mostly(['sec', 'db']), items, defaultMode: maybe(int([0o600])), optional: maybe(fc.boolean()) }) }) },
  { weight: 1, arbitrary: fc.constantFrom({}, { emptyDir: {}, hostPath: { path: '/srv' } }) },
) as fc.Arbitrary<Omit<Volume, 'name'>>;

const volume = fc.tuple(mostly(VOLUME_NAMES, ['my_vol']), source).map(([name, s]) => ({ name, ...s }));

/** Containers mostly with distinct names (duplicates are a refusal worth seeing now and then). */
const containers = (volumes: readonly string[], init: boolean, min: number): fc.Arbitrary<Container[]> =>
  fc.oneof({ weight: 10, arbitrary: fc.uniqueArray(containerOf(volumes, init), { minLength: min, maxLength: init ? 2 : 3, selector: (c) => c.name }) }, { weight: 1, arbitrary: fc.array(containerOf(volumes, init), { maxLength: 3 }) });

/** The pod-level fields besides volumes and containers. */
const podLevel = record({
  restartPolicy: maybe(mostly(['Always', 'OnFailure', 'Never'], ['Sometimes'])),
  terminationGracePeriodSeconds: maybe(int([0, 2, 30])),
  activeDeadlineSeconds: maybe(int([60, 3600], [0]), 6),
  hostName: maybe(mostly(['local', 'node-1'], ['Host_A']), 6),
  hostSelector: maybe(fc.dictionary(mostly(['zone', 'dockerpod.dev/pool'], ['a/b/c']), mostly(['a', 'b', ''], ['-a']), { maxKeys: 2 }), 6),
  hostFailurePolicy: maybe(mostly(['Wait', 'Reschedule'], ['Move']), 6),
  shareProcessNamespace: maybe(fc.boolean(), 4),
  hostNetwork: maybe(fc.boolean(), 4),
  hostIPC: maybe(fc.boolean(), 4),
  hostPID: maybe(fc.constant(true), 8),
  hostname: maybe(mostly(['web', 'db-1'], ['web.example', 'Web'])),
  dnsConfig: maybe(
    record({
      nameservers: maybe(fc.array(mostly(['10.0.0.10', '1.1.1.1', '2001:db8::1'], ['dns']), { maxLength: 3 })),
      searches: maybe(fc.array(mostly(['svc.cluster.local', 'example.com.'], ['Bad_']), { maxLength: 2 })),
      options: maybe(fc.array(record({ name: fc.constantFrom('ndots', 'edns0'), value: maybe(fc.constantFrom('2', '5')) }), { maxLength: 2 })),
    }),
  ),
  hostAliases: maybe(fc.array(record({ ip: mostly(['10.1.2.3', '::1'], ['db']), hostnames: fc.array(fc.constantFrom('db', 'db.local'), { minLength: 1, maxLength: 2 }) }), { maxLength: 2 })),
  imagePullSecrets: maybe(fc.array(record({ name: mostly(['regcred'], ['Bad Secret']) }), { maxLength: 1 })),
  sandbox: maybe(record({ image: maybe(mostly(['dockerpod.dev/test/pause:1', 'registry.k8s.io/pause:3.9'], ['pause::1'])) }), 6),
});

/** A spec whose containers mount (mostly) the volumes it has. */
const podSpec: fc.Arbitrary<DockerPod['spec']> = maybe(distinct(volume, (v) => v.name, 4), 2).chain((volumes) => {
  const names = (volumes ?? []).map((v) => v.name);
  return fc.record({ level: podLevel, containers: containers(names, false, 1), init: maybe(containers(names, true, 0), 3) }).map(({ level, containers: regular, init }) =>
    compact({ ...level, volumes, containers: regular, initContainers: init }) as DockerPod['spec'],
  );
});

/** A DockerPod with a uid, as the operator reads it from the API. */
export const dockerPod: fc.Arbitrary<DockerPod> = fc
  .record({ name: mostly(['web', 'db-0', 'a.b', 'x'.repeat(253)], ['Bad_Pod', 'x'.repeat(254)]), uid: fc.uuid(), spec: podSpec })
  .map(({ name, uid, spec }) => ({ apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerPod', metadata: { name, namespace: 'default', uid, generation: 1 }, spec }));

/** A DockerHost with every field of its spec now and then. */
export const dockerHost: fc.Arbitrary<DockerHost> = record({
  endpoint: mostly(['unix:///var/run/docker.sock', 'tcp://10.0.0.5:2376', 'ssh://core@node1', 'tcp://[2001:db8::5]:2376'], ['http://h:1', 'tcp://h', 'tcp://h:99999', 'unix://rel', '']),
  tls: maybe(record({ secretRef: maybe(record({ namespace: mostly(['default'], ['Bad_Ns']), name: mostly(['engine-tls'], ['Bad_Secret']) })), serverName: maybe(fc.constant('engine')), insecureSkipVerify: maybe(fc.boolean()) })),
  capacity: maybe(record({ cpu: maybe(quantity()), memory: maybe(quantity()), pods: maybe(int([110, 0], [-1])) })),
  reserved: maybe(record({ cpu: maybe(quantity()), memory: maybe(quantity()), pods: maybe(int([1])) })),
  unschedulable: maybe(fc.boolean()),
  cgroupParent: maybe(mostly(['/dockerpod', 'dockerpod.slice'], ['pods', '/a/../b', '/a b'])),
  policy: maybe(record({ allowHostNamespaces: maybe(fc.boolean()), allowPrivileged: maybe(fc.boolean()), allowedHostPaths: maybe(fc.array(record({ pathPrefix: mostly(['/srv', '/var/log'], ['srv']), readOnly: maybe(fc.boolean()) }), { maxLength: 2 })) })),
}).map((spec) => ({ apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerHost', metadata: { name: 'h1' }, spec }));

/** Any JSON value at all, for what a client can send where a field is expected. */
export const jsonGarbage: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom<unknown>(null, [], {}, '', 0, -1, 1.5, 2 ** 53, true, [null], JSON.parse('{"__proto__":{"name":1}}')));
