/**
 * Create with deterministic names: when the name is taken, the holder is adopted if it is the
 * very container wanted (same pod uid, container and attempt), and otherwise removed before one
 * more try. So a create whose response was lost, or a crash after it, never leaves a duplicate.
 *
 * Only a holder this operator instance made (its managed-by label) is adopted or removed: a
 * container someone made by hand under a dockerpod-looking name is never joined, adopted or
 * touched (the operator touches only containers carrying its own instance label); the create
 * fails with the engine's conflict, naming that container, until a person removes it.
 */
import { LABEL } from '../planner/labels.js';
import type { DesiredContainer } from '../planner/desired.js';
import { DockerError, isConflict, type DockerEngine } from '../runtime/docker/types.js';

const SAME_IDENTITY = [LABEL.uid, LABEL.container, LABEL.attempt, LABEL.managedBy] as const;

/** Creates the container (or adopts the identical one holding its name); returns its id. */
export async function createOrAdopt(engine: DockerEngine, desired: DesiredContainer): Promise<string> {
  try {
    return await engine.createContainer(desired.name, desired.body);
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
  const holder = await engine.inspectContainer(desired.name);
  if (holder && SAME_IDENTITY.every((k) => holder.labels[k] === desired.body.Labels[k]) && holder.labels[LABEL.specHash] === desired.hash) return holder.id;
  const instance = desired.body.Labels[LABEL.managedBy] ?? '';
  if (holder && holder.labels[LABEL.managedBy] !== instance) {
    throw new DockerError(
      `Conflict. The container name "/${desired.name}" is already in use by container "${holder.id}", which dockerpod-operator instance "${instance}" did not create: it is left alone; remove or rename it`,
      409,
      'createContainer',
    );
  }
  // A stale container of ours (another spec, or another attempt's leftovers) holds the name: repair.
  if (holder) await engine.removeContainer(holder.id, { force: true, removeVolumes: true });
  return engine.createContainer(desired.name, desired.body);
}
