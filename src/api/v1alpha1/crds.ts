/**
 * The two CustomResourceDefinitions, built from the schemas in this folder. This is the
 * single source of `crds/*.yaml` (written by `npm run gen`), of `dockerpod crds`, and of the
 * CRDs the embedded API server pre-installs.
 */
import { toPlainSchema, type TSchema } from '../schema-kit.js';
import { DockerHostSchema } from './dockerhost.js';
import { DockerPodSchema } from './dockerpod.js';
import { GROUP, VERSION } from './group.js';

/** A printer column of a CRD version (`additionalPrinterColumns`). */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** An apiextensions.k8s.io/v1 CustomResourceDefinition, as far as this project writes one. */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[]; categories?: string[] };
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: Record<string, unknown> };
      subresources?: { status?: Record<string, never> };
      additionalPrinterColumns?: PrinterColumn[];
    }>;
  };
}

interface KindDefinition {
  kind: string;
  plural: string;
  scope: 'Namespaced' | 'Cluster';
  shortNames: string[];
  categories?: string[];
  schema: TSchema;
  columns: PrinterColumn[];
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

function buildCrd(def: KindDefinition): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'dockerpod-operator' } },
    spec: {
      group: GROUP,
      scope: def.scope,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.kind.toLowerCase(),
        shortNames: def.shortNames,
        ...(def.categories ? { categories: def.categories } : {}),
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: toPlainSchema(def.schema) },
          subresources: { status: {} },
          additionalPrinterColumns: def.columns,
        },
      ],
    },
  };
}

/** The DockerPod CRD: namespaced, status subresource, columns like `kubectl get pods`. */
export function dockerPodCrd(): CustomResourceDefinition {
  return buildCrd({
    kind: 'DockerPod',
    plural: 'dockerpods',
    scope: 'Namespaced',
    shortNames: ['dpod', 'dpods'],
    categories: ['all'],
    schema: DockerPodSchema,
    columns: [
      { name: 'Ready', type: 'string', jsonPath: '.status.readyContainers', description: 'Ready containers over containers.' },
      { name: 'Status', type: 'string', jsonPath: '.status.summary', description: 'Phase, or the reason that explains it.' },
      { name: 'Restarts', type: 'integer', jsonPath: '.status.restartCount', description: 'Restarts of all containers.' },
      { name: 'Host', type: 'string', jsonPath: '.status.hostName', description: 'DockerHost the pod runs on.' },
      { name: 'IP', type: 'string', jsonPath: '.status.podIP', description: 'IP address of the pod.' },
      AGE,
    ],
  });
}

/** The DockerHost CRD: cluster-scoped, status subresource. */
export function dockerHostCrd(): CustomResourceDefinition {
  return buildCrd({
    kind: 'DockerHost',
    plural: 'dockerhosts',
    scope: 'Cluster',
    shortNames: ['dhost'],
    schema: DockerHostSchema,
    columns: [
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Whether the engine answers.' },
      { name: 'Endpoint', type: 'string', jsonPath: '.spec.endpoint', description: 'Address of the engine.' },
      { name: 'Pods', type: 'integer', jsonPath: '.status.pods', description: 'DockerPods bound to the host.' },
      { name: 'Version', type: 'string', jsonPath: '.status.engine.version', description: 'Engine version.' },
      AGE,
    ],
  });
}

/** Both CRDs, in the order they are written and installed. */
export function allCrds(): CustomResourceDefinition[] {
  return [dockerPodCrd(), dockerHostCrd()];
}
