/** ObjectMeta rules on every write: names per resource, labels, annotations, finalizers, immutable identity. */
import { expect } from 'chai';
import { formatFieldError } from '../../../src/api/field-errors.js';
import { builtinResources } from '../../../src/apiserver/resources/builtins.js';
import type { ResourceInfo } from '../../../src/apiserver/resources/types.js';
import { bodyObject } from '../../../src/apiserver/rest/create.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../../src/apiserver/rest/metadata.js';

const info = (resource: string): ResourceInfo => {
  const r = builtinResources().find((x) => x.resource === resource);
  if (!r) throw new Error(resource);
  return r;
};
const custom: ResourceInfo = { ...info('configmaps'), group: 'dockerpod.dev', resource: 'dockerpods', kind: 'DockerPod', nameRule: 'path-segment', crdName: 'dockerpods.dockerpod.dev' };

describe('validateObjectMeta', function () {
  const cases: Array<{ name: string; info: ResourceInfo; meta: Record<string, unknown>; want: string[] }> = [
    { name: 'a valid namespaced object', info: info('secrets'), meta: { name: 'db-password', namespace: 'default', labels: { app: 'db' } }, want: [] },
    { name: 'a missing name', info: info('secrets'), meta: { namespace: 'default' }, want: ['metadata.name: Required value: name or generateName is required'] },
    {
      name: 'a name that is not a DNS subdomain',
      info: info('secrets'),
      meta: { name: 'Bad_Name', namespace: 'default' },
      want: ['metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')'],
    },
    { name: 'a namespace name with a dot (namespaces are DNS labels)', info: info('namespaces'), meta: { name: 'a.b' }, want: ['metadata.name: Invalid value: "a.b": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')'] },
    { name: 'a custom resource name with a slash', info: custom, meta: { name: 'a/b', namespace: 'default' }, want: ['metadata.name: Invalid value: "a/b": may not contain \'/\''] },
    { name: 'a namespaced object without namespace', info: info('secrets'), meta: { name: 'a' }, want: ['metadata.namespace: Required value'] },
    { name: 'a cluster-scoped object with a namespace', info: info('namespaces'), meta: { name: 'a', namespace: 'x' }, want: ['metadata.namespace: Forbidden: not allowed on this type'] },
    { name: 'a bad label value', info: info('secrets'), meta: { name: 'a', namespace: 'd', labels: { app: '-x' } }, want: ['metadata.labels: Invalid value: "-x": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyValue\',  or \'my_value\',  or \'12345\', regex used for validation is \'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\')'] },
    { name: 'labels that are a string, not a map (once accepted and stored)', info: info('secrets'), meta: { name: 'a', namespace: 'd', labels: 'app' }, want: ['metadata.labels: Invalid value: "app": must be a map of string keys to string values'] },
    { name: 'an annotation whose value is an object', info: info('secrets'), meta: { name: 'a', namespace: 'd', annotations: { a: { b: 1 } } }, want: ['metadata.annotations: Invalid value: {"a":{"b":1}}: must be a map of string keys to string values'] },
    { name: 'finalizers that are not strings (the checks threw)', info: info('secrets'), meta: { name: 'a', namespace: 'd', finalizers: [5] }, want: ['metadata.finalizers: Invalid value: [5]: must be a list of strings'] },
    { name: 'finalizers as a string (the checks threw)', info: info('secrets'), meta: { name: 'a', namespace: 'd', finalizers: 'x' }, want: ['metadata.finalizers: Invalid value: "x": must be a list of strings'] },
    { name: 'null labels and finalizers are absent ones', info: info('secrets'), meta: { name: 'a', namespace: 'd', labels: null, finalizers: null }, want: [] },
    { name: 'a finalizer that is not a qualified name', info: info('secrets'), meta: { name: 'a', namespace: 'd', finalizers: ['a b'] }, want: ['metadata.finalizers[0]: Invalid value: "a b": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')'] },
  ];
  for (const c of cases) {
    it(c.name, function () {
      expect(validateObjectMeta(c.info, c.meta).map(formatFieldError)).to.deep.equal(c.want);
    });
  }
});

describe('validateObjectMetaUpdate', function () {
  const old = { name: 'a', namespace: 'd', uid: 'u1' };
  const cases: Array<{ name: string; old: Record<string, unknown>; meta: Record<string, unknown>; want: string[] }> = [
    { name: 'identity unchanged', old, meta: { ...old, labels: { x: 'y' } }, want: [] },
    { name: 'a changed uid', old, meta: { ...old, uid: 'u2' }, want: ['metadata.uid: Invalid value: "u2": field is immutable'] },
    { name: 'removing a finalizer while deleting', old: { ...old, deletionTimestamp: 't', finalizers: ['a.io/x'] }, meta: { ...old, finalizers: [] }, want: [] },
    {
      name: 'adding a finalizer while deleting',
      old: { ...old, deletionTimestamp: 't', finalizers: ['a.io/x'] },
      meta: { ...old, finalizers: ['a.io/x', 'b.io/y'] },
      want: ['metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/y"}'],
    },
  ];
  for (const c of cases) {
    it(c.name, function () {
      expect(validateObjectMetaUpdate(c.meta, c.old).map(formatFieldError)).to.deep.equal(c.want);
    });
  }
});

describe('bodyObject', function () {
  it('refuses metadata that is not an object with a 400 (it threw: "Cannot create property namespace on string")', function () {
    for (const metadata of ['x', 5, ['a']]) {
      expect(() => bodyObject({ kind: 'DockerPod', metadata }), JSON.stringify(metadata)).to.throw('metadata: must be a JSON object').with.nested.property('status.code', 400);
    }
  });

  it('takes missing or null metadata (the name check answers those)', function () {
    expect(bodyObject({ kind: 'DockerPod' })).to.deep.equal({ kind: 'DockerPod' });
    expect(bodyObject({ kind: 'DockerPod', metadata: null })).to.deep.equal({ kind: 'DockerPod', metadata: null });
  });
});
