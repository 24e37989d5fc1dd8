/**
 * Label and field selectors as the API server reads `?labelSelector=` and `?fieldSelector=`:
 * the whole labels.Parse grammar (equality, set-based, existence, gt/lt, empty values,
 * whitespace, keywords as keys and values), sorted keys and values, apimachinery's exact 400
 * messages for bad syntax, keys and values; matching where `!=`/`notin` hold for absent keys;
 * and fields.ParseSelector with its backslash escapes, refusals and missing-field-is-'' rule.
 */
import { expect } from 'chai';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
  type FieldRequirement,
  type LabelRequirement,
} from '../../../src/apiserver/selectors.js';

/** The message of the SelectorError `fn` throws (a failed test when it throws nothing or something else). */
function selectorError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(SelectorError);
    return (err as Error).message;
  }
  throw new Error('expected a SelectorError');
}

const QUALIFIED =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const req = (key: string, operator: LabelRequirement['operator'], ...values: string[]): LabelRequirement => ({ key, operator, values });

describe('selectors', function () {
  describe('parseLabelSelector accepts the labels.Parse grammar', function () {
    const cases: Array<{ name: string; given: string; want: LabelRequirement[] }> = [
      { name: 'the empty selector', given: '', want: [] },
      { name: 'only whitespace', given: ' \t\n', want: [] },
      { name: 'equality', given: 'app=web', want: [req('app', 'Equals', 'web')] },
      { name: 'double equals', given: 'app==web', want: [req('app', 'Equals', 'web')] },
      { name: 'inequality', given: 'app!=web', want: [req('app', 'NotEquals', 'web')] },
      { name: 'an empty value', given: 'app=', want: [req('app', 'Equals', '')] },
      { name: 'an empty value before a comma', given: 'app==,tier=db', want: [req('app', 'Equals', ''), req('tier', 'Equals', 'db')] },
      { name: 'whitespace around operators', given: ' app = web , tier != db ', want: [req('app', 'Equals', 'web'), req('tier', 'NotEquals', 'db')] },
      { name: 'in, values sorted', given: 'env in (prod,dev)', want: [req('env', 'In', 'dev', 'prod')] },
      { name: 'in, duplicates dropped', given: 'env in (a,b,a)', want: [req('env', 'In', 'a', 'b')] },
      { name: 'in with spaces', given: 'env in ( prod , dev )', want: [req('env', 'In', 'dev', 'prod')] },
      { name: 'notin', given: 'env notin (qa)', want: [req('env', 'NotIn', 'qa')] },
      { name: 'in () means the empty value', given: 'env in ()', want: [req('env', 'In', '')] },
      { name: 'notin () means the empty value', given: 'env notin ()', want: [req('env', 'NotIn', '')] },
      { name: 'an empty member in the middle', given: 'x in (foo,,baz)', want: [req('x', 'In', '', 'baz', 'foo')] },
      { name: 'a leading empty member', given: 'x in (,a)', want: [req('x', 'In', '', 'a')] },
      { name: 'a trailing empty member', given: 'x in (a,)', want: [req('x', 'In', '', 'a')] },
      { name: 'exists', given: 'app', want: [req('app', 'Exists')] },
      { name: 'does not exist', given: '!app', want: [req('app', 'DoesNotExist')] },
      { name: 'does not exist with a space', given: '! app', want: [req('app', 'DoesNotExist')] },
      { name: 'greater than', given: 'replicas>2', want: [req('replicas', 'GreaterThan', '2')] },
      { name: 'less than', given: 'replicas < 10', want: [req('replicas', 'LessThan', '10')] },
      { name: 'a prefixed key', given: 'app.kubernetes.io/name=web', want: [req('app.kubernetes.io/name', 'Equals', 'web')] },
      { name: 'keywords as key and value', given: 'in in (in,notin)', want: [req('in', 'In', 'in', 'notin')] },
      { name: 'a keyword as an exact value', given: 'a=in', want: [req('a', 'Equals', 'in')] },
      { name: 'values with dots, dashes and underscores', given: 'v=1.2-rc_3', want: [req('v', 'Equals', '1.2-rc_3')] },
      {
        name: 'several requirements, sorted by key',
        given: 'z,!y,x in (a),w=b',
        want: [req('w', 'Equals', 'b'), req('x', 'In', 'a'), req('y', 'DoesNotExist'), req('z', 'Exists')],
      },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${JSON.stringify(given)}`, function () {
        expect(parseLabelSelector(given)).to.deep.equal(want);
      });
    }
  });

  describe('parseLabelSelector refuses with the API server\'s messages', function () {
    const cases: Array<{ name: string; given: string; want: string }> = [
      { name: 'an unclosed value list', given: 'env in (a', want: "unable to parse requirement: found '', expected: ',' or ')'" },
      { name: 'an unclosed list after a comma', given: 'env in (a,', want: "unable to parse requirement: found '', expected: ',', or identifier" },
      { name: 'a list without parentheses', given: 'env notin a', want: "unable to parse requirement: found 'a' expected: '('" },
      { name: 'in without values', given: 'env in', want: "unable to parse requirement: found '' expected: '('" },
      { name: 'an operator inside a list', given: 'env in (=)', want: "unable to parse requirement: found '=', expected: ',', ')' or identifier" },
      { name: 'two values without a comma', given: 'env in (a b)', want: "unable to parse requirement: found 'b', expected: ',' or ')'" },
      { name: 'an unknown operator', given: 'app ~ web', want: "unable to parse requirement: found '~', expected: in, notin, =, ==, !=, gt, lt" },
      { name: 'two words', given: 'app web', want: "unable to parse requirement: found 'web', expected: in, notin, =, ==, !=, gt, lt" },
      { name: 'a parenthesis as a value', given: 'app=(web)', want: "unable to parse requirement: found '(', expected: identifier" },
      { name: 'a bare !', given: '!', want: "unable to parse requirement: found '', expected: identifier" },
      { name: '! before an operator', given: '! =a', want: "unable to parse requirement: found '=', expected: identifier" },
      { name: 'a selector starting with !=', given: '!=a', want: "found '!=', expected: !, identifier, or 'end of string'" },
      { name: 'a value after !key', given: '!app=web', want: "found '=', expected: ',' or 'end of string'" },
      { name: 'a trailing comma', given: 'app=web,', want: "found '', expected: identifier after ','" },
      { name: 'a double comma', given: 'a,,b', want: "found ',', expected: identifier after ','" },
      { name: 'a leading comma', given: ',app', want: "found ',', expected: !, identifier, or 'end of string'" },
      { name: 'a stray parenthesis', given: 'app in (a))', want: "found ')', expected: ',' or 'end of string'" },
      { name: 'an operator first', given: '=web', want: "found '=', expected: !, identifier, or 'end of string'" },
      { name: 'a key starting with a dash', given: '-app=web', want: `unable to parse requirement: <nil>: Invalid value: "-app": name part ${QUALIFIED}` },
      { name: 'a key with an empty prefix', given: '/app', want: 'unable to parse requirement: <nil>: Invalid value: "/app": prefix part must be non-empty' },
      {
        name: 'a key with two slashes',
        given: 'a/b/c=d',
        want: `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name ${QUALIFIED} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      },
      {
        name: 'a key over 63 characters',
        given: `${'k'.repeat(64)}=v`,
        want: `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`,
      },
      { name: 'an invalid value', given: 'app=-web', want: `unable to parse requirement: values[0][app]: Invalid value: "-web": ${LABEL_VALUE}` },
      { name: 'a value with a slash', given: 'app=a/b', want: `unable to parse requirement: values[0][app]: Invalid value: "a/b": ${LABEL_VALUE}` },
      {
        name: 'a value over 63 characters',
        given: `app=${'v'.repeat(64)}`,
        want: `unable to parse requirement: values[0][app]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
      },
      {
        name: 'two invalid values, in sorted order',
        given: 'app in (x/y,-z)',
        want: `unable to parse requirement: [values[0][app]: Invalid value: "-z": ${LABEL_VALUE}, values[1][app]: Invalid value: "x/y": ${LABEL_VALUE}]`,
      },
      { name: 'a non-integer for gt', given: 'n>x', want: `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer` },
      {
        name: 'a negative number for lt (not a label value)',
        given: 'n<-1',
        want: `unable to parse requirement: values[0][n]: Invalid value: "-1": ${LABEL_VALUE}`,
      },
      {
        name: 'an integer beyond int64 for gt',
        given: 'n>9223372036854775808',
        want: `unable to parse requirement: values[0]: Invalid value: "9223372036854775808": for 'Gt', 'Lt' operators, the value must be an integer`,
      },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${JSON.stringify(given)}`, function () {
        expect(selectorError(() => parseLabelSelector(given))).to.equal(want);
      });
    }
  });

  describe('matchesLabels', function () {
    const labels = { app: 'web', tier: 'front', replicas: '3', empty: '' };
    const cases: Array<{ name: string; given: { selector: string; labels: Record<string, string> | undefined }; want: boolean }> = [
      { name: 'the empty selector matches anything', given: { selector: '', labels }, want: true },
      { name: 'the empty selector matches no labels', given: { selector: '', labels: undefined }, want: true },
      { name: 'equal value', given: { selector: 'app=web', labels }, want: true },
      { name: 'other value', given: { selector: 'app=db', labels }, want: false },
      { name: 'equality needs the key', given: { selector: 'missing=web', labels }, want: false },
      { name: 'an empty value matches an empty label', given: { selector: 'empty=', labels }, want: true },
      { name: 'an empty value does not match an absent label', given: { selector: 'missing=', labels }, want: false },
      { name: 'not equal to another value', given: { selector: 'app!=db', labels }, want: true },
      { name: 'not equal to its value', given: { selector: 'app!=web', labels }, want: false },
      { name: 'not equal holds for an absent key', given: { selector: 'missing!=web', labels }, want: true },
      { name: 'not equal holds without labels', given: { selector: 'app!=web', labels: undefined }, want: true },
      { name: 'in, member', given: { selector: 'tier in (back,front)', labels }, want: true },
      { name: 'in, not a member', given: { selector: 'tier in (back)', labels }, want: false },
      { name: 'in needs the key', given: { selector: 'missing in (a)', labels }, want: false },
      { name: 'notin, member', given: { selector: 'tier notin (front)', labels }, want: false },
      { name: 'notin, not a member', given: { selector: 'tier notin (back)', labels }, want: true },
      { name: 'notin holds for an absent key', given: { selector: 'missing notin (a)', labels }, want: true },
      { name: 'exists', given: { selector: 'app', labels }, want: true },
      { name: 'exists with an empty value', given: { selector: 'empty', labels }, want: true },
      { name: 'exists, absent', given: { selector: 'missing', labels }, want: false },
      { name: 'does not exist, absent', given: { selector: '!missing', labels }, want: true },
      { name: 'does not exist, present', given: { selector: '!app', labels }, want: false },
      { name: 'greater than, true', given: { selector: 'replicas>2', labels }, want: true },
      { name: 'greater than, equal', given: { selector: 'replicas>3', labels }, want: false },
      { name: 'less than, true', given: { selector: 'replicas<4', labels }, want: true },
      { name: 'greater than a non-integer label', given: { selector: 'app>1', labels }, want: false },
      { name: 'greater than needs the key', given: { selector: 'missing>1', labels }, want: false },
      { name: 'all requirements must hold', given: { selector: 'app=web,tier=front,!missing', labels }, want: true },
      { name: 'one failing requirement fails', given: { selector: 'app=web,tier=back', labels }, want: false },
      { name: 'a prototype name is not a label', given: { selector: 'constructor', labels }, want: false },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${JSON.stringify(given.selector)}`, function () {
        expect(matchesLabels(parseLabelSelector(given.selector), given.labels)).to.equal(want);
      });
    }
  });

  describe('parseFieldSelector accepts fields.ParseSelector terms', function () {
    const f = (field: string, operator: FieldRequirement['operator'], value: string): FieldRequirement => ({ field, operator, value });
    const cases: Array<{ name: string; given: string; want: FieldRequirement[] }> = [
      { name: 'the empty selector', given: '', want: [] },
      { name: 'equality', given: 'metadata.name=web', want: [f('metadata.name', 'Equals', 'web')] },
      { name: 'double equals', given: 'metadata.name==web', want: [f('metadata.name', 'Equals', 'web')] },
      { name: 'inequality', given: 'status.phase!=Running', want: [f('status.phase', 'NotEquals', 'Running')] },
      { name: 'an empty value', given: 'spec.nodeName=', want: [f('spec.nodeName', 'Equals', '')] },
      { name: 'an empty field', given: '=x', want: [f('', 'Equals', 'x')] },
      { name: 'terms sorted by their text', given: 'b=2,a!=1', want: [f('a', 'NotEquals', '1'), f('b', 'Equals', '2')] },
      { name: 'empty terms skipped', given: ',a=1,,', want: [f('a', 'Equals', '1')] },
      { name: 'no trimming', given: 'a = b', want: [f('a ', 'Equals', ' b')] },
      { name: 'an escaped comma', given: 'a=x\\,y', want: [f('a', 'Equals', 'x,y')] },
      { name: 'an escaped equals', given: 'a=x\\=y', want: [f('a', 'Equals', 'x=y')] },
      { name: 'an escaped backslash', given: 'a=x\\\\y', want: [f('a', 'Equals', 'x\\y')] },
      { name: 'an escaped comma does not split', given: 'a=x\\,b\\=y', want: [f('a', 'Equals', 'x,b=y')] },
      { name: 'a bare ! in a value', given: 'a=x!y', want: [f('a', 'Equals', 'x!y')] },
      { name: 'the first operator splits (= before !)', given: 'a=!b', want: [f('a', 'Equals', '!b')] },
      { name: 'a ! in the field', given: 'a!b=c', want: [f('a!b', 'Equals', 'c')] },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${JSON.stringify(given)}`, function () {
        expect(parseFieldSelector(given)).to.deep.equal(want);
      });
    }
  });

  describe('parseFieldSelector refuses with the API server\'s messages', function () {
    const cases: Array<{ name: string; given: string; want: string }> = [
      { name: 'no operator', given: 'a', want: "invalid selector: 'a'; can't understand 'a'" },
      { name: 'one bad term among good ones', given: 'a=1,b', want: "invalid selector: 'a=1,b'; can't understand 'b'" },
      { name: 'an unescaped equals in the value', given: 'a=b=c', want: 'invalid field selector: unescaped character in value: 61' },
      { name: 'an escaped comma keeps the next term in the value', given: 'a=x\\,b=y', want: 'invalid field selector: unescaped character in value: 61' },
      { name: 'an operator inside the value', given: 'a!=b!=c', want: 'invalid field selector: unescaped character in value: 61' },
      { name: 'an unknown escape', given: 'a=b\\!', want: 'invalid field selector: invalid escape sequence: \\!' },
      { name: 'an escaped letter', given: 'a=\\n', want: 'invalid field selector: invalid escape sequence: \\n' },
      { name: 'a trailing backslash', given: 'a=b\\', want: 'invalid field selector: invalid escape sequence: \\' },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${JSON.stringify(given)}`, function () {
        expect(selectorError(() => parseFieldSelector(given))).to.equal(want);
      });
    }
  });

  describe('matchesFields', function () {
    const fields: Record<string, string> = { 'metadata.name': 'web', 'status.phase': 'Running', 'spec.nodeName': '' };
    const lookup = (field: string): string | undefined => fields[field];
    const cases: Array<{ name: string; given: string; want: boolean }> = [
      { name: 'the empty selector', given: '', want: true },
      { name: 'equal', given: 'metadata.name=web', want: true },
      { name: 'not equal', given: 'metadata.name=db', want: false },
      { name: 'inequality holds', given: 'status.phase!=Pending', want: true },
      { name: 'inequality fails', given: 'status.phase!=Running', want: false },
      { name: 'a missing field is the empty string', given: 'spec.missing=', want: true },
      { name: 'a missing field is not a value', given: 'spec.missing!=', want: false },
      { name: 'an empty field equals the empty value', given: 'spec.nodeName==', want: true },
      { name: 'every term must hold', given: 'metadata.name=web,status.phase=Running', want: true },
      { name: 'one failing term fails', given: 'metadata.name=web,status.phase=Pending', want: false },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${JSON.stringify(given)}`, function () {
        expect(matchesFields(parseFieldSelector(given), lookup)).to.equal(want);
      });
    }
  });
});
