/**
 * Shared fixtures of the planner and status unit tests: a sample DockerPod (two containers `app`
 * and `sidecar`), a PlanContext, and a factory of inspected containers (ContainerDetails) labelled
 * the way desired.ts labels them, grouped by observe() into a PodObservation.
 */
import type { Container } from '../../../src/api/v1alpha1/container.js';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import type { PlanContext } from '../../../src/planner/context.js';
import { memberHash, sandboxHash } from '../../../src/planner/desired.js';
import { containerName, LABEL, SANDBOX_NAME } from '../../../src/planner/labels.js';
import { observe, type Instance, type PodObservation } from '../../../src/planner/observe.js';
import type { ContainerDetails, ContainerStateName } from '../../../src/runtime/docker/types.js';

export const UID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
/** "Now" of every test: 2026-01-01T12:00:00Z. */
export const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
export const NOW_ISO = '2026-01-01T12:00:00Z';
export const ZERO_TIME = '0001-01-01T00:00:00Z';
export const IMAGE_ID = 'sha256:4f2d';
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** Docker's timestamp of `ms` (with nanoseconds, as the engine prints it). */
export const dockerTime = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, '123456Z');
/** The same instant as the status prints it (to the second). */
export const statusTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** The `app` container: ports (one published), env with $(VAR) and fieldRefs, Burstable resources, a security context. */
export function appContainer(): Container {
  return {
    name: 'app',
    image: 'nginx:1.27',
    command: ['/bin/server', '--name=$(POD_NAME)'],
    args: ['--port', '$(PORT)', '$$(PORT)'],
    workingDir: '/srv',
    ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 9090 }],
    env: [
      { name: 'PORT', value: '80' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'URL', value: 'http://$(POD_IP):$(PORT)' },
    ],
    resources: { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    securityContext: {
      runAsUser: 1000,
      runAsGroup: 2000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
    },
  };
}

/** The `sidecar` container: args only and a memory limit (its request defaults to it). */
export function sidecarContainer(): Container {
  return { name: 'sidecar', image: 'busybox:1.36', args: ['sleep', 'infinity'], resources: { limits: { memory: '128Mi' } } };
}

