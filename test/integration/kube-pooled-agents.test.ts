/**
 * The operator's API client reuses TLS connections: over real HTTPS to the embedded API server,
 * many calls through client-node share a handful of connections instead of one handshake each,
 * and a watch on the same pool does not block ordinary calls.
 */
import { CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { expect } from 'chai';
import { agentKey, poolAgents } from '../../src/kube/pooled-agents.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';

describe('kube: pooled keep-alive agents', function () {
  this.timeout(30_000);
  let api: TestApiServer;
  before(async () => { api = await startTestApiServer(); });
  after(async () => { await api.close(); });

  function client(pooled: boolean): { kc: KubeConfig; custom: CustomObjectsApi } {
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    if (pooled) poolAgents(kc);
    return { kc, custom: kc.makeApiClient(CustomObjectsApi) };
  }
  const list = (custom: CustomObjectsApi): Promise<unknown> => custom.listClusterCustomObject({ group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerpods' });

  it('the library alone opens one connection per call (what the pool fixes)', async () => {
    const { custom } = client(false);
    api.server.resetStats();
    for (let i = 0; i < 10; i++) await list(custom);
    expect(api.server.stats().connections).to.equal(10);
  });

  it('with the pool, 40 calls (10 at a time) use at most 10 connections and one agent', async () => {
    const { kc, custom } = client(true);
    api.server.resetStats();
    for (let round = 0; round < 4; round++) await Promise.all(Array.from({ length: 10 }, () => list(custom)));
    expect(api.server.stats().total).to.equal(40);
    expect(api.server.stats().connections).to.be.at.most(10);
    expect(poolAgents(kc).stats()).to.deep.equal({ agents: 1, reused: 39 });
  });

  it('a watch holds its own connection while calls keep flowing on the pool', async () => {
    const { kc, custom } = client(true);
    const events: string[] = [];
    const watch = await new Watch(kc).watch('/apis/dockerpod.dev/v1alpha1/dockerpods', {}, (type) => events.push(type), () => undefined);
    try {
      api.server.resetStats();
      for (let i = 0; i < 5; i++) await list(custom);
      expect(api.server.stats().connections).to.be.at.most(1);
    } finally {
      watch.abort();
    }
  });

  it('keys differ when any TLS setting differs and match when equal', () => {
    const cluster = { server: 'https://127.0.0.1:6443' };
    expect(agentKey(cluster, { ca: Buffer.from('a') })).to.equal(agentKey(cluster, { ca: Buffer.from('a'), cert: undefined }));
    expect(agentKey(cluster, { ca: Buffer.from('a') })).to.not.equal(agentKey(cluster, { ca: Buffer.from('b') }));
    expect(agentKey(cluster, { rejectUnauthorized: false })).to.not.equal(agentKey(cluster, {}));
    expect(agentKey({ server: 'https://other:6443' }, {})).to.not.equal(agentKey(cluster, {}));
  });
});
