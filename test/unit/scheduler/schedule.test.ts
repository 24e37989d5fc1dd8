/**
 * The scheduler picks a host as kube-scheduler picks a node: hosts not ready, cordoned, not
 * matching the host selector, refusing the pod's privileges, short of pods/cpu/memory or holding
 * its host ports are filtered out, each counting only its first failing reason (but every short
 * resource); the rest are scored by least allocated, ties going to the host with fewest pods and
 * then to the first name; and when nothing fits the message has kube-scheduler's shape.
 */
import { expect } from 'chai';
import type { Container } from '../../../src/api/v1alpha1/container.js';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import type { HostPolicy } from '../../../src/planner/admission.js';
import {
  addLoad,
  loadOf,
  NO_HOSTS_MESSAGE,
  podDemand,
  schedulePod,
  unschedulableMessage,
  type HostCandidate,
  type HostLoad,
  type HostPortKey,
  type Resources,
  type ScheduleResult,
} from '../../../src/scheduler/index.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const STRICT: HostPolicy = { allowHostNamespaces: false, allowPrivileged: false, allowedHostPaths: [] };
const LAX: HostPolicy = { allowHostNamespaces: true, allowPrivileged: true, allowedHostPaths: [] };

type Requests = NonNullable<NonNullable<Container['resources']>['requests']>;

/** A pod with one container `app` requesting `requests`, changed by `edit`. */
function pod(requests: Requests = {}, edit: (p: DockerPod) => void = () => undefined): DockerPod {
  const p: DockerPod = {
    apiVersion: 'dockerpod.dev/v1alpha1',
    kind: 'DockerPod',
    metadata: { name: 'p', namespace: 'default', uid: 'u-p' },
    spec: { containers: [{ name: 'app', image: 'busybox:1.36', resources: { requests } }] },
  };
  edit(p);
  return p;
}
const app = (p: DockerPod): Container => {
  const c = p.spec.containers[0];
  if (!c) throw new Error('no app container');
  return c;
};

/** A ready, schedulable host with 4 cpus, 8Gi and 110 pods, a strict policy, and the given changes. */
function host(name: string, changes: Partial<Omit<HostCandidate, 'name' | 'allocatable'>> & { allocatable?: Partial<Resources> } = {}): HostCandidate {
  const { allocatable, ...rest } = changes;
  return { name, labels: {}, ready: true, unschedulable: false, policy: STRICT, ...rest, allocatable: { cpuMilli: 4000, memoryBytes: 8 * GiB, pods: 110, ...allocatable } };
}
const load = (cpuMilli: number, memoryBytes: number, pods: number, hostPorts: HostPortKey[] = []): HostLoad => ({ cpuMilli, memoryBytes, pods, hostPorts });
const unschedulable = (hosts: number, reasons: Record<string, number>): ScheduleResult => ({ unschedulable: true, message: unschedulableMessage(hosts, reasons), reasons });

interface Case {
  name: string;
  given: { pod: DockerPod; hosts: HostCandidate[]; loads?: Record<string, HostLoad> };
  want: ScheduleResult;
  /** The exact message, where the case pins it. */
  message?: string;
}

const withPorts = (...ports: NonNullable<Container['ports']>) => (p: DockerPod): void => {
  app(p).ports = ports;
};

