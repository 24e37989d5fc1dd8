/**
 * The Docker create configs of a pod, as kubelet + cri-dockerd build them: the sandbox owns the
 * network/IPC/UTS namespaces, publishes every hostPort and carries the DNS, /etc/hosts and
 * hostname settings (which the engine refuses on members); each member joins the sandbox
 * (`container:<id>`), shares its cgroup parent and gets the kubelet's resource settings, OOM
 * score, env, command/args and user. The sandbox hash follows the pod-level fields only and
 * the member hash follows the container's spec.
 */
import { expect } from 'chai';
import type { Container } from '../../../src/api/v1alpha1/container.js';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import type { PlanContext } from '../../../src/planner/context.js';
import { desiredMember, desiredSandbox, memberHash, podHostname, sandboxHash, type MemberPlacement } from '../../../src/planner/desired.js';
import type { DownwardValues } from '../../../src/planner/env.js';
import { LABEL } from '../../../src/planner/labels.js';
import type { ContainerCreateBody } from '../../../src/runtime/docker/types.js';
import { planContext, samplePod, UID } from './fixtures.js';

const CGROUP = `/dockerpod/pod${UID}`;
const POD_LABELS = {
  'test.run': 'r1',
  [LABEL.managedBy]: 'op-test',
  [LABEL.namespace]: 'default',
  [LABEL.name]: 'web',
  [LABEL.uid]: UID,
};

const DOWNWARD: DownwardValues = {
  namespace: 'default',
  name: 'web',
  uid: UID,
  labels: { app: 'web' },
  annotations: { team: 'infra' },
  hostName: 'node-1',
  hostIP: '192.168.1.10',
  podIP: '172.17.0.5',
};
const PLACEMENT: MemberPlacement = { sandboxId: 'sbx123', sandboxAttempt: 2, attempt: 4, backoff: 1, downward: DOWNWARD };

function withSpec(change: (pod: DockerPod) => void): DockerPod {
  const pod = samplePod();
  change(pod);
  return pod;
}

const containerOf = (pod: DockerPod, name: string): Container => {
  const c = pod.spec.containers.find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
};

/** Whether a body holds undefined anywhere (optional fields must be absent, not undefined). */
const jsonRoundTrip = (body: ContainerCreateBody): unknown => JSON.parse(JSON.stringify(body)) as unknown;

