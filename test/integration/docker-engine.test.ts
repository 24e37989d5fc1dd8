/**
 * The dockerode implementation of DockerEngine against the real test engines: A on a unix socket
 * and B over TCP with mutual TLS. These are the Docker facts the fake engine copies and the
 * reconciler relies on: exit codes, conflicts, members of a stopped sandbox, exec timeouts,
 * pull failures that reject instead of hanging, and event streams (labels, since, close).
 */
import { expect } from 'chai';
import { connectEngine } from '../../src/runtime/docker/dockerode-engine.js';
import { DockerError, type ContainerCreateBody, type DockerEngine, type DockerEvent, type HostConfigBody } from '../../src/runtime/docker/types.js';
import { useDockerScope } from '../support/docker-scope.js';
import { engineConnectOptions, TEST_IMAGES, type EngineName } from '../support/engines.js';
import { rejection } from '../support/rejection.js';

/** Events of one subscription until `done` says so (then closed), or a timeout. */
function eventsUntil(engine: DockerEngine, options: { since?: number; labels: Record<string, string> }, done: (events: DockerEvent[]) => boolean, ms = 10_000): Promise<DockerEvent[]> {
  return new Promise((resolve, reject) => {
    const events: DockerEvent[] = [];
    const timer = setTimeout(() => { stream.close(); reject(new Error(`events: gave up after ${ms} ms with ${JSON.stringify(events.map((e) => e.action))}`)); }, ms);
    const stream = engine.events(options, {
      onEvent: (event) => {
        events.push(event);
        if (!done(events)) return;
        clearTimeout(timer);
        stream.close();
        resolve(events);
      },
      onEnd: (error) => {
        clearTimeout(timer);
        if (error) reject(error);
      },
    });
  });
}

const actionsOf = (events: DockerEvent[], id: string): string[] => events.filter((e) => e.id === id).map((e) => e.action);