const scoring: Case[] = [
  { name: 'the only host', given: { pod: pod({ cpu: '100m' }), hosts: [host('a')] }, want: { host: 'a' } },
  {
    name: 'least allocated: the emptier host',
    given: { pod: pod({ cpu: '100m', memory: '128Mi' }), hosts: [host('a'), host('b')], loads: { a: load(2000, 2 * GiB, 1), b: load(1000, 1 * GiB, 3) } },
    want: { host: 'b' },
  },
  {
    name: 'least allocated: the larger host when both are empty',
    given: { pod: pod({ cpu: '1', memory: '1Gi' }), hosts: [host('a'), host('b', { allocatable: { cpuMilli: 8000, memoryBytes: 16 * GiB } })] },
    want: { host: 'b' },
  },
  {
    name: 'least allocated averages cpu and memory',
    given: {
      pod: pod({ cpu: '1', memory: '1Gi' }),
      // a: cpu (4-3)/4 = .25, memory (8-1)/8 = .875 -> .5625; b: cpu .75, memory (8-5)/8 = .375 -> .5625 (a tie, a by name); c: .5 and .5 -> .5
      hosts: [host('a'), host('c'), host('b')],
      loads: { a: load(2000, 0, 0), b: load(0, 4 * GiB, 0), c: load(1000, 3 * GiB, 0) },
    },
    want: { host: 'a' },
  },
  {
    name: 'a better score beats fewer pods',
    given: { pod: pod({ memory: '1Gi' }), hosts: [host('a'), host('b')], loads: { a: load(0, 1 * GiB, 9), b: load(0, 2 * GiB, 1) } },
    want: { host: 'a' },
  },
  {
    name: 'tie on score: fewest pods',
    given: { pod: pod(), hosts: [host('a'), host('b'), host('c')], loads: { a: load(0, 0, 3), b: load(0, 0, 1), c: load(0, 0, 2) } },
    want: { host: 'b' },
  },
  {
    name: 'tie on score and pods: name ascending, whatever the order of the hosts',
    given: { pod: pod({ cpu: '500m' }), hosts: [host('host-c'), host('host-a'), host('host-b')], loads: { 'host-c': load(0, 0, 1), 'host-a': load(0, 0, 1), 'host-b': load(0, 0, 1) } },
    want: { host: 'host-a' },
  },
  {
    name: 'a resource with nothing allocatable scores 0 (and a zero request still fits)',
    given: { pod: pod({ cpu: '100m' }), hosts: [host('a', { allocatable: { memoryBytes: 0 } }), host('b')] },
    want: { host: 'b' },
  },
  {
    name: 'a pod requesting nothing fits a host with nothing allocatable, even an over-committed one',
    given: { pod: pod(), hosts: [host('a', { allocatable: { cpuMilli: 0, memoryBytes: 0 } })], loads: { a: load(500, GiB, 3) } },
    want: { host: 'a' },
  },
];

