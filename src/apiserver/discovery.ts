/**
 * Legacy discovery (`/api`, `/api/v1`, `/apis`, `/apis/G`, `/apis/G/V`), computed from the
 * registry on every request, so a new CRD is discoverable the moment it is established.
 * Aggregated discovery is not served: plain JSON answers are always accepted by kubectl.
 */
import type { ResourceRegistry } from './resources/registry.js';
import type { ResourceInfo } from './resources/types.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resourceEntries(r: ResourceInfo): Array<Record<string, unknown>> {
  const main = {
    name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: VERBS,
    ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length > 0 ? { categories: r.categories } : {}),
    storageVersionHash: '',
  };
  const status = { name: `${r.resource}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] };
  return r.statusSubresource ? [main, status] : [main];
}

/** `/api/v1` or `/apis/G/V`: an APIResourceList, or undefined when nothing is served there. */
export function resourceList(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const resources = registry.all().filter((r) => r.group === group && r.version === version);
  if (resources.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: resources.sort((a, b) => a.resource.localeCompare(b.resource)).flatMap(resourceEntries),
  };
}

/** `/api`: the core group's versions. */
export function coreVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupEntry(name: string, versions: string[]): Record<string, unknown> {
  const entries = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

/** `/apis`: every named group. */
export function groupList(registry: ResourceRegistry): Record<string, unknown> {
  const groups = [...registry.groups().entries()].filter(([g]) => g !== '').sort(([a], [b]) => a.localeCompare(b));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(([name, versions]) => groupEntry(name, versions)) };
}

/** `/apis/G`: one group, or undefined. */
export function group(registry: ResourceRegistry, name: string): Record<string, unknown> | undefined {
  const versions = registry.groups().get(name);
  return versions && name !== '' ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(name, versions) } : undefined;
}
