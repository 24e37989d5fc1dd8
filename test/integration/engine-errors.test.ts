/**
 * classifyEngineError on real failures of the real test engines through connectEngine, ping() and
 * info(): a unix socket path that does not exist and a closed TCP port are EngineUnreachable with
 * Node's own message; engine B (mutual TLS) checked against a CA that did not sign it, reached
 * without a client certificate, with a client certificate from a CA it does not trust, or over
 * plain HTTP is TLSError with the one-line transport message; a pinned API version the engine does
 * not speak is APIVersionUnsupported; and negotiateApiVersion on the engine's real /version gives
 * a version it answers to. What the engines said is recorded next to each case.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { connectEngine, type EngineConnectOptions } from '../../src/runtime/docker/dockerode-engine.js';
import { ApiVersionUnsupportedError, classifyEngineError, negotiateApiVersion, type EngineProblem } from '../../src/runtime/docker/engine-errors.js';
import { assertEngineReady, engineClient, engineConnectOptions } from '../support/engines.js';
import { rejection } from '../support/rejection.js';

/** Runs openssl in `dir`; its stderr in the error when it fails. */
function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`openssl ${args.join(' ')}: ${(err as { stderr?: Buffer }).stderr?.toString() ?? String(err)}`, { cause: err });
  }
}

