/**
 * The generated CRD files: identical to what the TypeScript source generates (so a schema change
 * without `npm run gen` fails here), and valid apiextensions.k8s.io/v1 objects with the names,
 * scope, subresource and printer columns users rely on.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { formatFieldError } from '../../../src/api/field-errors.js';
import { GENERATED_HEADER, renderCrdFiles, type CustomResourceDefinition } from '../../../src/api/v1alpha1/index.js';
import type { JsonSchemaProps } from '../../../src/apiextensions/schema.js';
import { checkStructural } from '../../../src/apiextensions/structural.js';
import { validateValue } from '../../../src/apiextensions/validate.js';
import { FieldPath } from '../../../src/api/field-errors.js';
import { repoPath } from '../../support/repo.js';

function loadCrd(file: string): CustomResourceDefinition {
  const docs = parseAllDocuments(readFileSync(repoPath('crds', file), 'utf8'));
  expect(docs, `${file} documents`).to.have.length(1);
  return docs[0]?.toJS() as CustomResourceDefinition;
}

function schemaOf(crd: CustomResourceDefinition): JsonSchemaProps {
  const version = crd.spec.versions[0];
  if (!version) throw new Error(`${crd.metadata.name} has no version`);
  return version.schema.openAPIV3Schema;
}

/** Visits every schema node with its path. */
function walk(node: JsonSchemaProps, path: string, visit: (node: JsonSchemaProps, path: string) => void): void {
  visit(node, path);
  for (const [name, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${name}`, visit);
  if (node.items) walk(node.items, `${path}[]`, visit);
  if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${path}{}`, visit);
}

/** The schema node a simple printer-column JSONPath points at (`.status.x`, filters skipped). */
function resolveJsonPath(schema: JsonSchemaProps, jsonPath: string): JsonSchemaProps | undefined {
  let node: JsonSchemaProps | undefined = schema;
  for (const part of jsonPath.replace(/\[\?\(.*?\)\]/g, '[]').split('.').filter(Boolean)) {
    const [name = '', ...rest] = part.split('[');
    node = node?.properties?.[name];
    if (rest.length > 0) node = node?.items;
  }
  return node;
}

describe('CRDs', function () {
  describe('generated files', function () {
    it('crds/ holds exactly what `npm run gen` produces from src/api/v1alpha1', function () {
      const wanted = renderCrdFiles();
      const onDisk = readdirSync(repoPath('crds')).filter((f) => f.endsWith('.yaml')).sort();
      expect(onDisk).to.deep.equal([...wanted.keys()].sort());
      for (const [file, content] of wanted) {
        expect(readFileSync(repoPath('crds', file), 'utf8'), `crds/${file} is stale: run npm run gen`).to.equal(content);
      }
    });

    it('start with the generated-file header', function () {
      for (const file of renderCrdFiles().keys()) {
        expect(readFileSync(repoPath('crds', file), 'utf8').split('\n')[0]).to.equal(GENERATED_HEADER);
      }
    });
  });

  const cases = [
    {
      file: 'dockerpods.dockerpod.dev.yaml',
      kind: 'DockerPod',
      plural: 'dockerpods',
      scope: 'Namespaced',
      shortNames: ['dpod', 'dpods'],
      categories: ['all'],
      columns: [
        ['Ready', 'string', '.status.readyContainers'],
        ['Status', 'string', '.status.summary'],
        ['Restarts', 'integer', '.status.restartCount'],
        ['Host', 'string', '.status.hostName'],
        ['IP', 'string', '.status.podIP'],
        ['Age', 'date', '.metadata.creationTimestamp'],
      ],
    },
    {
      file: 'dockerhosts.dockerpod.dev.yaml',
      kind: 'DockerHost',
      plural: 'dockerhosts',
      scope: 'Cluster',
      shortNames: ['dhost'],
      categories: undefined,
      columns: [
        ['Ready', 'string', '.status.conditions[?(@.type=="Ready")].status'],
        ['Endpoint', 'string', '.spec.endpoint'],
        ['Pods', 'integer', '.status.pods'],
        ['Version', 'string', '.status.engine.version'],
        ['Age', 'date', '.metadata.creationTimestamp'],
      ],
    },
  ] as const;

  for (const c of cases) {
    describe(c.kind, function () {
      const crd = loadCrd(c.file);
      const schema = schemaOf(crd);

      it('is an apiextensions.k8s.io/v1 CRD named <plural>.<group>, with its scope and names', function () {
        expect(crd.apiVersion).to.equal('apiextensions.k8s.io/v1');
        expect(crd.kind).to.equal('CustomResourceDefinition');
        expect(crd.metadata.name).to.equal(`${c.plural}.dockerpod.dev`);
        expect(crd.spec.group).to.equal('dockerpod.dev');
        expect(crd.spec.scope).to.equal(c.scope);
        expect(crd.spec.names).to.deep.include({ kind: c.kind, listKind: `${c.kind}List`, plural: c.plural, singular: c.kind.toLowerCase() });
        expect(crd.spec.names.shortNames).to.deep.equal(c.shortNames);
        expect(crd.spec.names.categories).to.deep.equal(c.categories);
      });

      it('serves and stores exactly v1alpha1, with a status subresource', function () {
        expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage])).to.deep.equal([['v1alpha1', true, true]]);
        expect(crd.spec.versions[0]?.subresources).to.deep.equal({ status: {} });
      });

      it('has the printer columns, each pointing at a field of the schema', function () {
        const columns = crd.spec.versions[0]?.additionalPrinterColumns ?? [];
        expect(columns.map((col) => [col.name, col.type, col.jsonPath])).to.deep.equal(c.columns);
        for (const col of columns.filter((x) => !x.jsonPath.startsWith('.metadata'))) {
          expect(resolveJsonPath(schema, col.jsonPath), `${col.name}: ${col.jsonPath}`).to.not.equal(undefined);
        }
      });

      it('has a structural schema (every node typed, no $ref, junctors clean)', function () {
        expect(checkStructural(schema).map(formatFieldError)).to.deep.equal([]);
        expect(JSON.stringify(schema)).to.not.include('$ref');
      });

      it('describes every field, so kubectl explain documents it', function () {
        const undocumented: string[] = [];
        walk(schema, '', (node, path) => {
          if (!path.endsWith('[]') && !path.endsWith('{}') && !node.description) undocumented.push(path || '<root>');
        });
        expect(undocumented).to.deep.equal([]);
      });

      it('has defaults that are valid under their own schema (the API server requires it)', function () {
        const problems: string[] = [];
        walk(schema, '', (node, path) => {
          if (node.default === undefined) return;
          problems.push(...validateValue(node.default, { ...node, default: undefined }, FieldPath.root(path.slice(1))).map(formatFieldError));
        });
        expect(problems).to.deep.equal([]);
      });

      it('requires spec, and has a status', function () {
        expect(schema.required).to.deep.equal(['spec']);
        expect(schema.properties?.['status']?.type).to.equal('object');
      });
    });
  }
});
