/**
 * The Docker create configs a DockerPod should have (pure): the sandbox, which owns the
 * network, IPC and UTS namespaces and publishes every host port, and each member, which joins
 * them. The Docker settings follow kubelet + cri-dockerd, including the options the engine
 * refuses on members (hostname, ports, DNS, extra hosts) being set on the sandbox only.
 */
import type { Container } from '../api/v1alpha1/container.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import type { ContainerCreateBody, HostConfigBody } from '../runtime/docker/types.js';
import { podCgroupParent } from './cgroup.js';
import type { PlanContext } from './context.js';
import { containerEnv, expandedCommand, type DownwardValues, type EnvSources } from './env.js';
import { specHash } from './hash.js';
import { containerName, LABEL, podLabels, SANDBOX_NAME, type PodIdentity, type Role } from './labels.js';
import { cpuQuota, cpuShares, memoryLimit, oomScoreAdj, qosClass } from './resources.js';
import { defined, nonEmpty, when } from '../util/objects.js';
import { containerMounts, sandboxMounts } from './volumes.js';

const SHM_SIZE = 64 * 1024 * 1024;
const SANDBOX_OOM_SCORE = -998;

/** A container to create: its name, body and the hash of the spec it came from. */
export interface DesiredContainer {
  name: string;
  body: ContainerCreateBody;
  hash: string;
}

