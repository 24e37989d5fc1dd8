/**
 * The operator's command line: flags beat environment variables beat defaults, bool flags take
 * `--flag false` and `--flag=false`, durations and integers are checked, `--host-selector` takes
 * only equality terms, and the implicit host exists only when an engine is declared (always in
 * standalone mode).
 */
import { expect } from 'chai';
import { checkHostSelector } from '../../../src/cli/operator.js';
import { OPERATOR_FLAGS } from '../../../src/cli/operator-flags.js';
import { parseDuration, parseFlags, UsageError } from '../../../src/cli/flags.js';
import { implicitHostOf, operatorOptions } from '../../../src/cli/run-operator.js';
import { addressOf } from '../../../src/controller/fleet/fleet.js';
import { selectorLabels } from '../../../src/controller/operator.js';
import { KubeConfig } from '@kubernetes/client-node';
import { silentLogger } from '../../../src/observability/logger.js';

describe('cli: operator flags', () => {
  const table: Array<{ name: string; args: string[]; env?: Record<string, string>; flag: string; want: unknown }> = [
    { name: 'default', args: [], flag: 'concurrency', want: 4 },
    { name: 'env over default', args: [], env: { DOCKERPOD_CONCURRENCY: '9' }, flag: 'concurrency', want: 9 },
    { name: 'flag over env', args: ['--concurrency', '2'], env: { DOCKERPOD_CONCURRENCY: '9' }, flag: 'concurrency', want: 2 },
    { name: 'bool default true', args: [], flag: 'oom-score-adj', want: true },
    { name: 'bool --flag false', args: ['--oom-score-adj', 'false'], flag: 'oom-score-adj', want: false },
    { name: 'bool --flag=false', args: ['--oom-score-adj=false'], flag: 'oom-score-adj', want: false },
    { name: 'bare bool', args: ['--allow-privileged'], flag: 'allow-privileged', want: true },
    { name: 'bool from env', args: [], env: { DOCKERPOD_ALLOW_PRIVILEGED: '1' }, flag: 'allow-privileged', want: true },
    { name: 'duration', args: ['--heartbeat-period', '1m30s'], flag: 'heartbeat-period', want: 90_000 },
    { name: 'duration default', args: [], flag: 'host-failure-grace', want: 40_000 },
    { name: 'string', args: ['--host-selector', 'pool=x'], flag: 'host-selector', want: 'pool=x' },
  ];
  for (const row of table) {
    it(`${row.name}: --${row.flag} = ${JSON.stringify(row.want)}`, () => {
      expect(parseFlags(OPERATOR_FLAGS, row.args, row.env ?? {})[row.flag]).to.equal(row.want);
    });
  }

  const refused: Array<{ args: string[]; message: RegExp }> = [
    { args: ['--concurrency', 'many'], message: /--concurrency: expected an integer/ },
    { args: ['--oom-score-adj=maybe'], message: /--oom-score-adj: expected true or false/ },
    { args: ['--heartbeat-period', '10 seconds'], message: /invalid duration/ },
    { args: ['--no-such-flag'], message: /no-such-flag/ },
  ];
  for (const row of refused) {
    it(`refuses ${row.args.join(' ')} with a UsageError`, () => {
      expect(() => parseFlags(OPERATOR_FLAGS, row.args, {})).to.throw(UsageError, row.message);
    });
  }

  it('parses Go durations', () => {
    expect([parseDuration('500ms'), parseDuration('10s'), parseDuration('5m'), parseDuration('1h30m')]).to.deep.equal([500, 10_000, 300_000, 5_400_000]);
  });
});

describe('cli: --host-selector', () => {
  for (const ok of ['', 'pool=x', 'pool=x,zone=eu-1', 'dockerpod.dev/pool=a_b', 'empty=']) {
    it(`accepts ${JSON.stringify(ok)}`, () => expect(() => checkHostSelector(ok)).to.not.throw());
  }
  for (const bad of ['pool', 'pool!=x', 'pool in (a,b)', 'a=b,c']) {
    it(`refuses ${JSON.stringify(bad)} naming the bad term`, () => expect(() => checkHostSelector(bad)).to.throw(UsageError, /is not key=value/));
  }
  it('turns the selector into the partition labels', () => {
    expect(selectorLabels(' pool=x , zone=eu ')).to.deep.equal({ pool: 'x', zone: 'eu' });
    expect(selectorLabels(undefined)).to.deep.equal({});
  });
});

describe('cli: the implicit host', () => {
  const flags = (args: string[]): ReturnType<typeof parseFlags> => parseFlags(OPERATOR_FLAGS, args, {});
  it('is absent in operator mode without --docker-host or DOCKER_HOST', () => {
    expect(implicitHostOf(flags([]), false, {})).to.equal(undefined);
  });
  it('is the local socket in standalone mode by default', () => {
    expect(implicitHostOf(flags([]), true, {})?.connection).to.deep.equal({ endpoint: 'unix:///var/run/docker.sock' });
  });
  it('follows DOCKER_HOST, named by --host-name, with the policy flags', () => {
    const host = implicitHostOf(flags(['--host-name', 'edge', '--allow-privileged']), false, { DOCKER_HOST: 'tcp://10.0.0.5:2375' });
    expect(host).to.deep.include({ name: 'edge', connection: { endpoint: 'tcp://10.0.0.5:2375' } });
    expect(host?.policy).to.deep.equal({ allowHostNamespaces: false, allowPrivileged: true, allowedHostPaths: [] });
  });
  it('--docker-host wins over DOCKER_HOST', () => {
    expect(implicitHostOf(flags(['--docker-host', 'unix:///run/other.sock']), false, { DOCKER_HOST: 'tcp://10.0.0.5:2375' })?.connection.endpoint).to.equal('unix:///run/other.sock');
  });
  it('operator options carry the timings and the selector', () => {
    const options = operatorOptions(new KubeConfig(), flags(['--heartbeat-period', '2s', '--host-failure-grace', '5s', '--host-selector', 'pool=x']), silentLogger, false);
    expect(options).to.deep.include({ heartbeatPeriodMs: 2000, hostFailureGraceMs: 5000, hostSelector: 'pool=x', concurrency: 4 });
  });
});

describe('fleet: host addresses', () => {
  const table: Array<[string, string]> = [
    ['tcp://10.0.0.12:2376', '10.0.0.12'],
    ['tcp://[fd00::5]:2376', 'fd00::5'],
    ['ssh://ops@edge-1.example', 'edge-1.example'],
    ['unix:///var/run/docker.sock', '192.0.2.1'],
  ];
  for (const [endpoint, want] of table) it(`${endpoint} -> ${want}`, () => expect(addressOf(endpoint, '192.0.2.1')).to.equal(want));
});
