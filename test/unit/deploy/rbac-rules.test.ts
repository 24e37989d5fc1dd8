/**
 * RBAC evaluation of rendered manifests (hack/chart/rbac-rules.ts), which the RBAC coverage test
 * relies on: which bindings reach a ServiceAccount, and what a rule allows, by table.
 */
import { expect } from 'chai';
import type { KubeObject } from '../../../hack/chart/chart.js';
import { allowedBy, allows, grantsFor, permissionsOf, uses, type Grant, type PolicyRule, type RequestAttributes } from '../../../hack/chart/rbac-rules.js';

const SA = { namespace: 'ops', name: 'op' };
const subject = [{ kind: 'ServiceAccount', name: 'op', namespace: 'ops' }];
const obj = (kind: string, name: string, extra: Record<string, unknown>, namespace?: string): KubeObject => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...extra });
const PODS: PolicyRule = { apiGroups: ['dockerpod.dev'], resources: ['dockerpods', 'dockerpods/status'], verbs: ['patch'] };
const LEASE: PolicyRule = { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: ['lock'] };

const objects = [
  obj('ClusterRole', 'cr', { rules: [PODS] }),
  obj('ClusterRoleBinding', 'crb', { roleRef: { kind: 'ClusterRole', name: 'cr' }, subjects: subject }),
  obj('Role', 'r', { rules: [LEASE] }, 'ops'),
  obj('RoleBinding', 'rb', { roleRef: { kind: 'Role', name: 'r' }, subjects: subject }, 'ops'),
  obj('ClusterRole', 'other', { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] }),
  obj('ClusterRoleBinding', 'someone-else', { roleRef: { kind: 'ClusterRole', name: 'other' }, subjects: [{ kind: 'ServiceAccount', name: 'op', namespace: 'elsewhere' }] }),
];

describe('hack/chart: RBAC evaluation', function () {
  it('collects the rules bound to the ServiceAccount: cluster-wide and per namespace, and nobody else\'s', function () {
    const grants = grantsFor(objects, SA);
    expect(grants.map((g) => [g.namespace ?? '*', g.source])).to.deep.equal([
      ['*', 'ClusterRole/cr rule 0 via ClusterRoleBinding/crb'],
      ['ops', 'Role/r rule 0 via RoleBinding/ops/rb'],
    ]);
  });

  it('refuses a binding to a role that is not among the manifests', function () {
    expect(() => grantsFor([obj('ClusterRoleBinding', 'x', { roleRef: { kind: 'ClusterRole', name: 'missing' }, subjects: subject })], SA)).to.throw(/ClusterRole\/missing is bound but not among the manifests/);
  });

  const grants = grantsFor(objects, SA);
  const cases: Array<{ name: string; req: RequestAttributes; want: boolean }> = [
    { name: 'a granted verb on a resource', req: { verb: 'patch', apiGroup: 'dockerpod.dev', resource: 'dockerpods', namespace: 'a', name: 'x' }, want: true },
    { name: 'a granted subresource', req: { verb: 'patch', apiGroup: 'dockerpod.dev', resource: 'dockerpods', subresource: 'status', namespace: 'a', name: 'x' }, want: true },
    { name: 'another verb', req: { verb: 'delete', apiGroup: 'dockerpod.dev', resource: 'dockerpods', namespace: 'a', name: 'x' }, want: false },
    { name: 'another subresource', req: { verb: 'patch', apiGroup: 'dockerpod.dev', resource: 'dockerpods', subresource: 'finalizers', namespace: 'a', name: 'x' }, want: false },
    { name: 'another group', req: { verb: 'patch', apiGroup: 'other.dev', resource: 'dockerpods', namespace: 'a', name: 'x' }, want: false },
    { name: 'a named resource by its name, in the role\'s namespace', req: { verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'ops', name: 'lock' }, want: true },
    { name: 'a named resource by another name', req: { verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'ops', name: 'other' }, want: false },
    { name: 'a named resource in another namespace', req: { verb: 'get', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'default', name: 'lock' }, want: false },
    { name: 'someone else\'s grant', req: { verb: 'list', apiGroup: '', resource: 'secrets', namespace: 'ops' }, want: false },
  ];
  for (const c of cases) {
    it(`${c.want ? 'allows' : 'forbids'} ${c.name}`, function () {
      expect(allowedBy(grants, c.req).length > 0).to.equal(c.want);
    });
  }

  it('honours wildcards when asked whether a request is allowed', function () {
    const star: Grant = { rule: { apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, source: 's' };
    expect(allows(star, { verb: 'delete', apiGroup: 'x', resource: 'y', subresource: 'z' })).to.equal(true);
  });

  it('lists the permissions of a rule one by one, and refuses wildcards there', function () {
    const [podGrant] = grants;
    expect(permissionsOf(podGrant as Grant).map((p) => `${p.verb} ${p.resource}`)).to.deep.equal(['patch dockerpods', 'patch dockerpods/status']);
    expect(() => permissionsOf({ rule: { apiGroups: [''], resources: ['*'], verbs: ['get'] }, source: 's' })).to.throw(/wildcard/);
    const [lease] = permissionsOf(grants[1] as Grant);
    expect(uses({ verb: 'get', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'ops', name: 'lock' }, lease as never)).to.equal(true);
    expect(uses({ verb: 'get', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'ops', name: 'x' }, lease as never)).to.equal(false);
  });
});
