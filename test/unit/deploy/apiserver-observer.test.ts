/**
 * The embedded API server's request observer (ApiServerOptions.onRequest), which the RBAC coverage
 * test records the operator's requests with: the Kubernetes verb of each request (table), and a
 * real server reporting what a client sent, non-resource paths included.
 */
import { expect } from 'chai';
import { observedRequest, startApiServer, type ObservedRequest } from '../../../src/apiserver/server.js';

describe('API server: the request observer', function () {
  const cases: Array<{ method: string; url: string; want: ObservedRequest }> = [
    { method: 'GET', url: '/apis/dockerpod.dev/v1alpha1/namespaces/a/dockerpods/web', want: { verb: 'get', apiGroup: 'dockerpod.dev', resource: 'dockerpods', namespace: 'a', name: 'web' } },
    { method: 'GET', url: '/apis/dockerpod.dev/v1alpha1/dockerpods', want: { verb: 'list', apiGroup: 'dockerpod.dev', resource: 'dockerpods' } },
    { method: 'GET', url: '/apis/dockerpod.dev/v1alpha1/dockerpods?watch=true&resourceVersion=5', want: { verb: 'watch', apiGroup: 'dockerpod.dev', resource: 'dockerpods' } },
    { method: 'GET', url: '/api/v1/namespaces/a/secrets?watch=1', want: { verb: 'watch', apiGroup: '', resource: 'secrets', namespace: 'a' } },
    { method: 'GET', url: '/api/v1/namespaces/a/secrets?watch=false', want: { verb: 'list', apiGroup: '', resource: 'secrets', namespace: 'a' } },
    { method: 'POST', url: '/api/v1/namespaces/a/events', want: { verb: 'create', apiGroup: '', resource: 'events', namespace: 'a' } },
    { method: 'PUT', url: '/apis/coordination.k8s.io/v1/namespaces/s/leases/l', want: { verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 's', name: 'l' } },
    { method: 'PATCH', url: '/apis/dockerpod.dev/v1alpha1/dockerhosts/b/status', want: { verb: 'patch', apiGroup: 'dockerpod.dev', resource: 'dockerhosts', name: 'b', subresource: 'status' } },
    { method: 'DELETE', url: '/api/v1/namespaces/a/configmaps/c', want: { verb: 'delete', apiGroup: '', resource: 'configmaps', namespace: 'a', name: 'c' } },
    { method: 'DELETE', url: '/api/v1/namespaces/a/configmaps', want: { verb: 'deletecollection', apiGroup: '', resource: 'configmaps', namespace: 'a' } },
    { method: 'GET', url: '/apis/dockerpod.dev/v1alpha1', want: { verb: 'get', apiGroup: '', resource: '', nonResourcePath: '/apis/dockerpod.dev/v1alpha1' } },
  ];
  for (const c of cases) {
    it(`${c.method} ${c.url} is ${c.want.verb} ${c.want.resource || c.want.nonResourcePath}`, function () {
      expect(observedRequest(c.method, new URL(c.url, 'https://x'))).to.deep.equal(c.want);
    });
  }

  it('a running server reports every authenticated request to the observer, before serving it', async function () {
    const seen: ObservedRequest[] = [];
    const server = await startApiServer({ token: 't', onRequest: (r) => seen.push(r) });
    try {
      const call = (method: string, path: string, token = 't'): Promise<number> => fetch(`${server.url}${path}`, { method, headers: { Authorization: `Bearer ${token}` } }).then(async (r) => (await r.arrayBuffer(), r.status));
      expect(await call('GET', '/api/v1/namespaces/default/configmaps/missing')).to.equal(404);
      expect(await call('GET', '/api/v1/namespaces/default/secrets', 'wrong')).to.equal(401);
      expect(await call('DELETE', '/api/v1/namespaces/default/events')).to.equal(200);
      expect(await call('GET', '/version')).to.equal(200);
      expect(seen).to.deep.equal([
        { verb: 'get', apiGroup: '', resource: 'configmaps', namespace: 'default', name: 'missing' },
        { verb: 'deletecollection', apiGroup: '', resource: 'events', namespace: 'default' },
      ]);
    } finally {
      await server.close();
    }
  });
});
