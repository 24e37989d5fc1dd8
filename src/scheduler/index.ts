/**
 * The pure scheduler: a pod's demand, a host's allocatable, and the choice of a host for a pod
 * as kube-scheduler would make it. No I/O; the controller feeds it snapshots.
 */
export { ANY_HOST_IP, hostPortKey, podDemand, podHostPorts, portsConflict, type HostPortKey, type PodDemand } from './demand.js';
export {
  DEFAULT_MAX_PODS,
  hostAllocatable,
  hostCapacity,
  renderCpu,
  renderMemory,
  renderResources,
  type EngineFacts,
  type RenderedResources,
  type Resources,
} from './capacity.js';
export {
  NO_HOSTS_MESSAGE,
  REASONS,
  addLoad,
  emptyLoad,
  hasPathPrefix,
  insufficientResources,
  leastAllocatedScore,
  loadOf,
  matchesSelector,
  policyAllows,
  schedulePod,
  unfitReasons,
  unschedulableMessage,
  type HostCandidate,
  type HostLoad,
  type ScheduleResult,
} from './schedule.js';
