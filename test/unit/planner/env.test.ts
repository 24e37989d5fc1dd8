/**
 * Environment variables with the kubelet's rules: `$(VAR)` expands from variables defined
 * earlier, `$$` escapes to `$` (so `$$(VAR)` is a literal `$(VAR)`), unknown or incomplete
 * references stay as written, later entries see earlier ones but not the reverse, fieldRef
 * values come from the downward API and are never expanded, and command/args expand from the
 * container's final environment. With Secrets and ConfigMaps (resolveContainerEnv): envFrom
 * sources first in order, then env in order, a later definition of a name winning; prefixes;
 * envFrom keys that are not valid variable names skipped and reported in the kubelet's words;
 * missing objects and keys fail with the kubelet's messages unless optional, which skips them.
 */
import { expect } from 'chai';
import type { Container, EnvVar } from '../../../src/api/v1alpha1/container.js';
import { containerEnv, envReferences, expand, expandedCommand, fieldRefValue, NO_ENV_SOURCES, resolveContainerEnv, type DownwardValues, type EnvSources, type ResolvedEnv, type SourceData } from '../../../src/planner/env.js';

const DOWNWARD: DownwardValues = {
  namespace: 'default',
  name: 'web',
  uid: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
  labels: { app: 'web', tier: '$(A)' },
  annotations: { team: 'infra' },
  hostName: 'node-1',
  hostIP: '192.168.1.10',
  podIP: '172.17.0.5',
};

const field = (name: string, fieldPath: string): EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
const ctr = (env: EnvVar[], extra: Partial<Container> = {}): Container => ({ name: 'app', image: 'busybox:1.36', env, ...extra });

