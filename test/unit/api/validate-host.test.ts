/**
 * Semantic validation of a DockerHost: valid unix, tcp+TLS and ssh hosts pass; each single
 * mistake (endpoint, TLS on a non-tcp endpoint, quantities, cgroup parent, host path prefixes,
 * Secret reference, name) yields exactly its API server-shaped messages; validation is pure.
 */
import { expect } from 'chai';
import { formatFieldError } from '../../../src/api/field-errors.js';
import { validateDockerHost, validateDockerHostSpec, type DockerHost } from '../../../src/api/v1alpha1/index.js';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const QUANTITY_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const CGROUP_FORM = 'must be an absolute cgroup path (cgroupfs driver) or a *.slice name (systemd driver)';
const CGROUP_CHARS = "must not contain whitespace or '..'";

type Spec = DockerHost['spec'];

function host(spec: Spec, name = 'node1'): DockerHost {
  return { apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerHost', metadata: { name }, spec };
}

/** A valid tcp+TLS host using every spec field. */
const BASE: DockerHost = host({
  endpoint: 'tcp://10.0.0.5:2376',
  tls: { secretRef: { namespace: 'dockerpod-system', name: 'node1-tls' }, serverName: 'node1.example.com', insecureSkipVerify: false },
  capacity: { cpu: '8', memory: '32Gi', pods: 110 },
  reserved: { cpu: '500m', memory: 1073741824, pods: 0 },
  unschedulable: false,
  cgroupParent: '/dockerpod',
  policy: {
    allowHostNamespaces: false,
    allowPrivileged: false,
    allowedHostPaths: [{ pathPrefix: '/srv/data', readOnly: true }, { pathPrefix: '/var/log' }],
  },
});

function messagesAfter(mutate: (spec: Spec, h: DockerHost) => void): string[] {
  const h = structuredClone(BASE);
  mutate(h.spec, h);
  return validateDockerHost(h).map(formatFieldError);
}

describe('validateDockerHost', function () {
  describe('accepts valid hosts', function () {
    const cases: Array<{ name: string; given: DockerHost }> = [
      { name: 'tcp with TLS and every field', given: BASE },
      { name: 'the local unix socket', given: host({ endpoint: 'unix:///var/run/docker.sock' }) },
      { name: 'tcp without TLS', given: host({ endpoint: 'tcp://docker.example.com:2375' }) },
      { name: 'tcp with TLS but no Secret (system roots)', given: host({ endpoint: 'tcp://[2001:db8::5]:2376', tls: { serverName: 'engine' } }) },
      { name: 'ssh with a user', given: host({ endpoint: 'ssh://core@node1' }) },
      { name: 'ssh with a port', given: host({ endpoint: 'ssh://node1:2222', cgroupParent: 'dockerpod.slice' }) },
      { name: 'zero capacity', given: host({ endpoint: 'unix:///run/docker.sock', capacity: { cpu: 0, memory: '0' } }) },
    ];
    for (const { name, given } of cases) {
      it(name, function () {
        expect(validateDockerHost(given).map(formatFieldError)).to.deep.equal([]);
      });
    }
  });

  describe('refuses each mistake with exactly its messages', function () {
    const cases: Array<{ name: string; given: (spec: Spec, h: DockerHost) => void; want: string[] }> = [
      { name: 'TLS on a unix endpoint', given: (s) => void (s.endpoint = 'unix:///var/run/docker.sock'), want: ['spec.tls: Forbidden: TLS applies only to a tcp:// endpoint, not unix://'] },
      { name: 'TLS on an ssh endpoint', given: (s) => void (s.endpoint = 'ssh://core@node1'), want: ['spec.tls: Forbidden: TLS applies only to a tcp:// endpoint, not ssh://'] },
      {
        name: 'an http endpoint (and no TLS complaint on top)',
        given: (s) => void (s.endpoint = 'http://10.0.0.5:2375'),
        want: ['spec.endpoint: Invalid value: "http://10.0.0.5:2375": unsupported scheme "http": must be unix, tcp or ssh'],
      },
      {
        name: 'an endpoint without a scheme',
        given: (s) => void (s.endpoint = '10.0.0.5:2376'),
        want: ['spec.endpoint: Invalid value: "10.0.0.5:2376": must be unix:///path, tcp://host:port or ssh://user@host'],
      },
      { name: 'an empty endpoint', given: (s) => void (s.endpoint = ''), want: ['spec.endpoint: Invalid value: "": must be unix:///path, tcp://host:port or ssh://user@host'] },
      {
        name: 'a tcp endpoint without a port',
        given: (s) => void (s.endpoint = 'tcp://10.0.0.5'),
        want: ['spec.endpoint: Invalid value: "tcp://10.0.0.5": must end with a port between 1 and 65535, e.g. tcp://10.0.0.5:2376'],
      },
      {
        name: 'a relative unix socket',
        given: (s) => {
          s.endpoint = 'unix://docker.sock';
          delete s.tls;
        },
        want: ['spec.endpoint: Invalid value: "unix://docker.sock": must be an absolute socket path, e.g. unix:///var/run/docker.sock'],
      },
      {
        name: 'a TLS Secret with a bad name',
        given: (s) => void (s.tls = { secretRef: { namespace: 'dockerpod-system', name: 'Node1_TLS' } }),
        want: [`spec.tls.secretRef.name: Invalid value: "Node1_TLS": ${SUBDOMAIN_MSG}`],
      },
      {
        name: 'a TLS Secret namespace that is not a DNS label',
        given: (s) => void (s.tls = { secretRef: { namespace: 'dockerpod.system', name: 'node1-tls' } }),
        want: [`spec.tls.secretRef.namespace: Invalid value: "dockerpod.system": ${LABEL_MSG}`],
      },
      { name: 'a negative cpu capacity', given: (s) => void (s.capacity = { cpu: '-1' }), want: ['spec.capacity.cpu: Invalid value: "-1": must be greater than or equal to 0'] },
      { name: 'a negative reserved memory', given: (s) => void (s.reserved = { memory: -1 }), want: ['spec.reserved.memory: Invalid value: -1: must be greater than or equal to 0'] },
      { name: 'an unparsable capacity memory', given: (s) => void (s.capacity = { memory: '32 Gi' }), want: [`spec.capacity.memory: Invalid value: "32 Gi": ${QUANTITY_MSG}`] },
      { name: 'an unparsable reserved cpu', given: (s) => void (s.reserved = { cpu: 'half' }), want: [`spec.reserved.cpu: Invalid value: "half": ${QUANTITY_MSG}`] },
      { name: 'a relative cgroupParent', given: (s) => void (s.cgroupParent = 'dockerpod'), want: [`spec.cgroupParent: Invalid value: "dockerpod": ${CGROUP_FORM}`] },
      { name: 'a cgroupParent with ..', given: (s) => void (s.cgroupParent = '/dockerpod/../system'), want: [`spec.cgroupParent: Invalid value: "/dockerpod/../system": ${CGROUP_CHARS}`] },
      { name: 'a cgroupParent with whitespace', given: (s) => void (s.cgroupParent = 'my pods.slice'), want: [`spec.cgroupParent: Invalid value: "my pods.slice": ${CGROUP_CHARS}`] },
      { name: 'an empty cgroupParent', given: (s) => void (s.cgroupParent = ''), want: [`spec.cgroupParent: Invalid value: "": ${CGROUP_FORM}`] },
      {
        name: 'a relative allowedHostPaths pathPrefix',
        given: (s) => void (s.policy = { allowedHostPaths: [{ pathPrefix: '/srv' }, { pathPrefix: 'var/log' }] }),
        want: ['spec.policy.allowedHostPaths[1].pathPrefix: Invalid value: "var/log": must be an absolute path'],
      },
      { name: 'a bad metadata.name', given: (_s, h) => void (h.metadata.name = 'Node_1'), want: [`metadata.name: Invalid value: "Node_1": ${SUBDOMAIN_MSG}`] },
      { name: 'a missing spec', given: (_s, h) => void delete (h as Partial<DockerHost>).spec, want: ['spec: Required value'] },
      {
        name: 'several mistakes, in a stable order',
        given: (s, h) => {
          h.metadata.name = 'N';
          s.endpoint = 'unix:///run/docker.sock';
          s.capacity = { cpu: 'x' };
          s.reserved = { memory: '-1' };
          s.cgroupParent = 'pods';
          s.policy = { allowedHostPaths: [{ pathPrefix: 'srv' }] };
        },
        want: [
          `metadata.name: Invalid value: "N": ${SUBDOMAIN_MSG}`,
          'spec.tls: Forbidden: TLS applies only to a tcp:// endpoint, not unix://',
          `spec.capacity.cpu: Invalid value: "x": ${QUANTITY_MSG}`,
          'spec.reserved.memory: Invalid value: "-1": must be greater than or equal to 0',
          `spec.cgroupParent: Invalid value: "pods": ${CGROUP_FORM}`,
          'spec.policy.allowedHostPaths[0].pathPrefix: Invalid value: "srv": must be an absolute path',
        ],
      },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        expect(messagesAfter(given)).to.deep.equal(want);
      });
    }
  });

  describe('a spec off the schema gets its schema errors instead of a throw (the API server answered 500)', function () {
    const offSchema: Array<{ name: string; given: (spec: Record<string, unknown>) => void; want: string }> = [
      { name: 'a TLS secretRef without a name', given: (s) => void (s['tls'] = { secretRef: { namespace: 'default' } }), want: 'spec.tls.secretRef.name: Required value' },
      { name: 'a null allowed host path', given: (s) => void (s['policy'] = { allowedHostPaths: [null] }), want: 'spec.policy.allowedHostPaths[0]: Invalid value: "null": spec.policy.allowedHostPaths[0] in body must be of type object: "null"' },
      { name: 'an allowed host path without a prefix', given: (s) => void (s['policy'] = { allowedHostPaths: [{}] }), want: 'spec.policy.allowedHostPaths[0].pathPrefix: Required value' },
      { name: 'a numeric cgroupParent', given: (s) => void (s['cgroupParent'] = 5), want: 'spec.cgroupParent: Invalid value: "integer": spec.cgroupParent in body must be of type string: "integer"' },
    ];
    for (const { name, given, want } of offSchema) {
      it(name, function () {
        expect(messagesAfter((spec) => given(spec))).to.include(want);
      });
    }
  });

  it('validates a spec on its own at a caller-chosen path', function () {
    const spec = structuredClone(BASE.spec);
    spec.cgroupParent = 'pods';
    expect(validateDockerHostSpec(spec).map(formatFieldError)).to.deep.equal([`spec.cgroupParent: Invalid value: "pods": ${CGROUP_FORM}`]);
  });

  it('is pure and deterministic: the same host gives the same list twice and is not modified', function () {
    const h = structuredClone(BASE);
    h.spec.endpoint = 'ssh://core@node1';
    h.spec.capacity = { cpu: '-2' };
    const before = structuredClone(h);
    const first = validateDockerHost(h).map(formatFieldError);
    expect(first).to.have.length(2);
    expect(validateDockerHost(h).map(formatFieldError)).to.deep.equal(first);
    expect(h).to.deep.equal(before);
  });
});
