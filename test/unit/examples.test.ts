/**
 * Every manifest under examples/ is accepted by the API as the API server will judge it: the
 * CRD schema (after defaulting, with no unknown fields) and the semantic validation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { FieldPath, formatFieldError } from '../../src/api/field-errors.js';
import { dockerHostCrd, dockerPodCrd, validateDockerHost, validateDockerPod, type DockerHost, type DockerPod } from '../../src/api/v1alpha1/index.js';
import { applyDefaults } from '../../src/apiextensions/defaults.js';
import { findUnknownFields } from '../../src/apiextensions/prune.js';
import type { JsonSchemaProps } from '../../src/apiextensions/schema.js';
import { validateValue } from '../../src/apiextensions/validate.js';
import { repoPath } from '../support/repo.js';

const SCHEMAS: Record<string, JsonSchemaProps> = {
  DockerPod: dockerPodCrd().spec.versions[0]?.schema.openAPIV3Schema as JsonSchemaProps,
  DockerHost: dockerHostCrd().spec.versions[0]?.schema.openAPIV3Schema as JsonSchemaProps,
};

function problemsOf(doc: Record<string, unknown>): string[] {
  const kind = String(doc['kind']);
  const schema = SCHEMAS[kind];
  if (!schema) return [`unexpected kind ${kind}`];
  const unknown = findUnknownFields(doc, schema).map((path) => `unknown field "${path}"`);
  const defaulted = applyDefaults(structuredClone(doc), schema);
  const schemaErrors = validateValue(defaulted, schema, FieldPath.root('')).map(formatFieldError);
  const semantic = kind === 'DockerPod' ? validateDockerPod(defaulted as unknown as DockerPod) : validateDockerHost(defaulted as unknown as DockerHost);
  return [...unknown, ...schemaErrors, ...semantic.map(formatFieldError)];
}

describe('examples/', function () {
  const files = readdirSync(repoPath('examples')).filter((f) => f.endsWith('.yaml'));

  it('has the examples the README points at', function () {
    expect(files).to.include.members(['web.yaml', 'dockerhost-tls.yaml']);
  });

  for (const file of files) {
    it(`${file} is valid dockerpod.dev/v1alpha1`, function () {
      const docs = parseAllDocuments(readFileSync(repoPath('examples', file), 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
      expect(docs).to.not.be.empty;
      for (const doc of docs) {
        expect(doc['apiVersion'], file).to.equal('dockerpod.dev/v1alpha1');
        expect(problemsOf(doc), `${file}: ${String(doc['kind'])}`).to.deep.equal([]);
      }
    });
  }
});
