/** Observation of one pod on its engine: one label-filtered list, then an inspect per container. */
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
