/**
 * Executes a pass's PodActions on the engine, in the kubelet's order: collect garbage, stop what
 * must go, recreate the sandbox when needed, then create every container to start and start them
 * concurrently (the sandbox first: members join its namespaces). Reports what it changed, the
 * waiting reasons it learned (image and create errors) and the events to record.
 */
import type { Container } from '../api/v1alpha1/container.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import type { PodActions, StartRequest } from '../planner/actions.js';
import { desiredMember, desiredSandbox, identityOf } from '../planner/desired.js';
import { NO_ENV_SOURCES, resolveContainerEnv, type DownwardValues, type EnvSources } from '../planner/env.js';
import type { Instance } from '../planner/observe.js';
import type { WaitingOverride } from '../status/container-status.js';
import { createOrAdopt } from './create-container.js';
import { readEnvSources, usesEnvSources, type EnvSourceReader } from './env-sources.js';
import type { HostBinding } from './hosts.js';
import type { ImageEvent, ImageManager, ImageResult } from './images.js';
import { failedMountMessage } from '../planner/projection.js';
import { desiredVolumes, VOLUME_LABEL } from '../planner/volumes.js';
import { needsImageUser, runAsNonRootError } from '../planner/run-as-non-root.js';
import type { ProjectedVolumeWriter } from './projected-volumes.js';

/** An event for the pod. */
export interface PodEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** What a pass did. */
export interface ActuationResult {
  changed: boolean;
  waiting: Map<string, WaitingOverride>;
  events: PodEvent[];
  /** Something failed that a later pass should retry (with the queue's back-off). */
  retry?: Error;
  /** A later pass is due after this long (a container waits for a Secret or ConfigMap). */
  requeueAfterMs?: number;
  /** Containers this pass created (or adopted): with those it saw before, all the pod can have (its look afterwards needs no list). */
  created: string[];
}

/**
 * How soon a pass retries a container waiting with CreateContainerConfigError. Nothing watches
 * Secrets and ConfigMaps, so like the kubelet's sync loop (which retries a failed pod sync after
 * 10 s) the pod is looked at again on a timer until the missing object or key appears.
 */
export const CONFIG_ERROR_RETRY_MS = 10_000;

/** Stop timeout: the grace period, but never under 2 s (kubelet's minimum). */
export const stopTimeoutSeconds = (pod: DockerPod): number => Math.max(2, pod.spec.terminationGracePeriodSeconds ?? 30);

class Pass {
  readonly result: ActuationResult = { changed: false, waiting: new Map(), events: [], created: [] };

  constructor(
    readonly pod: DockerPod,
    readonly host: HostBinding,
    readonly images: ImageManager,
    private readonly record?: (event: PodEvent) => void,
  ) {}

  event(type: PodEvent['type'], reason: string, message: string): void {
    const event = { type, reason, message };
    this.result.events.push(event);
    this.record?.(event);
  }

  fail(err: unknown): void {
    this.result.retry ??= err instanceof Error ? err : new Error(String(err));
  }

  async stop(inst: Instance, timeoutSeconds: number): Promise<void> {
    if (!inst.details.running) return;
    this.result.changed = true;
    await this.host.engine.stopContainer(inst.id, timeoutSeconds);
  }

  async remove(inst: Instance): Promise<void> {
    this.result.changed = true;
    await this.host.engine.removeContainer(inst.id, { force: true, removeVolumes: true });
  }
}

async function collect(p: Pass, actions: PodActions, all: Instance[]): Promise<void> {
  await Promise.all(actions.remove.map((i) => p.remove(i)));
  await Promise.all(
    actions.kill.map(async ({ instance, reason }) => {
      if (instance.details.running) p.event('Normal', 'Killing', `Stopping container ${instance.container}: ${reason}`);
      await p.stop(instance, stopTimeoutSeconds(p.pod));
    }),
  );
  if (actions.killPod) {
    p.event('Normal', 'SandboxChanged', actions.killPod.reason);
    const members = all.filter((i) => i.role !== 'sandbox');
    await Promise.all(members.map((i) => p.stop(i, stopTimeoutSeconds(p.pod))));
    await Promise.all(all.filter((i) => i.role === 'sandbox').map((i) => p.remove(i)));
  }
  if (actions.stopSandbox) await p.stop(actions.stopSandbox, 10);
}

