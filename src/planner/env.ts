/**
 * Environment variables and `$(VAR)` expansion with the kubelet's rules
 * (`makeEnvironmentVariables`): `envFrom` sources first, in order, then `env` entries in order, a
 * later definition of a name replacing an earlier one; a literal value expands `$(VAR)` from the
 * variables defined so far (`$$(VAR)` escapes to a literal `$(VAR)`, an unknown reference is left
 * as written); values from fieldRef, Secrets and ConfigMaps are never expanded. Secrets and
 * ConfigMaps come already read ({@link EnvSources}): this module does no I/O.
 */
import { isEnvVarName } from '../api/names.js';
import type { Container, EnvVar } from '../api/v1alpha1/container.js';

/** Values the downward API (`valueFrom.fieldRef`) can read. */
export interface DownwardValues {
  namespace: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  hostName: string;
  hostIP: string;
  podIP: string;
}

/** Expands `$(VAR)` references in `text` from `vars`. */
export function expand(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([^)]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    if (name !== undefined && vars.has(name)) return vars.get(name) ?? '';
    return match;
  });
}

const FIELD = /^metadata\.(labels|annotations)\['([^']+)'\]$/;

/** The value of a fieldRef path, '' when the field is empty. */
export function fieldRefValue(path: string, values: DownwardValues): string {
  const map = FIELD.exec(path);
  if (map) return (map[1] === 'labels' ? values.labels : values.annotations)[map[2] ?? ''] ?? '';
  const simple: Record<string, string> = {
    'metadata.name': values.name,
    'metadata.namespace': values.namespace,
    'metadata.uid': values.uid,
    'spec.hostName': values.hostName,
    'status.hostIP': values.hostIP,
    'status.podIP': values.podIP,
  };
  return simple[path] ?? '';
}

/** The data of a Secret (decoded) or ConfigMap by key; undefined when the object does not exist. */
export type SourceData = Readonly<Record<string, string>> | undefined;

/** The Secrets and ConfigMaps a pod refers to, by name in the pod's namespace; a name not in a map counts as missing. */
export interface EnvSources {
  secrets: ReadonlyMap<string, SourceData>;
  configMaps: ReadonlyMap<string, SourceData>;
}

/** No Secret and no ConfigMap (every reference to one is missing). */
export const NO_ENV_SOURCES: EnvSources = { secrets: new Map(), configMaps: new Map() };

/** Keys of an envFrom source skipped because, with the prefix, they are not valid variable names. */
export interface SkippedKeys {
  kind: 'secret' | 'configMap';
  name: string;
  /** Sorted, prefix included. */
  keys: string[];
  /** The kubelet's InvalidEnvironmentVariableNames event message. */
  message: string;
}

/** A container's environment, or the kubelet's error for a required Secret, ConfigMap or key that is missing. */
export type ResolvedEnv = { env: string[]; skipped: SkippedKeys[] } | { error: string };

type EnvFrom = NonNullable<Container['envFrom']>[number];
type KeyRef = { name: string; key: string; optional?: boolean };
type Kind = SkippedKeys['kind'];

/** How the kubelet names each kind: in a not-found error (the API's resource), in the envFrom event, in a missing-key error. */
const KIND_WORD: Record<Kind, { resource: string; envFrom: string; title: string }> = {
  secret: { resource: 'secret', envFrom: 'secret', title: 'Secret' },
  configMap: { resource: 'configmap', envFrom: 'configMap', title: 'ConfigMap' },
};

const notFound = (kind: Kind, name: string): string => `${KIND_WORD[kind].resource} "${name}" not found`;

const lookup = (sources: EnvSources, kind: Kind, name: string): SourceData => (kind === 'secret' ? sources.secrets : sources.configMaps).get(name);

/** The Secrets and ConfigMaps containers refer to (env valueFrom and envFrom), each name once, in order of first use. */
export function envReferences(containers: readonly Container[]): { secrets: string[]; configMaps: string[] } {
  const refs = containers.flatMap((c) => [
    ...(c.envFrom ?? []).flatMap((f) => objectRefs(f.secretRef, f.configMapRef)),
    ...(c.env ?? []).flatMap((e) => objectRefs(e.valueFrom?.secretKeyRef, e.valueFrom?.configMapKeyRef)),
  ]);
  const names = (kind: Kind): string[] => [...new Set(refs.filter((r) => r.kind === kind).map((r) => r.name))];
  return { secrets: names('secret'), configMaps: names('configMap') };
}

function objectRefs(secret: { name: string } | undefined, configMap: { name: string } | undefined): Array<{ kind: Kind; name: string }> {
  return [...(secret ? [{ kind: 'secret' as const, name: secret.name }] : []), ...(configMap ? [{ kind: 'configMap' as const, name: configMap.name }] : [])];
}

