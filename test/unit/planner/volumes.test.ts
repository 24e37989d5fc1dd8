/**
 * Pod volumes as Docker objects: one labelled Docker volume per emptyDir (a shared tmpfs for
 * medium Memory, sized by sizeLimit), and per container the mounts: emptyDirs as volume mounts,
 * writable creating host paths as Binds, existence-checked and read-only host paths as bind Mounts
 * (read-only ones never recursive-writable, per the engine's API version), and subPaths without
 * any bind a pod could redirect with a symlink.
 */
import { expect } from 'chai';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../../src/planner/labels.js';
import { nestedUnder, subVolumeName } from '../../../src/planner/sub-paths.js';
import { containerMounts, desiredVolumes, dockerVolumeName, sandboxMounts, type MountContext } from '../../../src/planner/volumes.js';
import { planContext, samplePod, UID } from './fixtures.js';

function podWith(volumes: NonNullable<DockerPod['spec']['volumes']>, mounts: NonNullable<DockerPod['spec']['containers'][number]['volumeMounts']>): DockerPod {
  const pod = samplePod();
  pod.spec.volumes = volumes;
  const first = pod.spec.containers[0];
  if (first) first.volumeMounts = mounts;
  return pod;
}

describe('planner/volumes', () => {
  it('makes one labelled Docker volume per emptyDir, a sized tmpfs for medium Memory, none for host paths', () => {
    const pod = podWith([{ name: 'scratch', emptyDir: {} }, { name: 'ram', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }, { name: 'h', hostPath: { path: '/srv' } }], []);
    const volumes = desiredVolumes(pod, planContext());
    expect(volumes.map((v) => v.name)).to.deep.equal([`dp_${UID}_scratch`, `dp_${UID}_ram`]);
    expect(volumes[0]?.labels).to.include({ [LABEL.uid]: UID, [LABEL.managedBy]: planContext().instance, 'dockerpod.dev/volume': 'scratch' });
    expect(volumes[0]?.driverOpts).to.equal(undefined);
    expect(volumes[1]?.driverOpts).to.deep.equal({ type: 'tmpfs', device: 'tmpfs', o: `mode=1777,size=${64 * 1024 * 1024}` });
  });

  const table: Array<{ name: string; ctx?: MountContext; volumes: NonNullable<DockerPod['spec']['volumes']>; mounts: NonNullable<DockerPod['spec']['containers'][number]['volumeMounts']>; want: object }> = [
    { name: 'no mounts', volumes: [{ name: 'v', emptyDir: {} }], mounts: [], want: {} },
    {
      name: 'emptyDir, read-only',
      volumes: [{ name: 'v', emptyDir: {} }],
      mounts: [{ name: 'v', mountPath: '/data', readOnly: true }],
      want: { Mounts: [{ Type: 'volume', Source: dockerVolumeName(UID, 'v'), Target: '/data', ReadOnly: true }] },
    },
    {
      name: 'hostPath with no type or DirectoryOrCreate: Binds (the engine creates the directory)',
      volumes: [{ name: 'a', hostPath: { path: '/srv/a' } }, { name: 'b', hostPath: { path: '/srv/b', type: 'DirectoryOrCreate' } }],
      mounts: [{ name: 'a', mountPath: '/a' }, { name: 'b', mountPath: '/b' }],
      want: { Binds: ['/srv/a:/a', '/srv/b:/b'] },
    },
    {
      name: 'read-only hostPath before API 1.44: a non-recursive bind Mount (submounts absent, so none writable)',
      volumes: [{ name: 'b', hostPath: { path: '/srv/b', type: 'DirectoryOrCreate' } }],
      mounts: [{ name: 'b', mountPath: '/b', readOnly: true }],
      want: { Mounts: [{ Type: 'bind', Source: '/srv/b', Target: '/b', ReadOnly: true, BindOptions: { NonRecursive: true } }] },
    },
    {
      name: 'read-only hostPath from API 1.44: forced recursively read-only',
      ctx: { apiVersion: '1.44' },
      volumes: [{ name: 'b', hostPath: { path: '/srv/b' } }],
      mounts: [{ name: 'b', mountPath: '/b', readOnly: true }],
      want: { Mounts: [{ Type: 'bind', Source: '/srv/b', Target: '/b', ReadOnly: true, BindOptions: { ReadOnlyForceRecursive: true } }] },
    },
    {
      name: 'hostPath subPath: the joined host path',
      volumes: [{ name: 'a', hostPath: { path: '/srv/a' } }],
      mounts: [{ name: 'a', mountPath: '/logs', subPath: './logs/app/' }],
      want: { Binds: ['/srv/a/logs/app:/logs'] },
    },
    {
      name: 'configMap subPath: a read-only bind of the file in the volume, under the engine\'s root dir',
      ctx: { dockerRootDir: '/data/docker' },
      volumes: [{ name: 'cfg', configMap: { name: 'web' } }],
      mounts: [{ name: 'cfg', mountPath: '/etc/nginx/nginx.conf', subPath: 'nginx.conf' }],
      want: { Mounts: [{ Type: 'bind', Source: `/data/docker/volumes/${dockerVolumeName(UID, 'cfg')}/_data/nginx.conf`, Target: '/etc/nginx/nginx.conf', ReadOnly: true, BindOptions: { NonRecursive: true } }] },
    },
    {
      name: 'emptyDir subPath: the subPath\'s own volume',
      volumes: [{ name: 'v', emptyDir: {} }],
      mounts: [{ name: 'v', mountPath: '/var/log/app', subPath: 'logs' }],
      want: { Mounts: [{ Type: 'volume', Source: subVolumeName(dockerVolumeName(UID, 'v'), 'logs'), Target: '/var/log/app', ReadOnly: false }] },
    },
    {
      name: 'emptyDir root and subPaths in one container: each subPath volume nested where it lies',
      volumes: [{ name: 'v', emptyDir: {} }],
      mounts: [{ name: 'v', mountPath: '/data' }, { name: 'v', mountPath: '/x', subPath: 'a' }, { name: 'v', mountPath: '/y', subPath: 'a/b' }],
      want: {
        Mounts: [
          { Type: 'volume', Source: dockerVolumeName(UID, 'v'), Target: '/data', ReadOnly: false },
          { Type: 'volume', Source: subVolumeName(dockerVolumeName(UID, 'v'), 'a'), Target: '/data/a', ReadOnly: false },
          { Type: 'volume', Source: subVolumeName(dockerVolumeName(UID, 'v'), 'a/b'), Target: '/data/a/b', ReadOnly: false },
          { Type: 'volume', Source: subVolumeName(dockerVolumeName(UID, 'v'), 'a'), Target: '/x', ReadOnly: false },
          { Type: 'volume', Source: subVolumeName(dockerVolumeName(UID, 'v'), 'a/b'), Target: '/x/b', ReadOnly: false },
          { Type: 'volume', Source: subVolumeName(dockerVolumeName(UID, 'v'), 'a/b'), Target: '/y', ReadOnly: false },
        ],
      },
    },
    {
      name: 'hostPath that must exist: a bind Mount (the engine refuses a missing path)',
      volumes: [{ name: 'f', hostPath: { path: '/srv/file', type: 'File' } }],
      mounts: [{ name: 'f', mountPath: '/f' }],
      want: { Mounts: [{ Type: 'bind', Source: '/srv/file', Target: '/f', ReadOnly: false }] },
    },
    { name: 'a mount of an undeclared volume is skipped', volumes: [], mounts: [{ name: 'ghost', mountPath: '/g' }], want: {} },
  ];
  for (const row of table) {
    it(`mounts: ${row.name}`, () => {
      const pod = podWith(row.volumes, row.mounts);
      const first = pod.spec.containers[0];
      if (!first) throw new Error('no container');
      expect(containerMounts(pod, first, row.ctx)).to.deep.equal(row.want);
    });
  }

  it('makes a volume per emptyDir subPath, labelled with it, a tmpfs like its emptyDir and held by the sandbox', () => {
    const pod = podWith([{ name: 'ram', emptyDir: { medium: 'Memory' } }], [{ name: 'ram', mountPath: '/a', subPath: 'x' }, { name: 'ram', mountPath: '/b', subPath: 'x/' }]);
    const root = dockerVolumeName(UID, 'ram');
    const volumes = desiredVolumes(pod, planContext());
    expect(volumes.map((v) => v.name)).to.deep.equal([root, subVolumeName(root, 'x')]);
    expect(volumes[1]?.labels).to.include({ 'dockerpod.dev/volume': 'ram', 'dockerpod.dev/sub-path': 'x', [LABEL.uid]: UID });
    expect(volumes[1]?.driverOpts).to.deep.equal(volumes[0]?.driverOpts);
    expect(sandboxMounts(pod).Mounts?.map((m) => (m as { Source: string }).Source)).to.deep.equal([root, subVolumeName(root, 'x')]);
  });

  it('nests no subPath volume where another mount of the container is (the engine refused the pod: "Duplicate mount point")', () => {
    const root = dockerVolumeName(UID, 'v');
    const x = subVolumeName(root, 'x');
    const xy = subVolumeName(root, 'x/y');
    const table: Array<{ mounts: NonNullable<DockerPod['spec']['containers'][number]['volumeMounts']>; want: Array<[string, string]> }> = [
      // The fuzzer's find: the volume's root again at /data/x hides subPath x there, as the kubelet's later mount would (and nests it below itself).
      { mounts: [{ name: 'v', mountPath: '/data' }, { name: 'v', mountPath: '/data/x' }, { name: 'v', mountPath: '/etc/cfg', subPath: 'x' }], want: [[root, '/data'], [root, '/data/x'], [x, '/data/x/x'], [x, '/etc/cfg']] },
      // subPath x mounted right where the root would nest it: once.
      { mounts: [{ name: 'v', mountPath: '/data/' }, { name: 'v', mountPath: '/data/x', subPath: 'x' }], want: [[root, '/data/'], [x, '/data/x']] },
      // A mount between the root and a deeper subPath hides that one too; elsewhere nesting goes on.
      { mounts: [{ name: 'v', mountPath: '/data' }, { name: 'w', mountPath: '/data/x' }, { name: 'v', mountPath: '/s', subPath: 'x/y' }], want: [[root, '/data'], [dockerVolumeName(UID, 'w'), '/data/x'], [xy, '/s']] },
    ];
    for (const { mounts, want } of table) {
      const pod = podWith([{ name: 'v', emptyDir: {} }, { name: 'w', emptyDir: {} }], mounts);
      const first = pod.spec.containers[0];
      if (!first) throw new Error('no container');
      const got = (containerMounts(pod, first).Mounts ?? []).map((m) => [(m as { Source: string }).Source, (m as { Target: string }).Target]);
      expect(got, JSON.stringify(mounts)).to.deep.equal(want);
    }
  });

  it('nests exactly the subPaths below a mount: not a sibling sharing its first letters, not itself', () => {
    const all = ['a', 'a-b', 'a/b', 'a/b/c', 'a0', 'ab', 'b', 'b/a'];
    expect(nestedUnder('a', all)).to.deep.equal([{ subPath: 'a/b', relative: 'b' }, { subPath: 'a/b/c', relative: 'b/c' }]);
    expect(nestedUnder('a/b', all)).to.deep.equal([{ subPath: 'a/b/c', relative: 'c' }]);
    expect(nestedUnder('', all).map((n) => n.subPath)).to.deep.equal(all);
    expect(nestedUnder('zz', all)).to.deep.equal([]);
  });

  it('plans a container with 20 000 subPath mounts in linear time (a pass took minutes: subPaths were recomputed and scanned per mount)', () => {
    const mounts = Array.from({ length: 20_000 }, (_, i) => ({ name: 'v', mountPath: `/m/${i}`, subPath: `s${i}` }));
    const pod = podWith([{ name: 'v', emptyDir: {} }], [{ name: 'v', mountPath: '/all' }, ...mounts]);
    const first = pod.spec.containers[0];
    if (!first) throw new Error('no container');
    const started = Date.now();
    const planned = containerMounts(pod, first);
    const elapsed = Date.now() - started;
    // The root mount nests every subPath volume; each subPath mount gets its own and nothing below it.
    expect(planned.Mounts).to.have.length(1 + 20_000 + 20_000);
    expect(elapsed, `${elapsed} ms`).to.be.below(3000);
  });
});