/**
 * The sandbox of this pass: the live one (started first when it was created but never started), or
 * a new one created, started and inspected for its IP. Any failure on the way posts the kubelet's
 * Warning FailedCreatePodSandBox with the engine's words and fails the pass (retried with back-off).
 */
async function sandboxOf(p: Pass, actions: PodActions, current: Instance | undefined): Promise<{ id: string; attempt: number; ip: string } | undefined> {
  if (actions.startSandbox) await startSandbox(p, actions.startSandbox.id);
  if (!actions.createSandbox) return current && { id: current.id, attempt: current.sandboxAttempt, ip: current.details.ipAddress };
  const attempt = actions.createSandbox.attempt;
  const id = await sandboxStep(p, async () => {
    const image = await p.images.ensure(p.host.engine, p.pod, { image: p.pod.spec.sandbox?.image ?? p.host.ctx.pauseImage, imagePullPolicy: 'IfNotPresent' }, () => undefined);
    if (!image.ok) return image.message;
    p.result.changed = true;
    return { value: await createOrAdopt(p.host.engine, desiredSandbox(p.pod, p.host.ctx, attempt)) };
  });
  if (id === undefined) return undefined;
  p.result.created.push(id);
  await startSandbox(p, id);
  const details = await sandboxStep(p, async () => ({ value: await p.host.engine.inspectContainer(id) }));
  return { id, attempt, ip: details?.ipAddress ?? '' };
}

/**
 * One step of making a sandbox: its value, or undefined when it could not be had (a message:
 * the image is missing). A failure or a thrown error posts FailedCreatePodSandBox; a thrown
 * error is rethrown, a message fails the pass without throwing.
 */
async function sandboxStep<T>(p: Pass, step: () => Promise<{ value: T } | string>): Promise<T | undefined> {
  let outcome: { value: T } | string;
  try {
    outcome = await step();
  } catch (err) {
    p.event('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
    throw err;
  }
  if (typeof outcome !== 'string') return outcome.value;
  p.event('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${outcome}`);
  p.fail(new Error(outcome));
  return undefined;
}

/**
 * The pod's Docker volumes (emptyDirs) before any member that mounts them is created; creating an
 * existing one is a no-op. One the engine refuses posts the kubelet's FailedMount Warning and
 * fails the pass (nothing that mounts it is created; the queue retries with back-off).
 */
async function ensureVolumes(p: Pass): Promise<void> {
  await Promise.all(
    desiredVolumes(p.pod, p.host.ctx).map(async (v) => {
      try {
        await p.host.engine.createVolume(v.name, v.labels, v.driverOpts);
      } catch (err) {
        p.event('Warning', 'FailedMount', failedMountMessage(v.labels[VOLUME_LABEL] ?? v.name, (err as Error).message));
        throw err;
      }
    }),
  );
}

/** What runc says when the host forbids lowering an OOM score (unprivileged or restricted hosts). */
const OOM_REFUSED = /can't get final child's PID from pipe|oom_score_adj/;

/**
 * Starts a sandbox (a new one, or one a pass created without starting it). A host that refuses
 * negative OOM score adjustments is detected on the first refusal: the host's setting is switched
 * off (with a Warning event) and the sandbox is removed, so the next pass recreates it without
 * them instead of leaving the pod stuck.
 */
async function startSandbox(p: Pass, id: string): Promise<void> {
  p.result.changed = true;
  try {
    await p.host.engine.startContainer(id);
  } catch (err) {
    if (!p.host.ctx.negativeOomScores || !OOM_REFUSED.test((err as Error).message)) {
      // The kubelet's event for a sandbox that will not run (a host port taken, say), with the engine's words.
      p.event('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
      throw err;
    }
    p.host.ctx.negativeOomScores = false;
    p.event('Warning', 'OOMScoreAdjustmentRefused', `host "${p.host.hostName}" refuses negative OOM score adjustments; pods there run without them`);
    await p.host.engine.removeContainer(id, { force: true, removeVolumes: true });
    throw err;
  }
}

function downward(p: Pass, podIP: string): DownwardValues {
  const id = identityOf(p.pod);
  return { ...id, labels: p.pod.metadata.labels ?? {}, annotations: p.pod.metadata.annotations ?? {}, hostName: p.host.hostName, hostIP: p.host.hostIP, podIP };
}

const imageEventFor = (p: Pass) => (e: ImageEvent): void => p.event(e.type, e.reason, e.message);

/**
 * Whether a container's env cannot be made (a required Secret, ConfigMap or key missing, or the
 * objects could not be read): it then waits with CreateContainerConfigError and the kubelet's
 * message, and is not created. Skipped envFrom keys are reported as the kubelet does.
 */
function configError(p: Pass, c: Container, values: DownwardValues, sources: EnvSources | Error): boolean {
  const resolved = sources instanceof Error ? { error: sources.message } : resolveContainerEnv(c, values, sources);
  if (!('error' in resolved)) {
    for (const s of resolved.skipped) p.event('Warning', 'InvalidEnvironmentVariableNames', s.message);
    return false;
  }
  p.result.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: resolved.error });
  p.event('Warning', 'Failed', `Error: ${resolved.error}`);
  p.result.requeueAfterMs = CONFIG_ERROR_RETRY_MS;
  return true;
}

/** Whether runAsNonRoot forbids the image's user: the container then waits with CreateContainerConfigError, as with the kubelet. */
async function runsAsRoot(p: Pass, c: Container): Promise<boolean> {
  if (!needsImageUser(c)) return false;
  const image = await p.host.engine.inspectImage(c.image);
  const error = runAsNonRootError(p.pod, c, image?.user ?? '');
  if (error === undefined) return false;
  p.result.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: error });
  p.event('Warning', 'Failed', `Error: ${error}`);
  p.result.requeueAfterMs = CONFIG_ERROR_RETRY_MS;
  return true;
}

