/**
 * Unknown fields under a structural schema: findUnknownFields lists what fieldValidation=Strict
 * rejects (nested, in arrays and map values), pruneUnknownFields drops exactly those; root
 * apiVersion/kind/metadata and preserve-unknown-fields subtrees are left alone.
 */
import { expect } from 'chai';
import { dockerPodCrd } from '../../../src/api/v1alpha1/index.js';
import { findUnknownFields, pruneUnknownFields } from '../../../src/apiextensions/prune.js';
import type { JsonSchemaProps } from '../../../src/apiextensions/schema.js';

const SCHEMA: JsonSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        items: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } },
        matrix: { type: 'array', items: { type: 'array', items: { type: 'object', properties: { a: { type: 'integer' } } } } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        byName: { type: 'object', additionalProperties: { type: 'object', properties: { v: { type: 'string' } } } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { k: { type: 'string' } } } } },
        anything: { 'x-kubernetes-preserve-unknown-fields': true },
        open: { type: 'object', additionalProperties: true },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
      },
    },
  },
};

describe('unknown fields', function () {
  const cases: Array<{ name: string; given: Record<string, unknown>; want: string[]; pruned: Record<string, unknown> }> = [
    { name: 'a value with only known fields', given: { spec: { name: 'a', items: [{ a: 'x' }] } }, want: [], pruned: { spec: { name: 'a', items: [{ a: 'x' }] } } },
    { name: 'an unknown top-level field', given: { spec: {}, extra: 1 }, want: ['extra'], pruned: { spec: {} } },
    {
      name: 'root apiVersion, kind and metadata, even when the schema omits them',
      given: { apiVersion: 'v1', kind: 'K', metadata: { name: 'n', labels: { a: 'b' }, whatever: true }, spec: {} },
      want: [],
      pruned: { apiVersion: 'v1', kind: 'K', metadata: { name: 'n', labels: { a: 'b' }, whatever: true }, spec: {} },
    },
    { name: 'a misspelled nested field', given: { spec: { nme: 'a' } }, want: ['spec.nme'], pruned: { spec: {} } },
    { name: 'a field called metadata below the root', given: { spec: { metadata: {} } }, want: ['spec.metadata'], pruned: { spec: {} } },
    {
      name: 'unknown fields in array items, with their index',
      given: { spec: { items: [{ a: 'x' }, { a: 'y', b: 1 }, { c: 2 }] } },
      want: ['spec.items[1].b', 'spec.items[2].c'],
      pruned: { spec: { items: [{ a: 'x' }, { a: 'y' }, {}] } },
    },
    { name: 'unknown fields in nested arrays', given: { spec: { matrix: [[{ a: 1 }, { a: 2, b: 3 }]] } }, want: ['spec.matrix[0][1].b'], pruned: { spec: { matrix: [[{ a: 1 }, { a: 2 }]] } } },
    { name: 'map keys are not unknown', given: { spec: { labels: { any: 'x', 'example.com/zone': 'a' } } }, want: [], pruned: { spec: { labels: { any: 'x', 'example.com/zone': 'a' } } } },
    { name: 'unknown fields inside map values', given: { spec: { byName: { x: { v: '1', w: '2' } } } }, want: ['spec.byName.x.w'], pruned: { spec: { byName: { x: { v: '1' } } } } },
    {
      name: 'preserve-unknown-fields keeps unknown keys but still prunes inside known properties',
      given: { spec: { free: { other: { deep: 1 }, known: { k: 'v', z: 1 } } } },
      want: ['spec.free.known.z'],
      pruned: { spec: { free: { other: { deep: 1 }, known: { k: 'v' } } } },
    },
    { name: 'an untyped preserve-unknown-fields node keeps everything', given: { spec: { anything: { a: { b: [1, { c: 2 }] } } } }, want: [], pruned: { spec: { anything: { a: { b: [1, { c: 2 }] } } } } },
    { name: 'additionalProperties true keeps everything', given: { spec: { open: { a: 1, b: { c: 2 } } } }, want: [], pruned: { spec: { open: { a: 1, b: { c: 2 } } } } },
    { name: 'a scalar where an object is expected is not walked', given: { spec: 'oops' }, want: [], pruned: { spec: 'oops' } },
    { name: 'an int-or-string value is a leaf', given: { spec: { port: 'http' } }, want: [], pruned: { spec: { port: 'http' } } },
    {
      name: 'several unknown fields, in document order',
      given: { zz: 1, spec: { x: 1, items: [{ y: 1 }], name: 'n', byName: { k: { q: 1 } } } },
      want: ['zz', 'spec.x', 'spec.items[0].y', 'spec.byName.k.q'],
      pruned: { spec: { items: [{}], name: 'n', byName: { k: {} } } },
    },
  ];

  describe('findUnknownFields lists their paths', function () {
    for (const { name, given, want } of cases) {
      it(`${name}: [${want.join(', ')}]`, function () {
        const copy = structuredClone(given);
        expect(findUnknownFields(copy, SCHEMA)).to.deep.equal(want);
        expect(copy, 'finding does not modify the value').to.deep.equal(given);
      });
    }
  });

  describe('pruneUnknownFields drops them in place and returns the same paths', function () {
    for (const { name, given, want, pruned } of cases) {
      it(name, function () {
        const value = structuredClone(given);
        expect(pruneUnknownFields(value, SCHEMA)).to.deep.equal(want);
        expect(value).to.deep.equal(pruned);
      });
    }

    it('finds and drops keys named after Object.prototype members (they were taken for known fields and stored)', function () {
      // JSON.parse makes "__proto__" an own key, as the API server's decoder does.
      const value = JSON.parse('{"spec":{"__proto__":{"name":5},"constructor":1,"toString":"x","name":"n"}}') as Record<string, unknown>;
      expect(findUnknownFields(value, SCHEMA)).to.deep.equal(['spec.__proto__', 'spec.constructor', 'spec.toString']);
      expect(pruneUnknownFields(value, SCHEMA)).to.deep.equal(['spec.__proto__', 'spec.constructor', 'spec.toString']);
      expect(Object.keys(value['spec'] as object)).to.deep.equal(['name']);
    });

    it('leaves nothing to find afterwards', function () {
      const value = { extra: 1, spec: { nme: 1, items: [{ b: 1 }] } };
      pruneUnknownFields(value, SCHEMA);
      expect(findUnknownFields(value, SCHEMA)).to.deep.equal([]);
    });
  });

  describe('on the real DockerPod schema', function () {
    const schema = dockerPodCrd().spec.versions[0]?.schema.openAPIV3Schema as JsonSchemaProps;
    const pod = (): Record<string, unknown> => ({
      apiVersion: 'dockerpod.dev/v1alpha1',
      kind: 'DockerPod',
      metadata: { name: 'web', labels: { app: 'web' }, annotations: { a: 'b' } },
      spec: {
        containers: [{ name: 'app', imagee: 'nginx', image: 'nginx', ports: [{ containerPort: 80, hostport: 8080 }], livenessProbe: { httpGet: { port: 'http', pathh: '/' } } }],
        hostSelector: { 'dockerpod.dev/zone': 'a' },
        nodeName: 'n1',
      },
      status: { phase: 'Running', bogus: true },
    });

    it('finds misspelled and foreign fields with their paths', function () {
      expect(findUnknownFields(pod(), schema)).to.deep.equal([
        'spec.containers[0].imagee',
        'spec.containers[0].ports[0].hostport',
        'spec.containers[0].livenessProbe.httpGet.pathh',
        'spec.nodeName',
        'status.bogus',
      ]);
    });

    it('prunes them and keeps metadata, labels and selector keys', function () {
      const value = pod();
      pruneUnknownFields(value, schema);
      expect(value).to.deep.equal({
        apiVersion: 'dockerpod.dev/v1alpha1',
        kind: 'DockerPod',
        metadata: { name: 'web', labels: { app: 'web' }, annotations: { a: 'b' } },
        spec: {
          containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }], livenessProbe: { httpGet: { port: 'http' } } }],
          hostSelector: { 'dockerpod.dev/zone': 'a' },
        },
        status: { phase: 'Running' },
      });
    });
  });
});
