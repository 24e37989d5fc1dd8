/**
 * The bad-input corpus (test/corpus/invalid, described in test/corpus/README.md) as cases ready to
 * send: each with its expectation read from its own annotations (or its `.expect` sidecar), its
 * generated parts filled in, and the exact bytes of the request body.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { repoPath } from '../support/repo.js';

/** Where the cases are. */
export const CORPUS_DIR = repoPath('test', 'corpus', 'invalid');

/** What a case must produce. */
export type Expectation = 'rejected' | 'InvalidSpec' | 'CreateContainerConfigError' | 'SecretNotFound';

const EXPECTATIONS: readonly Expectation[] = ['rejected', 'InvalidSpec', 'CreateContainerConfigError', 'SecretNotFound'];

/** A Kubernetes object as read from YAML. */
export interface PlainObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; annotations?: Record<string, string> } & Record<string, unknown>;
  [key: string]: unknown;
}

/** One case of the corpus. */
export interface CorpusCase {
  /** File name within the corpus directory. */
  file: string;
  resource: 'dockerpods' | 'dockerhosts';
  /** metadata.name as sent ('' when the body has none that can be read). */
  name: string;
  expect: Expectation;
  /** For `rejected`: the HTTP status. */
  status: number;
  /** The field path the answer must name. */
  field?: string;
  /** More text the answer must contain. */
  message?: string;
  /** `kubectl`: submitted with `kubectl create -f` (the file itself). */
  client: 'http' | 'kubectl';
  /** The request body, byte for byte. */
  body: Buffer;
  /** Objects (ConfigMaps, Secrets) to create before the case. */
  prerequisites: PlainObject[];
}

const ANNOTATION = 'test.dockerpod.dev/';
const NEST_PLACEHOLDER = '\u0000nest\u0000';

type Step = string | number;

/** `spec.containers[0].args[0]` -> ['spec', 'containers', 0, 'args', 0]. */
function stepsOf(path: string): Step[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] === undefined ? (m[1] ?? '') : Number(m[2])));
}

/** Sets `value` at `path` in `root`, creating the objects on the way. */
function setAt(root: Record<string, unknown>, path: string, value: unknown): void {
  const steps = stepsOf(path);
  let node: Record<string | number, unknown> = root;
  steps.slice(0, -1).forEach((step, i) => {
    const next = steps[i + 1];
    node[step] ??= typeof next === 'number' ? [] : {};
    node = node[step] as Record<string | number, unknown>;
  });
  const last = steps[steps.length - 1];
  if (last === undefined) throw new Error(`empty path in generate: ${path}`);
  node[last] = value;
}

/** Applies a `generate` directive; returns the JSON text to put in place of the nest placeholder, if any. */
function generate(obj: PlainObject, directive: string): string | undefined {
  const [verb, path = '', count = '0', char = 'x'] = directive.split(' ');
  const n = Number(count);
  if (verb === 'fill') {
    setAt(obj, path, char.repeat(n));
    return undefined;
  }
  if (verb !== 'nest') throw new Error(`unknown generate directive: ${directive}`);
  setAt(obj, path, NEST_PLACEHOLDER);
  // Built as text: JSON.stringify itself overflows the stack near 5000 levels.
  return `${'{"deep":'.repeat(n)}"bottom"${'}'.repeat(n)}`;
}

function expectationOf(value: unknown, file: string): Expectation {
  if (!EXPECTATIONS.includes(value as Expectation)) throw new Error(`${file}: expect must be one of ${EXPECTATIONS.join(', ')}, not ${String(value)}`);
  return value as Expectation;
}

const optional = (key: string, value: unknown): Record<string, string> => (typeof value === 'string' && value !== '' ? { [key]: value } : {});

function yamlCase(file: string, text: string): CorpusCase {
  const docs = parseAllDocuments(text).map((d) => d.toJS() as PlainObject);
  const subject = docs.find((d) => d.metadata.annotations?.[`${ANNOTATION}expect`] !== undefined);
  if (!subject) throw new Error(`${file}: no document carries ${ANNOTATION}expect`);
  const a = subject.metadata.annotations ?? {};
  const directive = a[`${ANNOTATION}generate`];
  const nested = directive ? generate(subject, directive) : undefined;
  const json = JSON.stringify(subject);
  const body = nested === undefined ? json : json.replace(JSON.stringify(NEST_PLACEHOLDER), nested);
  return {
    file,
    resource: subject.kind === 'DockerHost' ? 'dockerhosts' : 'dockerpods',
    name: subject.metadata.name ?? '',
    expect: expectationOf(a[`${ANNOTATION}expect`], file),
    status: Number(a[`${ANNOTATION}status`] ?? 422),
    ...optional('field', a[`${ANNOTATION}field`]),
    ...optional('message', a[`${ANNOTATION}message`]),
    client: a[`${ANNOTATION}client`] === 'kubectl' ? 'kubectl' : 'http',
    body: Buffer.from(body),
    prerequisites: docs.filter((d) => d !== subject),
  };
}

/** The name in a raw body, when it is JSON enough to have one. */
function rawName(body: Buffer): string {
  try {
    const name = (JSON.parse(body.toString('utf8')) as { metadata?: { name?: unknown } }).metadata?.name;
    return typeof name === 'string' ? name : '';
  } catch {
    return '';
  }
}

function rawCase(file: string, body: Buffer, sidecar: string): CorpusCase {
  const e = parse(sidecar) as Record<string, unknown>;
  return {
    file,
    resource: e['resource'] === 'dockerhosts' ? 'dockerhosts' : 'dockerpods',
    name: rawName(body),
    expect: expectationOf(e['expect'], file),
    status: Number(e['status'] ?? 422),
    ...optional('field', e['field']),
    ...optional('message', e['message']),
    client: 'http',
    body,
    prerequisites: [],
  };
}

/** Every case of the corpus, in file name order. */
export function loadCorpus(dir = CORPUS_DIR): CorpusCase[] {
  const files = readdirSync(dir).filter((f) => !f.endsWith('.expect')).sort();
  return files.map((file) => {
    const path = join(dir, file);
    if (file.endsWith('.yaml')) return yamlCase(file, readFileSync(path, 'utf8'));
    return rawCase(file, readFileSync(path), readFileSync(`${path}.expect`, 'utf8'));
  });
}