/** The identity of a pod object. */
export function identityOf(pod: DockerPod): PodIdentity {
  return { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' };
}

/** The pod's hostname: spec.hostname, else the name cut to 63 characters without a trailing dash or dot. */
export function podHostname(pod: DockerPod): string {
  return pod.spec.hostname ?? (pod.metadata.name ?? '').slice(0, 63).replace(/[-.]+$/, '');
}

/** The pod-level fields whose change means a new sandbox (and so a new pod). */
function sandboxSpec(pod: DockerPod, ctx: PlanContext): unknown {
  const s = pod.spec;
  const ports = s.containers.flatMap((c) => (c.ports ?? []).filter((p) => p.hostPort !== undefined));
  return {
    image: s.sandbox?.image ?? ctx.pauseImage, hostname: podHostname(pod), hostNetwork: s.hostNetwork ?? false, hostIPC: s.hostIPC ?? false,
    hostPID: s.hostPID ?? false, shareProcessNamespace: s.shareProcessNamespace ?? false, dnsConfig: s.dnsConfig ?? null, hostAliases: s.hostAliases ?? [], ports,
    ...volumesSpec(pod),
  };
}

/** Volumes are pod-level: a change recreates the pod. Absent when empty, so pods without volumes keep their hash. */
const volumesSpec = (pod: DockerPod): { volumes?: unknown } => (pod.spec.volumes?.length ? { volumes: pod.spec.volumes } : {});

function portSettings(pod: DockerPod): Pick<ContainerCreateBody, 'ExposedPorts'> & Pick<HostConfigBody, 'PortBindings'> {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, Array<{ HostIp?: string; HostPort: string }>> = {};
  for (const port of pod.spec.containers.flatMap((c) => c.ports ?? [])) {
    if (port.hostPort === undefined) continue;
    const key = `${port.containerPort}/${(port.protocol ?? 'TCP').toLowerCase()}`;
    exposed[key] = {};
    bindings[key] = [...(bindings[key] ?? []), { HostIp: port.hostIP ?? '', HostPort: String(port.hostPort) }];
  }
  return Object.keys(exposed).length > 0 ? { ExposedPorts: exposed, PortBindings: bindings } : {};
}

function dnsSettings(pod: DockerPod): Pick<HostConfigBody, 'Dns' | 'DnsSearch' | 'DnsOptions' | 'ExtraHosts'> {
  const dns = pod.spec.dnsConfig;
  const hosts = (pod.spec.hostAliases ?? []).flatMap((a) => a.hostnames.map((h) => `${h}:${a.ip}`));
  return defined({
    Dns: nonEmpty(dns?.nameservers),
    DnsSearch: nonEmpty(dns?.searches),
    DnsOptions: nonEmpty(dns?.options?.map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`))),
    ExtraHosts: nonEmpty(hosts),
  });
}

function baseLabels(pod: DockerPod, ctx: PlanContext, role: Role, container: string): Record<string, string> {
  return { ...podLabels(ctx.instance, identityOf(pod), ctx.extraLabels), [LABEL.role]: role, [LABEL.container]: container };
}

/** The sandbox of attempt `attempt`. */
export function desiredSandbox(pod: DockerPod, ctx: PlanContext, attempt: number): DesiredContainer {
  const hash = specHash(sandboxSpec(pod, ctx));
  const s = pod.spec;
  const host = s.hostNetwork === true;
  const { ExposedPorts, PortBindings } = host ? {} : portSettings(pod);
  const hostConfig: HostConfigBody = defined({
    NetworkMode: host ? 'host' : ctx.podNetwork,
    IpcMode: s.hostIPC ? 'host' : 'shareable',
    PidMode: when(s.hostPID, 'host'),
    CgroupParent: podCgroupParent(ctx.cgroupRoot, ctx.cgroupDriver, identityOf(pod).uid),
    RestartPolicy: { Name: 'no' as const },
    PortBindings,
    ShmSize: SHM_SIZE,
    OomScoreAdj: when(ctx.negativeOomScores, SANDBOX_OOM_SCORE),
    SecurityOpt: ['no-new-privileges'],
    CpuShares: 2,
    ...(host ? {} : dnsSettings(pod)),
    ...sandboxMounts(pod),
  });
  const body: ContainerCreateBody = defined({
    Image: s.sandbox?.image ?? ctx.pauseImage,
    Hostname: when(!host, podHostname(pod)),
    Labels: { ...baseLabels(pod, ctx, 'sandbox', SANDBOX_NAME), [LABEL.sandboxAttempt]: String(attempt), [LABEL.attempt]: String(attempt), [LABEL.specHash]: hash },
    ExposedPorts,
    HostConfig: hostConfig,
  });
  return { name: containerName(identityOf(pod), SANDBOX_NAME, attempt), body, hash };
}

/** The hash of a member's spec: a change recreates that container alone. */
export const memberHash = (c: Container): string => specHash(c);

function userOf(sc: NonNullable<Container['securityContext']>): string | undefined {
  if (sc.runAsUser === undefined) return undefined;
  return sc.runAsGroup === undefined ? String(sc.runAsUser) : `${sc.runAsUser}:${sc.runAsGroup}`;
}

function securitySettings(c: Container): Pick<ContainerCreateBody, 'User'> & Pick<HostConfigBody, 'CapAdd' | 'CapDrop' | 'Privileged' | 'ReadonlyRootfs' | 'SecurityOpt'> {
  const sc = c.securityContext;
  if (!sc) return {};
  return defined({
    User: userOf(sc),
    CapAdd: nonEmpty(sc.capabilities?.add),
    CapDrop: nonEmpty(sc.capabilities?.drop),
    Privileged: when(sc.privileged, true),
    ReadonlyRootfs: when(sc.readOnlyRootFilesystem, true),
    SecurityOpt: when(sc.allowPrivilegeEscalation === false, ['no-new-privileges']),
  });
}

function resourceSettings(pod: DockerPod, c: Container, ctx: PlanContext): HostConfigBody {
  const memory = memoryLimit(c);
  const quota = cpuQuota(c);
  const oom = oomScoreAdj(qosClass(pod.spec.containers), c, ctx.memoryCapacity);
  return defined({
    Memory: when(memory > 0, memory),
    MemorySwap: when(memory > 0, memory),
    CpuShares: cpuShares(c),
    CpuQuota: quota?.quota,
    CpuPeriod: quota?.period,
    OomScoreAdj: when(oom >= 0 || ctx.negativeOomScores, oom),
  });
}

/** Where a member is placed and which instance it is. */
export interface MemberPlacement {
  sandboxId: string;
  sandboxAttempt: number;
  attempt: number;
  backoff: number;
  role?: Role;
  downward: DownwardValues;
  /** The Secrets and ConfigMaps its env refers to, already read (none when unset). */
  sources?: EnvSources;
}

function pidMode(pod: DockerPod, join: string): string | undefined {
  if (pod.spec.shareProcessNamespace) return join;
  return pod.spec.hostPID ? 'host' : undefined;
}

function memberHostConfig(pod: DockerPod, c: Container, ctx: PlanContext, join: string): HostConfigBody {
  const { User: _user, ...security } = securitySettings(c);
  return defined({
    NetworkMode: pod.spec.hostNetwork ? 'host' : join,
    IpcMode: pod.spec.hostIPC ? 'host' : join,
    PidMode: pidMode(pod, join),
    CgroupParent: podCgroupParent(ctx.cgroupRoot, ctx.cgroupDriver, identityOf(pod).uid),
    RestartPolicy: { Name: 'no' as const },
    ...resourceSettings(pod, c, ctx),
    ...security,
    ...containerMounts(pod, c, ctx),
  });
}

/**
 * A member (or init) container joining the sandbox `placement.sandboxId`. Throws when a required
 * Secret, ConfigMap or key of its env is missing (check with resolveContainerEnv first).
 */
export function desiredMember(pod: DockerPod, c: Container, ctx: PlanContext, placement: MemberPlacement): DesiredContainer {
  const env = containerEnv(c, placement.downward, placement.sources);
  const { entrypoint, cmd } = expandedCommand(c, env);
  const hash = memberHash(c);
  const body: ContainerCreateBody = defined({
    Image: c.image,
    Entrypoint: entrypoint,
    Cmd: cmd,
    Env: nonEmpty(env),
    WorkingDir: c.workingDir || undefined,
    User: securitySettings(c).User,
    Tty: when(c.tty, true),
    OpenStdin: when(c.stdin, true),
    Healthcheck: { Test: ['NONE'] },
    Labels: {
      ...baseLabels(pod, ctx, placement.role ?? 'member', c.name),
      [LABEL.sandboxAttempt]: String(placement.sandboxAttempt),
      [LABEL.attempt]: String(placement.attempt),
      [LABEL.backoff]: String(placement.backoff),
      [LABEL.specHash]: hash,
    },
    HostConfig: memberHostConfig(pod, c, ctx, `container:${placement.sandboxId}`),
  });
  return { name: containerName(identityOf(pod), c.name, placement.attempt), body, hash };
}

/** The sandbox hash a pod should have (to compare with the observed one). */
export const sandboxHash = (pod: DockerPod, ctx: PlanContext): string => specHash(sandboxSpec(pod, ctx));