/**
 * A container whose image is not there waits with the kubelet's reason. Nothing else would look at
 * the pod again, so a failed pull or inspect fails the pass (the queue retries it at once: the
 * kubelet's ErrImagePull, then ImagePullBackOff), and a pull back-off asks for a pass when it ends.
 */
function imageWait(p: Pass, name: string, image: Extract<ImageResult, { ok: false }>): void {
  p.result.waiting.set(name, { reason: image.reason, message: image.message });
  if (image.reason === 'ErrImagePull') p.event('Warning', 'Failed', 'Error: ErrImagePull');
  if (image.reason === 'ErrImagePull' || image.reason === 'ImageInspectError') p.fail(new Error(image.message));
  if (image.retryInMs !== undefined) p.result.requeueAfterMs = Math.min(p.result.requeueAfterMs ?? image.retryInMs, image.retryInMs);
}

/** Creates one container to start; undefined when it must wait (image, env config, create error). */
async function create(p: Pass, req: StartRequest, sandbox: { id: string; attempt: number; ip: string }, envSources: () => Promise<EnvSources | Error>): Promise<string | undefined> {
  const c: Container = req.container;
  const image = await p.images.ensure(p.host.engine, p.pod, c, imageEventFor(p));
  if (!image.ok) {
    imageWait(p, c.name, image);
    return undefined;
  }
  const values = downward(p, sandbox.ip);
  const sources = usesEnvSources(c) ? await envSources() : NO_ENV_SOURCES;
  if (configError(p, c, values, sources)) return undefined;
  if (await runsAsRoot(p, c)) return undefined;
  const env = sources instanceof Error ? undefined : sources;
  const desired = desiredMember(p.pod, c, p.host.ctx, { sandboxId: sandbox.id, sandboxAttempt: sandbox.attempt, attempt: req.attempt, backoff: req.backoff, downward: values, sources: env, ...(req.init ? { role: 'init' as const } : {}) });
  try {
    p.result.changed = true;
    const id = await createOrAdopt(p.host.engine, desired);
    p.result.created.push(id);
    p.event('Normal', 'Created', `Created container: ${c.name}`);
    return id;
  } catch (err) {
    p.result.waiting.set(c.name, { reason: 'CreateContainerError', message: (err as Error).message });
    p.event('Warning', 'Failed', `Error: ${(err as Error).message}`);
    p.fail(err);
    return undefined;
  }
}

/**
 * Starts a created container. A failed start waits with the kubelet's RunContainerError (the
 * engine's own record of it, a `created` container with its error, becomes the lastState
 * ContainerCannotRun) and fails the pass: nothing else would look at the pod again (Docker sends
 * no event for a start that failed), and the retry starts it, or restarts it with the crash-loop
 * back-off when the engine recorded the failure.
 */
