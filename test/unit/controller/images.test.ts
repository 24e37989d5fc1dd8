/**
 * Where pull credentials go, as pure rules and through the image manager with a stub engine:
 * the registry of an image (Docker Hub for short names and for each of the Hub's own names; any
 * other domain exactly, port included), the `auths` entry that serves it, a malformed
 * `.dockerconfigjson` refused without quoting it (JSON.parse's own message quotes the text, and a
 * pull failure's message reaches an Event and the status), and concurrent pulls of one image with
 * different credentials kept apart (a pod never gets an image through another pod's credentials).
 * The same rules on the wire, with a real engine: test/integration/isolation-secrets.test.ts.
 */
import { expect } from 'chai';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import { authFromDockerConfig, ImageManager, registryOf } from '../../../src/controller/images.js';
import type { DockerEngine, RegistryAuth } from '../../../src/runtime/docker/types.js';
import { FakeClock } from '../../../src/util/clock.js';

describe('controller: image pull credentials', function () {
  const registries: Array<{ image: string; want: string }> = [
    { image: 'busybox', want: 'docker.io' },
    { image: 'library/busybox:1', want: 'docker.io' },
    { image: 'docker.io/library/busybox:1', want: 'docker.io' },
    { image: 'index.docker.io/library/busybox:1', want: 'docker.io' },
    { image: 'registry-1.docker.io/library/busybox:1', want: 'docker.io' },
    { image: 'r1.example:5000/team/app:1', want: 'r1.example:5000' },
    { image: 'r1.example/team/app:1', want: 'r1.example' },
    { image: 'docker.io.r1.example/team/app:1', want: 'docker.io.r1.example' },
    { image: 'localhost/app:1', want: 'localhost' },
  ];
  for (const r of registries) {
    it(`the registry of ${r.image} is ${r.want}`, function () {
      expect(registryOf(r.image)).to.equal(r.want);
    });
  }

  const config = JSON.stringify({ auths: { 'r1.example:5000': { username: 'u1', password: 'p1' }, 'https://index.docker.io/v1/': { auth: Buffer.from('hub:hp:with:colons').toString('base64') } } });
  const lookups: Array<{ registry: string; want: RegistryAuth | undefined }> = [
    { registry: 'r1.example:5000', want: { serveraddress: 'r1.example:5000', username: 'u1', password: 'p1' } },
    { registry: 'r1.example', want: undefined },
    { registry: 'r1.example:5001', want: undefined },
    { registry: 'r2.example:5000', want: undefined },
    { registry: 'docker.io', want: { serveraddress: 'https://index.docker.io/v1/', username: 'hub', password: 'hp:with:colons' } },
  ];
  for (const l of lookups) {
    it(`gives ${l.registry} ${l.want ? `the credentials of ${l.want.serveraddress}` : 'none'}`, function () {
      expect(authFromDockerConfig(config, l.registry)).to.deep.equal(l.want);
    });
  }

  it('refuses a .dockerconfigjson that is not JSON without quoting it', function () {
    const broken = '{"auths": {"r1.example:5000": {"auth": c2VjcmV0LXZhbHVlLTQy}}}';
    expect(() => JSON.parse(broken) as unknown, 'JSON.parse itself would quote it').to.throw(/c2VjcmV0/);
    let message = '';
    try {
      authFromDockerConfig(broken, 'r1.example:5000');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.equal('.dockerconfigjson is not valid JSON');
  });

  describe('concurrent pulls', function () {
    const pod = (ns: string): DockerPod => ({ apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerPod', metadata: { name: 'p', namespace: ns }, spec: { containers: [] } });
    const byNamespace: Record<string, RegistryAuth | undefined> = {
      a: { serveraddress: 'r1.example:5000', username: 'a', password: 'pa' },
      b: { serveraddress: 'r1.example:5000', username: 'b', password: 'pb' },
      c: undefined,
    };

    /** An engine without the image whose pulls wait until released; records each pull's credentials. */
    function slowEngine(): { engine: DockerEngine; pulls: Array<RegistryAuth | undefined>; release: () => void } {
      const pulls: Array<RegistryAuth | undefined> = [];
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const engine = {
        endpoint: 'unix:///stub.sock',
        inspectImage: () => Promise.resolve(undefined),
        pullImage: async (_ref: string, auth?: RegistryAuth) => {
          pulls.push(auth);
          await gate;
        },
      } as unknown as DockerEngine;
      return { engine, pulls, release };
    }

    it('share one pull only between pods with the same credentials', async function () {
      const images = new ImageManager(new FakeClock(), (p) => Promise.resolve(byNamespace[p.metadata.namespace ?? '']));
      const { engine, pulls, release } = slowEngine();
      const container = { image: 'r1.example:5000/team/app:1' };
      const running = ['a', 'a', 'b', 'c', 'c'].map((ns) => images.ensure(engine, pod(ns), container, () => undefined));
      await new Promise((r) => setImmediate(r));
      release();
      const results = await Promise.all(running);
      expect(results.every((r) => r.ok)).to.equal(true);
      expect(pulls).to.have.deep.members([byNamespace['a'], byNamespace['b'], undefined]);
      expect(pulls).to.have.length(3);
    });
  });
});
