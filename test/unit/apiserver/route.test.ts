/** Parsing of API paths into group, version, namespace, resource, name and subresource. */
import { expect } from 'chai';
import { parseResourcePath } from '../../../src/apiserver/http/route.js';

describe('parseResourcePath', function () {
  const cases = [
    { given: '/api/v1/namespaces', want: { group: '', version: 'v1', resource: 'namespaces' } },
    { given: '/api/v1/namespaces/default', want: { group: '', version: 'v1', resource: 'namespaces', name: 'default' } },
    { given: '/api/v1/namespaces/default/status', want: { group: '', version: 'v1', resource: 'namespaces', name: 'default', subresource: 'status' } },
    { given: '/api/v1/namespaces/default/events', want: { group: '', version: 'v1', namespace: 'default', resource: 'events' } },
    { given: '/api/v1/events', want: { group: '', version: 'v1', resource: 'events' } },
    { given: '/apis/dockerpod.dev/v1alpha1/namespaces/ns/dockerpods/web/status', want: { group: 'dockerpod.dev', version: 'v1alpha1', namespace: 'ns', resource: 'dockerpods', name: 'web', subresource: 'status' } },
    { given: '/apis/dockerpod.dev/v1alpha1/dockerhosts/local', want: { group: 'dockerpod.dev', version: 'v1alpha1', resource: 'dockerhosts', name: 'local' } },
    { given: '/apis/dockerpod.dev/v1alpha1/dockerpods', want: { group: 'dockerpod.dev', version: 'v1alpha1', resource: 'dockerpods' } },
    { given: '/apis/x.io/v1/namespaces/a%2Fb/things', want: { group: 'x.io', version: 'v1', namespace: 'a/b', resource: 'things' } },
    { given: '/apis/dockerpod.dev/v1alpha1', want: undefined },
    { given: '/api/v1', want: undefined },
    { given: '/version', want: undefined },
    { given: '/apis/g.io/v1/namespaces/ns/things/n/status/extra', want: undefined },
  ];
  for (const c of cases) {
    it(`${c.given}`, function () {
      expect(parseResourcePath(c.given)).to.deep.equal(c.want);
    });
  }
});
