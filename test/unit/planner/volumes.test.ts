/**
 * Pod volumes as Docker objects: one labelled Docker volume per emptyDir (a shared tmpfs for
 * medium Memory, sized by sizeLimit), and per container the mounts: emptyDirs as volume mounts,
 * creating host paths as Binds, existence-checked host paths as bind Mounts, read-only as asked.
 */
import { expect } from 'chai';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../../src/planner/labels.js';
import { containerMounts, desiredVolumes, dockerVolumeName } from '../../../src/planner/volumes.js';
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

  const table: Array<{ name: string; volumes: NonNullable<DockerPod['spec']['volumes']>; mounts: NonNullable<DockerPod['spec']['containers'][number]['volumeMounts']>; want: object }> = [
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
      mounts: [{ name: 'a', mountPath: '/a' }, { name: 'b', mountPath: '/b', readOnly: true }],
      want: { Binds: ['/srv/a:/a', '/srv/b:/b:ro'] },
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
      expect(containerMounts(pod, first)).to.deep.equal(row.want);
    });
  }
});
