/**
 * A pod's demand as kube-scheduler computes it: requests summed over the containers, each request
 * defaulted to its limit when only the limit is set, the largest init container winning resource
 * by resource when it is larger; host ports keyed with protocol TCP and hostIP 0.0.0.0 by
 * default; and the NodePorts conflict rule (same protocol and port, either hostIP 0.0.0.0 or
 * both equal).
 */
import { expect } from 'chai';
import type { Container } from '../../../src/api/v1alpha1/container.js';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import { podDemand, portsConflict, type HostPortKey, type PodDemand } from '../../../src/scheduler/index.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

type Resources = NonNullable<Container['resources']>;
type Ports = NonNullable<Container['ports']>;
const ctr = (name: string, resources?: Resources, ports?: Ports): Container => ({ name, image: 'busybox:1.36', ...(resources ? { resources } : {}), ...(ports ? { ports } : {}) });
const pod = (containers: Container[], initContainers?: Container[]): DockerPod => ({
  apiVersion: 'dockerpod.dev/v1alpha1',
  kind: 'DockerPod',
  metadata: { name: 'p', namespace: 'default', uid: 'u-p' },
  spec: { containers, ...(initContainers ? { initContainers } : {}) },
});
const want = (cpuMilli: number, memoryBytes: number, hostPorts: HostPortKey[] = []): PodDemand => ({ cpuMilli, memoryBytes, hostPorts });

