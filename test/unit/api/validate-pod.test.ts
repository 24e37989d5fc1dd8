/**
 * Semantic validation of a DockerPod: a realistic valid pod passes, and each single mistake
 * yields exactly the API server-shaped messages (path, type, value, detail) and nothing else,
 * in a stable order; validation is pure and deterministic.
 */
import { expect } from 'chai';
import { fieldError, formatFieldError } from '../../../src/api/field-errors.js';
import { validateDockerPod, type DockerPod } from '../../../src/api/v1alpha1/index.js';

const ENV_MSG =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const CONFIG_KEY_MSG =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const QUALIFIED_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const QUANTITY_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const FIELD_PATHS =
  '"metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels[\'<KEY>\']", "metadata.annotations[\'<KEY>\']", "spec.hostName", "status.hostIP", "status.podIP"';

/** A valid pod using most of the spec: two containers with ports, probes on named ports, env, resources, volumes. */
const BASE: DockerPod = {
  apiVersion: 'dockerpod.dev/v1alpha1',
  kind: 'DockerPod',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['sh', '-c', 'true'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    containers: [
      {
        name: 'app',
        image: 'nginx:1.27',
        workingDir: '/srv',
        ports: [{ name: 'http', containerPort: 80, hostPort: 8080, protocol: 'TCP' }],
        env: [
          { name: 'MODE', value: 'prod' },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        ],
        envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }],
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        volumeMounts: [
          { name: 'data', mountPath: '/data' },
          { name: 'config', mountPath: '/etc/app', readOnly: true },
        ],
        livenessProbe: { httpGet: { path: '/healthz', port: 'http', httpHeaders: [{ name: 'X-Probe', value: '1' }] }, periodSeconds: 10, successThreshold: 1 },
        readinessProbe: { tcpSocket: { port: 80 }, successThreshold: 3 },
        securityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, capabilities: { add: ['NET_BIND_SERVICE', 'CAP_CHOWN'], drop: ['ALL'] } },
      },
      {
        name: 'sidecar',
        image: 'dockerpod.dev/test/busybox:1',
        ports: [{ name: 'metrics', containerPort: 9090, hostPort: 9090 }],
        resources: { limits: { memory: 0 } },
        volumeMounts: [{ name: 'data', mountPath: '/data', subPath: 'sidecar' }],
        readinessProbe: { httpGet: { port: 'metrics' } },
        startupProbe: { exec: { command: ['true'] } },
      },
    ],
    volumes: [
      { name: 'data', emptyDir: { sizeLimit: '1Gi' } },
      { name: 'config', configMap: { name: 'settings', items: [{ key: 'app.yaml', path: 'conf/app.yaml' }] } },
    ],
    dnsConfig: { nameservers: ['10.0.0.10', '2001:db8::53'], searches: ['svc.cluster.local', 'example.com.'] },
    hostAliases: [{ ip: '10.0.0.5', hostnames: ['db'] }],
    hostSelector: { 'dockerpod.dev/zone': 'a', disk: 'ssd' },
    sandbox: { image: 'registry.k8s.io/pause:3.9' },
    imagePullSecrets: [{ name: 'regcred' }],
  },
};

/** Element i of a list of the base pod, or a failed test if the fixture lacks it. */
function at<T>(list: T[] | undefined, i: number): T {
  const item = list?.[i];
  if (item === undefined) throw new Error(`fixture has no element ${i}`);
  return item;
}

/** The value, or a failed test if the fixture lacks it. */
function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('fixture lacks a field');
  return value;
}

type Spec = DockerPod['spec'];
type Container = Spec['containers'][number];
const app = (p: DockerPod): Container => at(p.spec.containers, 0);
const sidecar = (p: DockerPod): Container => at(p.spec.containers, 1);
const init = (p: DockerPod): Container => at(p.spec.initContainers, 0);

/** Messages of a pod after one mutation of a deep copy of BASE. */
function messagesAfter(mutate: (pod: DockerPod) => void): string[] {
  const pod = structuredClone(BASE);
  mutate(pod);
  return validateDockerPod(pod).map(formatFieldError);
}

/** A valid search domain of 253 characters. */
const LONG_DOMAIN = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;

interface Case {
  name: string;
  given: (pod: DockerPod) => void;
  want: string[];
}