async function start(p: Pass, id: string, name: string): Promise<void> {
  try {
    p.result.changed = true;
    await p.host.engine.startContainer(id);
    p.event('Normal', 'Started', `Started container ${name}`);
  } catch (err) {
    const message = `failed to start container "${name}": ${(err as Error).message}`;
    p.event('Warning', 'Failed', `Error: ${message}`);
    p.result.waiting.set(name, { reason: 'RunContainerError', message });
    p.fail(err);
  }
}

/** One pass's work: the pod on its host, what to do, and every instance the pass saw. */
export interface Actuation {
  pod: DockerPod;
  host: HostBinding;
  actions: PodActions;
  observed: Instance[];
  /** Where the Secrets and ConfigMaps of env and volumes come from. */
  sources: EnvSourceReader;
  /** Fills configMap and secret volumes (none: such volumes are left empty). */
  volumes?: ProjectedVolumeWriter;
  /**
   * Receives each Event the moment it happens (Pulled, Created before the starts; Started after
   * each), as the kubelet records them; its write then runs in the background while the engine
   * works (the members' start is the pass's longest wait). Every Event is in the result as well.
   */
  record?: (event: PodEvent) => void;
}

/**
 * Fills the pod's configMap and secret volumes before containers are created, and re-checks them
 * in a running sandbox when due. False when a volume never filled in this sandbox cannot be set
 * up: the kubelet then waits for the mount (ContainerCreating), creates nothing, and says why
 * with a FailedMount Warning; the pass is retried after 10 s.
 */
async function volumesReady(p: Pass, work: Actuation, sandbox: { id: string; live: boolean }): Promise<boolean> {
  const writer = work.volumes;
  if (!writer || !sandbox.live) return true;
  if (work.actions.start.length === 0 && !writer.due(identityOf(p.pod).uid, sandbox.id)) return true;
  const synced = await writer.sync({ pod: p.pod, host: p.host, sandboxId: sandbox.id, reader: work.sources });
  for (const message of synced.failures) p.event('Warning', 'FailedMount', message);
  if (synced.failures.length > 0) p.result.requeueAfterMs = CONFIG_ERROR_RETRY_MS;
  return synced.ready;
}

/**
 * The env sources of the containers this pass creates, or why they could not be read: read on the
 * first call (a container that uses them has its image), at most once per pass.
 */
function envSourcesOf(work: Actuation): () => Promise<EnvSources | Error> {
  let read: Promise<EnvSources | Error> | undefined;
  const containers = work.actions.start.map((r) => r.container);
  return () => (read ??= readEnvSources(work.sources, identityOf(work.pod).namespace, containers).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
}

/** Executes the actions of a pass. */
export async function actuate(work: Actuation, images: ImageManager): Promise<ActuationResult> {
  const { pod, host, actions, observed } = work;
  const p = new Pass(pod, host, images, work.record);
  try {
    await collect(p, actions, observed);
    const current = actions.killPod ? undefined : observed.find((i) => i.role === 'sandbox' && !actions.remove.includes(i));
    // Before the sandbox too: it holds the pod's Secret volumes (tmpfs) mounted for the pod's life.
    if (actions.createSandbox || actions.start.length > 0) await ensureVolumes(p);
    const sandbox = await sandboxOf(p, actions, current);
    if (!sandbox) return p.result;
    const live = actions.createSandbox !== undefined || actions.startSandbox !== undefined || current?.details.running === true;
    const ready = await volumesReady(p, work, { id: sandbox.id, live });
    // No read at all unless a container about to be created refers to a Secret or ConfigMap.
    const sources = envSourcesOf(work);
    const created = await Promise.all((ready ? actions.start : []).map(async (req) => ({ id: await create(p, req, sandbox, sources), name: req.container.name })));
    const toStart = [...created.filter((c): c is { id: string; name: string } => c.id !== undefined), ...actions.startExisting.map((i) => ({ id: i.id, name: i.container }))];
    await Promise.all(toStart.map((c) => start(p, c.id, c.name)));
  } catch (err) {
    p.fail(err);
  }
  return p.result;
}