/** A fresh sample pod `default/web`. */
export function samplePod(): DockerPod {
  return {
    apiVersion: 'dockerpod.dev/v1alpha1',
    kind: 'DockerPod',
    metadata: { name: 'web', namespace: 'default', uid: UID, generation: 3, labels: { app: 'web' }, annotations: { team: 'infra' } },
    spec: {
      restartPolicy: 'Always',
      dnsConfig: { nameservers: ['10.0.0.10'], searches: ['default.svc.cluster.local'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
      hostAliases: [{ ip: '10.1.2.3', hostnames: ['db', 'db.local'] }],
      containers: [appContainer(), sidecarContainer()],
    },
  };
}

/** A PlanContext with cgroupfs, the bridge network, no negative OOM scores and 4 GiB of memory. */
export function planContext(overrides: Partial<PlanContext> = {}): PlanContext {
  return {
    instance: 'op-test',
    extraLabels: { 'test.run': 'r1' },
    pauseImage: 'registry.k8s.io/pause:3.9',
    podNetwork: 'bridge',
    cgroupRoot: '/dockerpod',
    cgroupDriver: 'cgroupfs',
    negativeOomScores: false,
    memoryCapacity: 4 * GiB,
    hostName: 'node-1',
    hostIP: '192.168.1.10',
    ...overrides,
  };
}

/** What a fake inspected container looks like. */
export interface FakeContainer {
  /** Spec name, or `POD` for the sandbox. */
  container: string;
  attempt: number;
  /** Defaults to `attempt` for the sandbox, 0 for members. */
  sandboxAttempt?: number;
  backoff?: number;
  /** Defaults to the hash the pod's spec gives (sandboxHash / memberHash of the spec container). */
  hash?: string;
  state: Extract<ContainerStateName, 'running' | 'exited' | 'created'>;
  exitCode?: number;
  error?: string;
  oomKilled?: boolean;
  /** ms since the epoch; default: running/exited 60 s before NOW, created never. */
  startedAt?: number;
  /** ms since the epoch; default: exited 30 s before NOW, otherwise never. */
  finishedAt?: number;
  /** Sandbox IP; default 172.17.0.5 for a running sandbox. */
  ip?: string;
  /** Overrides the role label (or removes it with ''). */
  role?: string;
}

/** The id of a fake container: `<container>-<attempt>`, e.g. `app-1`, `POD-0`. */
export const idOf = (container: string, attempt: number): string => `${container}-${attempt}`;

function defaultHash(pod: DockerPod, ctx: PlanContext, f: FakeContainer): string {
  if (f.container === SANDBOX_NAME) return sandboxHash(pod, ctx);
  const spec = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === f.container);
  return spec ? memberHash(spec) : 'gone';
}

function times(f: FakeContainer): { startedAt: string; finishedAt: string } {
  const started = f.startedAt ?? (f.state === 'created' ? undefined : NOW - 60_000);
  const finished = f.finishedAt ?? (f.state === 'exited' ? NOW - 30_000 : undefined);
  return { startedAt: started === undefined ? ZERO_TIME : dockerTime(started), finishedAt: finished === undefined ? ZERO_TIME : dockerTime(finished) };
}

function labelsOf(pod: DockerPod, ctx: PlanContext, f: FakeContainer): Record<string, string> {
  const sandbox = f.container === SANDBOX_NAME;
  const role = f.role ?? (sandbox ? 'sandbox' : 'member');
  return {
    [LABEL.managedBy]: ctx.instance,
    [LABEL.namespace]: 'default',
    [LABEL.name]: 'web',
    [LABEL.uid]: UID,
    ...(role === '' ? {} : { [LABEL.role]: role }),
    [LABEL.container]: f.container,
    [LABEL.sandboxAttempt]: String(f.sandboxAttempt ?? (sandbox ? f.attempt : 0)),
    [LABEL.attempt]: String(f.attempt),
    [LABEL.specHash]: f.hash ?? defaultHash(pod, ctx, f),
    ...(sandbox ? {} : { [LABEL.backoff]: String(f.backoff ?? 0) }),
  };
}

/** One inspected container of the sample pod, labelled as the planner labels it. */
export function details(pod: DockerPod, ctx: PlanContext, f: FakeContainer): ContainerDetails {
  const sandbox = f.container === SANDBOX_NAME;
  const labels = labelsOf(pod, ctx, f);
  const running = f.state === 'running';
  return {
    id: idOf(f.container, f.attempt),
    name: containerName({ namespace: 'default', name: 'web', uid: UID }, f.container, f.attempt),
    labels,
    state: f.state,
    image: sandbox ? ctx.pauseImage : 'nginx:1.27',
    imageId: IMAGE_ID,
    created: NOW - 120_000 + f.attempt * 1000,
    running,
    exitCode: f.exitCode ?? 0,
    oomKilled: f.oomKilled ?? false,
    error: f.error ?? '',
    ...times(f),
    pid: running ? 4242 : 0,
    ipAddress: f.ip ?? (sandbox && running ? '172.17.0.5' : ''),
    hostConfig: { networkMode: 'bridge', ipcMode: 'shareable', pidMode: '', cgroupParent: `/dockerpod/pod${UID}`, memory: 0 },
    hostname: sandbox ? 'web' : '',
  };
}

/** The observation of the given fake containers of the sample pod. */
export function observation(pod: DockerPod, ctx: PlanContext, fakes: readonly FakeContainer[]): PodObservation {
  return observe(fakes.map((f) => details(pod, ctx, f)));
}

/** The instances of one container name (newest first) among the fakes. */
export function instancesOf(name: string, fakes: readonly FakeContainer[], pod = samplePod(), ctx = planContext()): Instance[] {
  return observation(pod, ctx, fakes).containers.get(name) ?? [];
}
