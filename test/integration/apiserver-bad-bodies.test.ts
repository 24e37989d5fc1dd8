/**
 * Request bodies that used to break the embedded API server, each now a clean 4xx: a body over
 * 3 MiB gets its 413 (not a reset connection) and the kept-alive client carries on; bodies nested
 * thousands deep are a 400 on create, update and every patch type (they were a 500: the stack
 * overflowed); a `__proto__` key is an unknown field like any other (it was stored).
 */
import { Agent, request } from 'node:https';
import { expect } from 'chai';
import { startTestApiServer, testServingCert, type TestApiServer } from '../support/apiserver.js';

const PODS = '/apis/dockerpod.dev/v1alpha1/namespaces/default/dockerpods';

interface Answer {
  status: number;
  message: string;
}

/** One request over `agent` (kept alive); `contentType` JSON unless given. */
async function send(api: TestApiServer, agent: Agent, request_: { method: string; path: string; body: string; contentType?: string }): Promise<Answer> {
  const { method, path, body, contentType = 'application/json' } = request_;
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, api.server.url), { method, agent, headers: { Authorization: `Bearer ${api.token}`, 'Content-Type': contentType } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let message = text;
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? text;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, message });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pod = (name: string, extra = ''): string =>
  `{"apiVersion":"dockerpod.dev/v1alpha1","kind":"DockerPod","metadata":{"name":"${name}"},"spec":{${extra}"containers":[{"name":"app","image":"busybox"}]}}`;
const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('apiserver: bad request bodies', function () {
  this.timeout(60_000);
  let api: TestApiServer;
  let agent: Agent;

  before(async () => {
    api = await startTestApiServer();
    agent = new Agent({ keepAlive: true, maxSockets: 1, ca: testServingCert().ca });
  });
  after(async () => {
    agent.destroy();
    await api.close();
  });

  it('answers 413 to every body over 3 MiB, and the kept-alive client goes on (it got ECONNRESET)', async function () {
    const huge = pod('huge', `"hostname":"${'x'.repeat(4 * 1024 * 1024)}",`);
    for (let i = 0; i < 5; i++) {
      const answer = await send(api, agent, { method: 'POST', path: PODS, body: huge });
      expect(answer, `attempt ${i}`).to.deep.equal({ status: 413, message: 'Request entity too large: limit is 3145728' });
      expect((await send(api, agent, { method: 'POST', path: PODS, body: pod(`after-${i}`) })).status).to.equal(201);
    }
  });

  it('answers 400 to bodies nested too deep, on create, update and each patch type (they were a 500)', async function () {
    const deep = nested(5000);
    const withDeep = (name: string): string => pod(name, `"x":${deep},`);
    expect(await send(api, agent, { method: 'POST', path: PODS, body: withDeep('deep') })).to.deep.equal({ status: 400, message: 'json: exceeded max depth of 512' });
    expect((await send(api, agent, { method: 'POST', path: PODS, body: pod('target') })).status).to.equal(201);
    const attempts = [
      { method: 'PUT', path: `${PODS}/target`, body: withDeep('target') },
      { method: 'PATCH', path: `${PODS}/target`, body: `{"spec":{"x":${deep}}}`, contentType: 'application/merge-patch+json' },
      { method: 'PATCH', path: `${PODS}/target`, body: `[{"op":"add","path":"/spec/x","value":${deep}}]`, contentType: 'application/json-patch+json' },
      { method: 'PATCH', path: `${PODS}/target?fieldManager=t`, body: withDeep('target'), contentType: 'application/apply-patch+yaml' },
      { method: 'PATCH', path: `${PODS}/fresh?fieldManager=t`, body: withDeep('fresh'), contentType: 'application/apply-patch+yaml' },
    ];
    for (const attempt of attempts) {
      const answer = await send(api, agent, attempt);
      expect(answer.status, `${attempt.method} ${attempt.contentType ?? ''}: ${answer.message.slice(0, 200)}`).to.equal(400);
    }
  });

  it('takes nesting up to the limit (an unknown field 500 deep is pruned)', async function () {
    const answer = await send(api, agent, { method: 'POST', path: PODS, body: pod('deep-ok', `"x":${nested(500)},`) });
    expect(answer.status, answer.message).to.equal(201);
  });

  it('treats a "__proto__" key as an unknown field: refused under Strict, pruned otherwise (it was stored)', async function () {
    const body = pod('proto', '"__proto__":{"containers":5},');
    expect(await send(api, agent, { method: 'POST', path: `${PODS}?fieldValidation=Strict`, body })).to.deep.equal({ status: 400, message: 'strict decoding error: unknown field "spec.__proto__"' });
    expect((await send(api, agent, { method: 'POST', path: PODS, body })).status).to.equal(201);
    const stored = await send(api, agent, { method: 'GET', path: `${PODS}/proto`, body: '' });
    expect(stored.message).not.to.include('__proto__');
  });
});
