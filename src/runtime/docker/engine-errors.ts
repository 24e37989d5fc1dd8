/**
 * Why an engine cannot be used, in the words of a DockerHost's Ready condition: a reason a user
 * can act on (the engine is not there, TLS does not agree, the engine refuses us, it speaks an
 * API we do not) and the engine's or transport's own message, freed of OpenSSL and docker-modem
 * noise. Pure: it reads errors (and their `.cause` chains), it does no I/O. Also the choice of
 * the Engine API version to speak to an engine.
 */

/** A Ready=False reason of a DockerHost whose engine failed. */
export type EngineErrorReason = 'EngineUnreachable' | 'TLSError' | 'Unauthorized' | 'APIVersionUnsupported';

/** What went wrong with an engine: a reason for the condition and a one-line message for people. */
export interface EngineProblem {
  reason: EngineErrorReason;
  message: string;
}

/**
 * The engine's API version is below the lowest the operator speaks (or not a version at all).
 * Thrown by negotiateApiVersion; classifyEngineError reports it as APIVersionUnsupported with its message.
 */
export class ApiVersionUnsupportedError extends Error {
  constructor(
    readonly engineApiVersion: string,
    readonly minApiVersion: string,
  ) {
    super(parseVersion(engineApiVersion)
      ? `engine API version ${engineApiVersion} is too old. Minimum supported API version is ${minApiVersion}`
      : `engine reported API version "${engineApiVersion}", which is not a version. Minimum supported API version is ${minApiVersion}`);
    this.name = 'ApiVersionUnsupportedError';
  }
}

type Version = readonly [major: number, minor: number];

function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

const compare = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1];

function boundOf(text: string, what: string): Version {
  const v = parseVersion(text);
  if (!v) throw new RangeError(`${what} API version "${text}" is not a version like 1.41`);
  return v;
}

/**
 * The Engine API version to pin for an engine that speaks up to `engineApiVersion` ("1.41" or
 * "v1.41"): the lower of it and `max`, as "v1.xx". Throws ApiVersionUnsupportedError when the
 * engine is below `min` or its version is not a version, and RangeError when `min` or `max` is
 * malformed or `min` exceeds `max`.
 */
export function negotiateApiVersion(engineApiVersion: string, min = '1.40', max = '1.41'): string {
  const [lo, hi] = [boundOf(min, 'minimum'), boundOf(max, 'maximum')];
  if (compare(lo, hi) > 0) throw new RangeError(`minimum API version ${min} is above the maximum ${max}`);
  const engine = parseVersion(engineApiVersion);
  if (!engine || compare(engine, lo) < 0) throw new ApiVersionUnsupportedError(engineApiVersion.trim(), `${lo[0]}.${lo[1]}`);
  const chosen = compare(engine, hi) < 0 ? engine : hi;
  return `v${chosen[0]}.${chosen[1]}`;
}

type Fields = Record<string, unknown>;

/** Node's certificate verification codes (X509_V_ERR_* as tls reports them), all but out-of-memory. */
const TLS_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_CRL', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE', 'CRL_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID', 'CRL_HAS_EXPIRED', 'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD', 'ERROR_IN_CRL_NEXT_UPDATE_FIELD', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_CHAIN_TOO_LONG', 'CERT_REVOKED', 'INVALID_CA',
  'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'HOSTNAME_MISMATCH', 'EPROTO',
]);

/** Transport messages of a TLS failure (OpenSSL alerts and errors, Node's verification messages, Go's tls/x509 errors). */
const TLS_MESSAGE = new RegExp([
  String.raw`\b(sslv3|tlsv1\d*) alert\b`,
  String.raw`\balert (bad certificate|certificate required|unknown ca|certificate unknown|handshake failure|protocol version)\b`,
  'certificate required', 'wrong version number', 'unknown protocol', 'packet length too long', 'certificate verify failed',
  String.raw`self[- ]signed certificate`, 'unable to verify the first certificate', String.raw`unable to get (local )?issuer certificate`,
  'certificate has expired', 'certificate is not yet valid', "does not match certificate's altnames", 'SSL routines',
  String.raw`\btls: `, String.raw`\bx509: `,
].join('|'), 'i');

