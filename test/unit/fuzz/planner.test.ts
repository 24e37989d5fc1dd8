/**
 * Property tests of the pure planner (fast-check; DOCKERPOD_FUZZ_RUNS runs, the seed printed on
 * failure): every random pod the API server would accept (schema after defaults, semantic
 * validation) is admitted under a policy that allows everything, and the plan made for it never
 * throws and obeys the engine's own rules: the sandbox's IpcMode is shareable (host with hostIPC)
 * and it alone holds the network settings; a member joins the sandbox's namespaces and has no
 * Hostname, ports, DNS or extra hosts (the engine refuses them with container: modes); mount
 * targets are absolute and unique per container; every volume a mount uses is planned; names are
 * unique; memory limits reach Docker's minimum; the first pass creates everything in the kubelet's
 * order, and a pass over a pod running as planned does nothing.
 */
import { posix } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { FieldPath, formatFieldError } from '../../../src/api/field-errors.js';
import type { Container } from '../../../src/api/v1alpha1/container.js';
import { dockerPodCrd } from '../../../src/api/v1alpha1/crds.js';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import { validateDockerPod } from '../../../src/api/v1alpha1/validation/pod.js';
import { applyDefaults } from '../../../src/apiextensions/defaults.js';
import type { JsonSchemaProps } from '../../../src/apiextensions/schema.js';
import { validateValue } from '../../../src/apiextensions/validate.js';
import { computePodActions } from '../../../src/planner/actions.js';
import { admitPod, type HostPolicy } from '../../../src/planner/admission.js';
import type { PlanContext } from '../../../src/planner/context.js';
import { desiredMember, desiredSandbox, type DesiredContainer } from '../../../src/planner/desired.js';
import { resolveContainerEnv, type DownwardValues, type EnvSources } from '../../../src/planner/env.js';
import { SANDBOX_NAME } from '../../../src/planner/labels.js';
import { emptyObservation } from '../../../src/planner/observe.js';
import { desiredVolumes } from '../../../src/planner/volumes.js';
import type { HostConfigBody } from '../../../src/runtime/docker/types.js';
import { NOW, observation, planContext, type FakeContainer } from '../planner/fixtures.js';
import { dockerPod, FUZZ_RUNS, fuzzParameters } from './arbitraries.js';

const POD_SCHEMA = dockerPodCrd().spec.versions[0]?.schema.openAPIV3Schema as JsonSchemaProps;
const ALLOW_ALL: HostPolicy = { allowHostNamespaces: true, allowPrivileged: true, allowedHostPaths: [{ pathPrefix: '/' }], allowedCapabilities: ['ALL'], allowDockerSocket: true };
const SOURCES: EnvSources = { secrets: new Map([['db', { password: 'p', user: 'u' }]]), configMaps: new Map([['cfg', { mode: 'fast', 'not a name': 'x' }]]) };
const SANDBOX_ID = 'sandbox-0';
const DOCKER_MIN_MEMORY = 6 * 1024 * 1024;
/** Options the engine refuses on a container that joins another's network (moby runconfig validateNetMode). */
const NETWORK_OWNER_ONLY = ['Hostname', 'ExposedPorts', 'MacAddress'] as const;
const NETWORK_OWNER_ONLY_HOST = ['PortBindings', 'PublishAllPorts', 'Dns', 'DnsSearch', 'DnsOptions', 'ExtraHosts', 'Links'] as const;

const CONTEXTS: PlanContext[] = [
  planContext(),
  planContext({ cgroupDriver: 'systemd', cgroupRoot: 'dockerpod.slice', negativeOomScores: true, apiVersion: '1.44' }),
  planContext({ podNetwork: 'none', apiVersion: '1.47', dockerRootDir: '/srv/docker' }),
];

/** The pod as the API server would store it, or undefined when it would refuse it. */
function acceptedByApi(pod: DockerPod): DockerPod | undefined {
  const stored = applyDefaults(structuredClone(pod), POD_SCHEMA);
  const { metadata: _m, ...body } = stored;
  const schemaErrors = validateValue(body, { ...POD_SCHEMA, properties: { ...POD_SCHEMA.properties, metadata: { type: 'object' } } }, FieldPath.root(''));
  return schemaErrors.length === 0 && validateDockerPod(stored).length === 0 ? stored : undefined;
}

const hostConfig = (d: DesiredContainer): HostConfigBody => d.body.HostConfig ?? {};

/** Targets of every mount and bind of a container: absolute and each once (the engine: "Duplicate mount point"). */
function mountProblems(d: DesiredContainer): string[] {
  const hc = hostConfig(d);
  const raw = [...(hc.Mounts ?? []).map((m) => String((m as { Target?: unknown }).Target)), ...(hc.Binds ?? []).map((b) => b.split(':')[1] ?? '')];
  // The engine cleans a target before comparing: /data/ and /data/. are /data.
  const targets = raw.map((t) => posix.normalize(t).replace(/(.)\/+$/, '$1'));
  const problems = targets.filter((t) => !t.startsWith('/')).map((t) => `${d.name}: mount target ${t} is not absolute`);
  const duplicates = targets.filter((t, i) => targets.indexOf(t) !== i);
  return [...problems, ...duplicates.map((t) => `${d.name}: two mounts at ${t}`)];
}

