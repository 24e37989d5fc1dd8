/**
 * Engine failures classified for a DockerHost's Ready condition, on errors shaped exactly as the
 * adapter and Node produce them (DockerErrors from toDockerError with the node:net, node:tls or
 * docker-modem error as `.cause`, raw errors, wrappers, AggregateErrors, timeouts): connection
 * failures, resets, timeouts and 5xx are EngineUnreachable with the transport's message; TLS codes
 * and OpenSSL alerts are TLSError with the OpenSSL reason alone; 401/403 are Unauthorized; a 400
 * about the API version (or an ApiVersionUnsupportedError) is APIVersionUnsupported. Messages are
 * one non-empty line. And the API version negotiation: min(engine, max), refused below min.
 */
import { expect } from 'chai';
import { toDockerError } from '../../../src/runtime/docker/dockerode-engine.js';
import { ApiVersionUnsupportedError, classifyEngineError, negotiateApiVersion, type EngineProblem } from '../../../src/runtime/docker/engine-errors.js';
import { DockerError } from '../../../src/runtime/docker/types.js';

/** A node:net / node:tls error: a message and its code (plus errno fields). */
const nodeError = (message: string, code: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(message), { code, ...extra });
/** What docker-modem rejects with for an HTTP error status. */
const modemError = (status: number, json: unknown, text = 'unexpected'): Error =>
  Object.assign(new Error(`(HTTP code ${status}) ${text} - ${typeof json === 'object' && json !== null && !Buffer.isBuffer(json) ? (json as { message: string }).message : String(json)} `), { reason: undefined, statusCode: status, json });
/** As the adapter throws it. */
const adapted = (cause: unknown, operation = 'ping'): DockerError => toDockerError(cause, operation);
/** The TimeoutError of AbortSignal.timeout(), as an AbortError's cause (what dockerode rejects with when its signal fires). */
const aborted = (): Error => Object.assign(new Error('The operation was aborted', { cause: new DOMException('The operation was aborted due to timeout', 'TimeoutError') }), { name: 'AbortError', code: 'ABORT_ERR' });

const OPENSSL_BAD_CERT = '808CE710977F0000:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 42\n';
const OPENSSL_CERT_REQUIRED = '40E7A6F7E67F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 116\n';
const OPENSSL_UNKNOWN_CA = '40E7A6F7E67F0000:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 48\n';
const OPENSSL_WRONG_VERSION = 'C0F7A1F7E67F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:355:\n';

