/**
 * The I/O half of env from Secrets and ConfigMaps: reads, once per pass, exactly the objects that
 * the containers about to be created refer to (env valueFrom and envFrom), in parallel, a missing
 * one recorded as such. Secret values are decoded from base64 (`stringData`, which an API server
 * merges into `data` on write, wins if a reader ever returns it); a ConfigMap gives its `data`
 * only (the kubelet makes no variable from `binaryData`). The values go to the pure resolver
 * (`resolveContainerEnv`) and into the container's config, never into logs or Events.
 */
import { ApiException, type V1ConfigMap, type V1Secret } from '@kubernetes/client-node';
import type { Container } from '../api/v1alpha1/container.js';
import { envReferences, type EnvSources, type SourceData } from '../planner/env.js';

/** Reads Secrets and ConfigMaps in a namespace; undefined when the object does not exist. */
export interface EnvSourceReader {
  readSecret(namespace: string, name: string): Promise<V1Secret | undefined>;
  readConfigMap(namespace: string, name: string): Promise<V1ConfigMap | undefined>;
}

/** A Secret's values by key, decoded; undefined for a missing Secret. */
export function secretData(secret: V1Secret | undefined): SourceData {
  if (!secret) return undefined;
  const decoded = Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')] as const);
  return { ...Object.fromEntries(decoded), ...(secret.stringData ?? {}) };
}

/** A ConfigMap's `data`; undefined for a missing ConfigMap. */
export const configMapData = (cm: V1ConfigMap | undefined): SourceData => (cm ? { ...(cm.data ?? {}) } : undefined);

/** The API server's own words for a failed read (its Status message), not client-node's dump of the response. */
export function readError(err: unknown): Error {
  if (!(err instanceof ApiException)) return err instanceof Error ? err : new Error(String(err));
  const raw: unknown = err.body;
  let body: unknown = raw;
  try {
    if (typeof raw === 'string') body = JSON.parse(raw);
  } catch {
    body = undefined;
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  return new Error(typeof message === 'string' && message !== '' ? message : `reading env sources failed with HTTP ${err.code}`);
}

/** Whether a container's env refers to any Secret or ConfigMap. */
export function usesEnvSources(c: Container): boolean {
  const refs = envReferences([c]);
  return refs.secrets.length + refs.configMaps.length > 0;
}

/**
 * The Secrets and ConfigMaps `containers` refer to, each read once; no read at all when they refer
 * to none. A read that fails other than with 404 rejects with the API server's message.
 */
export async function readEnvSources(reader: EnvSourceReader, namespace: string, containers: readonly Container[]): Promise<EnvSources> {
  const refs = envReferences(containers);
  try {
    const [secrets, configMaps] = await Promise.all([
      Promise.all(refs.secrets.map(async (name) => [name, secretData(await reader.readSecret(namespace, name))] as const)),
      Promise.all(refs.configMaps.map(async (name) => [name, configMapData(await reader.readConfigMap(namespace, name))] as const)),
    ]);
    return { secrets: new Map(secrets), configMaps: new Map(configMaps) };
  } catch (err) {
    throw readError(err);
  }
}