/** An OpenSSL error string ("8080…:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:file:line:…"); group 1 is the reason. */
const OPENSSL_ERROR = /[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/;
const API_VERSION_MESSAGE = /client version \S+ is too (new|old)|(maximum|minimum) supported API version/i;
const PLAIN_TO_TLS_MESSAGE = /HTTP request to an HTTPS server/i;
const SYSTEM_CODE = /^E[A-Z0-9]+$/;

const fieldsOf = (v: unknown): Fields => (typeof v === 'object' && v !== null ? (v as Fields) : { message: String(v) });
const stringField = (e: Fields, key: string): string => (typeof e[key] === 'string' ? e[key] : '');

/** The error, its `.cause`s and an AggregateError's `.errors`, outermost first, each once (at most 16). */
function chainOf(err: unknown): unknown[] {
  const chain: unknown[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && chain.length < 16) {
    const next = queue.shift();
    if (next === undefined || next === null || chain.includes(next)) continue;
    chain.push(next);
    const e = fieldsOf(next);
    if (Array.isArray(e['errors'])) queue.push(...(e['errors'] as unknown[]));
    queue.push(e['cause']);
  }
  return chain;
}

/** A message made readable: without docker-modem's "(HTTP code N) reason - " and the CLI's "Error response from daemon: ", on one line. */
function readable(text: string): string {
  return text
    .replace(/^\(HTTP code \d+\) [^-]*- /, '')
    .replace(/^Error response from daemon: /, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The message of one error: a docker-modem body's `message`, else `.message`, else those of an AggregateError's errors. */
function messageOf(e: Fields): string {
  const json = e['json'];
  const fromJson = typeof json === 'object' && json !== null && !(json instanceof Uint8Array) ? stringField(json as Fields, 'message') : '';
  const own = readable(fromJson || stringField(e, 'message'));
  if (own !== '' || !Array.isArray(e['errors'])) return own;
  return (e['errors'] as unknown[]).map((x) => messageOf(fieldsOf(x))).filter((m) => m !== '').join('; ');
}

/** The HTTP status the engine answered with (DockerError.statusCode, docker-modem's statusCode, or `.status`). */
function httpStatus(e: Fields): number | undefined {
  const status = typeof e['statusCode'] === 'number' ? e['statusCode'] : e['status'];
  return typeof status === 'number' && status >= 100 && status <= 599 ? status : undefined;
}

function isTlsFailure(e: Fields): boolean {
  const code = stringField(e, 'code');
  const tlsCode = TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || (code.startsWith('ERR_TLS_') && code !== 'ERR_TLS_HANDSHAKE_TIMEOUT');
  return tlsCode || TLS_MESSAGE.test(stringField(e, 'message'));
}

/** An OpenSSL error reduced to its reason ("sslv3 alert bad certificate"); other messages as they are. */
function tlsMessage(e: Fields): string {
  const message = messageOf(e);
  return OPENSSL_ERROR.exec(message)?.[1]?.trim() ?? message;
}

/** An engine's HTTP answer: 401/403 refuse us, a 400 about versions or plain HTTP is ours to fix, anything else is an engine failing. */
function byStatus(status: number, e: Fields): EngineProblem {
  const message = messageOf(e) || `the engine answered HTTP ${status}`;
  if (status === 401 || status === 403) return { reason: 'Unauthorized', message };
  if (status === 400 && API_VERSION_MESSAGE.test(message)) return { reason: 'APIVersionUnsupported', message };
  if (status === 400 && PLAIN_TO_TLS_MESSAGE.test(message)) return { reason: 'TLSError', message };
  return { reason: 'EngineUnreachable', message };
}

/** The problem one error of the chain decides, if it decides one. */
function decide(original: unknown): EngineProblem | undefined {
  if (original instanceof ApiVersionUnsupportedError) return { reason: 'APIVersionUnsupported', message: original.message };
  const e = fieldsOf(original);
  const status = httpStatus(e);
  if (status !== undefined) return byStatus(status, e);
  return isTlsFailure(e) ? { reason: 'TLSError', message: tlsMessage(e) } : undefined;
}

/** Node's "socket hang up" says more as "socket hang up (ECONNRESET)". */
const withCode = (message: string, code: string): string => (message.includes(code) ? message : `${message} (${code})`);

const isTimeout = (e: Fields): boolean => stringField(e, 'name') === 'TimeoutError';

/** The message of a failure that decided nothing: the system error's ("connect ECONNREFUSED …"), else the outermost, naming a timeout as one. */
function unreachableMessage(chain: Fields[]): string {
  const system = chain.find((e) => SYSTEM_CODE.test(stringField(e, 'code')) && messageOf(e) !== '');
  if (system) return withCode(messageOf(system), stringField(system, 'code'));
  const outer = chain.find((e) => messageOf(e) !== '');
  const text = outer ? messageOf(outer) : '';
  if (chain.some(isTimeout) && !/timed? ?out|timeout/i.test(text)) return `${stringField(chain[0] ?? {}, 'operation') || 'request'} timed out`;
  return text || 'unknown error';
}

/**
 * Classifies anything an engine call threw (a DockerError from the adapter, a docker-modem or
 * node:net/tls error, an ApiVersionUnsupportedError, or any of these as the `.cause` of another):
 * the first error in the cause chain, outermost first, with an HTTP status or a TLS failure
 * decides (401/403 Unauthorized; 400 about the API version APIVersionUnsupported; 400 "HTTP
 * request to an HTTPS server" and TLS codes or OpenSSL alerts TLSError; any other status
 * EngineUnreachable); a chain that decides nothing (ECONNREFUSED, ENOENT, resets, timeouts) is
 * EngineUnreachable. The message is never empty and is one line: the engine's own message, the
 * reason of an OpenSSL error, or the system error's message.
 */
export function classifyEngineError(err: unknown): EngineProblem {
  const chain = chainOf(err);
  for (const e of chain) {
    const problem = decide(e);
    if (problem) return problem;
  }
  return { reason: 'EngineUnreachable', message: unreachableMessage(chain.map(fieldsOf)) };
}