const filtering: Case[] = [
  {
    name: 'a host not ready',
    given: { pod: pod(), hosts: [host('a', { ready: false })] },
    want: unschedulable(1, { 'host(s) were not ready': 1 }),
    message: '0/1 hosts are available: 1 host(s) were not ready.',
  },
  { name: 'a host not ready is skipped', given: { pod: pod(), hosts: [host('a', { ready: false }), host('b')], loads: { b: load(0, 0, 50) } }, want: { host: 'b' } },
  {
    name: 'a cordoned host',
    given: { pod: pod(), hosts: [host('a', { unschedulable: true }), host('b', { unschedulable: true })] },
    want: unschedulable(2, { 'host(s) were unschedulable': 2 }),
    message: '0/2 hosts are available: 2 host(s) were unschedulable.',
  },
  {
    name: 'host selector: only the matching host',
    given: {
      pod: pod({}, (p) => (p.spec.hostSelector = { zone: 'left', disk: 'ssd' })),
      hosts: [host('a', { labels: { zone: 'right', disk: 'ssd' } }), host('b', { labels: { zone: 'left' } }), host('c', { labels: { zone: 'left', disk: 'ssd', extra: 'x' } })],
      loads: { c: load(3000, 7 * GiB, 100) },
    },
    want: { host: 'c' },
  },
  {
    name: 'host selector: an empty selector matches every host',
    given: { pod: pod({}, (p) => (p.spec.hostSelector = {})), hosts: [host('a', { labels: { zone: 'x' } })] },
    want: { host: 'a' },
  },
  {
    name: 'insufficient memory beside hosts that do not match the selector',
    given: {
      pod: pod({ memory: '6Gi' }, (p) => (p.spec.hostSelector = { zone: 'left' })),
      hosts: [host('a', { labels: { zone: 'left' } }), host('b', { labels: { zone: 'right' } }), host('c')],
      loads: { a: load(0, 4 * GiB, 2) },
    },
    want: unschedulable(3, { 'Insufficient memory': 1, "host(s) didn't match host selector": 2 }),
    message: "0/3 hosts are available: 1 Insufficient memory, 2 host(s) didn't match host selector.",
  },
  {
    name: 'short on cpu and memory: each counted',
    given: { pod: pod({ cpu: '3', memory: '6Gi' }), hosts: [host('a'), host('b')], loads: { a: load(2000, 4 * GiB, 1), b: load(2000, 1 * GiB, 1) } },
    want: unschedulable(2, { 'Insufficient cpu': 2, 'Insufficient memory': 1 }),
    message: '0/2 hosts are available: 1 Insufficient memory, 2 Insufficient cpu.',
  },
  {
    name: 'exactly full is still a fit',
    given: { pod: pod({ cpu: '1', memory: '1Gi' }), hosts: [host('a')], loads: { a: load(3000, 7 * GiB, 109) } },
    want: { host: 'a' },
  },
  {
    name: 'too many pods, counted beside short resources',
    given: {
      pod: pod({ memory: '1Gi' }),
      hosts: [host('a', { allocatable: { pods: 2 } }), host('b', { allocatable: { pods: 3 } }), host('c', { allocatable: { pods: 0 } })],
      loads: { a: load(0, 0, 2), b: load(0, 7.5 * GiB, 3) },
    },
    want: unschedulable(3, { 'Too many pods': 3, 'Insufficient memory': 1 }),
    message: '0/3 hosts are available: 1 Insufficient memory, 3 Too many pods.',
  },
  {
    name: 'requests default to limits',
    given: { pod: pod({}, (p) => (app(p).resources = { limits: { memory: '10Gi' } })), hosts: [host('a')] },
    want: unschedulable(1, { 'Insufficient memory': 1 }),
  },
  {
    name: 'a request below its limit: the request counts',
    given: { pod: pod({}, (p) => (app(p).resources = { requests: { memory: '1Gi' }, limits: { memory: '10Gi' } })), hosts: [host('a')] },
    want: { host: 'a' },
  },
  {
    name: 'init containers: the largest counts when above the sum',
    given: {
      pod: pod({ cpu: '100m', memory: '100Mi' }, (p) => (p.spec.initContainers = [{ name: 'init', image: 'busybox:1.36', resources: { requests: { cpu: '5' } } }])),
      hosts: [host('a')],
    },
    want: unschedulable(1, { 'Insufficient cpu': 1 }),
  },
  {
    name: 'only the first failing filter counts',
    given: {
      pod: pod({ memory: '100Gi' }, (p) => {
        p.spec.hostSelector = { zone: 'left' };
        p.spec.hostNetwork = true;
      }),
      hosts: [
        host('a', { ready: false, unschedulable: true }),
        host('b', { unschedulable: true }),
        host('c', { labels: { zone: 'right' } }),
        host('d', { labels: { zone: 'left' } }),
        host('e', { labels: { zone: 'left' }, policy: LAX }),
      ],
    },
    want: unschedulable(5, {
      'host(s) were not ready': 1,
      'host(s) were unschedulable': 1,
      "host(s) didn't match host selector": 1,
      "host(s) didn't allow the pod's host namespaces, privileged containers, capabilities or host paths (spec.policy)": 1,
      'Insufficient memory': 1,
    }),
    message:
      "0/5 hosts are available: 1 Insufficient memory, 1 host(s) didn't allow the pod's host namespaces, privileged containers, capabilities or host paths (spec.policy), 1 host(s) didn't match host selector, 1 host(s) were not ready, 1 host(s) were unschedulable.",
  },
];