function sandboxProblems(pod: DockerPod, ctx: PlanContext, sandbox: DesiredContainer): string[] {
  const hc = hostConfig(sandbox);
  const problems: string[] = [];
  const ipc = pod.spec.hostIPC ? 'host' : 'shareable';
  if (hc.IpcMode !== ipc) problems.push(`sandbox IpcMode ${String(hc.IpcMode)}, not ${ipc}`);
  const network = pod.spec.hostNetwork ? 'host' : ctx.podNetwork;
  if (hc.NetworkMode !== network) problems.push(`sandbox NetworkMode ${String(hc.NetworkMode)}, not ${network}`);
  const exposed = Object.keys(sandbox.body.ExposedPorts ?? {}).sort();
  const bound = Object.keys(hc.PortBindings ?? {}).sort();
  if (JSON.stringify(exposed) !== JSON.stringify(bound)) problems.push(`exposed ${exposed.join(',')} but bound ${bound.join(',')}`);
  const hostPorts = Object.values(hc.PortBindings ?? {}).flat().map((b) => Number(b.HostPort));
  if (hostPorts.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) problems.push(`host ports out of range: ${hostPorts.join(',')}`);
  return [...problems, ...mountProblems(sandbox)];
}

function pidModeOf(pod: DockerPod): string | undefined {
  if (pod.spec.shareProcessNamespace) return `container:${SANDBOX_ID}`;
  return pod.spec.hostPID ? 'host' : undefined;
}

function memberProblems(pod: DockerPod, c: Container, member: DesiredContainer, sandbox: DesiredContainer): string[] {
  const hc = hostConfig(member);
  const join = `container:${SANDBOX_ID}`;
  const problems = [
    ...NETWORK_OWNER_ONLY.filter((k) => member.body[k as keyof typeof member.body] !== undefined),
    ...NETWORK_OWNER_ONLY_HOST.filter((k) => hc[k as keyof HostConfigBody] !== undefined),
  ].map((k) => `${member.name}: ${k} on a member`);
  if (hc.NetworkMode !== (pod.spec.hostNetwork ? 'host' : join)) problems.push(`${member.name}: NetworkMode ${String(hc.NetworkMode)}`);
  if (hc.IpcMode !== (pod.spec.hostIPC ? 'host' : join)) problems.push(`${member.name}: IpcMode ${String(hc.IpcMode)}`);
  if (hc.PidMode !== pidModeOf(pod)) problems.push(`${member.name}: PidMode ${String(hc.PidMode)}`);
  if (hc.CgroupParent !== hostConfig(sandbox).CgroupParent) problems.push(`${member.name}: CgroupParent ${String(hc.CgroupParent)} differs from the sandbox's`);
  if (member.body.Image !== c.image) problems.push(`${member.name}: Image ${String(member.body.Image)}`);
  return [...problems, ...resourceProblems(member), ...mountProblems(member)];
}

/** Resource settings the engine takes: memory from 6 MiB with swap equal to it, CPU shares in range, a quota of at least 1 ms per 100 ms. */
function resourceProblems(member: DesiredContainer): string[] {
  const hc = hostConfig(member);
  const problems: string[] = [];
  if (hc.Memory !== undefined && (hc.Memory < DOCKER_MIN_MEMORY || hc.MemorySwap !== hc.Memory)) problems.push(`${member.name}: Memory ${hc.Memory}, MemorySwap ${String(hc.MemorySwap)}`);
  if (hc.CpuShares !== undefined && (hc.CpuShares < 2 || hc.CpuShares > 262144)) problems.push(`${member.name}: CpuShares ${hc.CpuShares}`);
  if (hc.CpuQuota !== undefined && (hc.CpuQuota < 1000 || hc.CpuPeriod !== 100_000)) problems.push(`${member.name}: CpuQuota ${hc.CpuQuota} per ${String(hc.CpuPeriod)}`);
  return problems;
}

/** Every mount of a Docker volume uses a volume the plan creates. */
function volumeProblems(pod: DockerPod, ctx: PlanContext, all: readonly DesiredContainer[]): string[] {
  const planned = desiredVolumes(pod, ctx).map((v) => v.name);
  const problems = planned.filter((n, i) => planned.indexOf(n) !== i).map((n) => `volume ${n} planned twice`);
  const used = all.flatMap((d) => (hostConfig(d).Mounts ?? []).filter((m) => (m as { Type?: unknown }).Type === 'volume').map((m) => String((m as { Source?: unknown }).Source)));
  return [...problems, ...used.filter((v) => !planned.includes(v)).map((v) => `a mount uses volume ${v}, which is not planned`)];
}