describe('planner/env', function () {
  describe('expand', function () {
    const vars = new Map([['A', '1'], ['B', '2'], ['EMPTY', ''], ['DOLLAR', '$(B)']]);
    const cases = [
      { name: 'a reference', given: '$(A)', want: '1' },
      { name: 'references inside text', given: 'x$(A)y$(B)z', want: 'x1y2z' },
      { name: 'the same reference twice', given: '$(A)$(A)', want: '11' },
      { name: 'escaped reference', given: '$$(A)', want: '$(A)' },
      { name: 'escaped dollar then a reference', given: '$$$(A)', want: '$1' },
      { name: 'double escape', given: '$$$$(A)', want: '$$(A)' },
      { name: 'lone $$', given: 'cost: $$5', want: 'cost: $5' },
      { name: 'undefined reference left as is', given: '$(MISSING)', want: '$(MISSING)' },
      { name: 'undefined beside a defined one', given: '$(MISSING)-$(A)', want: '$(MISSING)-1' },
      { name: 'incomplete reference', given: '$(A', want: '$(A' },
      { name: 'empty reference', given: '$()', want: '$()' },
      { name: 'shell-style $VAR is not a reference', given: '$A ${A}', want: '$A ${A}' },
      { name: 'trailing $', given: 'a$', want: 'a$' },
      { name: 'defined as empty', given: '[$(EMPTY)]', want: '[]' },
      { name: 'a value is not expanded again', given: '$(DOLLAR)', want: '$(B)' },
      { name: 'no references', given: 'plain text', want: 'plain text' },
      { name: 'empty string', given: '', want: '' },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${JSON.stringify(given)} -> ${JSON.stringify(want)}`, function () {
        expect(expand(given, vars)).to.equal(want);
      });
    }
  });

  describe('fieldRefValue', function () {
    const cases = [
      { given: 'metadata.name', want: 'web' },
      { given: 'metadata.namespace', want: 'default' },
      { given: 'metadata.uid', want: DOWNWARD.uid },
      { given: "metadata.labels['app']", want: 'web' },
      { given: "metadata.labels['missing']", want: '' },
      { given: "metadata.annotations['team']", want: 'infra' },
      { given: "metadata.annotations['app']", want: '' },
      { given: 'spec.hostName', want: 'node-1' },
      { given: 'status.hostIP', want: '192.168.1.10' },
      { given: 'status.podIP', want: '172.17.0.5' },
      { given: 'spec.nodeName', want: '' },
    ];
    for (const { given, want } of cases) {
      it(`${given} -> ${JSON.stringify(want)}`, function () {
        expect(fieldRefValue(given, DOWNWARD)).to.equal(want);
      });
    }
  });

  describe('containerEnv', function () {
    const cases: Array<{ name: string; given: EnvVar[]; want: string[] }> = [
      { name: 'literal values in spec order', given: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }], want: ['B=2', 'A=1'] },
      { name: 'a later entry sees an earlier one', given: [{ name: 'A', value: 'x' }, { name: 'B', value: '$(A)-y' }], want: ['A=x', 'B=x-y'] },
      { name: 'an earlier entry does not see a later one', given: [{ name: 'B', value: '$(A)-y' }, { name: 'A', value: 'x' }], want: ['B=$(A)-y', 'A=x'] },
      { name: 'a self reference is left as is', given: [{ name: 'A', value: '$(A)' }], want: ['A=$(A)'] },
      { name: 'a redefinition sees the previous value and wins', given: [{ name: 'A', value: '1' }, { name: 'A', value: '$(A)2' }], want: ['A=12'] },
      { name: 'escape', given: [{ name: 'A', value: '1' }, { name: 'B', value: '$$(A)' }], want: ['A=1', 'B=$(A)'] },
      { name: 'no value', given: [{ name: 'A' }], want: ['A='] },
      {
        name: 'fieldRef values, usable by later entries',
        given: [field('POD_NAME', 'metadata.name'), field('POD_IP', 'status.podIP'), field('NODE', 'spec.hostName'), { name: 'URL', value: 'http://$(POD_IP):80/$(POD_NAME)' }],
        want: ['POD_NAME=web', 'POD_IP=172.17.0.5', 'NODE=node-1', 'URL=http://172.17.0.5:80/web'],
      },
      { name: 'a fieldRef value is never expanded', given: [{ name: 'A', value: '1' }, field('TIER', "metadata.labels['tier']")], want: ['A=1', 'TIER=$(A)'] },
      { name: 'a missing label is empty', given: [field('X', "metadata.labels['nope']")], want: ['X='] },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        expect(containerEnv(ctr(given), DOWNWARD)).to.deep.equal(want);
      });
    }

    it('is empty without env', function () {
      expect(containerEnv({ name: 'app', image: 'busybox:1.36' }, DOWNWARD)).to.deep.equal([]);
    });
  });

  describe('resolveContainerEnv', function () {
    const SOURCES: EnvSources = {
      secrets: new Map<string, SourceData>([
        ['creds', { user: 'admin', password: 's3cr$(A)t', 'api.key': 'k-1' }],
        ['bad-keys', { '1bad': 'x', 'a-b': 'y', '..dots': 'z', GOOD: 'g' }],
        ['gone', undefined],
        ['over', { A: 'from-secret', mode: 'x' }],
      ]),
      configMaps: new Map<string, SourceData>([
        ['cfg', { mode: 'fast', level: '3', A: 'from-cfg' }],
        ['digits', { '1st': 'one', '2nd': 'two', ok: 'fine' }],
        ['empty', {}],
      ]),
    };
    const sec = (name: string, secret: string, key: string, optional?: boolean): EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key, ...(optional === undefined ? {} : { optional }) } } });
    const cm = (name: string, map: string, key: string, optional?: boolean): EnvVar => ({ name, valueFrom: { configMapKeyRef: { name: map, key, ...(optional === undefined ? {} : { optional }) } } });
    const ok = (env: string[], skipped: Array<{ kind: 'secret' | 'configMap'; name: string; keys: string[]; message: string }> = []): ResolvedEnv => ({ env, skipped });
    const cases: Array<{ name: string; given: Partial<Container>; sources?: EnvSources; want: ResolvedEnv }> = [
      { name: 'a secretKeyRef value, decoded by the reader, never expanded', given: { env: [{ name: 'A', value: '1' }, sec('PASS', 'creds', 'password')] }, want: ok(['A=1', 'PASS=s3cr$(A)t']) },
      { name: 'a configMapKeyRef value', given: { env: [cm('MODE', 'cfg', 'mode')] }, want: ok(['MODE=fast']) },
      { name: 'a later literal references a secret-derived value', given: { env: [sec('USER', 'creds', 'user'), { name: 'DSN', value: 'db://$(USER)@db' }] }, want: ok(['USER=admin', 'DSN=db://admin@db']) },
      {
        name: 'envFrom keys in key order, with a prefix',
        given: { envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'cfg' } }] },
        want: ok(['CFG_A=from-cfg', 'CFG_level=3', 'CFG_mode=fast']),
      },
      {
        name: 'envFrom first, then env: env overrides an envFrom key and sees the envFrom values',
        given: { envFrom: [{ configMapRef: { name: 'cfg' } }], env: [{ name: 'B', value: '$(A)+$(mode)' }, { name: 'mode', value: 'slow' }] },
        want: ok(['A=from-cfg', 'level=3', 'mode=slow', 'B=from-cfg+fast']),
      },
      {
        name: 'a later envFrom source overrides an earlier one',
        given: { envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'over' } }, { prefix: 'm', secretRef: { name: 'over' } }, { configMapRef: { name: 'digits' } }] },
        want: ok(['A=from-secret', 'level=3', 'mode=x', 'mA=from-secret', 'mmode=x', 'ok=fine'], [
          { kind: 'configMap', name: 'digits', keys: ['1st', '2nd'], message: 'Keys [1st, 2nd] from the EnvFrom configMap default/digits were skipped since they are considered invalid environment variable names.' },
        ]),
      },
      {
        name: 'envFrom keys that are not variable names are skipped and reported (IsEnvVarName: "-" and "." are allowed, a leading digit or ".." is not)',
        given: { envFrom: [{ secretRef: { name: 'bad-keys' } }] },
        want: ok(['GOOD=g', 'a-b=y'], [{ kind: 'secret', name: 'bad-keys', keys: ['..dots', '1bad'], message: 'Keys [..dots, 1bad] from the EnvFrom secret default/bad-keys were skipped since they are considered invalid environment variable names.' }]),
      },
      { name: 'a prefix can make a digit-led key valid', given: { envFrom: [{ prefix: 'N_', configMapRef: { name: 'digits' } }] }, want: ok(['N_1st=one', 'N_2nd=two', 'N_ok=fine']) },
      { name: 'an empty ConfigMap adds nothing', given: { envFrom: [{ configMapRef: { name: 'empty' } }] }, want: ok([]) },
      { name: 'a missing Secret (envFrom)', given: { envFrom: [{ secretRef: { name: 'gone' } }] }, want: { error: 'secret "gone" not found' } },
      { name: 'a missing ConfigMap (envFrom, not in the sources at all)', given: { envFrom: [{ configMapRef: { name: 'nope' } }] }, want: { error: 'configmap "nope" not found' } },
      { name: 'a missing optional Secret (envFrom) is skipped', given: { envFrom: [{ secretRef: { name: 'gone', optional: true } }], env: [{ name: 'X', value: '1' }] }, want: ok(['X=1']) },
      { name: 'a missing Secret (secretKeyRef)', given: { env: [sec('T', 'gone', 'token')] }, want: { error: 'secret "gone" not found' } },
      { name: 'a missing ConfigMap (configMapKeyRef)', given: { env: [cm('T', 'nope', 'k')] }, want: { error: 'configmap "nope" not found' } },
      { name: 'a missing Secret key', given: { env: [sec('T', 'creds', 'token')] }, want: { error: "couldn't find key token in Secret default/creds" } },
      { name: 'a missing ConfigMap key', given: { env: [cm('T', 'cfg', 'speed')] }, want: { error: "couldn't find key speed in ConfigMap default/cfg" } },
      { name: 'a key of the prototype is not a key', given: { env: [cm('T', 'cfg', 'constructor')] }, want: { error: "couldn't find key constructor in ConfigMap default/cfg" } },
      { name: 'an optional missing key leaves the variable unset', given: { env: [sec('T', 'creds', 'token', true), cm('U', 'nope', 'k', true), { name: 'V', value: '[$(T)]' }] }, want: ok(['V=[$(T)]']) },
      {
        name: 'an optional missing key does not remove an earlier definition',
        given: { envFrom: [{ configMapRef: { name: 'cfg' } }], env: [cm('mode', 'cfg', 'speed', true)] },
        want: ok(['A=from-cfg', 'level=3', 'mode=fast']),
      },
      { name: 'optional: false is required', given: { env: [sec('T', 'creds', 'token', false)] }, want: { error: "couldn't find key token in Secret default/creds" } },
      {
        name: 'the first error in kubelet order (envFrom before env)',
        given: { env: [sec('T', 'creds', 'token')], envFrom: [{ configMapRef: { name: 'nope' } }] },
        want: { error: 'configmap "nope" not found' },
      },
      { name: 'the first error in env order', given: { env: [cm('A', 'cfg', 'x'), sec('B', 'gone', 'y')] }, want: { error: "couldn't find key x in ConfigMap default/cfg" } },
      { name: 'without sources a reference is an error', given: { env: [sec('T', 'creds', 'user')] }, sources: NO_ENV_SOURCES, want: { error: 'secret "creds" not found' } },
      { name: 'fieldRef still works beside them', given: { env: [field('POD', 'metadata.name'), sec('U', 'creds', 'user'), { name: 'WHO', value: '$(U)@$(POD)' }] }, want: ok(['POD=web', 'U=admin', 'WHO=admin@web']) },
    ];
    for (const { name, given, sources, want } of cases) {
      it(name, function () {
        expect(resolveContainerEnv({ name: 'app', image: 'busybox:1.36', ...given }, DOWNWARD, sources ?? SOURCES)).to.deep.equal(want);
      });
    }

    it('uses the pod namespace in messages', function () {
      expect(resolveContainerEnv(ctr([sec('T', 'creds', 'token')]), { ...DOWNWARD, namespace: 'team-a' }, SOURCES)).to.deep.equal({ error: "couldn't find key token in Secret team-a/creds" });
    });

    it('containerEnv throws the error (desiredMember relies on the caller resolving first)', function () {
      expect(() => containerEnv(ctr([sec('T', 'creds', 'token')]), DOWNWARD, SOURCES)).to.throw("couldn't find key token in Secret default/creds");
      expect(containerEnv(ctr([sec('T', 'creds', 'user')]), DOWNWARD, SOURCES)).to.deep.equal(['T=admin']);
    });
  });

  describe('envReferences', function () {
    it('names every Secret and ConfigMap once, in order of first use, across containers', function () {
      const a: Container = { name: 'a', image: 'x', envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 's1', optional: true } }], env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's2', key: 'k' } } }, field('N', 'metadata.name')] };
      const b: Container = { name: 'b', image: 'x', env: [{ name: 'B', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }, { name: 'C', valueFrom: { secretKeyRef: { name: 's1', key: 'k' } } }, { name: 'D', value: 'x' }] };
      expect(envReferences([a, b])).to.deep.equal({ secrets: ['s1', 's2'], configMaps: ['cfg'] });
    });

    it('is empty for containers without them', function () {
      expect(envReferences([ctr([{ name: 'A', value: '1' }, field('N', 'metadata.name')])])).to.deep.equal({ secrets: [], configMaps: [] });
    });
  });

  describe('expandedCommand', function () {
    const env = ['PORT=80', 'NAME=web', 'EQ=a=b'];
    const cases: Array<{ name: string; given: Partial<Container>; want: { entrypoint?: string[]; cmd?: string[] } }> = [
      { name: 'command and args expanded', given: { command: ['/bin/server', '--name=$(NAME)'], args: ['--port', '$(PORT)'] }, want: { entrypoint: ['/bin/server', '--name=web'], cmd: ['--port', '80'] } },
      { name: 'escaped and unknown references', given: { args: ['$$(PORT)', '$(NOPE)'] }, want: { cmd: ['$(PORT)', '$(NOPE)'] } },
      { name: 'a value containing "="', given: { args: ['$(EQ)'] }, want: { cmd: ['a=b'] } },
      { name: 'command only', given: { command: ['sh'] }, want: { entrypoint: ['sh'] } },
      { name: 'neither: the image defaults stay', given: {}, want: {} },
      { name: 'empty lists are kept (they clear the image defaults)', given: { command: [], args: [] }, want: { entrypoint: [], cmd: [] } },
    ];
    for (const { name, given, want } of cases) {
      it(name, function () {
        expect(expandedCommand({ name: 'app', image: 'busybox:1.36', ...given }, env)).to.deep.equal(want);
      });
    }
  });
});
