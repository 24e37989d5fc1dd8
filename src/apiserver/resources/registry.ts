/**
 * The set of resources the server serves at this moment: the built-ins plus every established
 * CRD's served versions. Discovery, OpenAPI and request routing all read it, so a CRD is
 * servable the moment it is registered.
 */
import { builtinResources } from './builtins.js';
import { resourceKey, type ResourceInfo } from './types.js';

/** The served resources, indexed for routing and discovery. */
export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceInfo>();
  private readonly byCrd = new Map<string, ResourceInfo[]>();
  private changes = 0;

  constructor(initial: ResourceInfo[] = builtinResources()) {
    for (const r of initial) this.byKey.set(resourceKey(r.group, r.version, r.resource), r);
  }

  /** The resource at /apis/group/version/resource (group '' for /api/v1), if served. */
  get(group: string, version: string, resource: string): ResourceInfo | undefined {
    return this.byKey.get(resourceKey(group, version, resource));
  }

  /** Every served resource. */
  all(): ResourceInfo[] {
    return [...this.byKey.values()];
  }

  /** Served versions per group, the CRD storage (or first) version first. */
  groups(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const r of this.byKey.values()) {
      const versions = groups.get(r.group) ?? [];
      if (!versions.includes(r.version)) versions.push(r.version);
      groups.set(r.group, versions);
    }
    return groups;
  }

  /** A resource of `group` already using one of these names (another CRD's plural, kind or short name). */
  conflictWith(crdName: string, group: string, names: { plural: string; kind: string; shortNames: string[] }): string | undefined {
    for (const r of this.byKey.values()) {
      if (r.group !== group || r.crdName === crdName) continue;
      if (r.resource === names.plural) return `"${names.plural}" is already in use`;
      if (r.kind === names.kind) return `"${names.kind}" is already in use`;
      const shared = names.shortNames.find((n) => r.shortNames.includes(n));
      if (shared) return `"${shared}" is already in use`;
    }
    return undefined;
  }

  /** Replaces the resources served for one CRD (an empty list unregisters it). */
  setCrd(crdName: string, resources: ResourceInfo[]): void {
    for (const r of this.byCrd.get(crdName) ?? []) this.byKey.delete(resourceKey(r.group, r.version, r.resource));
    for (const r of resources) this.byKey.set(resourceKey(r.group, r.version, r.resource), r);
    if (resources.length > 0) this.byCrd.set(crdName, resources);
    else this.byCrd.delete(crdName);
    this.changes++;
  }

  /** The resources of a CRD, if registered. */
  crdResources(crdName: string): ResourceInfo[] {
    return this.byCrd.get(crdName) ?? [];
  }

  /** A counter that changes whenever the set of resources does (for OpenAPI cache hashes). */
  generation(): number {
    return this.changes;
  }
}
