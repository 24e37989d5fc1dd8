/**
 * Reading env sources: each Secret and ConfigMap the containers refer to is read once (none when
 * they refer to none), a missing one is recorded as missing, Secret data is decoded (stringData
 * wins), a ConfigMap gives `data` only, and a failed read rejects with the API server's message.
 */
import { ApiException, type V1ConfigMap, type V1Secret } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { Container } from '../../../src/api/v1alpha1/container.js';
import { configMapData, readEnvSources, secretData, type EnvSourceReader } from '../../../src/controller/env-sources.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

function fakeReader(secrets: Record<string, V1Secret>, configMaps: Record<string, V1ConfigMap>): EnvSourceReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readSecret: (namespace, name) => {
      reads.push(`secret ${namespace}/${name}`);
      return Promise.resolve(secrets[name]);
    },
    readConfigMap: (namespace, name) => {
      reads.push(`configmap ${namespace}/${name}`);
      return Promise.resolve(configMaps[name]);
    },
  };
}

describe('controller/env-sources', function () {
  it('decodes Secret data; stringData wins when a reader returns it', function () {
    expect(secretData({ data: { a: b64('héllo'), b: b64('x=y\n') } })).to.deep.equal({ a: 'héllo', b: 'x=y\n' });
    expect(secretData({ data: { a: b64('old') }, stringData: { a: 'new', c: 'c' } })).to.deep.equal({ a: 'new', c: 'c' });
    expect(secretData({})).to.deep.equal({});
    expect(secretData(undefined)).to.equal(undefined);
  });

  it('takes ConfigMap data only (no variables from binaryData)', function () {
    expect(configMapData({ data: { a: '1' }, binaryData: { b: b64('2') } })).to.deep.equal({ a: '1' });
    expect(configMapData({})).to.deep.equal({});
    expect(configMapData(undefined)).to.equal(undefined);
  });

  it('reads each referenced object once, in the pod namespace, and records missing ones', async function () {
    const reader = fakeReader({ creds: { data: { token: b64('t') } } }, { cfg: { data: { mode: 'fast' } } });
    const containers: Container[] = [
      { name: 'a', image: 'x', envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'creds' } }], env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }] },
      { name: 'b', image: 'x', env: [{ name: 'M', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k', optional: true } } }] },
    ];
    const got = await readEnvSources(reader, 'team', containers);
    expect(reader.reads.sort()).to.deep.equal(['configmap team/absent', 'configmap team/cfg', 'secret team/creds']);
    expect([...got.secrets]).to.deep.equal([['creds', { token: 't' }]]);
    expect([...got.configMaps]).to.deep.equal([['cfg', { mode: 'fast' }], ['absent', undefined]]);
  });

  it('reads nothing when no container refers to a Secret or ConfigMap', async function () {
    const reader = fakeReader({}, {});
    await readEnvSources(reader, 'default', [{ name: 'a', image: 'x', env: [{ name: 'A', value: '1' }] }]);
    await readEnvSources(reader, 'default', []);
    expect(reader.reads).to.deep.equal([]);
  });

  it('rejects with the API server\'s message when a read fails', async function () {
    const status = { kind: 'Status', message: 'secrets "creds" is forbidden: User "op" cannot get resource "secrets"', code: 403 };
    const reader: EnvSourceReader = {
      readSecret: () => Promise.reject(new ApiException(403, 'Unknown API Status Code!', JSON.stringify(status), {})),
      readConfigMap: () => Promise.resolve(undefined),
    };
    const containers: Container[] = [{ name: 'a', image: 'x', envFrom: [{ secretRef: { name: 'creds' } }] }];
    let error: Error | undefined;
    await readEnvSources(reader, 'default', containers).catch((err: Error) => (error = err));
    expect(error?.message).to.equal(status.message);
  });
});
