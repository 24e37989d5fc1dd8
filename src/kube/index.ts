/**
 * The operator's Kubernetes client layer: a robust list+watch cache and an Event recorder that
 * aggregates and rate-limits like client-go. Each module documents what it guarantees.
 */
export { Informer, type InformerLogger, type InformerOptions, type InformerStats } from './informer.js';
export {
  EventRecorder,
  type EventRecorderLogger,
  type EventRecorderOptions,
  type EventRecorderStats,
  type EventType,
  type InvolvedObject,
} from './event-recorder.js';
export {
  LeaderElector,
  clientLeaseStore,
  ConflictError,
  type LeaderElectorOptions,
  type LeaseRecord,
  type StoredLeaseRecord,
  type LeaseStore,
} from './leader-election.js';
