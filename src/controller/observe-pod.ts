/**
 * Observation of one pod on its engine: one label-filtered list, then an inspect per container;
 * or, when the containers are known already (a pass looking again at what it saw and made), the
 * inspects alone.
 */
import { LABEL } from '../planner/labels.js';
import { observe, type PodObservation } from '../planner/observe.js';
import type { ContainerDetails, DockerEngine } from '../runtime/docker/types.js';

/** The pod's containers on `engine` (those of this operator instance only). */
export async function observePod(engine: DockerEngine, instance: string, uid: string): Promise<PodObservation> {
  const summaries = await engine.listContainers({ [LABEL.managedBy]: instance, [LABEL.uid]: uid });
  const details = await Promise.all(summaries.map((s) => engine.inspectContainer(s.id)));
  // A container removed between the list and its inspect is simply not there.
  return observe(details.filter((d): d is ContainerDetails => d !== undefined));
}

/**
 * The pod's containers among `ids`, by inspecting each (once): those gone since are simply not
 * there. A pass that knows every container the pod can have (the ones it observed, and the ones it
 * created) looks again this way, without a list: the engine's list filters every container it
 * holds, an inspect reads one.
 */
export async function observeContainers(engine: DockerEngine, ids: readonly string[]): Promise<PodObservation> {
  const details = await Promise.all([...new Set(ids)].map((id) => engine.inspectContainer(id)));
  return observe(details.filter((d): d is ContainerDetails => d !== undefined));
}
