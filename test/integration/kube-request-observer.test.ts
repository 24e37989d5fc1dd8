/**
 * Every request of the operator's client is observed, as rest_client_requests_total needs: API
 * calls through the generated clients and watches through client-node's `Watch`, over real HTTPS
 * to the embedded API server, with the server's status code (an injected 500 too), `<error>` when
 * no response came, and `host:port`; clients made before the observer was registered are covered,
 * and a removed observer sees nothing more.
 */
import { CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { expect } from 'chai';
import { observeRequests } from '../../src/kube/pooled-agents.js';
import type { ObservedRequest } from '../../src/kube/request-observer.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { eventually } from '../support/exec.js';

const DOCKERPODS = { group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerpods' };

describe('kube: observing every request of a KubeConfig', function () {
  this.timeout(30_000);
  let api: TestApiServer;
  before(async () => { api = await startTestApiServer(); });
  after(async () => { await api.close(); });

  function kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    return kc;
  }

  it('sees API calls and watches with their status, method and host, including clients made earlier', async () => {
    const kc = kubeConfig();
    const custom = kc.makeApiClient(CustomObjectsApi);
    const seen: ObservedRequest[] = [];
    observeRequests(kc, (r) => seen.push(r));
    await custom.listClusterCustomObject(DOCKERPODS);
    api.server.faults.failNext(1, 500);
    await custom.listClusterCustomObject(DOCKERPODS).catch(() => undefined);
    const watch = await new Watch(kc).watch('/apis/dockerpod.dev/v1alpha1/dockerpods', {}, () => undefined, () => undefined);
    try {
      await eventually(() => (seen.length < 3 ? Promise.reject(new Error(`seen ${seen.length}`)) : Promise.resolve()), 5000, 20);
    } finally {
      watch.abort();
    }
    const host = new URL(api.server.url).host;
    expect(seen.map((r) => `${r.method} ${r.code} ${r.host}`)).to.deep.equal([`GET 200 ${host}`, `GET 500 ${host}`, `GET 200 ${host}`]);
    expect(seen.every((r) => r.durationMs >= 0 && r.durationMs < 5000)).to.equal(true);
  });

  it('reports <error> when no response comes, and nothing once the observer is removed', async () => {
    const kc = kubeConfig();
    const seen: ObservedRequest[] = [];
    const stop = observeRequests(kc, (r) => seen.push(r));
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('no cluster');
    // A closed port on loopback: the connection is refused.
    const refused = new KubeConfig();
    refused.loadFromOptions({
      clusters: [{ ...cluster, server: 'https://127.0.0.1:1' }], users: kc.getUsers(), contexts: kc.getContexts(), currentContext: kc.getCurrentContext(),
    });
    const refusedSeen: ObservedRequest[] = [];
    observeRequests(refused, (r) => refusedSeen.push(r));
    await refused.makeApiClient(CustomObjectsApi).listClusterCustomObject(DOCKERPODS).catch(() => undefined);
    expect(refusedSeen.map((r) => `${r.method} ${r.code} ${r.host}`)).to.deep.equal(['GET <error> 127.0.0.1:1']);

    const custom = kc.makeApiClient(CustomObjectsApi);
    await custom.listClusterCustomObject(DOCKERPODS);
    stop();
    await custom.listClusterCustomObject(DOCKERPODS);
    expect(seen).to.have.length(1);
  });
});
