/**
 * What the engine holds for one pod, grouped from a label-filtered list (and the inspects of its
 * containers): the sandbox instances and, per container name, its instances, newest first.
 */
import type { ContainerDetails } from '../runtime/docker/types.js';
import { LABEL, labelInt, SANDBOX_NAME, type Role } from './labels.js';

/** One container of the pod as observed. */
export interface Instance {
  id: string;
  name: string;
  role: Role;
  container: string;
  attempt: number;
  sandboxAttempt: number;
  backoff: number;
  specHash: string;
  details: ContainerDetails;
}

/** A pod's containers on the engine. */
export interface PodObservation {
  /** Sandbox instances, newest attempt first. */
  sandboxes: Instance[];
  /** Member and init instances per spec name, newest attempt first. */
  containers: Map<string, Instance[]>;
  /** Containers with labels the planner does not understand (to be removed). */
  unknown: Instance[];
}

/** An empty observation (nothing on the engine). */
export const emptyObservation = (): PodObservation => ({ sandboxes: [], containers: new Map(), unknown: [] });

function instanceOf(details: ContainerDetails): Instance | undefined {
  const l = details.labels;
  const role = l[LABEL.role];
  if (role !== 'sandbox' && role !== 'member' && role !== 'init') return undefined;
  return {
    id: details.id,
    name: details.name,
    role,
    container: l[LABEL.container] ?? '',
    attempt: labelInt(l, LABEL.attempt),
    sandboxAttempt: labelInt(l, LABEL.sandboxAttempt),
    backoff: labelInt(l, LABEL.backoff),
    specHash: l[LABEL.specHash] ?? '',
    details,
  };
}

const newestFirst = (a: Instance, b: Instance): number => b.attempt - a.attempt || b.details.created - a.details.created;

/** Groups inspected containers of one pod by role and name. */
export function observe(containers: readonly ContainerDetails[]): PodObservation {
  const obs = emptyObservation();
  for (const details of containers) {
    const inst = instanceOf(details);
    if (!inst || (inst.role === 'sandbox') !== (inst.container === SANDBOX_NAME)) {
      obs.unknown.push(inst ?? { id: details.id, name: details.name, role: 'member', container: '', attempt: 0, sandboxAttempt: 0, backoff: 0, specHash: '', details });
      continue;
    }
    if (inst.role === 'sandbox') obs.sandboxes.push(inst);
    else obs.containers.set(inst.container, [...(obs.containers.get(inst.container) ?? []), inst]);
  }
  obs.sandboxes.sort(newestFirst);
  for (const list of obs.containers.values()) list.sort(newestFirst);
  return obs;
}

/** Docker's zero time: a container that never started or never finished. */
export const isZeroTime = (t: string): boolean => t === '' || t.startsWith('0001-01-01');

/** Whether an instance exited (or failed to start) rather than runs or waits to be started. */
export function hasTerminated(inst: Instance): boolean {
  const d = inst.details;
  if (d.running) return false;
  return d.state === 'exited' || d.state === 'dead' || (d.state === 'created' && d.error !== '');
}
