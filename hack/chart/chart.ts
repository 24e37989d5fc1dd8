/**
 * Renders a Helm chart directory as `helm template` would, for the idioms the strict template
 * engine supports: values.yaml coalesced with overrides (maps merge, a null removes a key, other
 * values replace) and validated against values.schema.json as Helm validates them, `.Chart`,
 * `.Release` and `.Template`, every file under templates/ except partials (`_*`) rendered,
 * split into YAML documents, each parsed strictly (duplicate keys are errors) and required to be a
 * Kubernetes object, sorted in Helm's install order. NOTES.txt is rendered separately.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse, parseDocument } from 'yaml';
import { TemplateExecutor } from './template-exec.js';
import { parseTemplate, TemplateError, type Defines, type Node } from './template-syntax.js';

/** A Kubernetes object as rendered. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** One rendered document: its template, its text as rendered (trimmed) and the parsed object. */
export interface RenderedManifest {
  template: string;
  text: string;
  object: KubeObject;
}

/** What a render produced. */
export interface RenderedChart {
  name: string;
  values: Record<string, unknown>;
  manifests: RenderedManifest[];
  notes: string;
}

/** The release a chart is rendered for (`.Release`). */
export interface ReleaseOptions {
  name: string;
  namespace: string;
  /** `.Release.Service`: "Helm" under Helm. */
  service?: string;
}

/** Helm's install order of kinds (releaseutil.InstallOrder); other kinds come after, by kind. */
const INSTALL_ORDER = [
  'PriorityClass', 'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget',
  'ServiceAccount', 'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim',
  'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role',
  'RoleList', 'RoleBinding', 'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet',
  'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService',
];

const CHART_FIELDS: Record<string, string> = {
  apiVersion: 'APIVersion', name: 'Name', version: 'Version', appVersion: 'AppVersion', description: 'Description', type: 'Type',
  kubeVersion: 'KubeVersion', home: 'Home', keywords: 'Keywords', sources: 'Sources', maintainers: 'Maintainers', icon: 'Icon', annotations: 'Annotations',
};

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Helm's coalescing of user values over a chart's defaults. */
export function coalesceValues(defaults: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(defaults);
  for (const [key, value] of Object.entries(overrides)) {
    const base = out[key];
    if (value === null) delete out[key];
    else if (isMap(value) && isMap(base)) out[key] = coalesceValues(base, value);
    else out[key] = structuredClone(value);
  }
  return out;
}

/** Parses YAML strictly: duplicate keys and any warning are errors. */
export function parseYamlStrict(text: string, where: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) throw new Error(`${where}: ${problems.map((p) => p.message).join('; ')}`);
  return doc.toJS() as unknown;
}

/** Validates values against the chart's values.schema.json (JSON Schema draft-07, as Helm reads it). */
export function validateValues(schema: object, values: unknown): string[] {
  // Strict about the schema itself (unknown keywords, ambiguous types), except `required` inside `not`, which names properties on purpose.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  const validate = ajv.compile(schema);
  if (validate(values)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params['additionalProperty'])}` : ''}`);
}

function chartObject(meta: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) {
    const field = CHART_FIELDS[key];
    if (!field) throw new Error(`Chart.yaml: field "${key}" is not known to this renderer`);
    out[field] = value;
  }
  return out;
}

/** Splits a rendered file into documents, dropping empty ones (whitespace and comments only). */
function documentsOf(rendered: string): string[] {
  return rendered
    .split(/^---[ \t]*$/m)
    .map((d) => d.trim())
    .filter((d) => d.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('#')));
}

function toManifest(template: string, text: string): RenderedManifest {
  const object = parseYamlStrict(text, template);
  if (!isMap(object) || typeof object['apiVersion'] !== 'string' || typeof object['kind'] !== 'string' || !isMap(object['metadata']) || typeof object['metadata']['name'] !== 'string') {
    throw new Error(`${template}: a rendered document is not a Kubernetes object with apiVersion, kind and metadata.name:\n${text}`);
  }
  return { template, text, object: object as KubeObject };
}

