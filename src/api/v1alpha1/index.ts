/** The dockerpod.dev/v1alpha1 API: kinds, schemas, CRDs and semantic validation. */
export * from './group.js';
export * from './container.js';
export * from './pod-spec.js';
export * from './pod-status.js';
export * from './condition.js';
export * from './dockerpod.js';
export * from './dockerhost.js';
export * from './endpoint.js';
export * from './crds.js';
export * from './render.js';
export { validateDockerPod, validateDockerPodSpec } from './validation/pod.js';
export { validateDockerHost, validateDockerHostSpec } from './validation/host.js';
