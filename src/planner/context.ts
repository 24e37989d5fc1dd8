/** What planning needs to know besides the pod: the operator's settings and the engine's facts. */

/** Settings and engine facts that shape the Docker configs of pods. */
export interface PlanContext {
  /** Value of the managed-by label (`--instance`). */
  instance: string;
  /** Labels added to every object (for example a test run's label). */
  extraLabels: Record<string, string>;
  /** Sandbox image unless the pod names one (`--pause-image`). */
  pauseImage: string;
  /** Network of sandboxes that do not use the host's (`--pod-network`, default bridge). */
  podNetwork: string;
  /** Root of the pod cgroups: a path under cgroupfs, a slice under systemd (`--cgroup-root`). */
  cgroupRoot: string;
  cgroupDriver: string;
  /** Whether negative OOM score adjustments are applied (`--oom-score-adj`; some hosts refuse them). */
  negativeOomScores: boolean;
  /** The engine's memory, for the Burstable OOM score. */
  memoryCapacity: number;
  /** Crash-loop back-off: first delay and cap (the kubelet's 10 s and 300 s unless tests shorten them). */
  restartBackoff?: { initialMs: number; maxMs: number };
  /** Host facts for the downward API. */
  hostName: string;
  hostIP: string;
  /** The engine's `DockerRootDir` (where local-driver volumes live); /var/lib/docker when unknown. */
  dockerRootDir?: string;
  /** The API version negotiated with the engine (e.g. `1.41`): which mount options it has. */
  apiVersion?: string;
}
