/**
 * The seam between pods and engines: "which engine is this pod on?". This issue runs one engine
 * per operator (a host named `local` unless configured); the multi-host scheduler replaces the
 * resolver without touching the reconciler.
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

/** Finds the host of a pod. */
export interface HostResolver {
  /** The host the pod is (or will be) bound to; undefined when none can take it yet. */
  resolve(pod: DockerPod): HostBinding | undefined;
  /** Every host, for events streams, resyncs and orphan sweeps. */
  all(): HostBinding[];
}

/** Operator settings that shape every pod's Docker configs. */
export type PodSettings = Omit<PlanContext, 'cgroupDriver' | 'memoryCapacity' | 'hostName' | 'hostIP'>;

/** One engine for every pod. */
export class SingleHostResolver implements HostResolver {
  private binding: HostBinding | undefined;

  constructor(
    private readonly engine: DockerEngine,
    private readonly settings: PodSettings & { hostName: string; hostIP: string; policy: HostPolicy },
  ) {}

  /** Reads the engine's facts (cgroup driver, memory); must succeed before pods are planned. */
  async init(): Promise<HostBinding> {
    const info = await this.engine.info();
    const { policy, hostName, hostIP, ...settings } = this.settings;
    this.binding = {
      hostName,
      hostIP,
      engine: this.engine,
      policy,
      ctx: { ...settings, cgroupDriver: info.cgroupDriver, memoryCapacity: info.memoryBytes, hostName, hostIP },
    };
    return this.binding;
  }

  resolve(): HostBinding | undefined {
    return this.binding;
  }

  all(): HostBinding[] {
    return this.binding ? [this.binding] : [];
  }
}