/** A throwaway CA (EC P-256) and a client certificate it signed, in `dir`. */
function rogueTls(dir: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key']);
  openssl(dir, ['req', '-x509', '-new', '-key', 'ca.key', '-days', '1', '-subj', '/CN=dockerpod rogue test CA', '-out', 'ca.crt']);
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'client.key']);
  openssl(dir, ['req', '-new', '-key', 'client.key', '-subj', '/CN=dockerpod-rogue-client', '-out', 'client.csr']);
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl(dir, ['x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'client.ext', '-out', 'client.crt']);
  return { ca: readFileSync(join(dir, 'ca.crt')), cert: readFileSync(join(dir, 'client.crt')), key: readFileSync(join(dir, 'client.key')) };
}

/** A TCP port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** How ping() and info() of a fresh client for `options` fail, classified. */
async function failures(options: EngineConnectOptions): Promise<{ ping: EngineProblem; info: EngineProblem }> {
  const engine = connectEngine({ timeoutMs: 10_000, ...options });
  return { ping: classifyEngineError(await rejection(engine.ping())), info: classifyEngineError(await rejection(engine.info())) };
}

describe('engine errors on the real engines', function () {
  this.timeout(30_000);
  let dir: string;
  let rogue: { ca: Buffer; cert: Buffer; key: Buffer };
  let b: EngineConnectOptions;

  before(async function () {
    await assertEngineReady('a', engineClient('a'));
    await assertEngineReady('b', engineClient('b'));
    dir = mkdtempSync(join(tmpdir(), 'dpt-engine-errors-'));
    rogue = rogueTls(dir);
    b = engineConnectOptions('b');
  });

  after(function () {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('EngineUnreachable', function () {
    it('a unix socket path that does not exist: connect ENOENT <path>', async function () {
      const socket = join(dir, 'missing.sock');
      const want: EngineProblem = { reason: 'EngineUnreachable', message: `connect ENOENT ${socket}` };
      expect(await failures({ endpoint: `unix://${socket}` })).to.deep.equal({ ping: want, info: want });
    });

    it('a closed TCP port on 127.0.0.1: connect ECONNREFUSED 127.0.0.1:<port>, with or without TLS', async function () {
      const port = await closedPort();
      const want: EngineProblem = { reason: 'EngineUnreachable', message: `connect ECONNREFUSED 127.0.0.1:${port}` };
      expect(await failures({ endpoint: `tcp://127.0.0.1:${port}` })).to.deep.equal({ ping: want, info: want });
      expect(await failures({ ...b, endpoint: `tcp://127.0.0.1:${port}` })).to.deep.equal({ ping: want, info: want });
    });
  });

  describe('TLSError (engine B, mutual TLS)', function () {
    it('the control: B with its own CA and client certificate answers', async function () {
      const engine = connectEngine(b);
      await engine.ping();
      expect((await engine.info()).serverVersion).to.not.equal('');
    });

    it('a CA that did not sign B\'s certificate: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)', async function () {
      const err = await rejection(connectEngine({ ...b, tls: { ...b.tls, ca: rogue.ca } }).ping());
      expect((err.cause as { code?: string }).code).to.equal('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      const want: EngineProblem = { reason: 'TLSError', message: 'unable to verify the first certificate' };
      expect(await failures({ ...b, tls: { ...b.tls, ca: rogue.ca } })).to.deep.equal({ ping: want, info: want });
    });

    it('the right CA but no client certificate: B\'s TLS alert (observed: "sslv3 alert bad certificate", TLS 1.3, alert 42), not a 401', async function () {
      // B (Docker 20.10, Go's crypto/tls) logs "tls: client didn't provide a certificate" and sends
      // alert 42 bad_certificate after the TLS 1.3 handshake; Node reports it as
      // ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE with the raw OpenSSL error string as message.
      // Newer Go sends alert 116 certificate_required instead ("tlsv13 alert certificate required").
      const noCert: EngineConnectOptions = { ...b, tls: { ca: b.tls?.ca } };
      const err = await rejection(connectEngine(noCert).ping());
      expect((err.cause as { code?: string }).code).to.match(/^ERR_SSL_(SSLV3_ALERT_BAD_CERTIFICATE|TLSV13_ALERT_CERTIFICATE_REQUIRED)$/);
      expect(err.message, 'the adapter\'s raw message').to.match(/SSL routines/);
      const { ping, info } = await failures(noCert);
      expect(ping).to.deep.equal(info);
      expect(ping.reason).to.equal('TLSError');
      expect(ping.message).to.match(/^(sslv3 alert bad certificate|tlsv13 alert certificate required)$/);
    });

    it('a client certificate from a CA B does not trust: B\'s TLS alert', async function () {
      const { ping, info } = await failures({ ...b, tls: { ...b.tls, cert: rogue.cert, key: rogue.key } });
      expect(ping).to.deep.equal(info);
      expect(ping.reason).to.equal('TLSError');
      expect(ping.message).to.match(/^(sslv3|tlsv1\d*) alert (bad certificate|unknown ca|certificate unknown)$/);
    });

    it('plain HTTP to B: HTTP 400 "Client sent an HTTP request to an HTTPS server."', async function () {
      const want: EngineProblem = { reason: 'TLSError', message: 'Client sent an HTTP request to an HTTPS server.' };
      expect(await failures({ endpoint: b.endpoint })).to.deep.equal({ ping: want, info: want });
    });
  });

  describe('APIVersionUnsupported', function () {
    it('a pinned version above the engine\'s: the engine\'s own "too new" message', async function () {
      for (const options of [engineConnectOptions('a'), b]) {
        const { ping, info } = await failures({ ...options, apiVersion: 'v1.99' });
        expect(ping).to.deep.equal(info);
        expect(ping.reason).to.equal('APIVersionUnsupported');
        expect(ping.message).to.match(/^client version 1\.99 is too new\. Maximum supported API version is \d+\.\d+$/);
      }
    });

    it('a pinned version below the engine\'s minimum: the engine\'s own "too old" message', async function () {
      const { ping } = await failures({ ...engineConnectOptions('a'), apiVersion: 'v1.5' });
      expect(ping.reason).to.equal('APIVersionUnsupported');
      expect(ping.message).to.match(/^client version 1\.5 is too old\. Minimum supported API version is \d+\.\d+, please upgrade your client to a newer version$/);
    });

    it('negotiateApiVersion on the engine\'s /version: a version the engine answers to; above it, refused', async function () {
      const { ApiVersion: engineApi } = await engineClient('a').version();
      const pinned = negotiateApiVersion(engineApi);
      expect(pinned).to.match(/^v1\.4[01]$/);
      const engine = connectEngine({ ...engineConnectOptions('a'), apiVersion: pinned });
      await engine.ping();
      expect((await engine.info()).apiVersion).to.equal(pinned.slice(1));

      const [major, minor] = engineApi.split('.').map(Number);
      const above = `${major}.${(minor ?? 0) + 1}`;
      let refused: unknown;
      try {
        negotiateApiVersion(engineApi, above, above);
      } catch (err) {
        refused = err;
      }
      expect(refused).to.be.instanceOf(ApiVersionUnsupportedError);
      expect(classifyEngineError(refused)).to.deep.equal({ reason: 'APIVersionUnsupported', message: `engine API version ${engineApi} is too old. Minimum supported API version is ${above}` });
    });
  });
});
