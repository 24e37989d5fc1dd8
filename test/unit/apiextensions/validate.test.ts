/**
 * Validation of values against a structural schema, with the API server's messages and 422
 * cause types: type mismatches (TypeInvalid), required, enum, pattern, bounds, lengths, item
 * counts, set and list-map uniqueness, date-time, nullable and int-or-string; unknown fields are
 * not errors here. Checked on a small schema and on the real DockerPod schema.
 */
import { expect } from 'chai';
import { fieldError, FieldPath, formatFieldError, type FieldError } from '../../../src/api/field-errors.js';
import { QUANTITY_PATTERN } from '../../../src/api/schema-kit.js';
import { dockerPodCrd } from '../../../src/api/v1alpha1/index.js';
import { applyDefaults } from '../../../src/apiextensions/defaults.js';
import type { JsonSchemaProps } from '../../../src/apiextensions/schema.js';
import { validateValue } from '../../../src/apiextensions/validate.js';

const SCHEMA: JsonSchemaProps = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 3, maxLength: 5, pattern: '^[a-z]+$' },
    replicas: { type: 'integer', minimum: 1, maximum: 10 },
    ratio: { type: 'number', minimum: 0.5 },
    enabled: { type: 'boolean' },
    mode: { type: 'string', enum: ['A', 'B'] },
    level: { type: 'integer', enum: [1, 2] },
    tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3, 'x-kubernetes-list-type': 'set' },
    ports: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['port', 'protocol'],
      items: { type: 'object', required: ['port'], properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } } },
    },
    at: { type: 'string', format: 'date-time' },
    maybe: { type: 'string', nullable: true },
    port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
    labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 3 } },
    nested: { type: 'object', required: ['x'], properties: { x: { type: 'integer' } } },
    anything: { 'x-kubernetes-preserve-unknown-fields': true },
  },
};

const SPEC = FieldPath.root('spec');

function messages(value: unknown, schema: JsonSchemaProps = SCHEMA): string[] {
  return validateValue(value, schema, SPEC).map(formatFieldError);
}

const typeMsg = (path: string, type: string, actual: string): string => `${path}: Invalid value: "${actual}": ${path} in body must be of type ${type}: "${actual}"`;