function rank(kind: string): number {
  const i = INSTALL_ORDER.indexOf(kind);
  return i === -1 ? INSTALL_ORDER.length : i;
}

/** Helm's order: by kind's install order (unknown kinds last, by kind), then by name. */
export function installOrder(a: RenderedManifest, b: RenderedManifest): number {
  const byRank = rank(a.object.kind) - rank(b.object.kind);
  if (byRank !== 0) return byRank;
  if (a.object.kind !== b.object.kind) return a.object.kind < b.object.kind ? -1 : 1;
  return a.object.metadata.name < b.object.metadata.name ? -1 : a.object.metadata.name > b.object.metadata.name ? 1 : 0;
}

/** Reads a chart's files: metadata, default values, schema, and the template sources by file name. */
export function loadChart(dir: string): { meta: Record<string, unknown>; values: Record<string, unknown>; schema?: object; templates: Map<string, string> } {
  const meta = parseYamlStrict(readFileSync(join(dir, 'Chart.yaml'), 'utf8'), 'Chart.yaml');
  const values = parseYamlStrict(readFileSync(join(dir, 'values.yaml'), 'utf8'), 'values.yaml') ?? {};
  if (!isMap(meta) || !isMap(values)) throw new Error(`${dir}: Chart.yaml and values.yaml must be maps`);
  const schemaPath = join(dir, 'values.schema.json');
  const schema = existsSync(schemaPath) ? (JSON.parse(readFileSync(schemaPath, 'utf8')) as object) : undefined;
  const templates = new Map<string, string>();
  for (const file of readdirSync(join(dir, 'templates')).sort()) {
    const path = join(dir, 'templates', file);
    if (statSync(path).isDirectory()) throw new Error(`${path}: sub-directories of templates/ are not supported by this renderer`);
    templates.set(file, readFileSync(path, 'utf8'));
  }
  return { meta, values, ...(schema ? { schema } : {}), templates };
}

/** Renders the chart in `dir` for `release` with `overrides` over its default values. */
export function renderChart(dir: string, release: ReleaseOptions, overrides: Record<string, unknown> = {}): RenderedChart {
  const chart = loadChart(dir);
  const values = coalesceValues(chart.values, overrides);
  if (chart.schema) {
    const problems = validateValues(chart.schema, values);
    if (problems.length > 0) throw new Error(`values don't meet the specifications of the schema(s):\n  ${problems.join('\n  ')}`);
  }
  const chartName = String(chart.meta['name']);
  const defines: Defines = new Map();
  const parsed = new Map<string, Node[]>();
  for (const [file, source] of chart.templates) parsed.set(file, parseTemplate(source, `${chartName}/templates/${file}`, defines));
  const executor = new TemplateExecutor(defines);
  const top = {
    Values: values,
    Chart: chartObject(chart.meta),
    Release: { Name: release.name, Namespace: release.namespace, Service: release.service ?? 'Helm', IsInstall: true, IsUpgrade: false, Revision: 1 },
  };
  const manifests: RenderedManifest[] = [];
  let notes = '';
  for (const [file, nodes] of parsed) {
    const templateName = `${chartName}/templates/${file}`;
    const rendered = executor.render(nodes, { ...top, Template: { Name: templateName, BasePath: `${chartName}/templates` } });
    if (file.startsWith('_')) {
      if (rendered.trim() !== '') throw new TemplateError(templateName, 'a partial (_*) rendered text outside its defines');
      continue;
    }
    if (file === 'NOTES.txt') notes = rendered;
    else manifests.push(...documentsOf(rendered).map((text) => toManifest(templateName, text)));
  }
  return { name: chartName, values, manifests: manifests.sort(installOrder), notes };
}

/** The rendered manifests as one YAML stream, as `helm template` prints them (with `# Source:` lines). */
export function manifestStream(manifests: RenderedManifest[]): string {
  return manifests.map((m) => `---\n# Source: ${m.template}\n${m.text}\n`).join('');
}

/** Parses a multi-document YAML file into objects (for tests and tools that read the output back). */
export function parseStream(text: string): KubeObject[] {
  return documentsOf(text).map((d) => parse(d) as KubeObject);
}
