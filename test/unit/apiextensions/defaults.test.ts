/**
 * Defaulting with a structural schema, as the API server applies it: a missing property with a
 * `default` gets a copy of it (recursing into the copy), inside nested objects, array items and
 * map values; present values, even falsy ones, are never overwritten, and defaults are copies,
 * never shared. Checked on a small schema and on the real DockerPod schema.
 */
import { expect } from 'chai';
import { dockerPodCrd } from '../../../src/api/v1alpha1/index.js';
import { applyDefaults } from '../../../src/apiextensions/defaults.js';
import type { JsonSchemaProps } from '../../../src/apiextensions/schema.js';

const SCHEMA: JsonSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        mode: { type: 'string', default: 'Always' },
        count: { type: 'integer', default: 1 },
        flag: { type: 'boolean', default: true },
        opts: { type: 'object', default: { a: 1 }, properties: { a: { type: 'integer' }, b: { type: 'integer', default: 2 } } },
        tags: { type: 'array', default: ['x'], items: { type: 'string' } },
        list: { type: 'array', items: { type: 'object', properties: { proto: { type: 'string', default: 'TCP' } } } },
        map: { type: 'object', additionalProperties: { type: 'object', properties: { w: { type: 'integer', default: 1 } } } },
        nested: { type: 'object', properties: { inner: { type: 'object', properties: { deep: { type: 'string', default: 'd' } } } } },
      },
    },
  },
};

const ALL_DEFAULTS = { mode: 'Always', count: 1, flag: true, opts: { a: 1, b: 2 }, tags: ['x'] };

describe('applyDefaults', function () {
  const cases: Array<{ name: string; given: unknown; want: unknown }> = [
    { name: 'fills every default of an empty object, recursing into a defaulted object', given: { spec: {} }, want: { spec: ALL_DEFAULTS } },
    { name: 'creates no object that has no default', given: {}, want: {} },
    { name: 'fills a nested default only where the parent exists', given: { spec: { nested: { inner: {} } } }, want: { spec: { ...ALL_DEFAULTS, nested: { inner: { deep: 'd' } } } } },
    { name: 'leaves an empty parent without its child', given: { spec: { nested: {} } }, want: { spec: { ...ALL_DEFAULTS, nested: {} } } },
    {
      name: 'does not overwrite present values',
      given: { spec: { mode: 'Never', count: 5, flag: true, opts: { a: 7, b: 8 }, tags: ['y', 'z'] } },
      want: { spec: { mode: 'Never', count: 5, flag: true, opts: { a: 7, b: 8 }, tags: ['y', 'z'] } },
    },
    {
      name: 'does not overwrite falsy values',
      given: { spec: { mode: '', count: 0, flag: false, opts: {}, tags: [] } },
      want: { spec: { mode: '', count: 0, flag: false, opts: { b: 2 }, tags: [] } },
    },
    { name: 'fills array items', given: { spec: { list: [{}, { proto: 'UDP' }, {}] } }, want: { spec: { ...ALL_DEFAULTS, list: [{ proto: 'TCP' }, { proto: 'UDP' }, { proto: 'TCP' }] } } },
    { name: 'fills map values', given: { spec: { map: { a: {}, b: { w: 5 } } } }, want: { spec: { ...ALL_DEFAULTS, map: { a: { w: 1 }, b: { w: 5 } } } } },
    { name: 'ignores a scalar root', given: 'text', want: 'text' },
    { name: 'ignores a scalar where an object is expected', given: { spec: 3 }, want: { spec: 3 } },
    { name: 'keeps unknown fields', given: { spec: { zz: 1 } }, want: { spec: { ...ALL_DEFAULTS, zz: 1 } } },
  ];
  for (const { name, given, want } of cases) {
    it(name, function () {
      expect(applyDefaults(structuredClone(given), SCHEMA)).to.deep.equal(want);
    });
  }

  it('fills in place and returns the same object', function () {
    const value = { spec: {} };
    expect(applyDefaults(value, SCHEMA)).to.equal(value);
    expect(value).to.deep.equal({ spec: ALL_DEFAULTS });
  });

  it('copies defaults: two objects never share one, and the schema default stays intact', function () {
    const empty = (): { spec: Record<string, unknown> } => ({ spec: {} });
    const first = applyDefaults(empty(), SCHEMA);
    const second = applyDefaults(empty(), SCHEMA);
    (first.spec['opts'] as Record<string, number>)['a'] = 99;
    (first.spec['tags'] as string[]).push('mutated');
    expect(second.spec).to.deep.equal(ALL_DEFAULTS);
    expect(SCHEMA.properties?.['spec']?.properties?.['opts']?.default).to.deep.equal({ a: 1 });
    expect(SCHEMA.properties?.['spec']?.properties?.['tags']?.default).to.deep.equal(['x']);
  });

  describe('on the real DockerPod schema', function () {
    const schema = dockerPodCrd().spec.versions[0]?.schema.openAPIV3Schema as JsonSchemaProps;
    const pod = (): { spec: Record<string, unknown> } =>
      applyDefaults(
        {
          apiVersion: 'dockerpod.dev/v1alpha1',
          kind: 'DockerPod',
          metadata: { name: 'p' },
          spec: {
            containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }], livenessProbe: { httpGet: { port: 80 } } }],
            volumes: [{ name: 'v', configMap: { name: 'x' } }],
            restartPolicy: undefined as string | undefined,
          },
        },
        schema,
      );

    it('fills the pod-level defaults (an explicitly undefined field counts as missing), and no false booleans', function () {
      const { spec } = pod();
      expect({
        restartPolicy: spec['restartPolicy'],
        terminationGracePeriodSeconds: spec['terminationGracePeriodSeconds'],
        hostNetwork: spec['hostNetwork'],
      }).to.deep.equal({ restartPolicy: 'Always', terminationGracePeriodSeconds: 30, hostNetwork: undefined });
    });

    it('fills port protocols (TCP, a list-map key) without overriding UDP, and nothing else inside the containers list', function () {
      const { spec } = pod();
      expect(spec['containers']).to.deep.equal([
        {
          name: 'c',
          image: 'busybox',
          ports: [
            { containerPort: 80, protocol: 'TCP' },
            { containerPort: 53, protocol: 'UDP' },
          ],
          // Probe timing is applied by the operator: a default inside a list would make every
          // `kubectl apply` of the same manifest report "configured".
          livenessProbe: { httpGet: { port: 80 } },
        },
      ]);
    });

    it('leaves volumes as written (defaultMode is applied by the operator)', function () {
      expect(pod().spec['volumes']).to.deep.equal([{ name: 'v', configMap: { name: 'x' } }]);
    });
  });
});
