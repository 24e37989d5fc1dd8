/** Parsing of API paths into the resource they address (pure). */

/** A request for a resource (or one object, or its subresource). */
export interface ResourceRoute {
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
}

/** Splits the group-version prefix off: `/api/v1/...` or `/apis/G/V/...`. */
function splitPrefix(parts: string[]): { group: string; version: string; rest: string[] } | undefined {
  if (parts[0] === 'api' && parts.length >= 3) return { group: '', version: parts[1] ?? '', rest: parts.slice(2) };
  if (parts[0] === 'apis' && parts.length >= 4) return { group: parts[1] ?? '', version: parts[2] ?? '', rest: parts.slice(3) };
  return undefined;
}

/** Splits the part after the group-version into namespace, resource, name and subresource. */
function splitRest(rest: string[]): Array<string | undefined> {
  // /namespaces/NS/RESOURCE/... is a namespaced resource; /namespaces/NAME[/status|/finalize] is a namespace.
  const namespaced = rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize';
  return namespaced ? [rest[1], ...rest.slice(2)] : [undefined, ...rest];
}

/** Splits `/api/v1/...` and `/apis/G/V/...` resource paths; undefined for anything else. */
export function parseResourcePath(pathname: string): ResourceRoute | undefined {
  const prefix = splitPrefix(pathname.split('/').filter((p) => p !== '').map(decodeURIComponent));
  if (!prefix) return undefined;
  const [namespace, resource, name, subresource, ...extra] = splitRest(prefix.rest);
  if (!resource || extra.length > 0) return undefined;
  const route: ResourceRoute = { group: prefix.group, version: prefix.version, resource };
  if (namespace !== undefined) route.namespace = namespace;
  if (name !== undefined) route.name = name;
  if (subresource !== undefined) route.subresource = subresource;
  return route;
}
