/**
 * The seam between pods and engines: "where does this pod run?". The fleet (src/controller/fleet)
 * answers it for every DockerHost the operator owns; the reconciler only sees a Placement.
 */
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import type { HostPolicy } from '../planner/admission.js';
import type { PlanContext } from '../planner/context.js';
import type { DockerEngine } from '../runtime/docker/types.js';

/** An engine a pod runs on, with everything planning needs about it. */
export interface HostBinding {
  hostName: string;
  hostIP: string;
  engine: DockerEngine;
  ctx: PlanContext;
  policy: HostPolicy;
}

/**
 * Where a pod stands: on a Ready host (`fresh` when this call bound it, so the binding must be
 * written before any Docker call); bound to a host that does not answer; bound to a host whose
 * DockerHost is gone; or not placeable (the scheduler's message; `forbidden` when every host
 * refused it by policy alone, so the spec itself is what no host allows).
 */
export type Placement =
  | { kind: 'bound'; host: HostBinding; fresh: boolean }
  | { kind: 'hostDown'; hostName: string; hostIP: string; message: string; downSinceMs: number; unknownAtMs: number; fresh: boolean; hostDeleting: boolean }
  | { kind: 'hostMissing'; hostName: string }
  | { kind: 'unschedulable'; message: string; forbidden?: boolean };

/** Finds (and assigns) the host of a pod. */
export interface HostResolver {
  /** Where the pod runs; binds it when it has no host yet. */
  place(pod: DockerPod): Placement;
  /** Whether this operator manages the pod (always, unless a host selector splits the fleet between operators). */
  owns(pod: DockerPod): boolean;
  /** Where the pod runs without binding it: undefined when it has no host. */
  locate(pod: DockerPod): Placement | undefined;
  /** Forgets the pod (it is gone). */
  release(uid: string): void;
  /** Forgets the pod's reservation so the next placement schedules it afresh (its binding is being cleared). */
  unbind(uid: string): void;
  /** Every Ready host, for event streams, resyncs and orphan sweeps. */
  all(): HostBinding[];
  /** The engine client of a host, ready or not. */
  engineOf(name: string): DockerEngine | undefined;
}

/** Operator settings that shape every pod's Docker configs. */
export type PodSettings = Omit<PlanContext, 'cgroupDriver' | 'memoryCapacity' | 'hostName' | 'hostIP'>;
