/**
 * Schema of DockerPod.status: the kubelet's PodStatus, with Docker identities, plus summary
 * fields that printer columns need because JSONPath cannot compute them.
 */
import { bool, int, list, obj, oneOf, opt, str, time, type Static } from '../schema-kit.js';
import { Conditions } from './condition.js';

const stateReason = (description: string) => opt(str(description));

/** The state of one container, exactly one of waiting, running and terminated. */
export const ContainerState = obj(
  {
    waiting: opt(
      obj(
        {
          reason: stateReason('Why it is waiting: ContainerCreating, PodInitializing, CrashLoopBackOff, ErrImagePull, ImagePullBackOff, CreateContainerConfigError, ...'),
          message: opt(str('Detail of the reason.')),
        },
        'The container is not running yet or again.',
      ),
    ),
    running: opt(obj({ startedAt: opt(time('When the container last started.')) }, 'The container is running.')),
    terminated: opt(
      obj(
        {
          exitCode: int('Exit status of the last run.'),
          signal: opt(int('Signal that ended the process, when known.')),
          reason: stateReason('Completed, Error, OOMKilled, ContainerCannotRun, ...'),
          message: opt(str('Detail of the reason, such as the engine\'s error.')),
          startedAt: opt(time('When the run started.')),
          finishedAt: opt(time('When the run ended.')),
          containerID: opt(str('Docker container of the run, as docker://ID.')),
        },
        'The container ran and ended.',
      ),
    ),
  },
  'State of a container.',
);

/** The status of one container of the pod, shaped like core/v1 ContainerStatus. */
export const ContainerStatus = obj(
  {
    name: str('Name of the container in the spec.'),
    state: opt(ContainerState),
    lastState: opt(obj(ContainerState.properties, 'State of the previous run, kept after a restart.')),
    ready: bool('Whether the container passes its readiness probe (running without one counts as ready).'),
    started: opt(bool('Whether the container has started and passed its startup probe.')),
    restartCount: int('Times the container has been restarted.', { minimum: 0 }),
    image: str('Image as written in the spec.'),
    imageID: opt(str('Image the container runs, as docker-pullable://repo@digest or the image ID.')),
    containerID: opt(str('Docker container of the current run, as docker://ID.')),
  },
  'Status of one container.',
);

/** DockerPod.status. */
export const DockerPodStatus = obj(
  {
    phase: opt(oneOf(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const, 'Phase of the pod with the kubelet\'s meaning.')),
    conditions: opt(Conditions),
    hostName: opt(str('DockerHost the pod is bound to; written once by the scheduler.')),
    hostIP: opt(str('Address of that DockerHost.')),
    podIP: opt(str('IP address of the pod\'s sandbox.')),
    sandboxID: opt(str('Docker container ID of the sandbox.')),
    startTime: opt(time('When the operator first started building the pod.')),
    observedGeneration: opt(int('metadata.generation of the spec this status describes.', { minimum: 0, format: 'int64' })),
    reason: opt(str('CamelCase reason for a Failed or Pending pod, e.g. DeadlineExceeded or InvalidSpec.')),
    message: opt(str('Human-readable detail of the reason.')),
    summary: opt(str('What `kubectl get pods` would print as STATUS: the phase, or the reason that explains it best (ContainerCreating, CrashLoopBackOff, Completed, Terminating, ...).')),
    readyContainers: opt(str('Ready containers over containers, e.g. "1/2" (the READY column).')),
    restartCount: opt(int('Restarts summed over all containers (the RESTARTS column).', { minimum: 0 })),
    containerStatuses: opt(list(ContainerStatus, 'Status of each container, in spec order.')),
    initContainerStatuses: opt(list(ContainerStatus, 'Status of each init container, in spec order.')),
  },
  'Observed state of the pod, written by the operator.',
);

/** DockerPod.status, as TypeScript sees it. */
export type DockerPodStatus = Static<typeof DockerPodStatus>;
/** One container's status, as TypeScript sees it. */
export type ContainerStatus = Static<typeof ContainerStatus>;
/** One container's state, as TypeScript sees it. */
export type ContainerState = Static<typeof ContainerState>;