const ports: Case[] = [
  {
    name: 'a wildcard host port held by the load',
    given: { pod: pod({}, withPorts({ containerPort: 80, hostPort: 8080 })), hosts: [host('a')], loads: { a: load(0, 0, 1, ['TCP/0.0.0.0/8080']) } },
    want: unschedulable(1, { "host(s) didn't have free ports for the requested pod ports": 1 }),
    message: "0/1 hosts are available: 1 host(s) didn't have free ports for the requested pod ports.",
  },
  {
    name: 'the wildcard against a specific address',
    given: { pod: pod({}, withPorts({ containerPort: 80, hostPort: 8080 })), hosts: [host('a')], loads: { a: load(0, 0, 1, ['TCP/10.0.0.1/8080']) } },
    want: unschedulable(1, { "host(s) didn't have free ports for the requested pod ports": 1 }),
  },
  {
    name: 'a specific address against the wildcard',
    given: { pod: pod({}, withPorts({ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.1' })), hosts: [host('a')], loads: { a: load(0, 0, 1, ['TCP/0.0.0.0/8080']) } },
    want: unschedulable(1, { "host(s) didn't have free ports for the requested pod ports": 1 }),
  },
  {
    name: 'two different specific addresses share a port',
    given: { pod: pod({}, withPorts({ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.2' })), hosts: [host('a')], loads: { a: load(0, 0, 1, ['TCP/10.0.0.1/8080']) } },
    want: { host: 'a' },
  },
  {
    name: 'another protocol on the same port is free',
    given: { pod: pod({}, withPorts({ containerPort: 53, hostPort: 53, protocol: 'UDP' })), hosts: [host('a')], loads: { a: load(0, 0, 1, ['TCP/0.0.0.0/53']) } },
    want: { host: 'a' },
  },
  {
    name: 'the host with the free port, even with a worse score',
    given: {
      pod: pod({ memory: '1Gi' }, withPorts({ containerPort: 80, hostPort: 80 })),
      hosts: [host('a'), host('b')],
      loads: { a: load(0, 0, 1, ['TCP/0.0.0.0/80']), b: load(0, 6 * GiB, 5, ['TCP/0.0.0.0/81']) },
    },
    want: { host: 'b' },
  },
];

const PRIVILEGES = "host(s) didn't allow the pod's host namespaces, privileged containers, capabilities or host paths (spec.policy)";
const hostPathPod = (path: string, readOnly?: boolean): DockerPod =>
  pod({}, (p) => {
    p.spec.volumes = [{ name: 'data', hostPath: { path } }, { name: 'scratch', emptyDir: {} }];
    app(p).volumeMounts = [{ name: 'data', mountPath: '/data', ...(readOnly === undefined ? {} : { readOnly }) }, { name: 'scratch', mountPath: '/tmp' }];
  });
const paths = (...allowed: HostPolicy['allowedHostPaths']): HostPolicy => ({ ...STRICT, allowedHostPaths: allowed });

const policy: Case[] = [
  ...(['hostNetwork', 'hostPID', 'hostIPC'] as const).map((field): Case => ({
    name: `${field} only on a host allowing host namespaces`,
    given: { pod: pod({}, (p) => (p.spec[field] = true)), hosts: [host('a'), host('b', { policy: { ...STRICT, allowHostNamespaces: true } })], loads: { b: load(0, 0, 100) } },
    want: { host: 'b' },
  })),
  {
    name: 'host namespaces refused everywhere',
    given: { pod: pod({}, (p) => (p.spec.hostNetwork = true)), hosts: [host('a'), host('b', { policy: { ...STRICT, allowPrivileged: true } })] },
    want: unschedulable(2, { [PRIVILEGES]: 2 }),
    message: "0/2 hosts are available: 2 host(s) didn't allow the pod's host namespaces, privileged containers, capabilities or host paths (spec.policy).",
  },
  {
    name: 'a privileged container only on a host allowing it',
    given: { pod: pod({}, (p) => (app(p).securityContext = { privileged: true })), hosts: [host('a', { policy: { ...STRICT, allowHostNamespaces: true } }), host('b', { policy: LAX })] },
    want: { host: 'b' },
  },
  {
    name: 'a privileged init container counts too',
    given: { pod: pod({}, (p) => (p.spec.initContainers = [{ name: 'init', image: 'busybox:1.36', securityContext: { privileged: true } }])), hosts: [host('a')] },
    want: unschedulable(1, { [PRIVILEGES]: 1 }),
  },
  { name: 'privileged: false is no privilege', given: { pod: pod({}, (p) => (app(p).securityContext = { privileged: false })), hosts: [host('a')] }, want: { host: 'a' } },
  { name: 'an emptyDir needs no policy', given: { pod: pod({}, (p) => (p.spec.volumes = [{ name: 'scratch', emptyDir: {} }])), hosts: [host('a')] }, want: { host: 'a' } },
  { name: 'a hostPath with no allowed prefix', given: { pod: hostPathPod('/srv/data'), hosts: [host('a')] }, want: unschedulable(1, { [PRIVILEGES]: 1 }) },
  { name: 'a hostPath under an allowed prefix', given: { pod: hostPathPod('/srv/data/app'), hosts: [host('a', { policy: paths({ pathPrefix: '/srv/data' }) })] }, want: { host: 'a' } },
  { name: 'a hostPath equal to the prefix', given: { pod: hostPathPod('/srv/data/'), hosts: [host('a', { policy: paths({ pathPrefix: '/srv/data/' }) })] }, want: { host: 'a' } },
  { name: 'prefixes match whole components', given: { pod: hostPathPod('/srv/database'), hosts: [host('a', { policy: paths({ pathPrefix: '/srv/data' }) })] }, want: unschedulable(1, { [PRIVILEGES]: 1 }) },
  { name: 'the root prefix allows every path', given: { pod: hostPathPod('/var/lib/app/data'), hosts: [host('a', { policy: paths({ pathPrefix: '/' }) })] }, want: { host: 'a' } },
  { name: 'but not the Docker socket without allowDockerSocket', given: { pod: hostPathPod('/var/run/docker.sock'), hosts: [host('a', { policy: paths({ pathPrefix: '/' }) })] }, want: unschedulable(1, { [PRIVILEGES]: 1 }) },
  { name: 'the Docker socket with allowDockerSocket', given: { pod: hostPathPod('/var/run/docker.sock'), hosts: [host('a', { policy: { ...paths({ pathPrefix: '/' }), allowDockerSocket: true } })] }, want: { host: 'a' } },
  {
    name: 'a read-only prefix refuses a writable mount',
    given: { pod: hostPathPod('/srv/data/app'), hosts: [host('a', { policy: paths({ pathPrefix: '/srv', readOnly: true }) })] },
    want: unschedulable(1, { [PRIVILEGES]: 1 }),
  },
  { name: 'a read-only prefix allows a read-only mount', given: { pod: hostPathPod('/srv/data/app', true), hosts: [host('a', { policy: paths({ pathPrefix: '/srv', readOnly: true }) })] }, want: { host: 'a' } },
  {
    name: 'a writable prefix covering the path wins over a read-only one',
    given: { pod: hostPathPod('/srv/data/app'), hosts: [host('a', { policy: paths({ pathPrefix: '/srv', readOnly: true }, { pathPrefix: '/srv/data' }) })] },
    want: { host: 'a' },
  },
  {
    name: 'the policy of each host decides',
    given: { pod: hostPathPod('/srv/data/app'), hosts: [host('a', { policy: paths({ pathPrefix: '/opt' }) }), host('b', { policy: paths({ pathPrefix: '/srv' }) })], loads: { b: load(0, 0, 100) } },
    want: { host: 'b' },
  },
];

const noHosts: Case[] = [
  { name: 'no hosts at all', given: { pod: pod(), hosts: [] }, want: { unschedulable: true, message: NO_HOSTS_MESSAGE, reasons: {} }, message: '0/0 hosts are available: no DockerHost exists.' },
];

describe('scheduler/schedule', function () {
  for (const [group, cases] of [['scoring', scoring], ['filters', filtering], ['host ports', ports], ['policy', policy], ['no hosts', noHosts]] as const) {
    describe(`schedulePod: ${group}`, function () {
      for (const { name, given, want, message } of cases) {
        it(name, function () {
          const loads = new Map(Object.entries(given.loads ?? {}));
          const result = schedulePod(given.pod, given.hosts, loads);
          expect(result).to.deep.equal(want);
          if (message !== undefined) expect('message' in result ? result.message : undefined).to.equal(message);
          expect(schedulePod(given.pod, [...given.hosts].reverse(), loads), 'independent of the order of the hosts').to.deep.equal(want);
        });
      }
    });
  }

  describe('schedulePod: a sequence of pods', function () {
    /** Schedules `count` copies of the pod one after the other, adding each to the loads as the controller does. */
    function sequence(p: DockerPod, hosts: HostCandidate[], count: number): string[] {
      const loads = new Map<string, HostLoad>();
      return Array.from({ length: count }, () => {
        const result = schedulePod(p, hosts, loads);
        if (!('host' in result)) throw new Error(result.message);
        addLoad(loads, result.host, podDemand(p));
        return result.host;
      });
    }
    const cases: Array<{ name: string; given: { pod: DockerPod; hosts: HostCandidate[]; count: number }; want: string[] }> = [
      {
        name: 'twelve identical pods alternate over two identical hosts',
        given: { pod: pod({ cpu: '100m', memory: '32Mi' }), hosts: [host('b'), host('a')], count: 12 },
        want: ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'],
      },
      {
        name: 'twelve pods requesting nothing alternate too (ties go to fewest pods)',
        given: { pod: pod(), hosts: [host('a'), host('b')], count: 12 },
        want: ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'],
      },
      {
        name: 'a host twice as large takes twice the pods',
        given: { pod: pod({ memory: '1Gi' }), hosts: [host('a'), host('b', { allocatable: { memoryBytes: 4 * GiB } })], count: 6 },
        want: ['a', 'b', 'a', 'a', 'b', 'a'],
      },
      {
        name: 'pods fill the hosts up to their pod limit',
        given: { pod: pod({ cpu: '100m' }), hosts: [host('a', { allocatable: { pods: 1 } }), host('b', { allocatable: { pods: 2 } })], count: 3 },
        want: ['a', 'b', 'b'],
      },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        const placed = sequence(given.pod, given.hosts, given.count);
        expect(placed).to.deep.equal(want);
      });
    }

    it('the thirteenth pod on two hosts of six pods is refused with every host counted', function () {
      const hosts = [host('a', { allocatable: { pods: 6 } }), host('b', { allocatable: { pods: 6 } })];
      const p = pod({ memory: '32Mi' });
      const loads = new Map<string, HostLoad>();
      for (let i = 0; i < 12; i++) {
        const result = schedulePod(p, hosts, loads);
        if ('host' in result) addLoad(loads, result.host, podDemand(p));
      }
      expect([loadOf(loads, 'a').pods, loadOf(loads, 'b').pods]).to.deep.equal([6, 6]);
      expect(schedulePod(p, hosts, loads)).to.deep.equal(unschedulable(2, { 'Too many pods': 2 }));
    });
  });

  describe('addLoad and loadOf', function () {
    it('sums pods, requests and host ports per host without changing loads handed out before', function () {
      const loads = new Map<string, HostLoad>();
      expect(loadOf(loads, 'a')).to.deep.equal(load(0, 0, 0));
      addLoad(loads, 'a', { cpuMilli: 250, memoryBytes: 128 * MiB, hostPorts: ['TCP/0.0.0.0/80'] });
      const before = loadOf(loads, 'a');
      const after = addLoad(loads, 'a', { cpuMilli: 0, memoryBytes: 64 * MiB, hostPorts: ['UDP/10.0.0.1/53'] });
      addLoad(loads, 'b', { cpuMilli: 1000, memoryBytes: 0, hostPorts: [] });
      expect(before).to.deep.equal(load(250, 128 * MiB, 1, ['TCP/0.0.0.0/80']));
      expect(after).to.deep.equal(load(250, 192 * MiB, 2, ['TCP/0.0.0.0/80', 'UDP/10.0.0.1/53']));
      expect(loadOf(loads, 'a')).to.equal(after);
      expect(loadOf(loads, 'b')).to.deep.equal(load(1000, 0, 1));
    });

    it('gives a fresh empty load for an unknown host', function () {
      const loads = new Map<string, HostLoad>();
      loadOf(loads, 'x').hostPorts.push('TCP/0.0.0.0/1');
      expect(loadOf(loads, 'x')).to.deep.equal(load(0, 0, 0));
      expect(loads.size).to.equal(0);
    });
  });

  describe('unschedulableMessage', function () {
    const cases: Array<{ name: string; given: [number, Record<string, number>]; want: string }> = [
      { name: 'one reason', given: [1, { 'Insufficient cpu': 1 }], want: '0/1 hosts are available: 1 Insufficient cpu.' },
      { name: 'plain string order, as kube-scheduler sorts', given: [12, { 'host(s) were not ready': 2, 'Insufficient memory': 10 }], want: '0/12 hosts are available: 10 Insufficient memory, 2 host(s) were not ready.' },
      { name: 'upper case before lower case', given: [2, { 'host(s) were unschedulable': 1, 'Too many pods': 1 }], want: '0/2 hosts are available: 1 Too many pods, 1 host(s) were unschedulable.' },
      { name: 'no hosts', given: [0, {}], want: '0/0 hosts are available: no DockerHost exists.' },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        expect(unschedulableMessage(...given)).to.equal(want);
      });
    }
  });
});
