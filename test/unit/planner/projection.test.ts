import { expect } from 'chai';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import { atomicLayout, dataDirName, failedMountMessage, project, projectedVolumes, projectionStamp, type ProjectedVolume } from '../../../src/planner/projection.js';
import { desiredVolumes, sandboxMounts } from '../../../src/planner/volumes.js';

const b = (s: string): Buffer => Buffer.from(s);
const cm = (extra: Partial<ProjectedVolume> = {}): ProjectedVolume => ({ name: 'cfg', kind: 'configMap', source: 'cfg', ...extra });
const sec = (extra: Partial<ProjectedVolume> = {}): ProjectedVolume => ({ name: 'sec', kind: 'secret', source: 'creds', ...extra });
const summary = (r: ReturnType<typeof project>): unknown => (r.ok ? r.files.map((f) => [f.path, f.mode.toString(8), f.content.toString()]) : r.message);

describe('planner/projection', () => {
  const cases: Array<{ name: string; v: ProjectedVolume; data: Record<string, Buffer> | undefined; want: unknown }> = [
    { name: 'every key, default mode 0644, sorted', v: cm(), data: { b: b('2'), a: b('1') }, want: [['a', '644', '1'], ['b', '644', '2']] },
    { name: 'defaultMode', v: sec({ defaultMode: 0o400 }), data: { t: b('x') }, want: [['t', '400', 'x']] },
    { name: 'items only, per-item mode, nested path', v: cm({ items: [{ key: 'a', path: 'd/x', mode: 0o600 }, { key: 'b', path: 'y' }] }), data: { a: b('1'), b: b('2'), c: b('3') }, want: [['d/x', '600', '1'], ['y', '644', '2']] },
    { name: 'missing configmap', v: cm(), data: undefined, want: 'configmap "cfg" not found' },
    { name: 'missing secret', v: sec(), data: undefined, want: 'secret "creds" not found' },
    { name: 'missing optional object: empty', v: sec({ optional: true }), data: undefined, want: [] },
    { name: 'missing listed configmap key', v: cm({ items: [{ key: 'nope', path: 'n' }] }), data: { a: b('1') }, want: 'configmap references non-existent config key: nope' },
    { name: 'missing listed secret key', v: sec({ items: [{ key: 'nope', path: 'n' }] }), data: {}, want: 'secret references non-existent secret key: nope' },
    { name: 'missing listed key, optional: skipped', v: cm({ optional: true, items: [{ key: 'nope', path: 'n' }, { key: 'a', path: 'a' }] }), data: { a: b('1') }, want: [['a', '644', '1']] },
  ];
  for (const c of cases) it(c.name, () => expect(summary(project(c.v, c.data))).to.deep.equal(c.want));

  it('the FailedMount message', () => {
    expect(failedMountMessage('cfg', 'configmap "cfg" not found')).to.equal('MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found');
  });

  it('stamps content, not order', () => {
    const one = projectionStamp([{ path: 'a', mode: 0o644, content: b('1') }, { path: 'b', mode: 0o644, content: b('2') }]);
    expect(projectionStamp([{ path: 'b', mode: 0o644, content: b('2') }, { path: 'a', mode: 0o644, content: b('1') }])).to.equal(one);
    expect(projectionStamp([{ path: 'a', mode: 0o600, content: b('1') }, { path: 'b', mode: 0o644, content: b('2') }])).to.not.equal(one);
    expect(dataDirName(one, Date.UTC(2026, 0, 2, 3, 4, 5))).to.equal(`..2026_01_02_03_04_05.${one}`);
  });

  it('lays out a first write: dir, files, ..data, top-level links', () => {
    const { entries, layout } = atomicLayout([{ path: 'd/x', mode: 0o600, content: b('1') }, { path: 'y', mode: 0o644, content: b('2') }], '..N');
    expect(entries.map((e) => `${e.type} ${e.path}${e.type === 'symlink' ? ` -> ${e.target}` : ''}`)).to.deep.equal([
      'dir ..N', 'dir ..N/d', 'file ..N/d/x', 'file ..N/y', 'symlink ..data -> ..N', 'symlink d -> ..data/d', 'symlink y -> ..data/y',
    ]);
    expect(layout).to.deep.equal({ dir: '..N', entries: ['d', 'y'] });
  });

  it('lays out an update: only new links, the old directory dropped for a link', () => {
    const { entries } = atomicLayout([{ path: 'y', mode: 0o644, content: b('3') }, { path: 'z', mode: 0o644, content: b('4') }], '..M', { dir: '..N', entries: ['y'] });
    expect(entries.map((e) => `${e.type} ${e.path}`)).to.deep.equal(['dir ..M', 'file ..M/y', 'file ..M/z', 'symlink ..data', 'symlink z', 'symlink ..N']);
  });

  it('volumes: mounted ones only, Secret on tmpfs held by the sandbox, read-only and NoCopy', () => {
    const pod = {
      metadata: { name: 'p', namespace: 'default', uid: 'u1' },
      spec: {
        volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'sec', secret: { secretName: 's' } }, { name: 'unused', configMap: { name: 'x' } }],
        containers: [{ name: 'a', image: 'i', volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }, { name: 'sec', mountPath: '/sec' }] }],
      },
    } as unknown as DockerPod;
    expect(projectedVolumes(pod).map((v) => v.name)).to.deep.equal(['cfg', 'sec']);
    const ctx = { instance: 'i', extraLabels: {} } as unknown as Parameters<typeof desiredVolumes>[1];
    expect(desiredVolumes(pod, ctx).map((v) => [v.name, v.driverOpts])).to.deep.equal([['dp_u1_cfg', undefined], ['dp_u1_sec', { type: 'tmpfs', device: 'tmpfs' }]]);
    expect(sandboxMounts(pod)).to.deep.equal({ Mounts: [{ Type: 'volume', Source: 'dp_u1_sec', Target: '/.dockerpod/volumes/sec', ReadOnly: true, VolumeOptions: { NoCopy: true } }] });
  });
});