describe('planner/desired', function () {
  describe('desiredSandbox', function () {
    it('builds the sandbox of the sample pod', function () {
      const pod = samplePod();
      const ctx = planContext();
      const got = desiredSandbox(pod, ctx, 2);
      expect(got.hash).to.match(/^[0-9a-f]{12}$/);
      expect(got.hash).to.equal(sandboxHash(pod, ctx));
      expect(got.name).to.equal('dp_default_web_0f1e2d3c_POD_2');
      expect(got.body).to.deep.equal({
        Image: 'registry.k8s.io/pause:3.9',
        Hostname: 'web',
        Labels: {
          ...POD_LABELS,
          [LABEL.role]: 'sandbox',
          [LABEL.container]: 'POD',
          [LABEL.sandboxAttempt]: '2',
          [LABEL.attempt]: '2',
          [LABEL.specHash]: got.hash,
        },
        ExposedPorts: { '80/tcp': {} },
        HostConfig: {
          NetworkMode: 'bridge',
          IpcMode: 'shareable',
          CgroupParent: CGROUP,
          RestartPolicy: { Name: 'no' },
          PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] },
          ShmSize: 64 * 1024 * 1024,
          SecurityOpt: ['no-new-privileges'],
          CpuShares: 2,
          Dns: ['10.0.0.10'],
          DnsSearch: ['default.svc.cluster.local'],
          DnsOptions: ['ndots:2', 'edns0'],
          ExtraHosts: ['db:10.1.2.3', 'db.local:10.1.2.3'],
        },
      });
      expect(jsonRoundTrip(got.body)).to.deep.equal(got.body);
    });

    /** The sandbox fields that vary with the pod and the context. */
    const view = (body: ContainerCreateBody): Record<string, unknown> => ({
      Image: body.Image,
      Hostname: body.Hostname,
      NetworkMode: body.HostConfig.NetworkMode,
      IpcMode: body.HostConfig.IpcMode,
      PidMode: body.HostConfig.PidMode,
      CgroupParent: body.HostConfig.CgroupParent,
      ExposedPorts: body.ExposedPorts,
      PortBindings: body.HostConfig.PortBindings,
      Dns: body.HostConfig.Dns,
      ExtraHosts: body.HostConfig.ExtraHosts,
      OomScoreAdj: body.HostConfig.OomScoreAdj,
    });
    const BASE = view(desiredSandbox(samplePod(), planContext(), 0).body);
    const longName = `${'x'.repeat(62)}-${'y'.repeat(20)}`;
    const cases: Array<{ name: string; given: { pod?: (p: DockerPod) => void; ctx?: Partial<PlanContext> }; want: Record<string, unknown> }> = [
      { name: 'spec.sandbox.image replaces the pause image', given: { pod: (p) => (p.spec.sandbox = { image: 'example.com/pause:custom' }) }, want: { ...BASE, Image: 'example.com/pause:custom' } },
      { name: 'spec.hostname is the hostname', given: { pod: (p) => (p.spec.hostname = 'frontend') }, want: { ...BASE, Hostname: 'frontend' } },
      { name: 'a long name is cut to 63 characters without a trailing dash', given: { pod: (p) => (p.metadata.name = longName) }, want: { ...BASE, Hostname: 'x'.repeat(62) } },
      {
        name: 'hostNetwork: the host network, no hostname, ports or DNS',
        given: { pod: (p) => (p.spec.hostNetwork = true) },
        want: { ...BASE, Hostname: undefined, NetworkMode: 'host', ExposedPorts: undefined, PortBindings: undefined, Dns: undefined, ExtraHosts: undefined },
      },
      { name: 'hostIPC: the host IPC namespace', given: { pod: (p) => (p.spec.hostIPC = true) }, want: { ...BASE, IpcMode: 'host' } },
      { name: 'hostPID: the host PID namespace', given: { pod: (p) => (p.spec.hostPID = true) }, want: { ...BASE, PidMode: 'host' } },
      { name: 'shareProcessNamespace leaves the sandbox its own PID namespace', given: { pod: (p) => (p.spec.shareProcessNamespace = true) }, want: BASE },
      { name: 'another pod network', given: { ctx: { podNetwork: 'podnet' } }, want: { ...BASE, NetworkMode: 'podnet' } },
      { name: 'negative OOM scores allowed: -998', given: { ctx: { negativeOomScores: true } }, want: { ...BASE, OomScoreAdj: -998 } },
      {
        name: 'systemd cgroup driver: a slice',
        given: { ctx: { cgroupDriver: 'systemd', cgroupRoot: 'dockerpod.slice' } },
        want: { ...BASE, CgroupParent: `dockerpod-pod${UID.replace(/-/g, '_')}.slice` },
      },
      {
        name: 'hostPorts of every container, UDP and a host IP',
        given: {
          pod: (p) => {
            containerOf(p, 'sidecar').ports = [{ containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '127.0.0.1' }];
          },
        },
        want: {
          ...BASE,
          ExposedPorts: { '80/tcp': {}, '53/udp': {} },
          PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }] },
        },
      },
      {
        name: 'no hostPorts, DNS config or host aliases: none of them',
        given: {
          pod: (p) => {
            delete containerOf(p, 'app').ports;
            delete p.spec.dnsConfig;
            delete p.spec.hostAliases;
          },
        },
        want: { ...BASE, ExposedPorts: undefined, PortBindings: undefined, Dns: undefined, ExtraHosts: undefined },
      },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        const pod = withSpec(given.pod ?? (() => undefined));
        const body = desiredSandbox(pod, planContext(given.ctx), 0).body;
        expect(view(body)).to.deep.equal(want);
        expect(jsonRoundTrip(body)).to.deep.equal(body);
      });
    }
  });

  describe('desiredMember', function () {
    it('builds the app member joining the sandbox', function () {
      const pod = samplePod();
      const app = containerOf(pod, 'app');
      const got = desiredMember(pod, app, planContext(), PLACEMENT);
      expect(got.name).to.equal('dp_default_web_0f1e2d3c_app_4');
      expect(got.hash).to.equal(memberHash(app));
      expect(got.body).to.deep.equal({
        Image: 'nginx:1.27',
        Entrypoint: ['/bin/server', '--name=web'],
        Cmd: ['--port', '80', '$(PORT)'],
        Env: ['PORT=80', 'POD_NAME=web', 'POD_IP=172.17.0.5', 'URL=http://172.17.0.5:80'],
        WorkingDir: '/srv',
        User: '1000:2000',
        Healthcheck: { Test: ['NONE'] },
        Labels: {
          ...POD_LABELS,
          [LABEL.role]: 'member',
          [LABEL.container]: 'app',
          [LABEL.sandboxAttempt]: '2',
          [LABEL.attempt]: '4',
          [LABEL.backoff]: '1',
          [LABEL.specHash]: got.hash,
        },
        HostConfig: {
          NetworkMode: 'container:sbx123',
          IpcMode: 'container:sbx123',
          CgroupParent: CGROUP,
          RestartPolicy: { Name: 'no' },
          Memory: 268435456,
          MemorySwap: 268435456,
          CpuShares: 256,
          CpuQuota: 50000,
          CpuPeriod: 100000,
          OomScoreAdj: 969,
          CapAdd: ['NET_BIND_SERVICE'],
          CapDrop: ['ALL'],
          ReadonlyRootfs: true,
          SecurityOpt: ['no-new-privileges'],
        },
      });
      expect(jsonRoundTrip(got.body)).to.deep.equal(got.body);
    });

    it('takes env from the Secrets and ConfigMaps in the placement; the spec hash does not depend on their values', function () {
      const pod = samplePod();
      const c = { ...containerOf(pod, 'sidecar'), envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'cfg' } }], env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }], args: ['--token=$(TOKEN)'] };
      const sources = { secrets: new Map([['creds', { token: 't0p' }]]), configMaps: new Map([['cfg', { mode: 'fast' }]]) };
      const got = desiredMember(pod, c, planContext(), { ...PLACEMENT, sources });
      expect(got.body.Env).to.deep.equal(['CFG_mode=fast', 'TOKEN=t0p']);
      expect(got.body.Cmd).to.deep.equal(['--token=t0p']);
      const other = desiredMember(pod, c, planContext(), { ...PLACEMENT, sources: { ...sources, secrets: new Map([['creds', { token: 'changed' }]]) } });
      expect(other.hash).to.equal(got.hash);
      expect(() => desiredMember(pod, c, planContext(), PLACEMENT)).to.throw('configmap "cfg" not found');
    });

    it('builds the sidecar member: args only, memory limit, no user, no env', function () {
      const pod = samplePod();
      const got = desiredMember(pod, containerOf(pod, 'sidecar'), planContext(), { ...PLACEMENT, attempt: 0, backoff: 0 });
      expect(got.name).to.equal('dp_default_web_0f1e2d3c_sidecar_0');
      expect(got.body).to.deep.equal({
        Image: 'busybox:1.36',
        Cmd: ['sleep', 'infinity'],
        Healthcheck: { Test: ['NONE'] },
        Labels: {
          ...POD_LABELS,
          [LABEL.role]: 'member',
          [LABEL.container]: 'sidecar',
          [LABEL.sandboxAttempt]: '2',
          [LABEL.attempt]: '0',
          [LABEL.backoff]: '0',
          [LABEL.specHash]: got.hash,
        },
        HostConfig: {
          NetworkMode: 'container:sbx123',
          IpcMode: 'container:sbx123',
          CgroupParent: CGROUP,
          RestartPolicy: { Name: 'no' },
          Memory: 134217728,
          MemorySwap: 134217728,
          CpuShares: 2,
          OomScoreAdj: 969,
        },
      });
    });

    it('never sets what the engine refuses on a member (hostname, ports, DNS, extra hosts)', function () {
      const pod = samplePod();
      for (const c of pod.spec.containers) {
        const body = desiredMember(pod, c, planContext(), PLACEMENT).body;
        expect(body).to.not.have.any.keys('Hostname', 'Domainname', 'ExposedPorts');
        expect(body.HostConfig).to.not.have.any.keys('PortBindings', 'Dns', 'DnsSearch', 'DnsOptions', 'ExtraHosts', 'ShmSize', 'UTSMode');
      }
    });

    const guaranteedPod = (): DockerPod =>
      withSpec((p) => {
        for (const c of p.spec.containers) c.resources = { limits: { cpu: '1', memory: '256Mi' } };
      });
    const bestEffortPod = (): DockerPod =>
      withSpec((p) => {
        for (const c of p.spec.containers) delete c.resources;
      });
    /** The member fields that vary with the pod and the context. */
    const view = (body: ContainerCreateBody): Record<string, unknown> => ({
      NetworkMode: body.HostConfig.NetworkMode,
      IpcMode: body.HostConfig.IpcMode,
      PidMode: body.HostConfig.PidMode,
      Memory: body.HostConfig.Memory,
      MemorySwap: body.HostConfig.MemorySwap,
      CpuShares: body.HostConfig.CpuShares,
      CpuQuota: body.HostConfig.CpuQuota,
      CpuPeriod: body.HostConfig.CpuPeriod,
      OomScoreAdj: body.HostConfig.OomScoreAdj,
      User: body.User,
    });
    const BASE = view(desiredMember(samplePod(), containerOf(samplePod(), 'app'), planContext(), PLACEMENT).body);
    const cases: Array<{ name: string; given: { pod: () => DockerPod; ctx?: Partial<PlanContext> }; want: Record<string, unknown> }> = [
      { name: 'default: own PID namespace', given: { pod: samplePod }, want: { ...BASE, PidMode: undefined } },
      { name: 'shareProcessNamespace: the sandbox PID namespace', given: { pod: () => withSpec((p) => (p.spec.shareProcessNamespace = true)) }, want: { ...BASE, PidMode: 'container:sbx123' } },
      { name: 'hostPID: the host PID namespace', given: { pod: () => withSpec((p) => (p.spec.hostPID = true)) }, want: { ...BASE, PidMode: 'host' } },
      { name: 'Burstable with negative scores allowed: unchanged', given: { pod: samplePod, ctx: { negativeOomScores: true } }, want: BASE },
      {
        name: 'Guaranteed with negative scores allowed: -997',
        given: { pod: guaranteedPod, ctx: { negativeOomScores: true } },
        want: { ...BASE, CpuShares: 1024, CpuQuota: 100000, OomScoreAdj: -997 },
      },
      { name: 'Guaranteed without negative scores: no adjustment', given: { pod: guaranteedPod }, want: { ...BASE, CpuShares: 1024, CpuQuota: 100000, OomScoreAdj: undefined } },
      {
        name: 'BestEffort: 1000, no limits',
        given: { pod: bestEffortPod },
        want: { ...BASE, Memory: undefined, MemorySwap: undefined, CpuShares: 2, CpuQuota: undefined, CpuPeriod: undefined, OomScoreAdj: 1000 },
      },
      {
        name: 'runAsUser without runAsGroup: the uid alone',
        given: { pod: () => withSpec((p) => delete containerOf(p, 'app').securityContext?.runAsGroup) },
        want: { ...BASE, User: '1000' },
      },
      {
        name: 'runAsGroup without runAsUser: no user',
        given: { pod: () => withSpec((p) => delete containerOf(p, 'app').securityContext?.runAsUser) },
        want: { ...BASE, User: undefined },
      },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        const pod = given.pod();
        expect(view(desiredMember(pod, containerOf(pod, 'app'), planContext(given.ctx), PLACEMENT).body)).to.deep.equal(want);
      });
    }

    it('puts every member in the cgroup parent of the sandbox', function () {
      const pod = samplePod();
      const ctx = planContext({ cgroupDriver: 'systemd', cgroupRoot: '/dockerpod' });
      const sandbox = desiredSandbox(pod, ctx, 0).body.HostConfig.CgroupParent;
      expect(sandbox).to.equal(`dockerpod-pod${UID.replace(/-/g, '_')}.slice`);
      for (const c of pod.spec.containers) expect(desiredMember(pod, c, ctx, PLACEMENT).body.HostConfig.CgroupParent).to.equal(sandbox);
    });

    it('labels an init container with its role', function () {
      const pod = samplePod();
      const body = desiredMember(pod, containerOf(pod, 'sidecar'), planContext(), { ...PLACEMENT, role: 'init' }).body;
      expect(body.Labels[LABEL.role]).to.equal('init');
    });
  });

  describe('hashes', function () {
    const ctx = planContext();
    const base = sandboxHash(samplePod(), ctx);
    const sandboxCases: Array<{ name: string; given: (p: DockerPod) => void; want: 'changes' | 'same' }> = [
      { name: 'dnsConfig', given: (p) => p.spec.dnsConfig?.nameservers?.push('10.0.0.11'), want: 'changes' },
      { name: 'hostAliases', given: (p) => (p.spec.hostAliases = []), want: 'changes' },
      { name: 'a hostPort', given: (p) => ((containerOf(p, 'app').ports ?? [])[0] = { containerPort: 80, hostPort: 8081 }), want: 'changes' },
      { name: 'spec.hostname', given: (p) => (p.spec.hostname = 'other'), want: 'changes' },
      { name: 'hostNetwork', given: (p) => (p.spec.hostNetwork = true), want: 'changes' },
      { name: 'hostIPC', given: (p) => (p.spec.hostIPC = true), want: 'changes' },
      { name: 'shareProcessNamespace', given: (p) => (p.spec.shareProcessNamespace = true), want: 'changes' },
      { name: 'the sandbox image', given: (p) => (p.spec.sandbox = { image: 'example.com/pause:2' }), want: 'changes' },
      { name: 'a container image only', given: (p) => (containerOf(p, 'app').image = 'nginx:1.28'), want: 'same' },
      { name: 'a container env only', given: (p) => containerOf(p, 'sidecar').env = [{ name: 'A', value: '1' }], want: 'same' },
      { name: 'resources only', given: (p) => (containerOf(p, 'app').resources = {}), want: 'same' },
      { name: 'a port without hostPort', given: (p) => containerOf(p, 'sidecar').ports = [{ containerPort: 9000 }], want: 'same' },
      { name: 'restartPolicy', given: (p) => (p.spec.restartPolicy = 'Never'), want: 'same' },
      { name: 'labels', given: (p) => (p.metadata.labels = { app: 'other' }), want: 'same' },
    ];
    for (const { name, given, want } of sandboxCases) {
      it(`sandbox hash ${want === 'changes' ? 'changes with' : 'ignores'} ${name}`, function () {
        const hash = sandboxHash(withSpec(given), ctx);
        if (want === 'changes') expect(hash).to.not.equal(base);
        else expect(hash).to.equal(base);
      });
    }

    it('sandbox hash follows the operator pause image when the pod names none', function () {
      expect(sandboxHash(samplePod(), planContext({ pauseImage: 'pause:other' }))).to.not.equal(base);
    });

    const app = memberHash(containerOf(samplePod(), 'app'));
    const memberCases: Array<{ name: string; given: (c: Container) => void; want: 'changes' | 'same' }> = [
      { name: 'the image', given: (c) => (c.image = 'nginx:1.28'), want: 'changes' },
      { name: 'an env value', given: (c) => ((c.env ?? [])[0] = { name: 'PORT', value: '81' }), want: 'changes' },
      { name: 'args', given: (c) => (c.args = []), want: 'changes' },
      { name: 'resources', given: (c) => (c.resources = { limits: { memory: '512Mi' } }), want: 'changes' },
      { name: 'nothing (a deep copy)', given: () => undefined, want: 'same' },
      {
        name: 'key order only',
        given: (c) => {
          const { name, image, ...rest } = { ...c };
          for (const k of Object.keys(c)) delete (c as Record<string, unknown>)[k];
          Object.assign(c, rest, { image, name });
        },
        want: 'same',
      },
    ];
    for (const { name, given, want } of memberCases) {
      it(`member hash ${want === 'changes' ? 'changes with' : 'ignores'} ${name}`, function () {
        const c = structuredClone(containerOf(samplePod(), 'app'));
        given(c);
        if (want === 'changes') expect(memberHash(c)).to.not.equal(app);
        else expect(memberHash(c)).to.equal(app);
      });
    }
  });

  describe('podHostname', function () {
    const cases = [
      { name: 'the pod name', given: { name: 'web' }, want: 'web' },
      { name: 'spec.hostname wins', given: { name: 'web', hostname: 'frontend' }, want: 'frontend' },
      { name: 'exactly 63 characters', given: { name: 'a'.repeat(63) }, want: 'a'.repeat(63) },
      { name: 'cut to 63', given: { name: 'a'.repeat(70) }, want: 'a'.repeat(63) },
      { name: 'cut, trailing dash and dot dropped', given: { name: `${'a'.repeat(61)}.-b` }, want: 'a'.repeat(61) },
    ];
    for (const { name, given, want } of cases) {
      it(`${name} -> ${want.length} characters`, function () {
        const pod = withSpec((p) => {
          p.metadata.name = given.name;
          if (given.hostname) p.spec.hostname = given.hostname;
        });
        expect(podHostname(pod)).to.equal(want);
      });
    }
  });
});
