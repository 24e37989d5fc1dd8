/**
 * Environment variables and `$(VAR)` expansion with the kubelet's rules: a reference to a
 * variable defined earlier (or in the pod's environment) is replaced, `$$(VAR)` escapes to a
 * literal `$(VAR)`, and an unknown reference is left as written.
 */
import type { Container } from '../api/v1alpha1/container.js';

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

/** `NAME=value` entries of a container, in spec order, each expanded against the ones before it. */
export function containerEnv(c: Container, values: DownwardValues): string[] {
  const vars = new Map<string, string>();
  for (const e of c.env ?? []) {
    const raw = e.valueFrom?.fieldRef ? fieldRefValue(e.valueFrom.fieldRef.fieldPath, values) : expand(e.value ?? '', vars);
    vars.set(e.name, raw);
  }
  return [...vars.entries()].map(([k, v]) => `${k}=${v}`);
}

/** Command and args with `$(VAR)` expanded from the container's environment. */
export function expandedCommand(c: Container, env: readonly string[]): { entrypoint?: string[]; cmd?: string[] } {
  const vars = new Map(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as const));
  return {
    ...(c.command ? { entrypoint: c.command.map((a) => expand(a, vars)) } : {}),
    ...(c.args ? { cmd: c.args.map((a) => expand(a, vars)) } : {}),
  };
}
