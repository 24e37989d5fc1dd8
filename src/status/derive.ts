/**
 * The whole DockerPod status, derived (purely) from the spec, the observed containers and what the
 * reconciler knows beyond them (waiting reasons, an invalid spec, the bound host). Deterministic:
 * the same inputs give the same status, so an unchanged pod never causes a status write.
 */
import type { Container } from '../api/v1alpha1/container.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import type { ContainerStatus, DockerPodStatus } from '../api/v1alpha1/pod-status.js';
import type { PodObservation } from '../planner/observe.js';
import { containersReady, ready, stampConditions, type ConditionValue } from './conditions.js';
import { containerStatus, type WaitingOverride } from './container-status.js';
import { podPhase, type Phase } from './phase.js';
import { readySummary, restartSum, statusSummary } from './summary.js';
import { defined, nonEmpty } from '../util/objects.js';

/** Inputs of the status. */
export interface StatusInput {
  pod: DockerPod;
  observation: PodObservation;
  /** RFC 3339 to the second. */
  now: string;
  host: { name: string; ip: string };
  /** Waiting reasons per container name. */
  waiting?: ReadonlyMap<string, WaitingOverride>;
  /** Set when the spec cannot run: reason InvalidSpec (or a policy reason) and the message naming the field. */
  invalid?: { reason: string; message: string };
  /** Set when activeDeadlineSeconds passed: the pod is Failed with reason DeadlineExceeded. */
  deadlineExceeded?: boolean;
  /** What the probes say about running containers (by name); without an entry a running container is ready. */
  probes?: ReadonlyMap<string, { ready: boolean; started: boolean }>;
}

/** A container of a refused pod that never ran waits with the kubelet's reason for a config it cannot use. */
function invalidOverride(input: StatusInput, name: string): WaitingOverride | undefined {
  if (!input.invalid || (input.observation.containers.get(name) ?? []).length > 0) return undefined;
  return { reason: 'CreateContainerConfigError', message: input.invalid.message };
}

function liveSandbox(obs: PodObservation): { attempt: number; ip: string; id: string; running: boolean } | undefined {
  const s = obs.sandboxes[0];
  return s ? { attempt: s.sandboxAttempt, ip: s.details.ipAddress, id: s.id, running: s.details.running } : undefined;
}

