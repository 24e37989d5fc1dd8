/** The DockerPod kind: a Kubernetes-style pod run on a Docker engine. */
import type { KubeObject } from '../meta.js';
import { obj, objectMeta, opt, str, type Static } from '../schema-kit.js';
import { DockerPodSpec } from './pod-spec.js';
import { DockerPodStatus } from './pod-status.js';

/** The whole DockerPod object schema, the CRD's openAPIV3Schema. */
export const DockerPodSchema = obj(
  {
    apiVersion: opt(str('Versioned schema of this representation of the object: dockerpod.dev/v1alpha1.')),
    kind: opt(str('Kind of the object: DockerPod.')),
    metadata: opt(objectMeta()),
    spec: DockerPodSpec,
    status: opt(DockerPodStatus),
  },
  'DockerPod runs a Kubernetes-style pod on a Docker engine: a sandbox container that owns the network, IPC and UTS namespaces, and member containers that join them under one cgroup parent.',
);

/** A DockerPod as read from the API server. */
export type DockerPod = KubeObject<'DockerPod', Static<typeof DockerPodSpec>, Static<typeof DockerPodStatus>>;
