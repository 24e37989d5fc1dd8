/**
 * Field errors print exactly like the API server's (k8s.io/apimachinery field.Error): each
 * constructor gives the 422 cause type and the `path: Type: value: detail` wording kubectl shows,
 * and FieldPath prints children, indexes and map keys the same way.
 */
import { expect } from 'chai';
import { fieldError, FieldPath, formatFieldError, formatFieldErrorBody, type FieldError } from '../../../src/api/field-errors.js';

describe('field errors', function () {
  describe('each constructor formats like the API server', function () {
    const cases: Array<{ name: string; given: FieldError; wantType: FieldError['type']; want: string }> = [
      {
        name: 'duplicate quotes a string value',
        given: fieldError.duplicate('spec.containers[1].name', 'app'),
        wantType: 'FieldValueDuplicate',
        want: 'spec.containers[1].name: Duplicate value: "app"',
      },
      {
        name: 'required without detail',
        given: fieldError.required('spec.containers[0].image'),
        wantType: 'FieldValueRequired',
        want: 'spec.containers[0].image: Required value',
      },
      {
        name: 'required with detail',
        given: fieldError.required('spec.volumes[0]', 'must specify a volume type'),
        wantType: 'FieldValueRequired',
        want: 'spec.volumes[0]: Required value: must specify a volume type',
      },
      {
        name: 'notSupported lists the quoted supported values',
        given: fieldError.notSupported('spec.restartPolicy', 'Sometimes', ['Always', 'OnFailure', 'Never']),
        wantType: 'FieldValueNotSupported',
        want: 'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      },
      {
        name: 'invalid prints a number unquoted',
        given: fieldError.invalid('spec.x', 0, 'detail'),
        wantType: 'FieldValueInvalid',
        want: 'spec.x: Invalid value: 0: detail',
      },
      {
        name: 'invalid quotes a string',
        given: fieldError.invalid('spec.x', 'abc', 'detail'),
        wantType: 'FieldValueInvalid',
        want: 'spec.x: Invalid value: "abc": detail',
      },
      {
        name: 'invalid prints a boolean unquoted',
        given: fieldError.invalid('spec.x', true, 'detail'),
        wantType: 'FieldValueInvalid',
        want: 'spec.x: Invalid value: true: detail',
      },
      {
        name: 'invalid escapes quotes inside a string',
        given: fieldError.invalid('spec.x', 'say "hi"', 'detail'),
        wantType: 'FieldValueInvalid',
        want: 'spec.x: Invalid value: "say \\"hi\\"": detail',
      },
      {
        name: 'invalid prints an empty string as ""',
        given: fieldError.invalid('spec.x', '', 'detail'),
        wantType: 'FieldValueInvalid',
        want: 'spec.x: Invalid value: "": detail',
      },
      {
        name: 'invalid prints null as null',
        given: fieldError.invalid('spec.x', null, 'detail'),
        wantType: 'FieldValueInvalid',
        want: 'spec.x: Invalid value: null: detail',
      },
      {
        name: 'invalid prints a list as JSON',
        given: fieldError.invalid('spec.x', ['a', 'b'], 'detail'),
        wantType: 'FieldValueInvalid',
        want: 'spec.x: Invalid value: ["a","b"]: detail',
      },
      {
        name: 'tooMany prints the count and the limit',
        given: fieldError.tooMany('spec.dnsConfig.nameservers', 4, 3),
        wantType: 'FieldValueTooMany',
        want: 'spec.dnsConfig.nameservers: Too many: 4: must have at most 3 items',
      },
      {
        name: 'forbidden never repeats a value',
        given: fieldError.forbidden('spec.x', 'detail'),
        wantType: 'FieldValueForbidden',
        want: 'spec.x: Forbidden: detail',
      },
      {
        name: 'notFound quotes the missing name',
        given: fieldError.notFound('spec.x', 'data'),
        wantType: 'FieldValueNotFound',
        want: 'spec.x: Not found: "data"',
      },
      {
        name: 'tooLong gives the limit in bytes and no value',
        given: fieldError.tooLong('spec.x', 5),
        wantType: 'FieldValueTooLong',
        want: 'spec.x: Too long: may not be more than 5 bytes',
      },
      {
        name: 'typeInvalid reads "Invalid value" like invalid',
        given: fieldError.typeInvalid('spec.x', 'string', 'spec.x in body must be of type integer: "string"'),
        wantType: 'FieldValueTypeInvalid',
        want: 'spec.x: Invalid value: "string": spec.x in body must be of type integer: "string"',
      },
    ];
    for (const { name, given, wantType, want } of cases) {
      it(`${name}: ${want}`, function () {
        expect(given.type).to.equal(wantType);
        expect(formatFieldError(given)).to.equal(want);
      });
    }
  });

  describe('formatFieldErrorBody is the message after the path', function () {
    const cases: Array<{ given: FieldError; want: string }> = [
      { given: fieldError.duplicate('spec.a', 'app'), want: 'Duplicate value: "app"' },
      { given: fieldError.required('spec.a'), want: 'Required value' },
      // The API server drops the value of valueless types even when one is set.
      { given: { type: 'FieldValueRequired', field: 'spec.a', badValue: 'x' }, want: 'Required value' },
      { given: { type: 'FieldValueForbidden', field: 'spec.a', badValue: 'x', detail: 'no' }, want: 'Forbidden: no' },
      { given: { type: 'FieldValueTooLong', field: 'spec.a', badValue: 'xxxxxx', detail: 'may not be more than 5 bytes' }, want: 'Too long: may not be more than 5 bytes' },
      { given: { type: 'FieldValueInvalid', field: 'spec.a', badValue: 1 }, want: 'Invalid value: 1' },
    ];
    for (const { given, want } of cases) {
      it(`${given.type} -> ${want}`, function () {
        expect(formatFieldErrorBody(given)).to.equal(want);
      });
    }
  });

  describe('constructors keep exactly the fields the API server sets', function () {
    const cases: Array<{ name: string; given: FieldError; want: FieldError }> = [
      { name: 'required without detail has no detail', given: fieldError.required('a'), want: { type: 'FieldValueRequired', field: 'a' } },
      { name: 'required with detail', given: fieldError.required('a', 'd'), want: { type: 'FieldValueRequired', field: 'a', detail: 'd' } },
      { name: 'forbidden has no value', given: fieldError.forbidden('a', 'd'), want: { type: 'FieldValueForbidden', field: 'a', detail: 'd' } },
      { name: 'duplicate has no detail', given: fieldError.duplicate('a', 'x'), want: { type: 'FieldValueDuplicate', field: 'a', badValue: 'x' } },
      { name: 'tooMany keeps the count', given: fieldError.tooMany('a', 4, 3), want: { type: 'FieldValueTooMany', field: 'a', badValue: 4, detail: 'must have at most 3 items' } },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        expect(given).to.deep.equal(want);
      });
    }
  });

  describe('FieldPath prints like field.Path', function () {
    const cases: Array<{ name: string; given: () => FieldPath; want: string }> = [
      { name: 'a root', given: () => FieldPath.root('spec'), want: 'spec' },
      { name: 'children join with dots', given: () => FieldPath.root('spec').child('dnsConfig').child('nameservers'), want: 'spec.dnsConfig.nameservers' },
      { name: 'an index follows without a dot', given: () => FieldPath.root('spec').child('containers').index(1).child('name'), want: 'spec.containers[1].name' },
      { name: 'nested indexes', given: () => FieldPath.root('spec').child('containers').index(0).child('ports').index(2), want: 'spec.containers[0].ports[2]' },
      { name: 'a map key is bracketed, unquoted', given: () => FieldPath.root('spec').child('hostSelector').key('example.com/zone'), want: 'spec.hostSelector[example.com/zone]' },
      { name: 'a child of a key', given: () => FieldPath.root('properties').key('metadata').child('type'), want: 'properties[metadata].type' },
      { name: 'a child of an empty root has no leading dot', given: () => FieldPath.root('').child('spec'), want: 'spec' },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${want}`, function () {
        expect(given().toString()).to.equal(want);
      });
    }

    it('is immutable: deriving a path leaves the parent unchanged', function () {
      const spec = FieldPath.root('spec');
      const containers = spec.child('containers');
      containers.index(0);
      containers.child('x');
      expect(spec.toString()).to.equal('spec');
      expect(containers.toString()).to.equal('spec.containers');
    });

    it('converts to a string through toString', function () {
      expect(String(FieldPath.root('spec').child('volumes').index(3))).to.equal('spec.volumes[3]');
    });
  });
});
