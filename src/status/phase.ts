/** The pod phase, with the kubelet's rules (pkg/kubelet/kubelet_pods.go getPhase). */
import type { ContainerStatus, DockerPodStatus } from '../api/v1alpha1/pod-status.js';

/** Pod phases. */
export type Phase = NonNullable<DockerPodStatus['phase']>;

interface Counts {
  running: number;
  waiting: number;
  stopped: number;
  succeeded: number;
}

function count(statuses: readonly ContainerStatus[]): Counts {
  const c: Counts = { running: 0, waiting: 0, stopped: 0, succeeded: 0 };
  for (const s of statuses) {
    if (s.state?.running) c.running++;
    else if (s.state?.terminated) {
      c.stopped++;
      if (s.state.terminated.exitCode === 0) c.succeeded++;
    } else if (s.lastState?.terminated) c.stopped++;
    else c.waiting++;
  }
  return c;
}

function allStopped(restartPolicy: string, c: Counts): Phase {
  if (restartPolicy === 'Always') return 'Running';
  if (c.stopped === c.succeeded) return 'Succeeded';
  return restartPolicy === 'Never' ? 'Failed' : 'Running';
}

/** The phase of a pod from its container statuses; a terminal phase (`previous`) never reverts. */
export function podPhase(statuses: readonly ContainerStatus[], restartPolicy: string, previous?: Phase): Phase {
  if (previous === 'Succeeded' || previous === 'Failed') return previous;
  const c = count(statuses);
  if (c.waiting > 0) return 'Pending';
  if (c.running > 0) return 'Running';
  if (c.stopped > 0) return allStopped(restartPolicy, c);
  return 'Pending';
}

/** Whether no container of the pod will run again (the kubelet then stops the sandbox). */
export const isTerminal = (phase: Phase): boolean => phase === 'Succeeded' || phase === 'Failed';