describe('DockerEngine on real engines (dockerode)', function () {
  this.timeout(20_000);
  const scope = useDockerScope(['a', 'b']);
  const engines = new Map<EngineName, DockerEngine>();
  const engine = (name: EngineName): DockerEngine => {
    const existing = engines.get(name);
    if (existing) return existing;
    const created = connectEngine(engineConnectOptions(name));
    engines.set(name, created);
    return created;
  };
  const nameOf = (suffix: string): string => `dpt-${scope.id}-${suffix}`;
  const body = (image: string, cmd: string[] | undefined, host: HostConfigBody = {}): ContainerCreateBody =>
    ({ Image: image, ...(cmd ? { Cmd: cmd } : {}), Labels: scope.labels, HostConfig: host });
  const sleeper = (on: EngineName, suffix: string): Promise<string> => engine(on).createContainer(nameOf(suffix), body(TEST_IMAGES.busybox, ['sleep', '3600']));

  describe('containers', function () {
    it('create, inspect, start, stop, remove: the pause image exits 0 on SIGTERM', async function () {
      const a = engine('a');
      const id = await a.createContainer(nameOf('pause'), body(TEST_IMAGES.pause, undefined, { IpcMode: 'shareable', CgroupParent: '/dpt-test', Memory: 64 * 1024 * 1024 }));
      const created = await a.inspectContainer(id);
      expect(created).to.include({ id, name: nameOf('pause'), state: 'created', running: false, exitCode: 0, image: TEST_IMAGES.pause, startedAt: '0001-01-01T00:00:00Z' });
      expect(created?.hostConfig).to.include({ ipcMode: 'shareable', cgroupParent: '/dpt-test', memory: 64 * 1024 * 1024 });
      expect(created?.imageId).to.match(/^sha256:/);
      expect(created?.hostname).to.equal(id.slice(0, 12));
      expect(created?.labels).to.include(scope.labels); // plus the image's own labels, which Docker merges in
      await a.startContainer(id);
      await a.startContainer(id); // 304: already started
      const running = await a.inspectContainer(id);
      expect(running).to.include({ state: 'running', running: true });
      expect(running?.pid).to.be.greaterThan(0);
      expect(running?.ipAddress).to.match(/^\d+\.\d+\.\d+\.\d+$/);
      expect(Date.parse(running?.startedAt ?? '')).to.be.greaterThan(Date.now() - 60_000);
      await a.stopContainer(id, 10);
      expect(await a.inspectContainer(id)).to.include({ state: 'exited', running: false, exitCode: 0, oomKilled: false, pid: 0 });
      await a.stopContainer(id, 10); // 304
      await a.killContainer(id); // 409 "is not running"
      await a.removeContainer(id, { force: false, removeVolumes: true });
      await a.removeContainer(id, { force: false, removeVolumes: true }); // 404
      expect(await a.inspectContainer(id)).to.equal(undefined);
      await a.stopContainer(id, 1); // 404
      await a.killContainer(id); // 404
    });

    it('a killed busybox sleep exits 137', async function () {
      const a = engine('a');
      const id = await sleeper('a', 'sleep-kill');
      await a.startContainer(id);
      await a.killContainer(id);
      expect(await a.inspectContainer(id)).to.include({ state: 'exited', exitCode: 137, oomKilled: false });
    });

    it('a taken name is refused with DockerError 409 and Docker\'s message', async function () {
      const id = await engine('b').createContainer(nameOf('dup'), body(TEST_IMAGES.pause, undefined));
      const err = await rejection(engine('b').createContainer(nameOf('dup'), body(TEST_IMAGES.pause, undefined)));
      expect(err).to.include({ statusCode: 409, operation: 'createContainer' });
      expect(err.message).to.equal(`Conflict. The container name "/${nameOf('dup')}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`);
    });

    it('a member joining a stopped sandbox fails to start and is left created, exit code 128, error set', async function () {
      const a = engine('a');
      const sandbox = await a.createContainer(nameOf('sandbox'), body(TEST_IMAGES.pause, undefined, { IpcMode: 'shareable' }));
      await a.startContainer(sandbox);
      await a.stopContainer(sandbox, 5);
      const member = await a.createContainer(nameOf('member'), body(TEST_IMAGES.busybox, ['sleep', '3600'], { NetworkMode: `container:${sandbox}`, IpcMode: `container:${sandbox}` }));
      const err = await rejection(a.startContainer(member));
      expect(err.message).to.match(/cannot join network of a non running container/);
      expect(err.statusCode).to.be.a('number');
      const details = await a.inspectContainer(member);
      expect(details).to.include({ state: 'created', running: false, exitCode: 128, ipAddress: '' });
      expect(details?.error).to.match(/cannot join network of a non running container/);
      expect(details?.hostConfig.networkMode).to.equal(`container:${sandbox}`);
    });

    it('lists exactly the containers carrying the labels, running or not; a missing id inspects as undefined', async function () {
      const b = engine('b');
      const ids = [await sleeper('b', 'list-1'), await sleeper('b', 'list-2')];
      await b.startContainer(ids[0] ?? '');
      const listed = await b.listContainers({ 'dev.dockerpod.test.scope': scope.id, 'dev.dockerpod.test.list': 'absent' });
      expect(listed).to.deep.equal([]);
      const all = await b.listContainers(scope.labels);
      const mine = all.filter((c) => c.name.startsWith(nameOf('list-')));
      expect(mine.map((c) => c.id).sort()).to.deep.equal([...ids].sort());
      expect(all.every((c) => c.labels['dev.dockerpod.test.scope'] === scope.id)).to.equal(true);
      const first = mine.find((c) => c.id === ids[0]);
      expect(first).to.include({ state: 'running', name: nameOf('list-1'), image: TEST_IMAGES.busybox });
      expect(first?.created).to.be.within(Date.now() - 60_000, Date.now() + 1000);
      expect(await b.inspectContainer('0'.repeat(64))).to.equal(undefined);
    });
  });

  describe('exec', function () {
    let id = '';
    before(async function () {
      id = await sleeper('a', 'exec');
      await engine('a').startContainer(id);
    });

    it('returns stdout and stderr apart, and the exit code', async function () {
      const result = await engine('a').exec(id, ['sh', '-c', 'echo out; echo err >&2; exit 3'], 5000);
      expect(result).to.deep.equal({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    });

    it('gives up after timeoutMs: timedOut, no exit code, well before the command ends', async function () {
      const start = Date.now();
      const result = await engine('a').exec(id, ['sleep', '5'], 300);
      expect(result).to.include({ timedOut: true, exitCode: null });
      expect(Date.now() - start).to.be.below(2000);
    });

    it('refuses a stopped container with a DockerError', async function () {
      const stopped = await sleeper('a', 'exec-stopped');
      expect((await rejection(engine('a').exec(stopped, ['true'], 1000))).statusCode).to.equal(409);
    });
  });

  describe('images, volumes, info', function () {
    it('inspectImage finds present images and answers undefined for missing ones', async function () {
      expect((await engine('a').inspectImage(TEST_IMAGES.busybox))?.id).to.match(/^sha256:/);
      expect(await engine('b').inspectImage(`dockerpod.dev/test/missing-${scope.id}:1`)).to.equal(undefined);
    });

    it('a pull from an unreachable registry rejects with DockerError, quickly', async function () {
      const start = Date.now();
      const pull = engine('a').pullImage('127.0.0.1:1/nope:1', { username: 'u', password: 'p', serveraddress: '127.0.0.1:1' });
      const bound = new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('pull hung for 15 s')), 15_000).unref());
      const err = await rejection(Promise.race([pull, bound]));
      expect(err.operation).to.equal('pullImage');
      expect(err.message).to.match(/127\.0\.0\.1:1/);
      expect(Date.now() - start).to.be.below(15_000);
    });

    it('volumes: create (idempotent), list by labels, remove (missing is fine)', async function () {
      const b = engine('b');
      const volume = nameOf('vol');
      await b.createVolume(volume, scope.labels, { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
      await b.createVolume(volume, scope.labels);
      expect(await b.listVolumes(scope.labels)).to.deep.equal([volume]);
      const user = await b.createContainer(nameOf('vol-user'), body(TEST_IMAGES.busybox, ['true'], { Binds: [`${volume}:/data`] }));
      expect((await rejection(b.removeVolume(volume))).statusCode).to.equal(409);
      await b.removeContainer(user, { force: true, removeVolumes: false });
      await b.removeVolume(volume);
      await b.removeVolume(volume);
      expect(await b.listVolumes(scope.labels)).to.deep.equal([]);
    });

    for (const name of ['a', 'b'] as const) {
      it(`info and ping of engine ${name}: cgroupfs, API 1.41`, async function () {
        await engine(name).ping();
        const info = await engine(name).info();
        expect(info).to.include({ cgroupDriver: 'cgroupfs', apiVersion: '1.41' });
        expect(info.id).to.not.equal('');
        expect(info.cpus).to.be.greaterThan(0);
        expect(info.memoryBytes).to.be.greaterThan(0);
      });
    }
  });

  describe('TLS settings', function () {
    const withTls = (tls: Record<string, unknown>): DockerEngine => {
      const base = engineConnectOptions('b');
      return connectEngine({ ...base, tls: { ...base.tls, ...tls } });
    };

    it('verifies the server against serverName when given', async function () {
      await withTls({ serverName: 'localhost' }).ping();
      const err = await rejection(withTls({ serverName: 'wrong.example' }).ping());
      expect(err.statusCode).to.equal(undefined);
      expect(err.message).to.match(/wrong\.example/);
    });

    it('refuses an unknown CA unless insecureSkipVerify', async function () {
      const noCa = { ca: undefined };
      expect((await rejection(withTls(noCa).ping())).message).to.match(/certificate/i);
      await withTls({ ...noCa, insecureSkipVerify: true }).ping();
    });
  });

  describe('events', function () {
    for (const name of ['a', 'b'] as const) {
      it(`engine ${name}: create, start, die, destroy of a labelled container; since replays them`, async function () {
        const e = engine(name);
        const since = Date.now() / 1000 - 1;
        const live = eventsUntil(e, { labels: scope.labels }, (events) => events.some((ev) => ev.action === 'destroy'));
        await new Promise((resolve) => setTimeout(resolve, 200)); // the stream is open
        const id = await e.createContainer(nameOf(`events-${name}`), body(TEST_IMAGES.busybox, ['true']));
        await e.startContainer(id);
        await eventsUntil(e, { since, labels: scope.labels }, (events) => events.some((ev) => ev.id === id && ev.action === 'die'));
        await e.removeContainer(id, { force: true, removeVolumes: true });
        const events = await live;
        expect(actionsOf(events, id)).to.deep.equal(['create', 'start', 'die', 'destroy']);
        const die = events.find((ev) => ev.id === id && ev.action === 'die');
        expect(die?.labels).to.include({ ...scope.labels, exitCode: '0', name: nameOf(`events-${name}`) });
        expect(die?.timeNano).to.be.a('bigint');
        expect(Number(die?.timeNano) / 1e6).to.be.within(Date.now() - 60_000, Date.now() + 1000);

        const replayed = await eventsUntil(e, { since, labels: scope.labels }, (evs) => evs.some((ev) => ev.id === id && ev.action === 'destroy'));
        expect(actionsOf(replayed, id)).to.deep.equal(['create', 'start', 'die', 'destroy']);
        expect(replayed.filter((ev) => ev.id === id).map((ev) => ev.timeNano)).to.deep.equal(events.filter((ev) => ev.id === id).map((ev) => ev.timeNano));
      });
    }

    it('exec actions carry their command suffix as Docker sends it', async function () {
      const a = engine('a');
      const id = await sleeper('a', 'events-exec');
      await a.startContainer(id);
      const seen = eventsUntil(a, { since: Date.now() / 1000 - 1, labels: scope.labels }, (evs) => evs.some((ev) => ev.action === 'exec_die'));
      await a.exec(id, ['sh', '-c', 'true'], 5000);
      expect(actionsOf(await seen, id)).to.include.members(['exec_create: sh -c true', 'exec_start: sh -c true', 'exec_die']);
    });

    it('close() ends the stream with onEnd exactly once, without an error', async function () {
      const ends: Array<Error | undefined> = [];
      const stream = engine('b').events({ labels: scope.labels }, { onEvent: () => undefined, onEnd: (err) => ends.push(err) });
      await new Promise((resolve) => setTimeout(resolve, 200));
      stream.close();
      stream.close();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(ends).to.deep.equal([undefined]);
    });

    it('an unreachable engine ends the stream with onEnd(error) once', async function () {
      const ends: Array<Error | undefined> = [];
      connectEngine({ endpoint: 'unix:///nonexistent/docker.sock' }).events({ labels: {} }, { onEvent: () => undefined, onEnd: (err) => ends.push(err) });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(ends).to.have.length(1);
      expect(ends[0]).to.be.instanceOf(DockerError);
      expect(ends[0]?.message).to.match(/ENOENT/);
    });
  });
});
