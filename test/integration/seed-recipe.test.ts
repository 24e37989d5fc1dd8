/**
 * The recipe the whole product rests on, proved directly on both real engines with dockerode:
 * a sandbox with a shareable IPC namespace, members that join its network and IPC namespaces
 * (and PID namespace when asked) under one cgroup parent, each keeping its own mount namespace.
 */
import { expect } from 'chai';
import type Docker from 'dockerode';
import { useDockerScope } from '../support/docker-scope.js';
import { TEST_IMAGES, type EngineName } from '../support/engines.js';
import { eventually, execIn } from '../support/exec.js';
import { cgroupsOf, namespaceOf, removeCgroupParent, type NamespaceKind } from '../support/host-proc.js';

interface Pod {
  sandbox: Docker.Container;
  members: Docker.Container[];
  pids: { sandbox: number; a: number; b: number };
}

const KINDS: NamespaceKind[] = ['net', 'ipc', 'pid', 'mnt', 'uts'];

describe('seed recipe: a pod built from plain Docker calls', function () {
  const scope = useDockerScope(['a', 'b']);
  const cgroupParents: string[] = [];

  after(function () {
    // Mocha runs `after` hooks in registration order: the scope's hook, registered first, has
    // removed the containers, so the (then empty) cgroup parents can go too.
    const problems = cgroupParents.flatMap((p) => removeCgroupParent(p));
    expect(problems, 'cgroup parents left behind').to.deep.equal([]);
  });

  async function createPod(docker: Docker, name: string, sharePid: boolean): Promise<Pod> {
    const cgroupParent = `/dockerpod-test-${scope.id}-${name}`;
    cgroupParents.push(cgroupParent);
    const sandbox = await docker.createContainer({
      _query: { name: `dpt-${scope.id}-${name}-sandbox` },
      _body: {
        Image: TEST_IMAGES.pause,
        Hostname: name,
        Labels: scope.labels,
        HostConfig: { IpcMode: 'shareable', CgroupParent: cgroupParent, NetworkMode: 'bridge' },
      },
    } as Docker.ContainerCreateOptions);
    await sandbox.start();
    const join = `container:${sandbox.id}`;
    const member = async (suffix: string, cmd: string[]): Promise<Docker.Container> => {
      const c = await docker.createContainer({
        _query: { name: `dpt-${scope.id}-${name}-${suffix}` },
        _body: {
          Image: TEST_IMAGES.busybox,
          Cmd: cmd,
          Labels: scope.labels,
          HostConfig: { NetworkMode: join, IpcMode: join, PidMode: sharePid ? join : '', CgroupParent: cgroupParent },
        },
      } as Docker.ContainerCreateOptions);
      await c.start();
      return c;
    };
    const a = await member('a', ['sh', '-c', 'mkdir -p /srv && echo hello-from-a > /srv/index.html && exec httpd -f -p 8080 -h /srv']);
    const b = await member('b', ['sleep', '3600']);
    const pid = async (c: Docker.Container): Promise<number> => (await c.inspect()).State.Pid;
    return { sandbox, members: [a, b], pids: { sandbox: await pid(sandbox), a: await pid(a), b: await pid(b) } };
  }

  const namespaces = (pid: number): Record<NamespaceKind, string> =>
    Object.fromEntries(KINDS.map((k) => [k, namespaceOf(pid, k)])) as Record<NamespaceKind, string>;

  for (const engine of ['a', 'b'] as EngineName[]) {
    describe(`on engine ${engine}`, function () {
      it('members share the sandbox network and IPC namespaces, keep their own mount namespace, and sit under one cgroup parent', async function () {
        const docker = scope.engine(engine);
        const pod = await createPod(docker, 'shared', false);
        const [sbx, a, b] = [namespaces(pod.pids.sandbox), namespaces(pod.pids.a), namespaces(pod.pids.b)];

        expect(a.net).to.equal(sbx.net);
        expect(b.net).to.equal(sbx.net);
        expect(a.ipc).to.equal(sbx.ipc);
        expect(b.ipc).to.equal(sbx.ipc);
        expect(new Set([sbx.mnt, a.mnt, b.mnt]).size, 'mount namespaces').to.equal(3);
        expect(new Set([sbx.pid, a.pid, b.pid]).size, 'PID namespaces without sharing').to.equal(3);

        const parent = `/dockerpod-test-${scope.id}-shared/`;
        for (const pid of [pod.pids.sandbox, pod.pids.a, pod.pids.b]) {
          expect(cgroupsOf(pid).filter((path) => path.startsWith(parent)), `cgroups of pid ${pid}`).to.not.be.empty;
        }
      });

      it('member B reaches member A on localhost', async function () {
        const docker = scope.engine(engine);
        const pod = await createPod(docker, 'localhost', false);
        const b = pod.members[1];
        if (!b) throw new Error('pod has no member b');
        const body = await eventually(async () => {
          const r = await execIn(docker, b.id, ['wget', '-qO-', 'http://localhost:8080/']);
          if (r.exitCode !== 0) throw new Error(`wget exited ${r.exitCode}: ${r.stderr}`);
          return r.stdout;
        });
        expect(body.trim()).to.equal('hello-from-a');
      });

      it('with a shared PID namespace, members see each other\'s processes and the sandbox is PID 1', async function () {
        const docker = scope.engine(engine);
        const pod = await createPod(docker, 'sharedpid', true);
        expect(namespaceOf(pod.pids.a, 'pid')).to.equal(namespaceOf(pod.pids.sandbox, 'pid'));
        expect(namespaceOf(pod.pids.b, 'pid')).to.equal(namespaceOf(pod.pids.sandbox, 'pid'));
        const b = pod.members[1];
        if (!b) throw new Error('pod has no member b');
        const ps = await execIn(docker, b.id, ['ps', '-o', 'pid,args']);
        expect(ps.stdout).to.match(/^\s*1\s+\/pause\s*$/m);
        expect(ps.stdout).to.include('httpd -f -p 8080');
      });

      it('a sandbox without a shareable IPC namespace cannot host members (why IpcMode is shareable)', async function () {
        const docker = scope.engine(engine);
        const sandbox = await docker.createContainer({
          _query: { name: `dpt-${scope.id}-private-sandbox` },
          _body: { Image: TEST_IMAGES.pause, Labels: scope.labels, HostConfig: { IpcMode: 'private', NetworkMode: 'none' } },
        } as Docker.ContainerCreateOptions);
        await sandbox.start();
        const member = await docker.createContainer({
          _query: { name: `dpt-${scope.id}-private-member` },
          _body: {
            Image: TEST_IMAGES.busybox,
            Cmd: ['sleep', '60'],
            Labels: scope.labels,
            HostConfig: { NetworkMode: `container:${sandbox.id}`, IpcMode: `container:${sandbox.id}` },
          },
        } as Docker.ContainerCreateOptions);
        let error: unknown;
        try {
          await member.start();
        } catch (err) {
          error = err;
        }
        expect(String((error as Error | undefined)?.message)).to.match(/non-shareable IPC/);
      });
    });
  }
});
