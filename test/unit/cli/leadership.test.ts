/**
 * The process flags of `dockerpod operator` and `dockerpod standalone`: leader election off unless
 * asked (and off by default in standalone), the Lease named by --leader-election-id or derived
 * from --instance (with a hash of --host-selector, so partitions elect separately), its namespace
 * from the flag, else the pod's service account, else `default`, an identity unique per process,
 * client-go's timing checks as usage errors, the servers' defaults (:8080, :8081; off in
 * standalone) and bind addresses checked up front, and environment variables for every new flag.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseFlags, UsageError } from '../../../src/cli/flags.js';
import { defaultLeaseName, leaderElectionConfig, podNamespace } from '../../../src/cli/leadership.js';
import { OPERATOR_FLAGS } from '../../../src/cli/operator-flags.js';
import { checkBindAddresses } from '../../../src/cli/run-operator.js';
import { STANDALONE_FLAGS } from '../../../src/cli/standalone.js';

const operator = (args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof parseFlags> => parseFlags(OPERATOR_FLAGS, args, env);
const none = (): undefined => undefined;

describe('operator process flags', function () {
  it('leaves leader election off unless --leader-elect is given', function () {
    expect(leaderElectionConfig(operator([]), none)).to.equal(undefined);
  });

  it('elects on a Lease named after --instance in the pod\'s namespace, with the client-go defaults and a unique identity', function () {
    const a = leaderElectionConfig(operator(['--leader-elect']), () => 'ops');
    const b = leaderElectionConfig(operator(['--leader-elect']), () => 'ops');
    expect(a).to.deep.include({ namespace: 'ops', name: 'dockerpod-operator', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 });
    expect(a?.identity).to.match(/^.+_[0-9a-f-]{36}$/);
    expect(a?.identity).to.not.equal(b?.identity);
    expect(leaderElectionConfig(operator(['--leader-elect']), none)?.namespace).to.equal('default');
  });

  it('takes the Lease, namespace and timing from flags or their environment variables', function () {
    const config = leaderElectionConfig(operator(['--leader-elect', '--leader-election-id', 'my-lease', '--leader-election-lease-duration', '30s'], {
      DOCKERPOD_LEADER_ELECTION_NAMESPACE: 'kube-system', DOCKERPOD_LEADER_ELECTION_RENEW_DEADLINE: '20s', DOCKERPOD_LEADER_ELECTION_RETRY_PERIOD: '4s',
    }), () => 'ops');
    expect(config).to.deep.include({ namespace: 'kube-system', name: 'my-lease', leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 4000 });
    expect(leaderElectionConfig(operator([], { DOCKERPOD_LEADER_ELECT: 'true' }), none)).to.not.equal(undefined);
  });

  it('gives every --host-selector partition its own Lease', function () {
    expect(defaultLeaseName('dockerpod-operator', '')).to.equal('dockerpod-operator');
    const east = defaultLeaseName('dockerpod-operator', 'zone=east');
    expect(east).to.match(/^dockerpod-operator-[0-9a-f]{10}$/);
    expect(defaultLeaseName('dockerpod-operator', 'zone=west')).to.not.equal(east);
    expect(leaderElectionConfig(operator(['--leader-elect', '--host-selector', 'zone=east']), none)?.name).to.equal(east);
  });

  it('refuses a Lease name that is not a DNS subdomain, and timings client-go would refuse', function () {
    expect(() => leaderElectionConfig(operator(['--leader-elect', '--instance', 'My_Operator']), none)).to.throw(UsageError, /"My_Operator" is not a valid Lease name.*set --leader-election-id/);
    expect(() => leaderElectionConfig(operator(['--leader-elect', '--leader-election-lease-duration', '10s']), none)).to.throw(UsageError, /lease-duration must be greater than --leader-election-renew-deadline/);
    expect(() => leaderElectionConfig(operator(['--leader-elect', '--leader-election-retry-period', '9s']), none)).to.throw(UsageError, /renew-deadline must be greater than 1.2 x/);
    expect(() => leaderElectionConfig(operator(['--leader-elect', '--leader-election-retry-period', '0s']), none)).to.throw(UsageError, /greater than zero/);
  });

  it('reads the namespace of the service account when there is one', function () {
    const dir = mkdtempSync(join(tmpdir(), 'dp-sa-'));
    try {
      const file = join(dir, 'namespace');
      expect(podNamespace(file)).to.equal(undefined);
      writeFileSync(file, 'dockerpod-system\n');
      expect(podNamespace(file)).to.equal('dockerpod-system');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves metrics on :8080 and probes on :8081 by default, checks addresses up front, and takes 0 for off', function () {
    const flags = operator([]);
    expect([flags['metrics-bind-address'], flags['health-probe-bind-address']]).to.deep.equal([':8080', ':8081']);
    expect(() => checkBindAddresses(flags)).to.not.throw();
    expect(() => checkBindAddresses(operator(['--metrics-bind-address', '0', '--health-probe-bind-address', '127.0.0.1:0']))).to.not.throw();
    expect(() => checkBindAddresses(operator(['--metrics-bind-address', '8080']))).to.throw(UsageError, /--metrics-bind-address: "8080" is not an address/);
    expect(operator([], { DOCKERPOD_HEALTH_PROBE_BIND_ADDRESS: ':9443' })['health-probe-bind-address']).to.equal(':9443');
  });

  it('in standalone mode: no election, no servers, unless asked for', function () {
    const flags = parseFlags(STANDALONE_FLAGS, [], {});
    expect([flags['leader-elect'], flags['metrics-bind-address'], flags['health-probe-bind-address']]).to.deep.equal([false, '0', '0']);
    const asked = parseFlags(STANDALONE_FLAGS, ['--leader-elect', '--metrics-bind-address', '127.0.0.1:9090'], {});
    expect([asked['leader-elect'], asked['metrics-bind-address']]).to.deep.equal([true, '127.0.0.1:9090']);
    expect(STANDALONE_FLAGS['leader-election-id']?.default).to.equal('');
  });
});
