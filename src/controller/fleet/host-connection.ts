/**
 * How to reach the engine of a DockerHost: the endpoint, TLS material from the Secret named in
 * `spec.tls.secretRef` (ca.crt verifies the engine, tls.crt/tls.key identify the operator), and
 * the server name to verify. A TLS endpoint is always verified unless the host says
 * `insecureSkipVerify` explicitly. Problems with the host's own configuration (a missing Secret,
 * an endpoint scheme the operator cannot dial) are HostConfigErrors with a condition reason.
 */
import { createHash } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import type { DockerHost } from '../../api/v1alpha1/dockerhost.js';
import { probeEngineVersion, type EngineConnectOptions, type EngineTlsOptions, type EngineVersion } from '../../runtime/docker/dockerode-engine.js';
import { negotiateApiVersion } from '../../runtime/docker/engine-errors.js';

/** API versions this operator speaks (tested on 1.41; newer engines accept them down to their own minimum). */
export const API_RANGE = { min: '1.40', max: '1.47' } as const;

/** A DockerHost whose configuration cannot work; `reason` goes into its Ready condition. */
export class HostConfigError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'HostConfigError';
  }
}

/** Reads Secrets (undefined when missing). */
export type SecretReader = (namespace: string, name: string) => Promise<V1Secret | undefined>;

const decoded = (secret: V1Secret, key: string): string | undefined => {
  const data = secret.data?.[key];
  return data ? Buffer.from(data, 'base64').toString('utf8') : secret.stringData?.[key];
};

async function tlsFromSecret(host: DockerHost, readSecret: SecretReader): Promise<EngineTlsOptions> {
  const tls = host.spec.tls ?? {};
  const out: EngineTlsOptions = {
    ...(tls.insecureSkipVerify === true ? { insecureSkipVerify: true } : {}),
    ...(tls.serverName ? { serverName: tls.serverName } : {}),
  };
  const ref = tls.secretRef;
  if (!ref) return out;
  const secret = await readSecret(ref.namespace, ref.name);
  if (!secret) throw new HostConfigError('SecretNotFound', `Secret ${ref.namespace}/${ref.name} (spec.tls.secretRef) not found`);
  const [ca, cert, key] = ['ca.crt', 'tls.crt', 'tls.key'].map((k) => decoded(secret, k));
  if (Boolean(cert) !== Boolean(key)) throw new HostConfigError('InvalidTLSConfig', `Secret ${ref.namespace}/${ref.name} must hold both tls.crt and tls.key, or neither`);
  return { ...out, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** Connection options for a DockerHost (without the API version, which is negotiated). */
export async function hostConnectOptions(host: DockerHost, readSecret: SecretReader): Promise<EngineConnectOptions> {
  const endpoint = host.spec.endpoint;
  if (endpoint.startsWith('ssh://')) {
    throw new HostConfigError('UnsupportedEndpoint', 'ssh:// endpoints are not supported yet: docker-modem opens one SSH session per request; use tcp:// with mutual TLS');
  }
  if (endpoint.startsWith('unix://')) return { endpoint };
  return host.spec.tls ? { endpoint, tls: await tlsFromSecret(host, readSecret) } : { endpoint };
}

/** A stable identity of connection options: equal keys may share one client; a rotated certificate changes it. */
export function connectionKey(options: EngineConnectOptions): string {
  const tls = options.tls ?? {};
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ endpoint: options.endpoint, apiVersion: options.apiVersion ?? '', insecure: tls.insecureSkipVerify ?? false, serverName: tls.serverName ?? '' }));
  for (const part of [tls.ca, tls.cert, tls.key]) hash.update(`\n${part === undefined ? '-' : String(part)}`);
  return hash.digest('hex');
}

/** Compares dotted versions numerically ("1.9" < "1.41"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/**
 * `base` with the API version pinned: the engine's highest that this operator speaks, within what
 * the engine still accepts. Throws HostConfigError('APIVersionUnsupported') when there is none.
 */
export async function negotiatedOptions(
  base: EngineConnectOptions,
  probe: (options: EngineConnectOptions, signal?: AbortSignal) => Promise<EngineVersion> = probeEngineVersion,
  signal?: AbortSignal,
): Promise<{ options: EngineConnectOptions; engineVersion: string }> {
  const version = await probe(base, signal);
  const apiVersion = negotiateApiVersion(version.apiVersion, API_RANGE.min, API_RANGE.max);
  if (version.minApiVersion && compareVersions(version.minApiVersion, apiVersion.replace(/^v/, '')) > 0) {
    throw new HostConfigError('APIVersionUnsupported', `engine ${version.version} requires API ${version.minApiVersion} or newer; this operator speaks ${API_RANGE.min} to ${API_RANGE.max}`);
  }
  return { options: { ...base, apiVersion }, engineVersion: version.version };
}
