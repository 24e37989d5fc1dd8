/**
 * The dockerode engine against a scripted HTTP engine on a unix socket, for what a real engine
 * cannot be made to do on demand: pull errors inside a 200 progress stream, event lines split
 * and joined across chunks, timeNano beyond 2^53, engines that never answer, and request shapes
 * (no create body in the URL, the pinned API version, X-Registry-Auth).
 */
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { connectEngine, JsonLineSplitter, pullTarget, toDockerError } from '../../../src/runtime/docker/dockerode-engine.js';
import { DockerError, type DockerEngine, type DockerEvent } from '../../../src/runtime/docker/types.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

interface Seen {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const json = (res: http.ServerResponse, status: number, value: unknown): void => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value));
};

describe('dockerode engine (scripted engine)', function () {
  const socket = join(tmpdir(), `dpt-stub-${process.pid}.sock`);
  const seen: Seen[] = [];
  let handler: Handler = (_req, res) => json(res, 404, { message: 'not scripted' });
  let server: http.Server;
  let engine: DockerEngine;

  before(async function () {
    rmSync(socket, { force: true });
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: new URL(req.url ?? '/', 'http://engine'), headers: req.headers, body });
        handler(req, res, body);
      });
    });
    server.listen(socket);
    await once(server, 'listening');
    engine = connectEngine({ endpoint: `unix://${socket}`, timeoutMs: 300 });
  });

  after(function () {
    server.closeAllConnections();
    server.close();
    rmSync(socket, { force: true });
  });

  beforeEach(function () {
    seen.length = 0;
  });

  it('creates with the name in the query and the body (env included) only in the body, on the pinned API version', async function () {
    handler = (_req, res) => json(res, 201, { Id: 'abc', Warnings: [] });
    const id = await engine.createContainer('web', { Image: 'busybox:1', Env: ['SECRET=hunter2'], Labels: { a: 'b' }, HostConfig: { NetworkMode: 'none' } });
    expect(id).to.equal('abc');
    const [request] = seen;
    expect(request?.url.pathname).to.equal('/v1.41/containers/create');
    expect([...(request?.url.searchParams.entries() ?? [])]).to.deep.equal([['name', 'web']]);
    expect(JSON.parse(request?.body ?? '{}')).to.deep.equal({ Image: 'busybox:1', Env: ['SECRET=hunter2'], Labels: { a: 'b' }, HostConfig: { NetworkMode: 'none' } });
  });

  it('maps errors to DockerError with the engine\'s message and status', async function () {
    handler = (_req, res) => json(res, 409, { message: 'Conflict. The container name "/web" is already in use' });
    const err = await engine.createContainer('web', { Image: 'x', Labels: {}, HostConfig: {} }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DockerError).and.to.include({ statusCode: 409, operation: 'createContainer', message: 'Conflict. The container name "/web" is already in use' });
    handler = (_req, res) => { res.writeHead(500); res.end('plain text failure'); };
    const plain = await engine.listContainers({}).catch((e: unknown) => e);
    expect(plain).to.be.instanceOf(DockerError).and.to.include({ statusCode: 500, message: 'plain text failure' });
  });

  it('bounds ordinary calls by timeoutMs', async function () {
    handler = () => undefined; // never answers
    const start = Date.now();
    const err = await engine.inspectContainer('x').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DockerError).and.to.include({ statusCode: undefined, message: 'inspectContainer timed out after 300 ms' });
    expect(Date.now() - start).to.be.below(2000);
  });

  it('pull: rejects on an error inside a 200 progress stream, with errorDetail.code', async function () {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"status":"Pulling from app"}\n{"status":"Wait');
      res.write('ing","id":"l1"}\n');
      res.end('{"errorDetail":{"code":401,"message":"unauthorized: authentication required"},"error":"unauthorized: authentication required"}\n');
    };
    const err = await engine.pullImage('registry.example:5000/team/app', { username: 'u', password: 'p', serveraddress: 'registry.example:5000' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DockerError).and.to.include({ statusCode: 401, operation: 'pullImage', message: 'unauthorized: authentication required' });
    const [request] = seen;
    expect(Object.fromEntries(request?.url.searchParams ?? [])).to.deep.equal({ fromImage: 'registry.example:5000/team/app', tag: 'latest' });
    const auth = JSON.parse(Buffer.from(String(request?.headers['x-registry-auth']), 'base64url').toString()) as Record<string, string>;
    expect(auth).to.deep.equal({ username: 'u', password: 'p', serveraddress: 'registry.example:5000' });
  });

  it('pull: resolves only when the stream ends cleanly; a digest ref pulls by digest', async function () {
    let ended = false;
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('{"status":"Downloading"}\n');
      setTimeout(() => { ended = true; res.end('{"status":"Status: Downloaded newer image"}\n'); }, 100);
    };
    const digest = `sha256:${'a'.repeat(64)}`;
    await engine.pullImage(`app:v1@${digest}`);
    expect(ended).to.equal(true);
    expect(Object.fromEntries(seen[0]?.url.searchParams ?? [])).to.deep.equal({ fromImage: 'app', tag: digest });
  });

  it('pull: a stream that goes quiet for timeoutMs rejects', async function () {
    handler = (_req, res) => { res.writeHead(200); res.write('{"status":"Downloading"}\n'); };
    const err = await engine.pullImage('app:v1').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DockerError).and.to.include({ message: 'pull made no progress for 300 ms' });
  });

  it('pull: the caller\'s abort rejects', async function () {
    handler = (_req, res) => { res.writeHead(200); res.write('{"status":"Downloading"}\n'); };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await engine.pullImage('app:v1', undefined, controller.signal).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DockerError).and.to.include({ message: 'pull aborted' });
  });

  it('events: lines split and joined across chunks, exact timeNano, filters and since, onEnd once when the engine ends it', async function () {
    const nano = '1767225600123456789';
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(`{"Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{"app":"x","name":"web"}},"time":1767225600,"time`);
      setTimeout(() => {
        res.write(`Nano":${nano}}\n{"Type":"container","Action":"exec_start: sh -c true","Actor":{"ID":"c1","Attributes":{}},"timeNano":${nano}}\n{"Type":"cont`);
        res.end('ainer","Action":"die","Actor":{"ID":"c1","Attributes":{"exitCode":"0"}},"timeNano":1767225601000000000}\n');
      }, 20);
    };
    const events: DockerEvent[] = [];
    const ends: Array<Error | undefined> = [];
    engine.events({ since: 1767225600.5, labels: { app: 'x' } }, { onEvent: (e) => events.push(e), onEnd: (e) => ends.push(e) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events).to.deep.equal([
      { action: 'start', id: 'c1', labels: { app: 'x', name: 'web' }, timeNano: BigInt(nano) },
      { action: 'exec_start: sh -c true', id: 'c1', labels: {}, timeNano: BigInt(nano) },
      { action: 'die', id: 'c1', labels: { exitCode: '0' }, timeNano: 1767225601000000000n },
    ]);
    expect(ends).to.deep.equal([undefined]);
    const params = seen[0]?.url.searchParams;
    expect(JSON.parse(params?.get('filters') ?? '{}')).to.deep.equal({ type: ['container'], label: ['app=x'] });
    expect(params?.get('since')).to.equal('1767225600.500000000');
  });

  it('events: a malformed line ends the stream with an error, once', async function () {
    handler = (_req, res) => { res.writeHead(200); res.write('{"Action":"start"}\nnot json\n'); };
    const ends: Array<Error | undefined> = [];
    const stream = engine.events({ labels: {} }, { onEvent: () => undefined, onEnd: (e) => ends.push(e) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    stream.close();
    expect(ends).to.have.length(1);
    expect(ends[0]).to.be.instanceOf(DockerError);
  });

  describe('helpers', function () {
    it('JsonLineSplitter copes with CRLF, blank lines, split UTF-8 characters and a last line without newline', function () {
      const values: unknown[] = [];
      const splitter = new JsonLineSplitter((v) => values.push(v));
      const bytes = Buffer.from('{"a":"é"}\r\n\n{"b":1}');
      splitter.push(bytes.subarray(0, 7)); // splits the two bytes of é
      splitter.push(bytes.subarray(7));
      splitter.end();
      expect(values).to.deep.equal([{ a: 'é' }, { b: 1 }]);
    });

    const targets: Array<[string, { fromImage: string; tag: string }]> = [
      ['busybox', { fromImage: 'busybox', tag: 'latest' }],
      ['localhost:5000/app:v1', { fromImage: 'localhost:5000/app', tag: 'v1' }],
      [`app@sha256:${'b'.repeat(64)}`, { fromImage: 'app', tag: `sha256:${'b'.repeat(64)}` }],
    ];
    for (const [ref, want] of targets) {
      it(`pullTarget(${ref.slice(0, 30)})`, function () {
        expect(pullTarget(ref)).to.deep.equal(want);
      });
    }

    it('pullTarget refuses an invalid reference with 400', function () {
      expect(() => pullTarget('Bad Ref')).to.throw(DockerError).with.property('statusCode', 400);
    });

    it('toDockerError keeps transport errors without a status', function () {
      const err = toDockerError(Object.assign(new Error('connect ECONNREFUSED /x.sock'), { code: 'ECONNREFUSED' }), 'ping');
      expect(err).to.include({ statusCode: undefined, operation: 'ping', message: 'connect ECONNREFUSED /x.sock' });
    });
  });
});
