/** Kubeconfig files for clients of the embedded API server (kubectl, client-node). */
import { stringify } from 'yaml';

/** What a kubeconfig for the server needs. */
export interface KubeconfigOptions {
  server: string;
  token?: string;
  /** PEM of the CA that signed the server certificate (https only). */
  caData?: string | Buffer;
  namespace?: string;
  name?: string;
}

/**
 * A kubeconfig (YAML) with one cluster, user and context. Plain-HTTP servers are marked
 * `insecure-skip-tls-verify`, which client-node requires before it talks HTTP at all.
 */
export function kubeconfigYaml(options: KubeconfigOptions): string {
  const name = options.name ?? 'dockerpod';
  const cluster: Record<string, unknown> = { server: options.server };
  if (options.caData) cluster['certificate-authority-data'] = Buffer.from(options.caData).toString('base64');
  else if (options.server.startsWith('http:')) cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name, user: options.token ? { token: options.token } : {} }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: options.namespace ?? 'default' } }],
    'current-context': name,
    preferences: {},
  });
}