const cases: Case[] = [
  // Names
  { name: 'a duplicate container name', given: (p) => void (sidecar(p).name = 'app'), want: ['spec.containers[1].name: Duplicate value: "app"'] },
  { name: 'an init container reusing a container name (the init container is the duplicate)', given: (p) => void (init(p).name = 'app'), want: ['spec.initContainers[0].name: Duplicate value: "app"'] },
  {
    name: 'two init containers with one name',
    given: (p) => void p.spec.initContainers?.push({ name: 'init', image: 'busybox:1.36' }),
    want: ['spec.initContainers[1].name: Duplicate value: "init"'],
  },
  { name: 'a bad metadata.name', given: (p) => void (p.metadata.name = 'Web_1'), want: [`metadata.name: Invalid value: "Web_1": ${SUBDOMAIN_MSG}`] },
  {
    name: 'a missing spec',
    given: (p) => void delete (p as Partial<DockerPod>).spec,
    want: ['spec: Required value'],
  },
  {
    name: 'a bad name and a missing spec, name first',
    given: (p) => {
      p.metadata.name = 'Web';
      delete (p as Partial<DockerPod>).spec;
    },
    want: [`metadata.name: Invalid value: "Web": ${SUBDOMAIN_MSG}`, 'spec: Required value'],
  },
  { name: 'no containers', given: (p) => void (p.spec.containers = []), want: ['spec.containers: Required value'] },

  // Images
  { name: 'an uppercase image', given: (p) => void (app(p).image = 'Nginx:1.27'), want: ['spec.containers[0].image: Invalid value: "Nginx:1.27": repository name must be lowercase'] },
  { name: 'an empty image', given: (p) => void (app(p).image = ''), want: ['spec.containers[0].image: Required value'] },
  { name: 'an image with two tags', given: (p) => void (init(p).image = 'busybox:1:2'), want: ['spec.initContainers[0].image: Invalid value: "busybox:1:2": invalid reference format'] },
  { name: 'a bad sandbox image', given: (p) => void (p.spec.sandbox = { image: 'pause:' }), want: ['spec.sandbox.image: Invalid value: "pause:": invalid tag format'] },
  { name: 'an empty sandbox image', given: (p) => void (p.spec.sandbox = { image: '' }), want: ['spec.sandbox.image: Required value'] },
  { name: 'a bad imagePullSecret name', given: (p) => void (p.spec.imagePullSecrets = [{ name: 'Reg_Cred' }]), want: [`spec.imagePullSecrets[0].name: Invalid value: "Reg_Cred": ${SUBDOMAIN_MSG}`] },

  // Resources
  {
    name: 'a cpu request above the limit',
    given: (p) => void (app(p).resources = { requests: { cpu: '1' }, limits: { cpu: '500m' } }),
    want: ['spec.containers[0].resources.requests.cpu: Invalid value: "1": must be less than or equal to cpu limit of 500m'],
  },
  {
    name: 'a memory request above the limit',
    given: (p) => void (app(p).resources = { requests: { memory: '256Mi' }, limits: { memory: '128Mi' } }),
    want: ['spec.containers[0].resources.requests.memory: Invalid value: "256Mi": must be less than or equal to memory limit of 128Mi'],
  },
  { name: 'a request equal to the limit in other units', given: (p) => void (app(p).resources = { requests: { cpu: '0.5', memory: '1Gi' }, limits: { cpu: '500m', memory: '1073741824' } }), want: [] },
  {
    name: 'a memory limit below Docker minimum of 6Mi',
    given: (p) => void (app(p).resources = { limits: { memory: '4Mi' } }),
    want: ['spec.containers[0].resources.limits.memory: Invalid value: "4Mi": must be at least 6Mi, the smallest memory limit Docker accepts'],
  },
  { name: 'a memory limit of exactly 6Mi', given: (p) => void (app(p).resources = { limits: { memory: '6Mi' } }), want: [] },
  {
    name: 'a memory limit one byte below 6Mi',
    given: (p) => void (app(p).resources = { limits: { memory: 6 * 1024 * 1024 - 1 } }),
    want: ['spec.containers[0].resources.limits.memory: Invalid value: 6291455: must be at least 6Mi, the smallest memory limit Docker accepts'],
  },
  { name: 'an unparsable cpu limit', given: (p) => void (app(p).resources = { limits: { cpu: 'lots' } }), want: [`spec.containers[0].resources.limits.cpu: Invalid value: "lots": ${QUANTITY_MSG}`] },
  {
    name: 'an unparsable request is not also compared with the limit',
    given: (p) => void (app(p).resources = { requests: { memory: '10 Mi' }, limits: { memory: '8Mi' } }),
    want: [`spec.containers[0].resources.requests.memory: Invalid value: "10 Mi": ${QUANTITY_MSG}`],
  },
  { name: 'a negative cpu request', given: (p) => void (app(p).resources = { requests: { cpu: '-1' } }), want: ['spec.containers[0].resources.requests.cpu: Invalid value: "-1": must be greater than or equal to 0'] },

  // Ports
  {
    name: 'a host port used twice with the same protocol',
    given: (p) => void (sidecar(p).ports = [{ name: 'metrics', containerPort: 9090, hostPort: 8080 }]),
    want: ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
  },
  {
    name: 'a host port used twice with the same protocol and hostIP',
    given: (p) => {
      at(app(p).ports, 0).hostIP = '10.0.0.1';
      sidecar(p).ports = [{ name: 'metrics', containerPort: 9090, hostPort: 8080, hostIP: '10.0.0.1', protocol: 'TCP' }];
    },
    want: ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP/10.0.0.1/8080"'],
  },
  { name: 'a host port used by TCP and UDP (no collision)', given: (p) => void (sidecar(p).ports = [{ name: 'metrics', containerPort: 9090, hostPort: 8080, protocol: 'UDP' }]), want: [] },
  {
    name: 'a host port bound on two different hostIPs (no collision)',
    given: (p) => {
      at(app(p).ports, 0).hostIP = '10.0.0.1';
      sidecar(p).ports = [{ name: 'metrics', containerPort: 9090, hostPort: 8080, hostIP: '10.0.0.2' }];
    },
    want: [],
  },
  {
    name: 'a host port on a wildcard address and on a specific one (Docker cannot bind both)',
    given: (p) => {
      sidecar(p).ports = [{ name: 'metrics', containerPort: 9090, hostPort: 8080, hostIP: '10.0.0.2' }];
    },
    want: ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP/10.0.0.2/8080"'],
  },
  {
    name: 'hostNetwork with a hostPort different from the containerPort',
    given: (p) => void (p.spec.hostNetwork = true),
    want: ['spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true'],
  },
  { name: 'a duplicate port name within a container', given: (p) => void app(p).ports?.push({ name: 'http', containerPort: 81 }), want: ['spec.containers[0].ports[1].name: Duplicate value: "http"'] },
  {
    name: 'a port name that is not an IANA service name',
    given: (p) => void (at(app(p).ports, 0).name = 'web--ui'),
    want: ['spec.containers[0].ports[0].name: Invalid value: "web--ui": must not contain consecutive hyphens', 'spec.containers[0].livenessProbe.httpGet.port: Not found: "http"'],
  },
  { name: 'a hostIP that is not an IP', given: (p) => void (at(app(p).ports, 0).hostIP = 'localhost'), want: [`spec.containers[0].ports[0].hostIP: Invalid value: "localhost": ${IP_MSG}`] },

  // Probes
  {
    name: 'a probe with no handler',
    given: (p) => void (app(p).livenessProbe = { periodSeconds: 10 }),
    want: ['spec.containers[0].livenessProbe: Required value: must specify one of: `exec`, `httpGet`, `tcpSocket`'],
  },
  {
    name: 'a probe with two handlers',
    given: (p) => void (app(p).livenessProbe = { exec: { command: ['true'] }, httpGet: { port: 'http' } }),
    want: ['spec.containers[0].livenessProbe.httpGet: Forbidden: may not specify more than 1 handler type'],
  },
  { name: 'a liveness successThreshold of 2', given: (p) => void (must(app(p).livenessProbe).successThreshold = 2), want: ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'] },
  { name: 'a startup successThreshold of 2', given: (p) => void (must(sidecar(p).startupProbe).successThreshold = 2), want: ['spec.containers[1].startupProbe.successThreshold: Invalid value: 2: must be 1'] },
  { name: 'a probe on a port name the container does not declare', given: (p) => void (app(p).livenessProbe = { httpGet: { port: 'admin' } }), want: ['spec.containers[0].livenessProbe.httpGet.port: Not found: "admin"'] },
  { name: 'a probe on a port name of another container', given: (p) => void (sidecar(p).readinessProbe = { tcpSocket: { port: 'http' } }), want: ['spec.containers[1].readinessProbe.tcpSocket.port: Not found: "http"'] },
  {
    name: 'a probe port number above 65535',
    given: (p) => void (app(p).readinessProbe = { tcpSocket: { port: 70000 } }),
    want: ['spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: 70000: must be between 1 and 65535, inclusive'],
  },
  { name: 'a probe port number 0', given: (p) => void (app(p).readinessProbe = { httpGet: { port: 0 } }), want: ['spec.containers[0].readinessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive'] },
  {
    name: 'a probe port name with uppercase letters',
    given: (p) => void (app(p).readinessProbe = { tcpSocket: { port: 'HTTP' } }),
    want: [
      'spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: "HTTP": must contain at least one letter (a-z)',
    ],
  },
  {
    name: 'a bad probe header name',
    given: (p) => void (app(p).livenessProbe = { httpGet: { port: 80, httpHeaders: [{ name: 'X Probe', value: '1' }] } }),
    want: ['spec.containers[0].livenessProbe.httpGet.httpHeaders[0].name: Invalid value: "X Probe": a valid HTTP header must consist of alphanumeric characters or \'-\''],
  },
  { name: 'an init container with a readiness probe', given: (p) => void (init(p).readinessProbe = { exec: { command: ['true'] } }), want: ['spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers'] },
  { name: 'an init container with a lifecycle hook', given: (p) => void (init(p).lifecycle = { preStop: { exec: { command: ['true'] } } }), want: ['spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers'] },

  // Volume mounts
  { name: 'a mount of an unknown volume', given: (p) => void (at(app(p).volumeMounts, 0).name = 'cache'), want: ['spec.containers[0].volumeMounts[0].name: Not found: "cache"'] },
  { name: 'a duplicate mountPath', given: (p) => void (at(app(p).volumeMounts, 1).mountPath = '/data'), want: ['spec.containers[0].volumeMounts[1].mountPath: Duplicate value: "/data"'] },
  {
    name: 'a mountPath that is another one spelled differently (the engine refused the pod: "Duplicate mount point")',
    given: (p) => void (at(app(p).volumeMounts, 1).mountPath = '/data/./'),
    want: ['spec.containers[0].volumeMounts[1].mountPath: Duplicate value: "/data"'],
  },
  { name: 'a relative mountPath', given: (p) => void (at(app(p).volumeMounts, 0).mountPath = 'data'), want: ['spec.containers[0].volumeMounts[0].mountPath: Invalid value: "data": must be an absolute path'] },
  { name: 'a mountPath with a colon', given: (p) => void (at(app(p).volumeMounts, 0).mountPath = '/data:ro'), want: ['spec.containers[0].volumeMounts[0].mountPath: Invalid value: "/data:ro": must not contain \':\''] },
  { name: 'a subPath with ..', given: (p) => void (at(sidecar(p).volumeMounts, 0).subPath = '../etc'), want: ['spec.containers[1].volumeMounts[0].subPath: Invalid value: "../etc": must not contain \'..\''] },
  { name: 'an absolute subPath', given: (p) => void (at(sidecar(p).volumeMounts, 0).subPath = '/etc'), want: ['spec.containers[1].volumeMounts[0].subPath: Invalid value: "/etc": must be a relative path'] },
  { name: 'a mount of an unknown volume in an init container', given: (p) => void (at(init(p).volumeMounts, 0).name = 'scratch'), want: ['spec.initContainers[0].volumeMounts[0].name: Not found: "scratch"'] },

  // Volumes
  { name: 'a duplicate volume name', given: (p) => void p.spec.volumes?.push({ name: 'data', emptyDir: {} }), want: ['spec.volumes[2].name: Duplicate value: "data"'] },
  {
    name: 'a volume with no source',
    given: (p) => void p.spec.volumes?.push({ name: 'empty' }),
    want: ['spec.volumes[2]: Required value: must specify one of: `emptyDir`, `hostPath`, `configMap`, `secret`'],
  },
  { name: 'a volume with two sources', given: (p) => void (at(p.spec.volumes, 0).hostPath = { path: '/srv' }), want: ['spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type'] },
  { name: 'a relative hostPath', given: (p) => void p.spec.volumes?.push({ name: 'host', hostPath: { path: 'srv/data' } }), want: ['spec.volumes[2].hostPath.path: Invalid value: "srv/data": must be an absolute path'] },
  { name: 'a hostPath with ..', given: (p) => void p.spec.volumes?.push({ name: 'host', hostPath: { path: '/srv/../etc' } }), want: ['spec.volumes[2].hostPath.path: Invalid value: "/srv/../etc": must not contain \'..\''] },
  { name: 'a negative emptyDir sizeLimit', given: (p) => void (at(p.spec.volumes, 0).emptyDir = { sizeLimit: '-1Gi' }), want: ['spec.volumes[0].emptyDir.sizeLimit: Invalid value: "-1Gi": must be greater than or equal to 0'] },
  {
    name: 'a configMap item path with ..',
    given: (p) => void (at(p.spec.volumes, 1).configMap = { name: 'settings', items: [{ key: 'app.yaml', path: '../app.yaml' }] }),
    want: ['spec.volumes[1].configMap.items[0].path: Invalid value: "../app.yaml": must not contain \'..\''],
  },
  {
    name: 'a bad secret volume name and item key',
    given: (p) => void p.spec.volumes?.push({ name: 'creds', secret: { secretName: 'Creds', items: [{ key: 'a/b', path: 'b' }] } }),
    want: [`spec.volumes[2].secret.secretName: Invalid value: "Creds": ${SUBDOMAIN_MSG}`, `spec.volumes[2].secret.items[0].key: Invalid value: "a/b": ${CONFIG_KEY_MSG}`],
  },

  // Environment
  { name: 'an env var name starting with a digit', given: (p) => void (at(app(p).env, 0).name = '1MODE'), want: [`spec.containers[0].env[0].name: Invalid value: "1MODE": ${ENV_MSG}`] },
  { name: 'an env var named ..', given: (p) => void (at(app(p).env, 0).name = '..'), want: ['spec.containers[0].env[0].name: Invalid value: "..": must not be \'..\''] },
  { name: 'value together with valueFrom', given: (p) => void (at(app(p).env, 1).value = 'x'), want: ['spec.containers[0].env[1].valueFrom: Invalid value: "": may not be specified when `value` is not empty'] },
  { name: 'an empty value with valueFrom', given: (p) => void (at(app(p).env, 1).value = ''), want: [] },
  {
    name: 'valueFrom with two sources',
    given: (p) => void (at(app(p).env, 1).valueFrom = { configMapKeyRef: { name: 'settings', key: 'mode' }, fieldRef: { fieldPath: 'metadata.name' } }),
    want: ['spec.containers[0].env[1].valueFrom.fieldRef: Forbidden: may not specify more than 1 source'],
  },
  {
    name: 'valueFrom with no source',
    given: (p) => void (at(app(p).env, 1).valueFrom = {}),
    want: ['spec.containers[0].env[1].valueFrom: Required value: must specify one of: `secretKeyRef`, `configMapKeyRef`, `fieldRef`'],
  },
  {
    name: 'an unsupported fieldRef path',
    given: (p) => void (at(app(p).env, 1).valueFrom = { fieldRef: { fieldPath: 'spec.nodeName' } }),
    want: [`spec.containers[0].env[1].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.nodeName": supported values: ${FIELD_PATHS}`],
  },
  { name: 'a fieldRef to a label', given: (p) => void (at(app(p).env, 1).valueFrom = { fieldRef: { fieldPath: "metadata.labels['app']" } }), want: [] },
  {
    name: 'a secretKeyRef with a bad name and key',
    given: (p) => void (at(app(p).env, 2).valueFrom = { secretKeyRef: { name: 'DB', key: 'pass word' } }),
    want: [
      `spec.containers[0].env[2].valueFrom.secretKeyRef.name: Invalid value: "DB": ${SUBDOMAIN_MSG}`,
      `spec.containers[0].env[2].valueFrom.secretKeyRef.key: Invalid value: "pass word": ${CONFIG_KEY_MSG}`,
    ],
  },
  {
    name: 'envFrom with both a configMapRef and a secretRef',
    given: (p) => void (at(app(p).envFrom, 0).secretRef = { name: 'creds' }),
    want: ['spec.containers[0].envFrom[0].secretRef: Forbidden: may not specify more than 1 source'],
  },
  {
    name: 'envFrom with no source',
    given: (p) => void (app(p).envFrom = [{ prefix: 'X_' }]),
    want: ['spec.containers[0].envFrom[0]: Required value: must specify one of: `configMapRef`, `secretRef`'],
  },
  { name: 'an envFrom prefix that is not a variable name', given: (p) => void (at(app(p).envFrom, 0).prefix = '1_'), want: [`spec.containers[0].envFrom[0].prefix: Invalid value: "1_": ${ENV_MSG}`] },

  // Security
  {
    name: 'runAsGroup without runAsUser',
    given: (p) => void delete must(app(p).securityContext).runAsUser,
    want: ['spec.containers[0].securityContext.runAsGroup: Forbidden: requires `runAsUser`: Docker sets the user and the group together'],
  },
  { name: 'runAsNonRoot with runAsUser 0', given: (p) => void (must(app(p).securityContext).runAsUser = 0), want: ['spec.containers[0].securityContext.runAsNonRoot: Invalid value: true: must be false when `runAsUser` is 0'] },
  {
    name: 'privileged without privilege escalation',
    given: (p) => void (sidecar(p).securityContext = { privileged: true, allowPrivilegeEscalation: false }),
    want: ['spec.containers[1].securityContext.allowPrivilegeEscalation: Invalid value: false: cannot set `allowPrivilegeEscalation` to false and `privileged` to true'],
  },
  {
    name: 'a lowercase capability',
    given: (p) => void (must(app(p).securityContext).capabilities = { add: ['NET_ADMIN', 'net_raw'], drop: ['all'] }),
    want: [
      'spec.containers[0].securityContext.capabilities.add[1]: Invalid value: "net_raw": must be a capability name such as NET_ADMIN, or ALL',
      'spec.containers[0].securityContext.capabilities.drop[0]: Invalid value: "all": must be a capability name such as NET_ADMIN, or ALL',
    ],
  },
  { name: 'a relative workingDir', given: (p) => void (app(p).workingDir = 'srv'), want: ['spec.containers[0].workingDir: Invalid value: "srv": must be an absolute path'] },

  // Pod level
  {
    name: 'shareProcessNamespace with hostPID',
    given: (p) => {
      p.spec.shareProcessNamespace = true;
      p.spec.hostPID = true;
    },
    want: ['spec.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled'],
  },
  { name: 'a DNS nameserver that is not an IP', given: (p) => void (p.spec.dnsConfig = { nameservers: ['10.0.0.10', 'dns.local'] }), want: [`spec.dnsConfig.nameservers[1]: Invalid value: "dns.local": ${IP_MSG}`] },
  { name: 'an uppercase DNS search domain', given: (p) => void (p.spec.dnsConfig = { searches: ['Svc.Local'] }), want: [`spec.dnsConfig.searches[0]: Invalid value: "Svc.Local": ${SUBDOMAIN_MSG}`] },
  {
    name: 'a DNS search list over 2048 characters',
    given: (p) => void (p.spec.dnsConfig = { searches: Array.from({ length: 9 }, () => LONG_DOMAIN) }),
    want: [
      formatFieldError(
        fieldError.invalid('spec.dnsConfig.searches', Array.from({ length: 9 }, () => LONG_DOMAIN), 'must not have more than 2048 characters (including spaces) in the search list'),
      ),
    ],
  },
  { name: 'a hostAlias ip that is not an IP', given: (p) => void (at(p.spec.hostAliases, 0).ip = 'db.local'), want: [`spec.hostAliases[0].ip: Invalid value: "db.local": ${IP_MSG}`] },
  { name: 'a hostSelector key with a space', given: (p) => void (p.spec.hostSelector = { 'bad key': 'a' }), want: [`spec.hostSelector: Invalid value: "bad key": ${QUALIFIED_MSG}`] },
  {
    name: 'a hostSelector key with an empty prefix',
    given: (p) => void (p.spec.hostSelector = { '/zone': 'a' }),
    want: ['spec.hostSelector: Invalid value: "/zone": prefix part must be non-empty'],
  },
  { name: 'a hostSelector value that is not a label value', given: (p) => void (p.spec.hostSelector = { zone: '-a' }), want: [`spec.hostSelector[zone]: Invalid value: "-a": ${LABEL_VALUE_MSG}`] },
];

describe('validateDockerPod', function () {
  it('accepts the valid base pod', function () {
    expect(validateDockerPod(BASE).map(formatFieldError)).to.deep.equal([]);
  });

  it('accepts a minimal pod: one container with only a name and an image', function () {
    const pod: DockerPod = { apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerPod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    expect(validateDockerPod(pod)).to.deep.equal([]);
  });

  it('accepts a pod without a name yet (generateName)', function () {
    const pod = structuredClone(BASE);
    pod.metadata = { generateName: 'web-' };
    expect(validateDockerPod(pod)).to.deep.equal([]);
  });

  describe('refuses each mistake with exactly its messages', function () {
    for (const { name, given, want } of cases) {
      it(`${name}${want.length === 0 ? ' is valid' : ''}`, function () {
        expect(messagesAfter(given)).to.deep.equal(want);
      });
    }
  });

  it('reports several mistakes in a stable order: name, containers, host ports, volumes, DNS, selector, pod level', function () {
    const got = messagesAfter((p) => {
      p.metadata.name = 'Web';
      p.spec.sandbox = { image: 'pause:' };
      p.spec.hostSelector = { zone: '-a' };
      at(p.spec.hostAliases, 0).ip = 'x';
      p.spec.volumes?.push({ name: 'data', emptyDir: {} });
      sidecar(p).ports = [{ name: 'metrics', containerPort: 9090, hostPort: 8080 }];
      sidecar(p).image = '';
      init(p).image = '';
    });
    expect(got).to.deep.equal([
      `metadata.name: Invalid value: "Web": ${SUBDOMAIN_MSG}`,
      'spec.initContainers[0].image: Required value',
      'spec.containers[1].image: Required value',
      'spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"',
      'spec.volumes[2].name: Duplicate value: "data"',
      `spec.hostAliases[0].ip: Invalid value: "x": ${IP_MSG}`,
      `spec.hostSelector[zone]: Invalid value: "-a": ${LABEL_VALUE_MSG}`,
      'spec.sandbox.image: Invalid value: "pause:": invalid tag format',
    ]);
  });

  it('returns the 422 cause types, not just the text', function () {
    const pod = structuredClone(BASE);
    sidecar(pod).name = 'app';
    at(app(pod).volumeMounts, 0).name = 'cache';
    app(pod).livenessProbe = {};
    expect(validateDockerPod(pod)).to.deep.equal([
      { type: 'FieldValueDuplicate', field: 'spec.containers[1].name', badValue: 'app' },
      { type: 'FieldValueNotFound', field: 'spec.containers[0].volumeMounts[0].name', badValue: 'cache' },
      { type: 'FieldValueRequired', field: 'spec.containers[0].livenessProbe', detail: 'must specify one of: `exec`, `httpGet`, `tcpSocket`' },
    ]);
  });

  describe('a spec off the schema gets its schema errors instead of a throw (the API server answered 500)', function () {
    // What JSON can carry that the types rule out: each made the semantic rules throw a TypeError.
    const offSchema: Array<{ name: string; given: (p: Record<string, unknown>, c: Record<string, unknown>) => void; want: string }> = [
      { name: 'containers as a string', given: (p) => void (p['containers'] = 'app'), want: 'spec.containers: Invalid value: "string": spec.containers in body must be of type array: "string"' },
      { name: 'a null container', given: (p) => void (p['containers'] = [null]), want: 'spec.containers[0]: Invalid value: "null": spec.containers[0] in body must be of type object: "null"' },
      { name: 'an env entry without a name', given: (_p, c) => void (c['env'] = [{}]), want: 'spec.containers[0].env[0].name: Required value' },
      { name: 'a numeric env name', given: (_p, c) => void (c['env'] = [{ name: 5 }]), want: 'spec.containers[0].env[0].name: Invalid value: "integer": spec.containers[0].env[0].name in body must be of type string: "integer"' },
      { name: 'a mount without a path', given: (_p, c) => void (c['volumeMounts'] = [{ name: 'data' }]), want: 'spec.containers[0].volumeMounts[0].mountPath: Required value' },
      { name: 'a null port', given: (_p, c) => void (c['ports'] = [null]), want: 'spec.containers[0].ports[0]: Invalid value: "null": spec.containers[0].ports[0] in body must be of type object: "null"' },
      { name: 'a cpu request that is an object', given: (_p, c) => void (c['resources'] = { requests: { cpu: {} } }), want: 'spec.containers[0].resources.requests.cpu: Invalid value: "object": spec.containers[0].resources.requests.cpu in body must be of type integer or string: "object"' },
      { name: 'capabilities as a string', given: (_p, c) => void (c['securityContext'] = { capabilities: { add: 'NET_ADMIN' } }), want: 'spec.containers[0].securityContext.capabilities.add: Invalid value: "string": spec.containers[0].securityContext.capabilities.add in body must be of type array: "string"' },
      { name: 'a numeric search domain', given: (p) => void (p['dnsConfig'] = { searches: [5] }), want: 'spec.dnsConfig.searches[0]: Invalid value: "integer": spec.dnsConfig.searches[0] in body must be of type string: "integer"' },
      { name: 'a secret volume without a name', given: (p) => void (p['volumes'] = [{ name: 'data', secret: {} }]), want: 'spec.volumes[0].secret.secretName: Required value' },
      { name: 'a numeric sandbox image', given: (p) => void (p['sandbox'] = { image: 5 }), want: 'spec.sandbox.image: Invalid value: "integer": spec.sandbox.image in body must be of type string: "integer"' },
    ];
    for (const { name, given, want } of offSchema) {
      it(name, function () {
        const pod = structuredClone(BASE);
        given(pod.spec, app(pod));
        expect(validateDockerPod(pod).map(formatFieldError)).to.include(want);
      });
    }

    it('reports value errors (patterns, bounds) with the semantic messages as before, since they keep the shape', function () {
      expect(messagesAfter((p) => void (app(p).image = ''))).to.deep.equal(['spec.containers[0].image: Required value']);
    });
  });

  it('checks 100 000 host ports in linear time (each was compared with every earlier one: ten seconds of a blocked API server)', function () {
    const pod = structuredClone(BASE);
    const ports = Array.from({ length: 100_000 }, (_, i) => ({ containerPort: (i % 50_000) + 1, hostPort: (i % 50_000) + 1, hostIP: `10.${Math.floor(i / 62_500)}.${Math.floor(i / 250) % 250}.${i % 250}`, protocol: i < 50_000 ? ('TCP' as const) : ('UDP' as const) }));
    ports.push({ containerPort: 7, hostPort: 7, hostIP: '0.0.0.0', protocol: 'TCP' });
    pod.spec.containers = [{ name: 'app', image: 'nginx:1.27', ports }];
    const started = Date.now();
    const errors = validateDockerPod(pod).map(formatFieldError);
    const elapsed = Date.now() - started;
    // Only the wildcard on TCP 7 collides (with 10.0.0.6:7); every other binding has its own address.
    expect(errors).to.deep.equal(['spec.containers[0].ports[100000].hostPort: Duplicate value: "TCP/0.0.0.0/7"']);
    expect(elapsed, `${elapsed} ms`).to.be.below(3000);
  });

  it('is pure and deterministic: the same pod gives the same list twice and is not modified', function () {
    const pod = structuredClone(BASE);
    sidecar(pod).name = 'app';
    at(app(pod).env, 1).value = 'x';
    pod.spec.dnsConfig = { nameservers: ['nope'] };
    const before = structuredClone(pod);
    const first = validateDockerPod(pod).map(formatFieldError);
    const second = validateDockerPod(pod).map(formatFieldError);
    expect(first).to.have.length(3);
    expect(second).to.deep.equal(first);
    expect(pod).to.deep.equal(before);
  });
});
