/**
 * The project's own semantic validation, plugged into the embedded API server the way a
 * validating admission webhook would be into a real one: DockerPods and DockerHosts with
 * errors a schema cannot express are refused with 422 and every cause.
 */
import { GROUP, validateDockerHost, validateDockerPod, type DockerHost, type DockerPod } from '../api/v1alpha1/index.js';
import type { KindValidators } from './rest/core.js';

/** Validators for DockerPod and DockerHost, keyed as the server looks them up. */
export function dockerpodValidators(): KindValidators {
  return new Map([
    [`${GROUP}/DockerPod`, (obj) => validateDockerPod(obj as unknown as DockerPod)],
    [`${GROUP}/DockerHost`, (obj) => validateDockerHost(obj as unknown as DockerHost)],
  ]);
}