/** Adds every key of `data`, prefixed, in key order (the kubelet's order is a Go map's: none); returns the names that are not valid variable names, sorted. */
function addKeys(prefix: string, data: Readonly<Record<string, string>>, vars: Map<string, string>): string[] {
  const invalid: string[] = [];
  for (const key of Object.keys(data).sort()) {
    const name = prefix + key;
    if (isEnvVarName(name).length > 0) invalid.push(name);
    else vars.set(name, data[key] ?? '');
  }
  return invalid;
}

/** Adds every key of one envFrom source to `vars`; the error of a required source that is missing. */
function addEnvFrom(f: EnvFrom, sources: EnvSources, ctx: { namespace: string; vars: Map<string, string>; skipped: SkippedKeys[] }): string | undefined {
  const kind: Kind = f.secretRef ? 'secret' : 'configMap';
  const ref = f.secretRef ?? f.configMapRef;
  if (!ref) return undefined;
  const data = lookup(sources, kind, ref.name);
  if (data === undefined) return ref.optional ? undefined : notFound(kind, ref.name);
  const invalid = addKeys(f.prefix ?? '', data, ctx.vars);
  if (invalid.length > 0) {
    const message = `Keys [${invalid.join(', ')}] from the EnvFrom ${KIND_WORD[kind].envFrom} ${ctx.namespace}/${ref.name} were skipped since they are considered invalid environment variable names.`;
    ctx.skipped.push({ kind, name: ref.name, keys: invalid, message });
  }
  return undefined;
}

/** The value of a key reference: a string, `skip` (optional and missing) or the kubelet's error. */
function keyRefValue(kind: Kind, ref: KeyRef, sources: EnvSources, namespace: string): { value: string } | { skip: true } | { error: string } {
  const data = lookup(sources, kind, ref.name);
  if (data !== undefined && Object.hasOwn(data, ref.key)) return { value: data[ref.key] ?? '' };
  if (ref.optional) return { skip: true };
  if (data === undefined) return { error: notFound(kind, ref.name) };
  return { error: `couldn't find key ${ref.key} in ${KIND_WORD[kind].title} ${namespace}/${ref.name}` };
}

/** The value of one env entry given the variables defined before it. */
function entryValue(e: EnvVar, vars: ReadonlyMap<string, string>, values: DownwardValues, sources: EnvSources): { value: string } | { skip: true } | { error: string } {
  // As the kubelet: a non-empty value wins; no value and no source is the empty string.
  if (e.value) return { value: expand(e.value, vars) };
  const from = e.valueFrom;
  if (from?.fieldRef) return { value: fieldRefValue(from.fieldRef.fieldPath, values) };
  if (from?.secretKeyRef) return keyRefValue('secret', from.secretKeyRef, sources, values.namespace);
  if (from?.configMapKeyRef) return keyRefValue('configMap', from.configMapKeyRef, sources, values.namespace);
  return { value: '' };
}

/**
 * A container's `NAME=value` entries as the kubelet makes them: every envFrom source in order
 * (keys that are not valid variable names skipped and reported), then every env entry in order,
 * each able to reference the ones before it. A missing Secret, ConfigMap or key that is not
 * `optional` is an error (the container waits with CreateContainerConfigError); an optional one
 * leaves the variable as it was.
 */
export function resolveContainerEnv(c: Container, values: DownwardValues, sources: EnvSources): ResolvedEnv {
  const ctx = { namespace: values.namespace, vars: new Map<string, string>(), skipped: [] as SkippedKeys[] };
  for (const f of c.envFrom ?? []) {
    const error = addEnvFrom(f, sources, ctx);
    if (error !== undefined) return { error };
  }
  for (const e of c.env ?? []) {
    const got = entryValue(e, ctx.vars, values, sources);
    if ('error' in got) return got;
    if ('value' in got) ctx.vars.set(e.name, got.value);
  }
  return { env: [...ctx.vars.entries()].map(([k, v]) => `${k}=${v}`), skipped: ctx.skipped };
}

/**
 * The `NAME=value` entries of a container (see {@link resolveContainerEnv}). Throws the kubelet's
 * error for a missing required Secret, ConfigMap or key: callers that must turn it into a waiting
 * reason resolve first.
 */
export function containerEnv(c: Container, values: DownwardValues, sources: EnvSources = NO_ENV_SOURCES): string[] {
  const resolved = resolveContainerEnv(c, values, sources);
  if ('error' in resolved) throw new Error(resolved.error);
  return resolved.env;
}

/** Command and args with `$(VAR)` expanded from the container's environment. */
export function expandedCommand(c: Container, env: readonly string[]): { entrypoint?: string[]; cmd?: string[] } {
  const vars = new Map(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as const));
  return {
    ...(c.command ? { entrypoint: c.command.map((a) => expand(a, vars)) } : {}),
    ...(c.args ? { cmd: c.args.map((a) => expand(a, vars)) } : {}),
  };
}
