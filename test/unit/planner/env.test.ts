/**
 * Environment variables with the kubelet's rules: `$(VAR)` expands from variables defined
 * earlier, `$$` escapes to `$` (so `$$(VAR)` is a literal `$(VAR)`), unknown or incomplete
 * references stay as written, later entries see earlier ones but not the reverse, fieldRef
 * values come from the downward API and are never expanded, and command/args expand from the
 * container's final environment.
 */
import { expect } from 'chai';
import type { Container, EnvVar } from '../../../src/api/v1alpha1/container.js';
import { containerEnv, expand, expandedCommand, fieldRefValue, type DownwardValues } from '../../../src/planner/env.js';

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