describe('scheduler/demand', function () {
  describe('podDemand', function () {
    const cases: Array<{ name: string; given: DockerPod; want: PodDemand }> = [
      { name: 'nothing requested', given: pod([ctr('a')]), want: want(0, 0) },
      { name: 'one container', given: pod([ctr('a', { requests: { cpu: '250m', memory: '128Mi' } })]), want: want(250, 128 * MiB) },
      {
        name: 'summed over the containers',
        given: pod([ctr('a', { requests: { cpu: '250m', memory: '128Mi' } }), ctr('b', { requests: { cpu: '1', memory: '1Gi' } }), ctr('c')]),
        want: want(1250, 128 * MiB + GiB),
      },
      { name: 'requests default to limits', given: pod([ctr('a', { limits: { cpu: '500m', memory: '256Mi' } })]), want: want(500, 256 * MiB) },
      {
        name: 'a request below its limit is the request',
        given: pod([ctr('a', { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '1Gi' } })]),
        want: want(100, 64 * MiB),
      },
      { name: 'defaulting is per resource', given: pod([ctr('a', { requests: { cpu: '100m' }, limits: { cpu: '1', memory: '1Gi' } })]), want: want(100, GiB) },
      { name: 'an explicit zero request is not defaulted', given: pod([ctr('a', { requests: { cpu: '0' }, limits: { cpu: '1' } })]), want: want(0, 0) },
      { name: 'numbers, decimals and exponents', given: pod([ctr('a', { requests: { cpu: 2, memory: '1.5Gi' } }), ctr('b', { requests: { cpu: '0.5', memory: '1e3' } })]), want: want(2500, 1.5 * GiB + 1000) },
      {
        name: 'an init container larger than the sum wins',
        given: pod([ctr('a', { requests: { cpu: '100m', memory: '64Mi' } }), ctr('b', { requests: { cpu: '100m', memory: '64Mi' } })], [ctr('init', { requests: { cpu: '1', memory: '1Gi' } })]),
        want: want(1000, GiB),
      },
      {
        name: 'an init container smaller than the sum changes nothing',
        given: pod([ctr('a', { requests: { cpu: '300m', memory: '300Mi' } }), ctr('b', { requests: { cpu: '300m', memory: '300Mi' } })], [ctr('init', { requests: { cpu: '500m', memory: '500Mi' } })]),
        want: want(600, 600 * MiB),
      },
      {
        name: 'the max is per resource',
        given: pod([ctr('a', { requests: { cpu: '100m', memory: '1Gi' } })], [ctr('init', { requests: { cpu: '2', memory: '64Mi' } })]),
        want: want(2000, GiB),
      },
      {
        name: 'init containers are not summed: the largest one counts',
        given: pod([ctr('a')], [ctr('i1', { requests: { cpu: '1', memory: '64Mi' } }), ctr('i2', { limits: { cpu: '700m', memory: '128Mi' } })]),
        want: want(1000, 128 * MiB),
      },
      {
        name: 'host ports: TCP and 0.0.0.0 by default, ports without hostPort left out',
        given: pod([ctr('a', undefined, [{ containerPort: 80, hostPort: 8080 }, { containerPort: 9090 }])]),
        want: want(0, 0, ['TCP/0.0.0.0/8080']),
      },
      {
        name: 'host ports: protocol and hostIP kept, every container, in spec order',
        given: pod([
          ctr('a', undefined, [{ containerPort: 53, hostPort: 53, protocol: 'UDP', hostIP: '10.0.0.1' }]),
          ctr('b', undefined, [{ containerPort: 53, hostPort: 53, protocol: 'TCP', hostIP: '' }, { containerPort: 443, hostPort: 8443, hostIP: '::1' }]),
        ]),
        want: want(0, 0, ['UDP/10.0.0.1/53', 'TCP/0.0.0.0/53', 'TCP/::1/8443']),
      },
      {
        name: 'host ports: duplicates once',
        given: pod([ctr('a', undefined, [{ containerPort: 80, hostPort: 8080 }]), ctr('b', undefined, [{ containerPort: 81, hostPort: 8080, protocol: 'TCP', hostIP: '0.0.0.0' }])]),
        want: want(0, 0, ['TCP/0.0.0.0/8080']),
      },
      {
        name: 'host ports of init containers are not held (they have exited before the pod runs)',
        given: pod([ctr('a')], [ctr('init', undefined, [{ containerPort: 80, hostPort: 8080 }])]),
        want: want(0, 0),
      },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        expect(podDemand(given)).to.deep.equal(want);
      });
    }
  });

  describe('portsConflict', function () {
    const cases: Array<{ name: string; given: [HostPortKey[], HostPortKey[]]; want: boolean }> = [
      { name: 'nothing requested', given: [[], ['TCP/0.0.0.0/80']], want: false },
      { name: 'nothing held', given: [['TCP/0.0.0.0/80'], []], want: false },
      { name: 'the same wildcard port', given: [['TCP/0.0.0.0/80'], ['TCP/0.0.0.0/80']], want: true },
      { name: 'wildcard requested, a specific IP held', given: [['TCP/0.0.0.0/80'], ['TCP/10.0.0.1/80']], want: true },
      { name: 'a specific IP requested, the wildcard held', given: [['TCP/10.0.0.1/80'], ['TCP/0.0.0.0/80']], want: true },
      { name: 'the same specific IP', given: [['TCP/10.0.0.1/80'], ['TCP/10.0.0.1/80']], want: true },
      { name: 'two different specific IPs', given: [['TCP/10.0.0.1/80'], ['TCP/10.0.0.2/80']], want: false },
      { name: 'different protocols, both wildcard', given: [['UDP/0.0.0.0/53'], ['TCP/0.0.0.0/53']], want: false },
      { name: 'different protocols, wildcard and specific', given: [['UDP/10.0.0.1/53'], ['TCP/0.0.0.0/53']], want: false },
      { name: 'different ports', given: [['TCP/0.0.0.0/80'], ['TCP/0.0.0.0/8080']], want: false },
      { name: 'IPv6 addresses', given: [['TCP/::1/80'], ['TCP/::1/80']], want: true },
      { name: 'IPv6 address beside the wildcard', given: [['TCP/::1/80'], ['TCP/0.0.0.0/80']], want: true },
      { name: 'one conflict among several', given: [['TCP/0.0.0.0/80', 'UDP/0.0.0.0/53'], ['TCP/0.0.0.0/443', 'UDP/10.0.0.1/53']], want: true },
    ];
    for (const { name, given, want } of cases) {
      it(`${name} -> ${want}`, function () {
        expect(portsConflict(given[0], given[1])).to.equal(want);
      });
    }

    it('reads any iterable, once', function () {
      let reads = 0;
      function* held(): Generator<HostPortKey> {
        reads += 1;
        yield 'TCP/10.0.0.1/80';
        yield 'TCP/10.0.0.2/81';
      }
      expect(portsConflict(['TCP/10.0.0.3/80', 'TCP/0.0.0.0/81'], held())).to.equal(true);
      expect(reads).to.equal(1);
      expect(portsConflict(['TCP/10.0.0.3/80'], new Set(['TCP/10.0.0.1/80']))).to.equal(false);
    });
  });
});