const downwardOf = (pod: DockerPod): DownwardValues => ({ namespace: 'default', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '', labels: {}, annotations: {}, hostName: 'node-1', hostIP: '192.168.1.10', podIP: '172.17.0.5' });

/** The sandbox and every container whose environment resolves (the others wait with CreateContainerConfigError), planned. */
function plan(pod: DockerPod, ctx: PlanContext): { sandbox: DesiredContainer; members: Array<{ c: Container; d: DesiredContainer }> } {
  const sandbox = desiredSandbox(pod, ctx, 0);
  const downward = downwardOf(pod);
  const init = new Set(pod.spec.initContainers ?? []);
  const members = [...init, ...pod.spec.containers]
    .filter((c) => !('error' in resolveContainerEnv(c, downward, SOURCES)))
    .map((c) => ({ c, d: desiredMember(pod, c, ctx, { sandboxId: SANDBOX_ID, sandboxAttempt: 0, attempt: 0, backoff: 0, role: init.has(c) ? 'init' : 'member', downward, sources: SOURCES }) }));
  return { sandbox, members };
}

/** The first pass: a sandbox of attempt 0, then the first init container alone, or every container. */
function firstPassProblems(pod: DockerPod, ctx: PlanContext): string[] {
  const actions = computePodActions({ pod, obs: emptyObservation(), ctx, now: NOW, finished: false });
  const started = actions.start.map((s) => s.container.name);
  const first = pod.spec.initContainers?.[0];
  const want = first ? [first.name] : pod.spec.containers.map((c) => c.name);
  const problems = actions.createSandbox?.attempt === 0 ? [] : [`first pass: createSandbox ${JSON.stringify(actions.createSandbox)}`];
  return JSON.stringify(started) === JSON.stringify(want) ? problems : [...problems, `first pass starts ${started.join(',')}, not ${want.join(',')}`];
}

/** A pass over the pod running exactly as planned (init containers done) changes nothing. */
function steadyPassProblems(pod: DockerPod, ctx: PlanContext): string[] {
  const fakes: FakeContainer[] = [
    { container: SANDBOX_NAME, attempt: 0, state: 'running' },
    ...(pod.spec.initContainers ?? []).map((c): FakeContainer => ({ container: c.name, attempt: 0, state: 'exited', exitCode: 0 })),
    ...pod.spec.containers.map((c): FakeContainer => ({ container: c.name, attempt: 0, state: 'running' })),
  ];
  const a = computePodActions({ pod, obs: observation(pod, ctx, fakes), ctx, now: NOW, finished: false });
  const busy = [a.killPod && 'killPod', a.createSandbox && 'createSandbox', a.startSandbox && 'startSandbox', a.kill.length > 0 && 'kill', a.remove.length > 0 && 'remove', a.start.length > 0 && 'start', a.startExisting.length > 0 && 'startExisting'];
  const done = busy.filter(Boolean);
  return done.length === 0 ? [] : [`steady pass: ${done.join(', ')}`];
}

describe('fuzz: plans of accepted pods obey the engine', function () {
  this.timeout(Math.max(60_000, FUZZ_RUNS * 10));
  let planned = 0;
  let members = 0;
  after(() => console.log(`      ${FUZZ_RUNS} runs: ${planned} pods accepted and planned, ${members} members`));

  it('admits, plans and schedules the first and a steady pass without a throw or a rule broken', function () {
    fc.assert(
      fc.property(dockerPod, fc.constantFrom(...CONTEXTS), (generated, ctx) => {
        const pod = acceptedByApi(generated);
        if (!pod) return;
        const refusal = admitPod(pod, ALLOW_ALL, 'node-1');
        expect(refusal?.errors.map(formatFieldError) ?? [], 'admission with a policy allowing everything').to.deep.equal([]);
        const { sandbox, members: planned_ } = plan(pod, ctx);
        const all = [sandbox, ...planned_.map((m) => m.d)];
        const names = all.map((d) => d.name);
        const problems = [
          ...sandboxProblems(pod, ctx, sandbox),
          ...planned_.flatMap((m) => memberProblems(pod, m.c, m.d, sandbox)),
          ...volumeProblems(pod, ctx, all),
          ...names.filter((n, i) => names.indexOf(n) !== i).map((n) => `container name ${n} twice`),
          ...firstPassProblems(pod, ctx),
          ...steadyPassProblems(pod, ctx),
        ];
        expect(problems, problems.join('; ')).to.deep.equal([]);
        planned++;
        members += planned_.length;
      }),
      fuzzParameters(),
    );
    expect(planned, 'accepted pods among the generated ones').to.be.above(FUZZ_RUNS / 40);
  });
});