function conditionValues(input: StatusInput, phase: Phase, statuses: DockerPodStatus['containerStatuses'], init: InitView): ConditionValue[] {
  const sandbox = liveSandbox(input.observation);
  const sandboxReady: ConditionValue = { type: 'PodReadyToStartContainers', status: sandbox?.running ? 'True' : 'False' };
  const initialized: ConditionValue = init.incomplete.length === 0
    ? { type: 'Initialized', status: 'True' }
    : { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${init.incomplete.join(' ')}]` };
  let containers = containersReady(statuses ?? [], phase);
  if (input.invalid) containers = { type: 'ContainersReady', status: 'False', reason: input.invalid.reason, message: input.invalid.message };
  return [sandboxReady, initialized, ready(containers), containers, { type: 'PodScheduled', status: 'True' }];
}

function phaseOf(input: StatusInput, statuses: NonNullable<DockerPodStatus['containerStatuses']>, init: InitView): Phase {
  const previous = input.pod.status?.phase;
  if (input.deadlineExceeded) return 'Failed';
  if (input.invalid) return previous ?? 'Pending';
  return initPhase(input, init) ?? podPhase(statuses, input.pod.spec.restartPolicy ?? 'Always', previous);
}

/** The kubelet: a failed init container under restartPolicy Never fails the pod; any other unfinished one keeps it Pending. */
function initPhase(input: StatusInput, init: InitView): Phase | undefined {
  const previous = input.pod.status?.phase;
  if (previous === 'Succeeded' || previous === 'Failed' || init.incomplete.length === 0) return undefined;
  return init.failed && input.pod.spec.restartPolicy === 'Never' ? 'Failed' : 'Pending';
}

function memberStatus(input: StatusInput, spec: Container, sandboxAttempt: number | undefined, creatingReason: string | undefined): ContainerStatus {
  const { pod, observation: obs } = input;
  const override = input.waiting?.get(spec.name) ?? invalidOverride(input, spec.name);
  const carriedRestarts = pod.status?.containerStatuses?.find((s) => s.name === spec.name)?.restartCount;
  const status = containerStatus(defined({ spec, instances: obs.containers.get(spec.name) ?? [], sandboxAttempt, override, restartPolicy: pod.spec.restartPolicy, carriedRestarts, creatingReason }));
  return withProbes(status, input.probes?.get(spec.name));
}

/** A running container is ready only once started (startup probe) and passing its readiness probe. */
function withProbes(status: ContainerStatus, probed: { ready: boolean; started: boolean } | undefined): ContainerStatus {
  return probed && status.state?.running ? { ...status, ready: probed.ready, started: probed.started } : status;
}

/** Where the init containers stand: which have not exited 0 in the live sandbox, and whether one failed. */
interface InitView {
  statuses: ContainerStatus[];
  incomplete: string[];
  failed: boolean;
}

function initView(input: StatusInput, sandboxAttempt: number | undefined): InitView {
  const { pod, observation: obs } = input;
  const statuses = (pod.spec.initContainers ?? []).map((spec) => {
    const override = input.waiting?.get(spec.name) ?? invalidOverride(input, spec.name);
    const carriedRestarts = pod.status?.initContainerStatuses?.find((s) => s.name === spec.name)?.restartCount;
    // An init container runs again in every new sandbox: an older sandbox's run never counts (policy 'Always' marks it stale).
    const status = containerStatus(defined({ spec, instances: obs.containers.get(spec.name) ?? [], sandboxAttempt, override, restartPolicy: 'Always', creatingReason: 'PodInitializing', carriedRestarts }));
    const succeeded = status.state?.terminated?.exitCode === 0;
    return { ...status, ready: succeeded, started: false };
  });
  return {
    statuses,
    incomplete: statuses.filter((s) => s.state?.terminated?.exitCode !== 0).map((s) => s.name),
    failed: statuses.some((s) => (s.state?.terminated?.exitCode ?? 0) !== 0),
  };
}

function reasonOf(input: StatusInput): { reason?: string; message?: string } {
  if (input.deadlineExceeded) return { reason: 'DeadlineExceeded', message: `Pod was active on the node longer than the specified deadline` };
  if (input.invalid) return { reason: input.invalid.reason, message: input.invalid.message };
  return {};
}

/** The status the pod should have now. */
export function deriveStatus(input: StatusInput): DockerPodStatus {
  const { pod, observation: obs } = input;
  const sandbox = liveSandbox(obs);
  const init = initView(input, sandbox?.attempt);
  // Members wait as PodInitializing until every init container has succeeded.
  const creatingReason = init.incomplete.length > 0 ? 'PodInitializing' : undefined;
  const statuses = pod.spec.containers.map((spec) => memberStatus(input, spec, sandbox?.attempt, creatingReason));
  const phase = phaseOf(input, statuses, init);
  const generation = pod.metadata.generation ?? 0;
  const conditions = stampConditions(conditionValues(input, phase, statuses, init), pod.status?.conditions, input.now, generation);
  const readyTrue = conditions.some((c) => c.type === 'Ready' && c.status === 'True');
  const { reason, message } = reasonOf(input);
  return defined({
    phase,
    conditions,
    hostName: input.host.name,
    hostIP: input.host.ip,
    podIP: sandbox?.ip || undefined,
    sandboxID: sandbox?.id,
    startTime: pod.status?.startTime ?? input.now,
    observedGeneration: generation,
    reason,
    message,
    summary: statusSummary(defined({ phase, reason, statuses, initStatuses: init.statuses, deleting: Boolean(pod.metadata.deletionTimestamp), readyCondition: readyTrue })),
    readyContainers: readySummary(statuses),
    restartCount: restartSum([...init.statuses, ...statuses]),
    initContainerStatuses: nonEmpty(init.statuses),
    containerStatuses: statuses,
  });
}
