/**
 * Name and value syntaxes of the Kubernetes API: each check accepts what k8s.io/apimachinery
 * accepts (an empty list) and refuses the rest with the API server's own messages, in its order.
 */
import { expect } from 'chai';
import {
  isConfigMapKey,
  isDns1123Label,
  isDns1123Subdomain,
  isEnvVarName,
  isIanaServiceName,
  isIpAddress,
  isLabelValue,
  isQualifiedName,
  isSafeRelativePath,
} from '../../../src/api/names.js';

interface Case {
  given: string;
  want: string[];
}

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const ENV_MSG =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
const CONFIG_KEY_MSG =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const QUALIFIED_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const PORT_CHARSET = 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)';
const PORT_LETTER = 'must contain at least one letter (a-z)';
const PORT_HYPHENS = 'must not contain consecutive hyphens';
const PORT_ENDS = 'must not begin or end with a hyphen';

/** One `it` per case: the check returns exactly the wanted messages. */
function table(check: (value: string) => string[], cases: Case[]): void {
  for (const { given, want } of cases) {
    const shown = given.length > 40 ? `${given.slice(0, 20)}...(${given.length} chars)` : given;
    it(`${JSON.stringify(shown)} -> ${want.length === 0 ? 'valid' : want.map((m) => m.slice(0, 40)).join(' | ')}`, function () {
      expect(check(given)).to.deep.equal(want);
    });
  }
}

describe('names', function () {
  describe('isDns1123Label', function () {
    table(isDns1123Label, [
      { given: 'app', want: [] },
      { given: 'my-name', want: [] },
      { given: '123-abc', want: [] },
      { given: 'a'.repeat(63), want: [] },
      { given: 'a'.repeat(64), want: ['must be no more than 63 characters'] },
      { given: 'App', want: [LABEL_MSG] },
      { given: '-app', want: [LABEL_MSG] },
      { given: 'app-', want: [LABEL_MSG] },
      { given: 'a.b', want: [LABEL_MSG] },
      { given: '', want: [LABEL_MSG] },
      { given: `${'a'.repeat(63)}-`, want: ['must be no more than 63 characters', LABEL_MSG] },
    ]);
  });

  describe('isDns1123Subdomain', function () {
    table(isDns1123Subdomain, [
      { given: 'example.com', want: [] },
      { given: 'web-1', want: [] },
      { given: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, want: [] },
      { given: 'a'.repeat(254), want: ['must be no more than 253 characters'] },
      { given: 'Example.com', want: [SUBDOMAIN_MSG] },
      { given: 'a..b', want: [SUBDOMAIN_MSG] },
      { given: '.a', want: [SUBDOMAIN_MSG] },
      { given: 'a_b', want: [SUBDOMAIN_MSG] },
      { given: '', want: [SUBDOMAIN_MSG] },
    ]);
  });

  describe('isIanaServiceName (port names)', function () {
    table(isIanaServiceName, [
      { given: 'http', want: [] },
      { given: 'metrics-2', want: [] },
      { given: 'a'.repeat(15), want: [] },
      { given: 'a'.repeat(16), want: ['must be no more than 15 characters'] },
      { given: 'HTTP', want: [PORT_CHARSET, PORT_LETTER] },
      { given: 'web_ui', want: [PORT_CHARSET] },
      { given: '8080', want: [PORT_LETTER] },
      { given: 'a--b', want: [PORT_HYPHENS] },
      { given: '-web', want: [PORT_ENDS] },
      { given: 'web-', want: [PORT_ENDS] },
      { given: '1--2', want: [PORT_LETTER, PORT_HYPHENS] },
      { given: '', want: [PORT_CHARSET, PORT_LETTER] },
    ]);
  });

  describe('isEnvVarName', function () {
    table(isEnvVarName, [
      { given: 'PATH', want: [] },
      { given: 'my.env-name', want: [] },
      { given: 'MY_ENV.NAME', want: [] },
      { given: '_x1', want: [] },
      { given: '.hidden', want: [] },
      { given: '1ABC', want: [ENV_MSG] },
      { given: 'A=B', want: [ENV_MSG] },
      { given: 'A B', want: [ENV_MSG] },
      { given: '', want: [ENV_MSG] },
      { given: '.', want: ["must not be '.'"] },
      { given: '..', want: ["must not be '..'"] },
      { given: '..x', want: ["must not start with '..'"] },
    ]);
  });

  describe('isConfigMapKey', function () {
    table(isConfigMapKey, [
      { given: 'key.name', want: [] },
      { given: 'KEY_NAME', want: [] },
      { given: '1-key', want: [] },
      { given: 'a/b', want: [CONFIG_KEY_MSG] },
      { given: '', want: [CONFIG_KEY_MSG] },
      { given: '.', want: ["must not be '.'"] },
      { given: '..', want: ["must not be '..'"] },
      { given: '..data', want: ["must not start with '..'"] },
      { given: 'k'.repeat(254), want: ['must be no more than 253 characters'] },
    ]);
  });

  describe('isQualifiedName (label keys)', function () {
    table(isQualifiedName, [
      { given: 'zone', want: [] },
      { given: 'MyName', want: [] },
      { given: 'my.name_1', want: [] },
      { given: 'example.com/MyName', want: [] },
      { given: 'dockerpod.dev/gpu', want: [] },
      { given: `example.com/${'n'.repeat(63)}`, want: [] },
      { given: '', want: ['name part must be non-empty', `name part ${QUALIFIED_MSG}`] },
      { given: 'example.com/', want: ['name part must be non-empty', `name part ${QUALIFIED_MSG}`] },
      { given: '/name', want: ['prefix part must be non-empty'] },
      { given: 'n'.repeat(64), want: ['name part must be no more than 63 characters'] },
      { given: '-name', want: [`name part ${QUALIFIED_MSG}`] },
      { given: 'na me', want: [`name part ${QUALIFIED_MSG}`] },
      { given: 'Example.com/name', want: [`prefix part ${SUBDOMAIN_MSG}`] },
      { given: 'a/b/c', want: [`a qualified name ${QUALIFIED_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`] },
    ]);
  });

  describe('isLabelValue', function () {
    table(isLabelValue, [
      { given: '', want: [] },
      { given: 'MyValue', want: [] },
      { given: 'my_value', want: [] },
      { given: '12345', want: [] },
      { given: 'v'.repeat(63), want: [] },
      { given: 'v'.repeat(64), want: ['must be no more than 63 characters'] },
      { given: '-v', want: [LABEL_VALUE_MSG] },
      { given: 'a/b', want: [LABEL_VALUE_MSG] },
    ]);
  });

  describe('isIpAddress', function () {
    table(isIpAddress, [
      { given: '10.9.8.7', want: [] },
      { given: '2001:db8::ffff', want: [] },
      { given: '::1', want: [] },
      { given: '256.1.1.1', want: [IP_MSG] },
      { given: 'example.com', want: [IP_MSG] },
      { given: '10.0.0.1/24', want: [IP_MSG] },
      { given: '', want: [IP_MSG] },
    ]);
  });

  describe('isSafeRelativePath', function () {
    table(isSafeRelativePath, [
      { given: 'data', want: [] },
      { given: 'a/b/c.txt', want: [] },
      { given: '..data', want: [] },
      { given: 'a/./b', want: [] },
      { given: '/etc', want: ['must be a relative path'] },
      { given: '..', want: ["must not contain '..'"] },
      { given: 'a/../b', want: ["must not contain '..'"] },
      { given: 'a/..', want: ["must not contain '..'"] },
    ]);
  });
});
