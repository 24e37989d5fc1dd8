/**
 * Kubernetes RBAC evaluation over rendered manifests, for checking a chart's permissions against
 * the requests a program really makes: which rules reach a ServiceAccount (ClusterRoleBindings
 * cluster-wide, RoleBindings in their namespace), whether a request is allowed (verb, API group,
 * resource[/subresource], resourceNames, namespace, `*`), and the (verb, resource) permissions a
 * rule grants one by one, so that unused ones can be found. A binding to a role that is not among
 * the manifests is an error: the check would otherwise pass on a role nobody can see.
 */
import type { KubeObject } from './chart.js';

/** An RBAC PolicyRule. */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** What a request asks for, as the authorizer sees it. */
export interface RequestAttributes {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** A rule that applies to the subject: cluster-wide (no namespace) or in one namespace. */
export interface Grant {
  rule: PolicyRule;
  namespace?: string;
  /** Where it comes from, e.g. `ClusterRole/x rule 2 via ClusterRoleBinding/x`. */
  source: string;
}

/** One permission of a rule: a verb on a resource (with subresource), possibly limited to names. */
export interface Permission {
  verb: string;
  apiGroup: string;
  resource: string;
  namespace?: string;
  resourceNames?: string[];
  source: string;
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

interface RoleRef {
  kind: string;
  name: string;
}

const objectsOf = (objects: KubeObject[], kind: string): KubeObject[] => objects.filter((o) => o.kind === kind);

function rulesOf(objects: KubeObject[], ref: RoleRef, namespace: string | undefined): PolicyRule[] {
  const role = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name && (ref.kind === 'ClusterRole' || o.metadata.namespace === namespace));
  if (!role) throw new Error(`${ref.kind}/${ref.name}${namespace ? ` in ${namespace}` : ''} is bound but not among the manifests`);
  return (role['rules'] as PolicyRule[] | undefined) ?? [];
}

const bindsTo = (binding: KubeObject, account: { namespace: string; name: string }): boolean =>
  ((binding['subjects'] as Subject[] | undefined) ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === account.name && s.namespace === account.namespace);

/** The rules that reach the ServiceAccount `account` through the bindings among `objects`. */
export function grantsFor(objects: KubeObject[], account: { namespace: string; name: string }): Grant[] {
  const grants: Grant[] = [];
  for (const binding of objectsOf(objects, 'ClusterRoleBinding').filter((b) => bindsTo(b, account))) {
    const ref = binding['roleRef'] as RoleRef;
    if (ref.kind !== 'ClusterRole') throw new Error(`ClusterRoleBinding/${binding.metadata.name} refers to a ${ref.kind}`);
    rulesOf(objects, ref, undefined).forEach((rule, i) => grants.push({ rule, source: `ClusterRole/${ref.name} rule ${i} via ClusterRoleBinding/${binding.metadata.name}` }));
  }
  for (const binding of objectsOf(objects, 'RoleBinding').filter((b) => bindsTo(b, account))) {
    const ref = binding['roleRef'] as RoleRef;
    const namespace = binding.metadata.namespace;
    if (!namespace) throw new Error(`RoleBinding/${binding.metadata.name} has no namespace`);
    rulesOf(objects, ref, namespace).forEach((rule, i) => grants.push({ rule, namespace, source: `${ref.kind}/${ref.name} rule ${i} via RoleBinding/${namespace}/${binding.metadata.name}` }));
  }
  return grants;
}

const has = (list: string[] | undefined, value: string): boolean => (list ?? []).includes(value) || (list ?? []).includes('*');

/** The resource as RBAC names it: `plural` or `plural/subresource`. */
export const resourceName = (r: { resource: string; subresource?: string }): string => (r.subresource ? `${r.resource}/${r.subresource}` : r.resource);

/** Whether `grant` allows `request`. */
export function allows(grant: Grant, request: RequestAttributes): boolean {
  const { rule } = grant;
  if (!has(rule.verbs, request.verb) || !has(rule.apiGroups, request.apiGroup) || !has(rule.resources, resourceName(request))) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0 && !(request.name !== undefined && rule.resourceNames.includes(request.name))) return false;
  return grant.namespace === undefined || grant.namespace === request.namespace;
}

/** The grants that allow `request` (empty: forbidden). */
export function allowedBy(grants: Grant[], request: RequestAttributes): Grant[] {
  return grants.filter((g) => allows(g, request));
}

/** Every (verb, group, resource) a grant holds, one by one; wildcards are refused (least privilege lists things). */
export function permissionsOf(grant: Grant): Permission[] {
  const { rule } = grant;
  if ((rule.nonResourceURLs ?? []).length > 0) throw new Error(`${grant.source}: nonResourceURLs are not expected`);
  const all = [...rule.verbs, ...(rule.apiGroups ?? []), ...(rule.resources ?? [])];
  if (all.includes('*')) throw new Error(`${grant.source}: a wildcard is not least privilege`);
  const out: Permission[] = [];
  for (const verb of rule.verbs) {
    for (const apiGroup of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        out.push({ verb, apiGroup, resource, source: grant.source, ...(grant.namespace ? { namespace: grant.namespace } : {}), ...(rule.resourceNames?.length ? { resourceNames: rule.resourceNames } : {}) });
      }
    }
  }
  return out;
}

/** Whether `request` uses `permission` (the same verb on the same resource, within its namespace and names). */
export function uses(request: RequestAttributes, permission: Permission): boolean {
  return allows({ rule: { verbs: [permission.verb], apiGroups: [permission.apiGroup], resources: [permission.resource], ...(permission.resourceNames ? { resourceNames: permission.resourceNames } : {}) }, ...(permission.namespace ? { namespace: permission.namespace } : {}), source: permission.source }, request);
}

/** A permission as one line, e.g. `patch dockerpod.dev/dockerpods/status (cluster-wide)`. */
export function describePermission(p: Pick<Permission, 'verb' | 'apiGroup' | 'resource' | 'namespace' | 'resourceNames'>): string {
  const names = p.resourceNames ? ` named ${p.resourceNames.join(',')}` : '';
  return `${p.verb} ${p.apiGroup || 'core'}/${p.resource}${names} (${p.namespace ? `namespace ${p.namespace}` : 'cluster-wide'})`;
}
