/**
 * DockerHost endpoints: unix sockets, tcp host:port (IPv6 in brackets) and ssh with a default
 * port 22 and optional user parse into one shape every consumer agrees on; anything else is
 * refused with a reason that says what a valid endpoint looks like.
 */
import { expect } from 'chai';
import { parseEndpoint, type Endpoint } from '../../../src/api/v1alpha1/endpoint.js';

const NO_SCHEME = 'must be unix:///path, tcp://host:port or ssh://user@host';
const UNIX_PATH = 'must be an absolute socket path, e.g. unix:///var/run/docker.sock';
const NO_HOST = 'must name a host';
const TCP_PORT = 'must end with a port between 1 and 65535, e.g. tcp://10.0.0.5:2376';
const SSH_PORT = 'port must be between 1 and 65535';

describe('parseEndpoint', function () {
  describe('accepts', function () {
    const cases: Array<{ name: string; given: string; want: Endpoint }> = [
      { name: 'the default Docker socket', given: 'unix:///var/run/docker.sock', want: { scheme: 'unix', socketPath: '/var/run/docker.sock' } },
      { name: 'a rootless socket', given: 'unix:///run/user/1000/docker.sock', want: { scheme: 'unix', socketPath: '/run/user/1000/docker.sock' } },
      { name: 'tcp with a host name', given: 'tcp://docker.example.com:2376', want: { scheme: 'tcp', host: 'docker.example.com', port: 2376 } },
      { name: 'tcp with an IPv4 address', given: 'tcp://10.0.0.5:2375', want: { scheme: 'tcp', host: '10.0.0.5', port: 2375 } },
      { name: 'tcp with a trailing slash', given: 'tcp://10.0.0.5:2376/', want: { scheme: 'tcp', host: '10.0.0.5', port: 2376 } },
      { name: 'tcp with a bracketed IPv6 address', given: 'tcp://[2001:db8::1]:2376', want: { scheme: 'tcp', host: '2001:db8::1', port: 2376 } },
      { name: 'tcp on the lowest port', given: 'tcp://h:1', want: { scheme: 'tcp', host: 'h', port: 1 } },
      { name: 'tcp on the highest port', given: 'tcp://h:65535', want: { scheme: 'tcp', host: 'h', port: 65535 } },
      { name: 'ssh with a user, default port 22', given: 'ssh://core@node1', want: { scheme: 'ssh', host: 'node1', port: 22, username: 'core' } },
      { name: 'ssh without a user', given: 'ssh://node1', want: { scheme: 'ssh', host: 'node1', port: 22 } },
      { name: 'ssh with a user and port', given: 'ssh://core@node1:2222', want: { scheme: 'ssh', host: 'node1', port: 2222, username: 'core' } },
      { name: 'ssh with a bracketed IPv6 address', given: 'ssh://root@[::1]', want: { scheme: 'ssh', host: '::1', port: 22, username: 'root' } },
      { name: 'ssh with a bracketed IPv6 address and port', given: 'ssh://[fe80::1]:2200', want: { scheme: 'ssh', host: 'fe80::1', port: 2200 } },
      { name: 'ssh with an empty user (no username kept)', given: 'ssh://@node1', want: { scheme: 'ssh', host: 'node1', port: 22 } },
      { name: 'ssh with a trailing slash', given: 'ssh://core@node1/', want: { scheme: 'ssh', host: 'node1', port: 22, username: 'core' } },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${given}`, function () {
        expect(parseEndpoint(given)).to.deep.equal({ ok: true, endpoint: want });
      });
    }
  });

  describe('refuses', function () {
    const cases: Array<{ name: string; given: string; want: string }> = [
      { name: 'a bare host without a scheme', given: 'docker.example.com:2376', want: NO_SCHEME },
      { name: 'a bare socket path', given: '/var/run/docker.sock', want: NO_SCHEME },
      { name: 'the empty string', given: '', want: NO_SCHEME },
      { name: 'an uppercase scheme', given: 'TCP://h:2376', want: NO_SCHEME },
      { name: 'http', given: 'http://h:2375', want: 'unsupported scheme "http": must be unix, tcp or ssh' },
      { name: 'npipe', given: 'npipe:////./pipe/docker_engine', want: 'unsupported scheme "npipe": must be unix, tcp or ssh' },
      { name: 'a relative unix path', given: 'unix://var/run/docker.sock', want: UNIX_PATH },
      { name: 'a unix root only', given: 'unix:///', want: UNIX_PATH },
      { name: 'an empty unix path', given: 'unix://', want: UNIX_PATH },
      { name: 'tcp without a port', given: 'tcp://10.0.0.5', want: TCP_PORT },
      { name: 'tcp with an empty port', given: 'tcp://10.0.0.5:', want: TCP_PORT },
      { name: 'tcp port 0', given: 'tcp://10.0.0.5:0', want: TCP_PORT },
      { name: 'tcp port 70000', given: 'tcp://10.0.0.5:70000', want: TCP_PORT },
      { name: 'tcp port 65536', given: 'tcp://10.0.0.5:65536', want: TCP_PORT },
      { name: 'a non-numeric tcp port', given: 'tcp://10.0.0.5:docker', want: TCP_PORT },
      { name: 'a bracketed IPv6 tcp address without port', given: 'tcp://[::1]', want: TCP_PORT },
      { name: 'tcp with an empty host', given: 'tcp://:2376', want: NO_HOST },
      { name: 'tcp with nothing after the scheme', given: 'tcp://', want: NO_HOST },
      { name: 'tcp with a path', given: 'tcp://h/x:2376', want: NO_HOST },
      { name: 'tcp with a space in the host', given: 'tcp://my host:2376', want: NO_HOST },
      { name: 'ssh with an empty host', given: 'ssh://core@', want: NO_HOST },
      { name: 'ssh with only a port', given: 'ssh://:22', want: NO_HOST },
      { name: 'ssh port 0', given: 'ssh://core@node1:0', want: SSH_PORT },
      { name: 'ssh port 70000', given: 'ssh://core@node1:70000', want: SSH_PORT },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${JSON.stringify(given)} -> ${want}`, function () {
        expect(parseEndpoint(given)).to.deep.equal({ ok: false, reason: want });
      });
    }
  });
});
