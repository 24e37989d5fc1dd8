/**
 * Deletion of a pod's Docker objects, as the kubelet kills a pod: preStop exec hooks, then the
 * members stopped in parallel within the grace period (never under 2 s), then the sandbox, then
 * every container and pod-owned volume removed. Works when the containers are already gone.
 */
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import { LABEL } from '../planner/labels.js';
import type { Instance } from '../planner/observe.js';
import { desiredVolumes } from '../planner/volumes.js';
import type { Clock } from '../util/clock.js';
import type { PodEvent } from './actuator.js';
import type { HostBinding } from './hosts.js';
import { observePod } from './observe-pod.js';

/** The grace period of a deletion: a positive deletionGracePeriodSeconds, else terminationGracePeriodSeconds. */
export function gracePeriodSeconds(pod: DockerPod): number {
  const requested = pod.metadata.deletionGracePeriodSeconds;
  // Custom resources always get deletionGracePeriodSeconds 0 from the API server: only a positive one was asked for.
  return requested !== undefined && requested > 0 ? requested : (pod.spec.terminationGracePeriodSeconds ?? 30);
}

async function runPreStop(host: HostBinding, pod: DockerPod, inst: Instance, budgetMs: number): Promise<PodEvent | undefined> {
  const hook = pod.spec.containers.find((c) => c.name === inst.container)?.lifecycle?.preStop?.exec;
  if (!hook || !inst.details.running || budgetMs <= 0) return undefined;
  const result = await host.engine.exec(inst.id, hook.command, budgetMs).catch((err: Error) => ({ exitCode: null, stdout: '', stderr: err.message, timedOut: false }));
  if (result.exitCode === 0) return undefined;
  const why = result.timedOut ? 'timed out' : `exited with ${result.exitCode ?? 'no status'}: ${result.stderr.trim()}`;
  return { type: 'Warning', reason: 'FailedPreStopHook', message: `PreStopHook failed for container ${inst.container}: ${why}` };
}

/** Stops and removes everything the pod owns on its host; returns the events of the teardown. */
export async function teardownPod(host: HostBinding, pod: DockerPod, clock: Clock): Promise<PodEvent[]> {
  const uid = pod.metadata.uid ?? '';
  const obs = await observePod(host.engine, host.ctx.instance, uid);
  const members = [...obs.containers.values()].flat().filter((i) => i.details.running);
  const events: PodEvent[] = members.map((i) => ({ type: 'Normal', reason: 'Killing', message: `Stopping container ${i.container}` }));
  // On the monotonic clock: a wall-clock step during the hooks must not stretch (or cut) the grace period.
  const deadline = clock.monotonic() + gracePeriodSeconds(pod) * 1000;
  const hookEvents = await Promise.all(members.map((i) => runPreStop(host, pod, i, deadline - clock.monotonic())));
  events.push(...hookEvents.filter((e): e is PodEvent => e !== undefined));
  // The stop gets what the hooks left of the grace period, at least 2 s.
  const stopSeconds = Math.max(2, Math.ceil((deadline - clock.monotonic()) / 1000));
  await Promise.all(members.map((i) => host.engine.stopContainer(i.id, stopSeconds)));
  // The sandbox holds no state of the pod's, only its namespaces: once the members are stopped it
  // goes with the forced removal below (the engine kills and removes it in one call), which saves a
  // stop call per pod and is what a direct `docker rm -f` of the pod does.
  const everything = [...obs.sandboxes, ...[...obs.containers.values()].flat(), ...obs.unknown];
  await Promise.all(everything.map((i) => host.engine.removeContainer(i.id, { force: true, removeVolumes: true })));
  const labelled = await host.engine.listVolumes({ [LABEL.managedBy]: host.ctx.instance, [LABEL.uid]: uid });
  // By name too: a volume that lost its labels to an engine shutdown while in use is not found by them (see DockerEngine.createVolume).
  const volumes = new Set([...labelled, ...desiredVolumes(pod, host.ctx).map((v) => v.name)]);
  await Promise.all([...volumes].map((v) => host.engine.removeVolume(v)));
  return events;
}
