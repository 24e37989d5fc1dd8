/**
 * The embedded API server's front door over real HTTPS: failed authentication is rate-limited per
 * client address (401 until the limit, then 429 with Retry-After and the token not even
 * compared), while clients that authenticated (their keep-alive connection) and clients from
 * other addresses go on unaffected, and the block lifts by itself; and both the API server and
 * `dockerpod standalone` listen on loopback only unless told otherwise (a non-loopback address of
 * this machine is refused).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { startApiServer } from '../../src/apiserver/index.js';
import { parseStandaloneArgs, startStandalone } from '../../src/cli/standalone.js';
import { startTestApiServer, testServingCert, type TestApiServer } from '../support/apiserver.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  /** Whether the request went on a connection an earlier request had opened. */
  reused: boolean;
}

/** A JSON body, or the text when it is not JSON. */
function parsed(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { text };
  }
}

/** GET `path` over HTTPS with `token`, on a new connection unless `agent` is given, optionally from `localAddress`. */
function get(api: TestApiServer, path: string, options: { token?: string; agent?: Agent; localAddress?: string } = {}): Promise<Answer> {
  const headers = options.token === undefined ? {} : { Authorization: `Bearer ${options.token}` };
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, api.server.url), { ca: testServingCert().ca, headers, agent: options.agent ?? false, ...(options.localAddress ? { localAddress: options.localAddress } : {}) }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed(text), reused: req.reusedSocket });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The HTTP code client-node's call failed with (0 when it succeeded). */
async function codeOf(call: Promise<unknown>): Promise<{ code: number; headers: Record<string, string>; body: unknown }> {
  try {
    await call;
    return { code: 0, headers: {}, body: undefined };
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    return { code: err.code, headers: err.headers, body: typeof err.body === 'string' ? (JSON.parse(err.body) as unknown) : err.body };
  }
}

/** A client-node CoreV1Api with the server's kubeconfig but another token. */
function clientWithToken(api: TestApiServer, token: string): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  const user = kc.getCurrentUser();
  if (user) Object.assign(user, { token });
  return kc.makeApiClient(CoreV1Api);
}

/** An IPv4 address of this machine that is not loopback (the engines' bridges have one at least). */
function nonLoopbackAddress(): string {
  const found = Object.values(networkInterfaces()).flat().find((i) => i?.family === 'IPv4' && !i.internal);
  if (!found) throw new Error('this machine has no non-loopback IPv4 address to check the binding against');
  return found.address;
}

/** Whether a TCP connection to address:port is refused. */
function refused(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    socket.setTimeout(2000);
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('apiserver: rate limit of failed authentication (HTTPS, client-node)', function () {
  this.timeout(30_000);
  const WINDOW_MS = 2500;
  let api: TestApiServer;
  let trusted: Agent;

  before(async () => {
    api = await startTestApiServer({ authRateLimit: { maxFailures: 4, windowMs: WINDOW_MS } });
    trusted = new Agent({ keepAlive: true, maxSockets: 1, ca: testServingCert().ca });
  });
  after(async () => {
    trusted.destroy();
    await api.close();
  });

  it('answers 401 up to the limit, then 429 with Retry-After to that address only, and lifts the block after the window', async function () {
    // A client that authenticated before the attack, on a keep-alive connection (as the operator's pooled ones).
    expect((await get(api, '/api/v1/namespaces', { token: api.token, agent: trusted })).status).to.equal(200);
    const guesser = clientWithToken(api, 'not-the-token-000000');
    const started = Date.now();
    for (let i = 0; i < 4; i++) expect((await codeOf(guesser.listNamespace())).code, `guess ${i + 1}`).to.equal(401);

    const blocked = await codeOf(guesser.listNamespace());
    expect(blocked.code).to.equal(429);
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).to.be.within(1, Math.ceil(WINDOW_MS / 1000));
    expect(blocked.body).to.deep.include({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
    expect((blocked.body as { details?: { retryAfterSeconds?: number } }).details?.retryAfterSeconds).to.equal(retryAfter);

    // During the block, even the right token on a new connection from that address is not compared: no oracle.
    const rightButBlocked = await get(api, '/api/v1/namespaces', { token: api.token });
    expect(rightButBlocked.status).to.equal(429);
    expect(rightButBlocked.headers['retry-after']).to.be.a('string');
    // The connection that authenticated before goes on, as do other addresses and the public probes.
    const keptAlive = await get(api, '/api/v1/namespaces', { token: api.token, agent: trusted });
    expect({ status: keptAlive.status, reused: keptAlive.reused }).to.deep.equal({ status: 200, reused: true });
    expect((await get(api, '/api/v1/namespaces', { token: api.token, localAddress: '127.0.0.2' })).status).to.equal(200);
    expect((await get(api, '/api/v1/namespaces', { token: 'wrong', localAddress: '127.0.0.2' })).status, 'counted apart').to.equal(401);
    expect((await get(api, '/healthz')).status).to.equal(200);

    // After the window the address is heard again: 401 for a wrong token, 200 for the right one.
    await sleep(Math.max(0, started + WINDOW_MS + 100 - Date.now()));
    expect((await codeOf(guesser.listNamespace())).code).to.equal(401);
    expect((await get(api, '/api/v1/namespaces', { token: api.token })).status).to.equal(200);
    expect(api.server.stats().byCode['429']).to.equal(2);
  });

  it('counts failures only: a client with the token makes any number of requests (far above the limit)', async function () {
    const own = new KubeConfig();
    own.loadFromFile(api.kubeconfigPath);
    const client = own.makeApiClient(CoreV1Api);
    for (let i = 0; i < 12; i++) expect((await codeOf(client.listNamespace())).code).to.equal(0);
  });
});

describe('apiserver and standalone: loopback by default', function () {
  this.timeout(30_000);

  it('the API server listens on 127.0.0.1 unless given a host', async function () {
    const server = await startApiServer();
    try {
      expect(new URL(server.url).hostname).to.equal('127.0.0.1');
      expect(await refused('127.0.0.1', server.port), 'answers on loopback').to.equal(false);
      expect(await refused(nonLoopbackAddress(), server.port), `refused on ${nonLoopbackAddress()}`).to.equal(true);
    } finally {
      await server.close();
    }
  });

  it('dockerpod standalone defaults to 127.0.0.1:6443 and serves on loopback only', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'dp-auth-'));
    try {
      const config = parseStandaloneArgs(['--data-dir', dir, '--in-memory'], {});
      expect({ host: config.host, port: config.port }).to.deep.equal({ host: '127.0.0.1', port: 6443 });
      // Port 6443 may be taken on a shared machine: the default host with a free port.
      const { server } = await startStandalone({ ...config, port: 0 });
      try {
        expect(new URL(server.url).hostname).to.equal('127.0.0.1');
        expect(await refused('127.0.0.1', server.port)).to.equal(false);
        expect(await refused(nonLoopbackAddress(), server.port)).to.equal(true);
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
