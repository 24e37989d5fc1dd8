/**
 * The condition shape shared by DockerPod and DockerHost status, like metav1.Condition
 * (plus the pod condition's optional fields). Stored as a list-map keyed by `type`,
 * so the API server rejects two conditions of one type.
 */
import { int, list, obj, oneOf, opt, str, time, type Static } from '../schema-kit.js';

/** One status condition. */
export const Condition = obj(
  {
    type: str('Type of the condition, e.g. Ready.', { minLength: 1 }),
    status: oneOf(['True', 'False', 'Unknown'] as const, 'Status of the condition.'),
    reason: opt(str('Machine-readable CamelCase reason for the last transition.')),
    message: opt(str('Human-readable detail of the last transition.')),
    lastTransitionTime: opt(time('When the status last changed.')),
    observedGeneration: opt(int('metadata.generation the condition was computed from.', { minimum: 0, format: 'int64' })),
  },
  'An observation about the object.',
);

/** The `status.conditions` list. */
export const Conditions = list(Condition, 'Current conditions, one per type.', { listType: 'map', listMapKeys: ['type'] });

/** One status condition, as TypeScript sees it. */
export type Condition = Static<typeof Condition>;
