/**
 * The structural-schema rules the API server enforces on CRDs: every node typed (int-or-string
 * and preserve-unknown-fields excepted), no $ref, only value validations inside junctors (the
 * int-or-string anyOf excepted), properties and additionalProperties not both, root metadata
 * limited to name/generateName, and list-map keys that exist and are required or defaulted.
 */
import { expect } from 'chai';
import { FieldPath, formatFieldError } from '../../../src/api/field-errors.js';
import { dockerHostCrd, dockerPodCrd } from '../../../src/api/v1alpha1/index.js';
import type { JsonSchemaProps } from '../../../src/apiextensions/schema.js';
import { checkStructural } from '../../../src/apiextensions/structural.js';

/** A root object schema with one property `a`. */
const withA = (a: JsonSchemaProps): JsonSchemaProps => ({ type: 'object', properties: { a } });

const listMap = (items: JsonSchemaProps, keys?: string[]): JsonSchemaProps =>
  withA({ type: 'array', 'x-kubernetes-list-type': 'map', ...(keys ? { 'x-kubernetes-list-map-keys': keys } : {}), items });

const MUST_BE_EMPTY = 'Forbidden: must be empty to be structural';
const ROOT_METADATA = 'openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified';

describe('checkStructural', function () {
  describe('accepts structural schemas', function () {
    const cases: Array<{ name: string; given: JsonSchemaProps }> = [
      { name: 'a typed object tree', given: { type: 'object', properties: { spec: { type: 'object', properties: { n: { type: 'integer' }, s: { type: 'array', items: { type: 'string' } } } } } } },
      { name: 'a string map', given: withA({ type: 'object', additionalProperties: { type: 'string' } }) },
      { name: 'properties with additionalProperties true (allow all, as if unset)', given: withA({ type: 'object', properties: { b: { type: 'string' } }, additionalProperties: true }) },
      { name: 'the int-or-string anyOf pattern without a type', given: withA({ 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }) },
      { name: 'int-or-string with a pattern beside the anyOf', given: withA({ 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }], pattern: '^[0-9]+m?$' }) },
      { name: 'int-or-string without any anyOf', given: withA({ 'x-kubernetes-int-or-string': true }) },
      { name: 'an untyped node preserving unknown fields', given: withA({ 'x-kubernetes-preserve-unknown-fields': true }) },
      { name: 'value validations inside anyOf', given: withA({ type: 'string', anyOf: [{ pattern: '^a' }, { maxLength: 3 }] }) },
      { name: 'value validations inside not', given: withA({ type: 'string', not: { enum: ['x'] } }) },
      { name: 'root metadata restricted to name and generateName', given: { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 }, generateName: { type: 'string' } } } } } },
      { name: 'root metadata typed object only', given: { type: 'object', properties: { metadata: { type: 'object' } } } },
      { name: 'nested metadata with any properties', given: withA({ type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } } } } }) },
      { name: 'a list-map keyed by a required property', given: listMap({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } }, ['name']) },
      { name: 'a list-map keyed by a defaulted property', given: listMap({ type: 'object', required: ['port'], properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } } }, ['port', 'protocol']) },
      { name: 'the DockerPod CRD schema', given: dockerPodCrd().spec.versions[0]?.schema.openAPIV3Schema as JsonSchemaProps },
      { name: 'the DockerHost CRD schema', given: dockerHostCrd().spec.versions[0]?.schema.openAPIV3Schema as JsonSchemaProps },
    ];
    for (const { name, given } of cases) {
      it(name, function () {
        expect(checkStructural(given).map(formatFieldError)).to.deep.equal([]);
      });
    }
  });

  describe('refuses each violation with the API server message', function () {
    const cases: Array<{ name: string; given: JsonSchemaProps; want: string[] }> = [
      { name: 'a root without type', given: { properties: { a: { type: 'string' } } }, want: ['openAPIV3Schema.type: Required value: must not be empty at the root'] },
      {
        name: 'a nested property without type',
        given: { type: 'object', properties: { spec: { properties: { x: { type: 'string' } } } } },
        want: ['openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields'],
      },
      { name: 'array items without type', given: withA({ type: 'array', items: {} }), want: ['openAPIV3Schema.properties[a].items.type: Required value: must not be empty for specified object fields'] },
      { name: 'an array without items', given: withA({ type: 'array' }), want: ['openAPIV3Schema.properties[a].items: Required value: must be specified for type array'] },
      {
        name: 'map values without type',
        given: withA({ type: 'object', additionalProperties: { maxLength: 3 } }),
        want: ['openAPIV3Schema.properties[a].additionalProperties.type: Required value: must not be empty for specified object fields'],
      },
      { name: 'a $ref', given: withA({ type: 'object', $ref: '#/definitions/x' }), want: ['openAPIV3Schema.properties[a].$ref: Forbidden: $ref is not supported'] },
      { name: 'a $ref inside allOf', given: withA({ type: 'object', allOf: [{ $ref: '#/x' }] }), want: ['openAPIV3Schema.properties[a].allOf[0].$ref: Forbidden: $ref is not supported'] },
      { name: 'a description inside anyOf', given: withA({ type: 'string', anyOf: [{ description: 'x', pattern: '^a' }] }), want: [`openAPIV3Schema.properties[a].anyOf[0].description: ${MUST_BE_EMPTY}`] },
      { name: 'a type inside allOf', given: withA({ type: 'string', allOf: [{ type: 'string' }] }), want: [`openAPIV3Schema.properties[a].allOf[0].type: ${MUST_BE_EMPTY}`] },
      { name: 'a default inside oneOf', given: withA({ type: 'string', oneOf: [{ default: 'x' }] }), want: [`openAPIV3Schema.properties[a].oneOf[0].default: ${MUST_BE_EMPTY}`] },
      { name: 'nullable inside not', given: withA({ type: 'string', not: { nullable: true } }), want: [`openAPIV3Schema.properties[a].not.nullable: ${MUST_BE_EMPTY}`] },
      {
        name: 'additionalProperties inside anyOf',
        given: withA({ type: 'object', anyOf: [{ additionalProperties: { type: 'string' } }] }),
        want: [`openAPIV3Schema.properties[a].anyOf[0].additionalProperties: ${MUST_BE_EMPTY}`],
      },
      {
        name: 'a typed property nested in a junctor member',
        given: withA({ type: 'object', anyOf: [{ properties: { b: { type: 'string' } }, required: ['b'] }] }),
        want: [`openAPIV3Schema.properties[a].anyOf[0].properties[b].type: ${MUST_BE_EMPTY}`],
      },
      {
        name: 'typed items nested in a junctor of a junctor',
        given: withA({ type: 'array', items: { type: 'string' }, allOf: [{ anyOf: [{ items: { type: 'string' } }] }] }),
        want: [`openAPIV3Schema.properties[a].allOf[0].anyOf[0].items.type: ${MUST_BE_EMPTY}`],
      },
      {
        name: 'int-or-string anyOf in the wrong order',
        given: withA({ 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'string' }, { type: 'integer' }] }),
        want: [`openAPIV3Schema.properties[a].anyOf[0].type: ${MUST_BE_EMPTY}`, `openAPIV3Schema.properties[a].anyOf[1].type: ${MUST_BE_EMPTY}`],
      },
      {
        name: 'the int-or-string anyOf without the extension',
        given: withA({ anyOf: [{ type: 'integer' }, { type: 'string' }] }),
        want: [
          'openAPIV3Schema.properties[a].type: Required value: must not be empty for specified object fields',
          `openAPIV3Schema.properties[a].anyOf[0].type: ${MUST_BE_EMPTY}`,
          `openAPIV3Schema.properties[a].anyOf[1].type: ${MUST_BE_EMPTY}`,
        ],
      },
      {
        name: 'properties and additionalProperties together',
        given: withA({ type: 'object', properties: { b: { type: 'string' } }, additionalProperties: { type: 'string' } }),
        want: ['openAPIV3Schema.properties[a].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive'],
      },
      {
        name: 'properties and additionalProperties false',
        given: withA({ type: 'object', properties: { b: { type: 'string' } }, additionalProperties: false }),
        want: ['openAPIV3Schema.properties[a].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive'],
      },
      {
        name: 'a list-map without keys',
        given: listMap({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } }),
        want: ['openAPIV3Schema.properties[a].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map'],
      },
      {
        name: 'a list-map key neither required nor defaulted',
        given: listMap({ type: 'object', properties: { name: { type: 'string' } } }, ['name']),
        want: [
          'openAPIV3Schema.properties[a].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property',
        ],
      },
      {
        name: 'a list-map key that is not a property of the items',
        given: listMap({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } }, ['name', 'id']),
        want: ['openAPIV3Schema.properties[a].items.properties[id]: Required value: entries for x-kubernetes-list-map-keys must be properties of the items'],
      },
      {
        name: 'a list-map of strings',
        given: listMap({ type: 'string' }, ['name']),
        want: ['openAPIV3Schema.properties[a].items.type: Invalid value: "string": must be object if parent array\'s x-kubernetes-list-type is map'],
      },
      {
        name: 'root metadata with extra properties',
        given: { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string' }, labels: { type: 'object', additionalProperties: { type: 'string' } } } } } },
        want: [ROOT_METADATA],
      },
      { name: 'root metadata typed string', given: { type: 'object', properties: { metadata: { type: 'string' } } }, want: [ROOT_METADATA] },
      {
        name: 'several violations, in walk order',
        given: { properties: { a: { type: 'array' }, b: { $ref: '#/x', type: 'object' } } },
        want: [
          'openAPIV3Schema.type: Required value: must not be empty at the root',
          'openAPIV3Schema.properties[a].items: Required value: must be specified for type array',
          'openAPIV3Schema.properties[b].$ref: Forbidden: $ref is not supported',
        ],
      },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        expect(checkStructural(given).map(formatFieldError)).to.deep.equal(want);
      });
    }
  });

  it('prints paths under the caller-given root', function () {
    const got = checkStructural(withA({ type: 'array' }), FieldPath.root('spec').child('validation').child('openAPIV3Schema'));
    expect(got.map(formatFieldError)).to.deep.equal(['spec.validation.openAPIV3Schema.properties[a].items: Required value: must be specified for type array']);
  });
});
