/**
 * OpenAPI v3, as much as kubectl needs: an index of group-version documents (with content
 * hashes, since kubectl caches documents by URL), each with a PATCH operation per kind that
 * carries `x-kubernetes-group-version-kind` and a `fieldValidation` parameter (so kubectl
 * leaves validation to the server) and the kind's schema (so `kubectl explain` works).
 * Custom resources never advertise strategic merge patch.
 */
import { createHash } from 'node:crypto';
import type { ResourceRegistry } from './resources/registry.js';
import { apiVersionOf, type ResourceInfo } from './resources/types.js';

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

/** The URL path of a group-version's document, relative to /openapi/v3/. */
export const documentPath = (group: string, version: string): string => (group ? `apis/${group}/${version}` : `api/${version}`);

/** Reversed domain schema name, as Kubernetes names definitions (dockerpod.dev -> dev.dockerpod). */
function schemaName(r: ResourceInfo): string {
  const prefix = r.group ? r.group.split('.').reverse().join('.') : 'io.k8s.api.core';
  return `${prefix}.${r.version}.${r.kind}`;
}

function itemPath(r: ResourceInfo): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return r.namespaced ? `${base}/namespaces/{namespace}/${r.resource}/{name}` : `${base}/${r.resource}/{name}`;
}

function patchOperation(r: ResourceInfo): Record<string, unknown> {
  const types = r.strategicMerge ? [...PATCH_TYPES, 'application/strategic-merge-patch+json'] : PATCH_TYPES;
  const ref = { $ref: `#/components/schemas/${schemaName(r)}` };
  return {
    operationId: `patch${r.kind}`,
    'x-kubernetes-action': 'patch',
    'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
    parameters: [
      { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
      { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
      { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
      { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } },
    ],
    requestBody: { content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'object' } }])), required: true },
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
  };
}

/** The document of one group-version, or undefined when nothing is served there. */
export function openApiDocument(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const resources = registry.all().filter((r) => r.group === group && r.version === version);
  if (resources.length === 0) return undefined;
  const schemas = Object.fromEntries(
    resources.map((r) => [schemaName(r), { ...r.schema, 'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.kind, version: r.version }] }]),
  );
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: Object.fromEntries(resources.map((r) => [itemPath(r), { patch: patchOperation(r) }])),
    components: { schemas },
  };
}

/** Short content hash used in serverRelativeURL so kubectl refetches a document that changed. */
export function contentHash(doc: unknown): string {
  return createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 16).toUpperCase();
}

/** `/openapi/v3`: the index of documents. */
export function openApiIndex(registry: ResourceRegistry): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [group, versions] of registry.groups()) {
    for (const version of versions) {
      const doc = openApiDocument(registry, group, version);
      if (doc) paths[documentPath(group, version)] = { serverRelativeURL: `/openapi/v3/${documentPath(group, version)}?hash=${contentHash(doc)}` };
    }
  }
  return { paths };
}

/** apiVersion of a resource, re-exported for the HTTP layer's convenience. */
export { apiVersionOf };