describe('validateValue', function () {
  describe('accepts valid values', function () {
    const cases: Array<{ name: string; given: unknown }> = [
      { name: 'only the required field', given: { name: 'abc' } },
      {
        name: 'every field at its bounds',
        given: {
          name: 'abcde',
          replicas: 10,
          ratio: 0.5,
          enabled: false,
          mode: 'B',
          level: 1,
          tags: ['a', 'b', 'c'],
          ports: [{ port: 80, protocol: 'TCP' }, { port: 80, protocol: 'UDP' }, { port: 81 }],
          at: '2024-01-31T10:00:00Z',
          maybe: null,
          port: 8080,
          labels: { a: 'xyz' },
          nested: { x: 1 },
          anything: { free: [1, 'two'] },
        },
      },
      { name: 'an integer for a number', given: { name: 'abc', ratio: 2 } },
      { name: 'a date-time with fraction and offset', given: { name: 'abc', at: '2024-01-31T10:00:00.123+02:00' } },
      { name: 'a port name for int-or-string', given: { name: 'abc', port: 'http' } },
      { name: 'unknown fields (pruning handles them)', given: { name: 'abc', zzz: 1, nested: { x: 1, y: 2 } } },
      { name: 'explicitly undefined optional fields', given: { name: 'abc', replicas: undefined } },
    ];
    for (const { name, given } of cases) {
      it(name, function () {
        expect(messages(given)).to.deep.equal([]);
      });
    }
  });

  describe('refuses with the API server messages', function () {
    const cases: Array<{ name: string; given: unknown; want: string[] }> = [
      { name: 'a string for an integer', given: { name: 'abc', replicas: 'three' }, want: [typeMsg('spec.replicas', 'integer', 'string')] },
      { name: 'a fraction for an integer', given: { name: 'abc', replicas: 1.5 }, want: [typeMsg('spec.replicas', 'integer', 'number')] },
      { name: 'a string for a boolean', given: { name: 'abc', enabled: 'true' }, want: [typeMsg('spec.enabled', 'boolean', 'string')] },
      { name: 'a boolean for a number', given: { name: 'abc', ratio: true }, want: [typeMsg('spec.ratio', 'number', 'boolean')] },
      { name: 'an object for an array', given: { name: 'abc', tags: { a: 1 } }, want: [typeMsg('spec.tags', 'array', 'object')] },
      { name: 'an array for an object', given: { name: 'abc', nested: [] }, want: [typeMsg('spec.nested', 'object', 'array')] },
      { name: 'null where not nullable', given: { name: 'abc', nested: null }, want: [typeMsg('spec.nested', 'object', 'null')] },
      { name: 'a scalar root', given: 'abc', want: [typeMsg('spec', 'object', 'string')] },
      { name: 'a missing required field', given: {}, want: ['spec.name: Required value'] },
      { name: 'a missing nested required field', given: { name: 'abc', nested: {} }, want: ['spec.nested.x: Required value'] },
      { name: 'a missing required key of a list item', given: { name: 'abc', ports: [{ protocol: 'TCP' }] }, want: ['spec.ports[0].port: Required value'] },
      { name: 'a value outside a string enum', given: { name: 'abc', mode: 'C' }, want: ['spec.mode: Unsupported value: "C": supported values: "A", "B"'] },
      { name: 'a value outside an integer enum', given: { name: 'abc', level: 3 }, want: ['spec.level: Unsupported value: 3: supported values: "1", "2"'] },
      { name: 'a pattern mismatch', given: { name: 'ab1' }, want: ['spec.name: Invalid value: "ab1": spec.name in body should match \'^[a-z]+$\''] },
      { name: 'a string below minLength', given: { name: 'ab' }, want: ['spec.name: Invalid value: "ab": spec.name in body should be at least 3 chars long'] },
      { name: 'a string above maxLength', given: { name: 'abcdef' }, want: ['spec.name: Too long: may not be more than 5 bytes'] },
      { name: 'a string breaking length and pattern', given: { name: 'A' }, want: ['spec.name: Invalid value: "A": spec.name in body should be at least 3 chars long', 'spec.name: Invalid value: "A": spec.name in body should match \'^[a-z]+$\''] },
      { name: 'an integer below minimum', given: { name: 'abc', replicas: 0 }, want: ['spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1'] },
      { name: 'an integer above maximum', given: { name: 'abc', replicas: 11 }, want: ['spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10'] },
      { name: 'a number below minimum', given: { name: 'abc', ratio: 0.25 }, want: ['spec.ratio: Invalid value: 0.25: spec.ratio in body should be greater than or equal to 0.5'] },
      { name: 'too few items', given: { name: 'abc', tags: [] }, want: ['spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items'] },
      { name: 'too many items', given: { name: 'abc', tags: ['a', 'b', 'c', 'd'] }, want: ['spec.tags: Too many: 4: must have at most 3 items'] },
      { name: 'an item of the wrong type', given: { name: 'abc', tags: ['a', 1] }, want: [typeMsg('spec.tags[1]', 'string', 'integer')] },
      { name: 'a duplicate in a set', given: { name: 'abc', tags: ['a', 'b', 'a'] }, want: ['spec.tags[2]: Duplicate value: "a"'] },
      {
        name: 'a duplicate key in a list-map',
        given: { name: 'abc', ports: [{ port: 80, protocol: 'TCP' }, { port: 80, protocol: 'UDP' }, { port: 80, protocol: 'TCP' }] },
        want: ['spec.ports[2]: Duplicate value: {"port":80,"protocol":"TCP"}'],
      },
      { name: 'a date that is not a date-time', given: { name: 'abc', at: '2024-01-31' }, want: ['spec.at: Invalid value: "2024-01-31": spec.at in body must be of type date-time: "2024-01-31"'] },
      { name: 'a date-time without zone', given: { name: 'abc', at: '2024-01-31T10:00:00' }, want: ['spec.at: Invalid value: "2024-01-31T10:00:00": spec.at in body must be of type date-time: "2024-01-31T10:00:00"'] },
      { name: 'a boolean for int-or-string', given: { name: 'abc', port: true }, want: [typeMsg('spec.port', 'integer or string', 'boolean')] },
      { name: 'a fraction for int-or-string', given: { name: 'abc', port: 1.5 }, want: [typeMsg('spec.port', 'integer or string', 'number')] },
      { name: 'a map value too long', given: { name: 'abc', labels: { a: 'long' } }, want: ['spec.labels[a]: Too long: may not be more than 3 bytes'] },
      { name: 'a map value of the wrong type', given: { name: 'abc', labels: { 'example.com/a': 1 } }, want: [typeMsg('spec.labels[example.com/a]', 'string', 'integer')] },
      {
        name: 'several errors, in schema order',
        given: { replicas: 0, mode: 'C', tags: ['x', 'x'], nested: {} },
        want: [
          'spec.name: Required value',
          'spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
          'spec.mode: Unsupported value: "C": supported values: "A", "B"',
          'spec.tags[1]: Duplicate value: "x"',
          'spec.nested.x: Required value',
        ],
      },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${want.join(' | ')}`, function () {
        expect(messages(given)).to.deep.equal(want);
      });
    }
  });

  it('reports a type mismatch as FieldValueTypeInvalid with the actual type as the value', function () {
    expect(validateValue({ name: 'abc', replicas: 'x' }, SCHEMA, SPEC)).to.deep.equal([
      { type: 'FieldValueTypeInvalid', field: 'spec.replicas', badValue: 'string', detail: 'spec.replicas in body must be of type integer: "string"' },
    ]);
  });

  it('appends to and returns the caller list', function () {
    const errors: FieldError[] = [fieldError.required('earlier')];
    const returned = validateValue({}, SCHEMA, SPEC, errors);
    expect(returned).to.equal(errors);
    expect(errors.map(formatFieldError)).to.deep.equal(['earlier: Required value', 'spec.name: Required value']);
  });

  it('does not validate inside a node without type (preserve-unknown-fields)', function () {
    expect(messages({ name: 'abc', anything: 'scalar' })).to.deep.equal([]);
  });

  describe('on the real DockerPod schema', function () {
    const schema = dockerPodCrd().spec.versions[0]?.schema.openAPIV3Schema as JsonSchemaProps;
    const ROOT = FieldPath.root('');
    const pod = (spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerPod', metadata: { name: 'p' }, spec });
    const container = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'c', image: 'busybox', ...extra });

    const cases: Array<{ name: string; given: Record<string, unknown>; want: string[] }> = [
      { name: 'a minimal defaulted pod is valid', given: pod({ containers: [container()] }), want: [] },
      {
        name: 'an unsupported restartPolicy',
        given: pod({ containers: [container()], restartPolicy: 'Sometimes' }),
        want: ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
      },
      { name: 'no spec', given: { apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerPod', metadata: { name: 'p' } }, want: ['spec: Required value'] },
      { name: 'no containers field', given: pod({}), want: ['spec.containers: Required value'] },
      { name: 'an empty container list', given: pod({ containers: [] }), want: ['spec.containers: Invalid value: 0: spec.containers in body should have at least 1 items'] },
      { name: 'a container without image', given: pod({ containers: [{ name: 'c' }] }), want: ['spec.containers[0].image: Required value'] },
      {
        name: 'an uppercase container name',
        given: pod({ containers: [container({ name: 'App' })] }),
        want: ['spec.containers[0].name: Invalid value: "App": spec.containers[0].name in body should match \'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$\''],
      },
      {
        name: 'a container port above 65535',
        given: pod({ containers: [container({ ports: [{ containerPort: 70000 }] })] }),
        want: ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: spec.containers[0].ports[0].containerPort in body should be less than or equal to 65535'],
      },
      {
        name: 'two ports with the same containerPort and defaulted protocol',
        given: pod({ containers: [container({ ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'TCP' }] })] }),
        want: ['spec.containers[0].ports[1]: Duplicate value: {"containerPort":80,"protocol":"TCP"}'],
      },
      {
        name: 'a quantity with a space',
        given: pod({ containers: [container({ resources: { limits: { memory: '10 Mi' } } })] }),
        want: [`spec.containers[0].resources.limits.memory: Invalid value: "10 Mi": spec.containers[0].resources.limits.memory in body should match '${QUANTITY_PATTERN}'`],
      },
      {
        name: 'four nameservers',
        given: pod({ containers: [container()], dnsConfig: { nameservers: ['1.1.1.1', '8.8.8.8', '9.9.9.9', '1.0.0.1'] } }),
        want: ['spec.dnsConfig.nameservers: Too many: 4: must have at most 3 items'],
      },
      {
        name: 'a string for a probe period',
        given: pod({ containers: [container({ livenessProbe: { exec: { command: ['true'] }, periodSeconds: '10' } })] }),
        want: [typeMsg('spec.containers[0].livenessProbe.periodSeconds', 'integer', 'string')],
      },
      {
        name: 'an int32 field beyond int32 (accepted, then timers Node cannot hold fired every millisecond)',
        given: pod({ containers: [container({ livenessProbe: { exec: { command: ['true'] }, periodSeconds: 99_999_999_999 } })] }),
        want: ['spec.containers[0].livenessProbe.periodSeconds: Invalid value: 99999999999: spec.containers[0].livenessProbe.periodSeconds in body must be of type int32'],
      },
      {
        name: 'an int64 field beyond int64, but int64 values above int32 are fine',
        given: pod({ containers: [container({ securityContext: { runAsUser: 2 ** 40 } })], terminationGracePeriodSeconds: 1e300 }),
        want: ['spec.terminationGracePeriodSeconds: Invalid value: 1e+300: spec.terminationGracePeriodSeconds in body must be of type int64'],
      },
      {
        name: 'a null item of a map list is a type error, not a throw while comparing keys',
        given: pod({ containers: [container({ ports: [null, { containerPort: 80 }] })], volumes: [null] }),
        want: [typeMsg('spec.containers[0].ports[0]', 'object', 'null'), typeMsg('spec.volumes[0]', 'object', 'null')],
      },
      {
        name: 'a non-string hostSelector value',
        given: pod({ containers: [container()], hostSelector: { zone: 1 } }),
        want: [typeMsg('spec.hostSelector[zone]', 'string', 'integer')],
      },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        const defaulted = applyDefaults(structuredClone(given), schema);
        expect(validateValue(defaulted, schema, ROOT).map(formatFieldError)).to.deep.equal(want);
      });
    }
  });
});
