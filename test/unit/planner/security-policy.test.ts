/**
 * The host policy's security rules, by table: capabilities beyond Docker's default set need
 * spec.policy.allowedCapabilities (names compared as Docker does), and a hostPath that exposes a
 * Docker socket (the well-known paths, any docker.sock, a directory above one, the host's own
 * unix endpoint) needs spec.policy.allowDockerSocket; each refusal names that field.
 */
import { expect } from 'chai';
import { admitPod, type HostPolicy } from '../../../src/planner/admission.js';
import { exposesDockerSocket, extraCapabilities, unixSocketOf } from '../../../src/planner/security-policy.js';
import { samplePod } from './fixtures.js';

const STRICT: HostPolicy = { allowHostNamespaces: false, allowPrivileged: false, allowedHostPaths: [{ pathPrefix: '/' }] };

describe('planner/security-policy', () => {
  const caps: Array<{ add: string[]; allowed: string[]; want: string[] }> = [
    { add: ['NET_BIND_SERVICE', 'CHOWN', 'kill'], allowed: [], want: [] },
    { add: ['NET_ADMIN'], allowed: [], want: ['NET_ADMIN'] },
    { add: ['cap_net_admin', 'SYS_TIME'], allowed: ['CAP_NET_ADMIN'], want: ['SYS_TIME'] },
    { add: ['ALL'], allowed: ['NET_ADMIN'], want: ['ALL'] },
    { add: ['SYS_ADMIN', 'ALL'], allowed: ['all'], want: [] },
  ];
  for (const row of caps) {
    it(`capabilities ${row.add.join(',')} with ${row.allowed.join(',') || 'nothing'} allowed: ${row.want.join(',') || 'fine'}`, () => {
      expect(extraCapabilities(row.add, row.allowed)).to.deep.equal(row.want);
    });
  }

  const sockets: Array<{ path: string; engine?: string; want: boolean }> = [
    { path: '/var/run/docker.sock', want: true },
    { path: '/run/docker.sock/', want: true },
    { path: '/var/run', want: true },
    { path: '/', want: true },
    { path: '/home/me/.docker/run/docker.sock', want: true },
    { path: '/run/dockerpod-test/a.sock', engine: '/run/dockerpod-test/a.sock', want: true },
    { path: '/run/dockerpod-test', engine: '/run/dockerpod-test/a.sock', want: true },
    { path: '/run/dockerpod-test', want: false },
    { path: '/var/lib/app', want: false },
    { path: '/var/run-x', want: false },
  ];
  for (const row of sockets) {
    it(`hostPath ${row.path}${row.engine ? ` (engine ${row.engine})` : ''} exposes a Docker socket: ${String(row.want)}`, () => {
      expect(exposesDockerSocket(row.path, row.engine)).to.equal(row.want);
    });
  }

  it('reads the socket of unix endpoints only', () => {
    expect(unixSocketOf('unix:///run/docker.sock')).to.equal('/run/docker.sock');
    expect(unixSocketOf('tcp://10.0.0.1:2376')).to.equal(undefined);
  });

  it('refuses through admission, naming the policy field, and admits what the policy allows', () => {
    const pod = samplePod();
    const app = pod.spec.containers[0];
    if (!app) throw new Error('no container');
    app.securityContext = { capabilities: { add: ['NET_ADMIN'] } };
    pod.spec.volumes = [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }];
    expect(admitPod(pod, STRICT, 'h1')?.message).to.equal(
      'spec.containers[0].securityContext.capabilities.add: Forbidden: capabilities NET_ADMIN are outside Docker\'s default set and not allowed on host "h1" (spec.policy.allowedCapabilities); ' +
        'spec.volumes[0].hostPath.path: Forbidden: host path /var/run/docker.sock exposes the Docker engine\'s socket, which is not allowed on host "h1" (spec.policy.allowDockerSocket)',
    );
    expect(admitPod(pod, { ...STRICT, allowedCapabilities: ['NET_ADMIN'], allowDockerSocket: true }, 'h1')).to.equal(undefined);
  });
});