describe('runtime/engine-errors', function () {
  describe('classifyEngineError', function () {
    const cases: Array<{ name: string; given: unknown; want: EngineProblem }> = [
      // EngineUnreachable: the engine is not there, or failing.
      {
        name: 'ECONNREFUSED from the adapter',
        given: adapted(nodeError('connect ECONNREFUSED 127.0.0.1:23760', 'ECONNREFUSED', { errno: -111, syscall: 'connect', address: '127.0.0.1', port: 23760 })),
        want: { reason: 'EngineUnreachable', message: 'connect ECONNREFUSED 127.0.0.1:23760' },
      },
      {
        name: 'a unix socket that does not exist',
        given: adapted(nodeError('connect ENOENT /run/dockerpod-test/none.sock', 'ENOENT', { errno: -2, syscall: 'connect' }), 'info'),
        want: { reason: 'EngineUnreachable', message: 'connect ENOENT /run/dockerpod-test/none.sock' },
      },
      {
        name: 'a raw node:net error',
        given: nodeError('connect EHOSTUNREACH 10.0.0.7:2376', 'EHOSTUNREACH'),
        want: { reason: 'EngineUnreachable', message: 'connect EHOSTUNREACH 10.0.0.7:2376' },
      },
      {
        name: 'a wrapper: the transport\'s message, not the wrapper\'s',
        given: new Error('heartbeat of node1 failed', { cause: adapted(nodeError('connect ETIMEDOUT 10.0.0.5:2376', 'ETIMEDOUT')) }),
        want: { reason: 'EngineUnreachable', message: 'connect ETIMEDOUT 10.0.0.5:2376' },
      },
      {
        name: 'an AggregateError of happy eyeballs (empty message): its errors\' messages',
        given: adapted(Object.assign(new AggregateError([
          nodeError('connect ECONNREFUSED ::1:2375', 'ECONNREFUSED'),
          nodeError('connect ECONNREFUSED 127.0.0.1:2375', 'ECONNREFUSED'),
        ], ''), { code: 'ECONNREFUSED' })),
        want: { reason: 'EngineUnreachable', message: 'connect ECONNREFUSED ::1:2375; connect ECONNREFUSED 127.0.0.1:2375' },
      },
      {
        name: 'the adapter\'s deadline',
        given: Object.assign(new DockerError('ping timed out after 5000 ms', undefined, 'ping'), { cause: aborted() }),
        want: { reason: 'EngineUnreachable', message: 'ping timed out after 5000 ms' },
      },
      {
        name: 'the caller\'s timeout signal: named a timeout, not an abort',
        given: Object.assign(new DockerError('info aborted', undefined, 'info'), { cause: aborted() }),
        want: { reason: 'EngineUnreachable', message: 'info timed out' },
      },
      {
        name: 'an abort surfaced by toDockerError (probeEngineVersion)',
        given: adapted(aborted(), 'version'),
        want: { reason: 'EngineUnreachable', message: 'version timed out' },
      },
      {
        name: 'a reset: the code is added to Node\'s terse message',
        given: adapted(nodeError('socket hang up', 'ECONNRESET')),
        want: { reason: 'EngineUnreachable', message: 'socket hang up (ECONNRESET)' },
      },
      {
        name: 'a reset during the TLS handshake is a reset',
        given: adapted(nodeError('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET', { host: '127.0.0.1', port: 23760 })),
        want: { reason: 'EngineUnreachable', message: 'Client network socket disconnected before secure TLS connection was established (ECONNRESET)' },
      },
      {
        name: 'HTTP 500 with the engine\'s message',
        given: adapted(modemError(500, { message: 'error during connect: containerd is not running' }, 'server error'), 'info'),
        want: { reason: 'EngineUnreachable', message: 'error during connect: containerd is not running' },
      },
      {
        name: 'HTTP 500 mentioning x509 (a registry\'s certificate): the status decides, not the words',
        given: adapted(modemError(500, { message: 'Get "https://registry.local/v2/": x509: certificate signed by unknown authority' }, 'server error'), 'pullImage'),
        want: { reason: 'EngineUnreachable', message: 'Get "https://registry.local/v2/": x509: certificate signed by unknown authority' },
      },
      {
        name: 'HTTP 503 from a raw docker-modem error',
        given: modemError(503, Buffer.from('Service Unavailable\n')),
        want: { reason: 'EngineUnreachable', message: 'Service Unavailable' },
      },
      {
        name: 'HTTP 404 without a body (not an engine at that address)',
        given: adapted(Object.assign(new Error('(HTTP code 404) unexpected -  '), { statusCode: 404, json: Buffer.alloc(0) })),
        want: { reason: 'EngineUnreachable', message: 'the engine answered HTTP 404' },
      },
      {
        name: 'another HTTP 400',
        given: new DockerError('invalid filter \'label\'', 400, 'listContainers'),
        want: { reason: 'EngineUnreachable', message: 'invalid filter \'label\'' },
      },
      { name: 'a thrown string', given: 'engine went away', want: { reason: 'EngineUnreachable', message: 'engine went away' } },
      { name: 'nothing at all', given: undefined, want: { reason: 'EngineUnreachable', message: 'unknown error' } },
      // TLSError: the two ends do not agree on TLS.
      {
        name: 'a CA that did not sign the engine\'s certificate',
        given: adapted(nodeError('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')),
        want: { reason: 'TLSError', message: 'unable to verify the first certificate' },
      },
      {
        name: 'SELF_SIGNED_CERT_IN_CHAIN',
        given: adapted(nodeError('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN')),
        want: { reason: 'TLSError', message: 'self-signed certificate in certificate chain' },
      },
      {
        name: 'DEPTH_ZERO_SELF_SIGNED_CERT',
        given: adapted(nodeError('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT')),
        want: { reason: 'TLSError', message: 'self-signed certificate' },
      },
      {
        name: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
        given: adapted(nodeError('unable to get local issuer certificate', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')),
        want: { reason: 'TLSError', message: 'unable to get local issuer certificate' },
      },
      {
        name: 'UNABLE_TO_GET_ISSUER_CERT',
        given: nodeError('unable to get issuer certificate', 'UNABLE_TO_GET_ISSUER_CERT'),
        want: { reason: 'TLSError', message: 'unable to get issuer certificate' },
      },
      {
        name: 'CERT_HAS_EXPIRED',
        given: adapted(nodeError('certificate has expired', 'CERT_HAS_EXPIRED')),
        want: { reason: 'TLSError', message: 'certificate has expired' },
      },
      {
        name: 'CERT_NOT_YET_VALID',
        given: adapted(nodeError('certificate is not yet valid', 'CERT_NOT_YET_VALID')),
        want: { reason: 'TLSError', message: 'certificate is not yet valid' },
      },
      {
        name: 'ERR_TLS_CERT_ALTNAME_INVALID',
        given: adapted(nodeError('Hostname/IP does not match certificate\'s altnames: IP: 10.0.0.6 is not in the cert\'s list: 127.0.0.1', 'ERR_TLS_CERT_ALTNAME_INVALID', { reason: 'IP: 10.0.0.6 is not in the cert\'s list: 127.0.0.1' })),
        want: { reason: 'TLSError', message: 'Hostname/IP does not match certificate\'s altnames: IP: 10.0.0.6 is not in the cert\'s list: 127.0.0.1' },
      },
      {
        name: 'the engine\'s alert for a missing client certificate (TLS 1.2 style): the OpenSSL reason alone',
        given: adapted(nodeError(OPENSSL_BAD_CERT, 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', { library: 'SSL routines', reason: 'sslv3 alert bad certificate' })),
        want: { reason: 'TLSError', message: 'sslv3 alert bad certificate' },
      },
      {
        name: 'the TLS 1.3 alert "certificate required"',
        given: adapted(nodeError(OPENSSL_CERT_REQUIRED, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')),
        want: { reason: 'TLSError', message: 'tlsv13 alert certificate required' },
      },
      {
        name: 'the engine does not trust our client certificate\'s CA',
        given: adapted(nodeError(OPENSSL_UNKNOWN_CA, 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA')),
        want: { reason: 'TLSError', message: 'tlsv1 alert unknown ca' },
      },
      {
        name: 'TLS to a plain HTTP endpoint (EPROTO)',
        given: adapted(nodeError(OPENSSL_WRONG_VERSION, 'EPROTO', { errno: -71, syscall: 'write' })),
        want: { reason: 'TLSError', message: 'wrong version number' },
      },
      {
        name: 'an OpenSSL message without a code',
        given: new Error('handshake failed', { cause: new Error(OPENSSL_BAD_CERT) }),
        want: { reason: 'TLSError', message: 'sslv3 alert bad certificate' },
      },
      {
        name: 'an alert in words only',
        given: new Error('remote error: tls: bad certificate'),
        want: { reason: 'TLSError', message: 'remote error: tls: bad certificate' },
      },
      {
        name: 'plain HTTP to a TLS engine (HTTP 400 with a text body)',
        given: adapted(modemError(400, Buffer.from('Client sent an HTTP request to an HTTPS server.\n'))),
        want: { reason: 'TLSError', message: 'Client sent an HTTP request to an HTTPS server.' },
      },
      // Unauthorized: the engine (or an authorization plugin or proxy) refuses us.
      {
        name: 'HTTP 401 from a proxy',
        given: adapted(modemError(401, { message: 'Unauthorized' })),
        want: { reason: 'Unauthorized', message: 'Unauthorized' },
      },
      {
        name: 'HTTP 403 from an authorization plugin',
        given: new DockerError('authorization denied by plugin opa-docker-authz: request rejected by administrative policy', 403, 'info'),
        want: { reason: 'Unauthorized', message: 'authorization denied by plugin opa-docker-authz: request rejected by administrative policy' },
      },
      {
        name: 'HTTP 401 without a message',
        given: adapted(Object.assign(new Error('(HTTP code 401) unexpected -  '), { statusCode: 401, json: null })),
        want: { reason: 'Unauthorized', message: 'the engine answered HTTP 401' },
      },
      {
        name: 'a `.status` field as other HTTP clients set it',
        given: Object.assign(new Error('Forbidden'), { status: 403 }),
        want: { reason: 'Unauthorized', message: 'Forbidden' },
      },
      // APIVersionUnsupported: the engine and we share no API version.
      {
        name: 'a pinned version above the engine\'s',
        given: adapted(modemError(400, { message: 'client version 1.41 is too new. Maximum supported API version is 1.40' })),
        want: { reason: 'APIVersionUnsupported', message: 'client version 1.41 is too new. Maximum supported API version is 1.40' },
      },
      {
        name: 'a pinned version below the engine\'s minimum (Docker 25+)',
        given: adapted(modemError(400, Buffer.from('client version 1.41 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version\n'))),
        want: { reason: 'APIVersionUnsupported', message: 'client version 1.41 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version' },
      },
      {
        name: 'ApiVersionUnsupportedError',
        given: new ApiVersionUnsupportedError('1.39', '1.40'),
        want: { reason: 'APIVersionUnsupported', message: 'engine API version 1.39 is too old. Minimum supported API version is 1.40' },
      },
      {
        name: 'ApiVersionUnsupportedError as a cause',
        given: new Error('connecting to node1', { cause: new ApiVersionUnsupportedError('1.24', '1.40') }),
        want: { reason: 'APIVersionUnsupported', message: 'engine API version 1.24 is too old. Minimum supported API version is 1.40' },
      },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${want.reason}`, function () {
        const got = classifyEngineError(given);
        expect(got).to.deep.equal(want);
        expect(got.message).to.not.match(/\n/);
      });
    }

    it('survives a cause cycle', function () {
      const a = new Error('first') as Error & { cause?: unknown };
      const b = new Error('second', { cause: a });
      a.cause = b;
      expect(classifyEngineError(a)).to.deep.equal({ reason: 'EngineUnreachable', message: 'first' });
    });
  });

  describe('negotiateApiVersion', function () {
    const cases: Array<{ name: string; given: [string, string?, string?]; want: string }> = [
      { name: 'the engine speaks the maximum', given: ['1.41'], want: 'v1.41' },
      { name: 'a newer engine: our maximum', given: ['1.43'], want: 'v1.41' },
      { name: 'a "v" prefix and whitespace', given: [' v1.45\n'], want: 'v1.41' },
      { name: 'the engine speaks only the minimum', given: ['1.40'], want: 'v1.40' },
      { name: 'minor versions compare as numbers', given: ['1.100'], want: 'v1.41' },
      { name: 'a later major version', given: ['2.0'], want: 'v1.41' },
      { name: 'custom bounds', given: ['1.44', '1.24', '1.45'], want: 'v1.44' },
      { name: 'custom bounds with prefixes', given: ['1.24', 'v1.24', 'v1.45'], want: 'v1.24' },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${JSON.stringify(given)} -> ${want}`, function () {
        expect(negotiateApiVersion(...given)).to.equal(want);
      });
    }

    const refused: Array<{ name: string; given: [string, string?, string?]; message: string }> = [
      { name: 'below the minimum', given: ['1.39'], message: 'engine API version 1.39 is too old. Minimum supported API version is 1.40' },
      { name: 'minor 9 is below 40', given: ['1.9'], message: 'engine API version 1.9 is too old. Minimum supported API version is 1.40' },
      { name: 'an old major', given: ['0.99', 'v1.12'], message: 'engine API version 0.99 is too old. Minimum supported API version is 1.12' },
      { name: 'empty', given: [''], message: 'engine reported API version "", which is not a version. Minimum supported API version is 1.40' },
      { name: 'not a version', given: ['1.41.0'], message: 'engine reported API version "1.41.0", which is not a version. Minimum supported API version is 1.40' },
    ];
    for (const { name, given, message } of refused) {
      it(`${name}: ${JSON.stringify(given[0])} is refused`, function () {
        let thrown: unknown;
        try {
          negotiateApiVersion(...given);
        } catch (err) {
          thrown = err;
        }
        expect(thrown).to.be.instanceOf(ApiVersionUnsupportedError);
        const error = thrown as ApiVersionUnsupportedError;
        expect(error).to.be.instanceOf(Error);
        expect(error).to.include({ name: 'ApiVersionUnsupportedError', message, engineApiVersion: given[0].trim() });
        expect(classifyEngineError(error)).to.deep.equal({ reason: 'APIVersionUnsupported', message });
      });
    }

    it('malformed or inverted bounds are a programming error (RangeError)', function () {
      expect(() => negotiateApiVersion('1.41', 'one', '1.41')).to.throw(RangeError, 'minimum API version "one" is not a version like 1.41');
      expect(() => negotiateApiVersion('1.41', '1.40', '')).to.throw(RangeError, 'maximum API version "" is not a version like 1.41');
      expect(() => negotiateApiVersion('1.41', '1.42', '1.41')).to.throw(RangeError, 'minimum API version 1.42 is above the maximum 1.41');
    });
  });
});
