/**
 * Create with deterministic names: when the name is taken, the holder is adopted if it is the
 * very container wanted (same pod uid, container and attempt), and otherwise removed before one
 * more try. So a create whose response was lost, or a crash after it, never leaves a duplicate.
 */
import { LABEL } from '../planner/labels.js';
import type { DesiredContainer } from '../planner/desired.js';
import { isConflict, type DockerEngine } from '../runtime/docker/types.js';

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
  // Someone else's container (or a stale one of ours with another spec) holds the name: repair.
  if (holder) await engine.removeContainer(holder.id, { force: true, removeVolumes: true });
  return engine.createContainer(desired.name, desired.body);
}
