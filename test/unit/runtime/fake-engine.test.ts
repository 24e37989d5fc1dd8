/**
 * The in-memory engine behaves like Docker where the reconciler depends on it (the same facts the
 * integration tests check on real engines): name conflicts, members of a stopped sandbox that
 * cannot start, stop/kill exit codes, event order, injected failures, pulls and OOM crashes.
 */
import { expect } from 'chai';
import { FakeEngine, ZERO_TIME } from '../../../src/runtime/docker/fake-engine.js';
import { CallCounter, instrument } from '../../../src/runtime/docker/instrumented-engine.js';
import { DockerError, isConflict, type ContainerCreateBody, type DockerEvent, type HostConfigBody } from '../../../src/runtime/docker/types.js';
import { FakeClock } from '../../../src/util/clock.js';
import { rejection } from '../../support/rejection.js';

const IMAGE = 'busybox:1';
const LABELS = { 'dev.dockerpod.pod': 'p1' };

function body(host: HostConfigBody = {}, extra: Partial<ContainerCreateBody> = {}): ContainerCreateBody {
  return { Image: IMAGE, Labels: LABELS, HostConfig: host, ...extra };
}

/** Lets queued event deliveries run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function subscribe(engine: FakeEngine, since?: number): { events: DockerEvent[]; ends: Array<Error | undefined>; close(): void } {
  const events: DockerEvent[] = [];
  const ends: Array<Error | undefined> = [];
  const stream = engine.events({ labels: LABELS, ...(since !== undefined ? { since } : {}) }, {
    onEvent: (e) => events.push(e),
    onEnd: (err) => ends.push(err),
  });
  return { events, ends, close: () => stream.close() };
}

describe('FakeEngine', function () {
  let clock: FakeClock;
  let engine: FakeEngine;

  beforeEach(function () {
    clock = new FakeClock(Date.UTC(2026, 0, 1));
    engine = new FakeEngine({ clock, images: [IMAGE, 'pause:1'], registry: ['registry.example/app:v2'] });
  });

  describe('containers', function () {
    it('creates a container in state created with Docker defaults', async function () {
      const id = await engine.createContainer('web', body({ CgroupParent: '/pods/p1', Memory: 1024 }));
      expect(id).to.match(/^[0-9a-f]{64}$/);
      const d = await engine.inspectContainer(id);
      expect(d).to.include({ id, name: 'web', state: 'created', running: false, exitCode: 0, startedAt: ZERO_TIME, finishedAt: ZERO_TIME, image: IMAGE, hostname: id.slice(0, 12) });
      expect(d?.hostConfig).to.deep.equal({ networkMode: 'default', ipcMode: 'private', pidMode: '', cgroupParent: '/pods/p1', memory: 1024 });
      expect(d?.labels).to.deep.equal(LABELS);
      expect(d?.imageId).to.match(/^sha256:/);
    });

    it('refuses a taken name with 409 and Docker\'s message, naming the holder', async function () {
      const id = await engine.createContainer('web', body());
      const err = await rejection(engine.createContainer('web', body()));
      expect(isConflict(err)).to.equal(true);
      expect(err.message).to.equal(`Conflict. The container name "/web" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`);
      await engine.removeContainer(id, { force: true, removeVolumes: true });
      expect(await engine.createContainer('web', body())).to.be.a('string');
    });

    const refusals: Array<{ name: string; containerName?: string; body: (sandbox: string) => ContainerCreateBody; status: number; message: RegExp }> = [
      { name: 'a missing image', body: () => ({ ...body(), Image: 'nope:1' }), status: 404, message: /No such image: nope:1/ },
      { name: 'an invalid name', containerName: 'bad name', body: () => body(), status: 400, message: /Invalid container name/ },
      { name: 'a member joining a missing container', body: () => body({ NetworkMode: 'container:missing' }), status: 404, message: /No such container: missing/ },
      { name: 'a hostname on a member', body: (s) => body({ NetworkMode: `container:${s}` }, { Hostname: 'h' }), status: 400, message: /conflicting options: hostname/ },
      { name: 'ports on a member', body: (s) => body({ NetworkMode: `container:${s}`, PortBindings: { '80/tcp': [{ HostPort: '8080' }] } }), status: 400, message: /port publishing/ },
      { name: 'DNS on a member', body: (s) => body({ NetworkMode: `container:${s}`, Dns: ['1.1.1.1'] }), status: 400, message: /dns and the network mode/ },
    ];
    for (const c of refusals) {
      it(`refuses ${c.name} at create`, async function () {
        const sandbox = await engine.createContainer('sandbox', body());
        const err = await rejection(engine.createContainer(c.containerName ?? 'member', c.body(sandbox)));
        expect(err.statusCode).to.equal(c.status);
        expect(err.message).to.match(c.message);
      });
    }

    it('starts a container: running, a pid, an IP of its own; a member shares the sandbox network and has no IP', async function () {
      const sandbox = await engine.createContainer('sandbox', body({ IpcMode: 'shareable' }));
      await engine.startContainer(sandbox);
      const member = await engine.createContainer('member', body({ NetworkMode: `container:${sandbox}`, IpcMode: `container:${sandbox}` }));
      await engine.startContainer(member);
      const [s, m] = [await engine.inspectContainer(sandbox), await engine.inspectContainer(member)];
      expect(s).to.include({ state: 'running', running: true, startedAt: new Date(clock.now()).toISOString() });
      expect(s?.pid).to.be.greaterThan(0);
      expect(s?.ipAddress).to.match(/^172\.17\./);
      expect(m).to.include({ state: 'running', ipAddress: '' });
      await engine.startContainer(sandbox); // already running is fine
    });

    it('a member of a stopped sandbox fails to start (500) and stays created with exit code 128 and the error', async function () {
      const sandbox = await engine.createContainer('sandbox', body());
      const member = await engine.createContainer('member', body({ NetworkMode: `container:${sandbox}` }));
      const err = await rejection(engine.startContainer(member));
      expect(err.statusCode).to.equal(500);
      expect(err.message).to.equal(`cannot join network of a non running container: ${sandbox}`);
      expect(await engine.inspectContainer(member)).to.include({ state: 'created', running: false, exitCode: 128, error: err.message, finishedAt: ZERO_TIME });
    });

    const exits: Array<{ name: string; act: (e: FakeEngine, id: string) => Promise<void>; setup?: (e: FakeEngine) => void; exitCode: number; state: string }> = [
      { name: 'stop of a default container (SIGTERM)', act: (e, id) => e.stopContainer(id, 10), exitCode: 143, state: 'exited' },
      { name: 'stop of an image exiting 0 on SIGTERM (pause)', setup: (e) => e.sigtermExit.set('pause:1', 0), act: (e, id) => e.stopContainer(id, 10), exitCode: 0, state: 'exited' },
      { name: 'stop of an image ignoring SIGTERM', setup: (e) => e.sigtermExit.set('pause:1', 'ignore'), act: (e, id) => e.stopContainer(id, 1), exitCode: 137, state: 'exited' },
      { name: 'kill (SIGKILL)', act: (e, id) => e.killContainer(id), exitCode: 137, state: 'exited' },
      { name: 'kill SIGTERM', act: (e, id) => e.killContainer(id, 'SIGTERM'), exitCode: 143, state: 'exited' },
      { name: 'kill SIGHUP (ignored by the process)', act: (e, id) => e.killContainer(id, 'SIGHUP'), exitCode: 0, state: 'running' },
    ];
    for (const c of exits) {
      it(`${c.name} -> ${c.state}, exit code ${c.exitCode}`, async function () {
        c.setup?.(engine);
        const id = await engine.createContainer('c1', body({}, { Image: 'pause:1' }));
        await engine.startContainer(id);
        clock.step(5_000);
        await c.act(engine, id);
        const d = await engine.inspectContainer(id);
        expect(d).to.include({ state: c.state, exitCode: c.exitCode, oomKilled: false });
        if (c.state === 'exited') expect(d).to.include({ pid: 0, finishedAt: new Date(clock.now()).toISOString() });
      });
    }

    it('stop, kill and remove of stopped or missing containers are fine', async function () {
      const id = await engine.createContainer('c1', body());
      await engine.stopContainer(id, 1);
      await engine.killContainer(id);
      await engine.stopContainer('missing', 1);
      await engine.killContainer('missing');
      await engine.removeContainer('missing', { force: false, removeVolumes: false });
      expect(await engine.inspectContainer('missing')).to.equal(undefined);
    });

    it('stopping a sandbox SIGKILLs members sharing its PID namespace (137, not OOM)', async function () {
      const sandbox = await engine.createContainer('sandbox', body());
      await engine.startContainer(sandbox);
      const shared = await engine.createContainer('shared', body({ NetworkMode: `container:${sandbox}`, PidMode: `container:${sandbox}` }));
      const own = await engine.createContainer('own', body({ NetworkMode: `container:${sandbox}` }));
      await engine.startContainer(shared);
      await engine.startContainer(own);
      await engine.stopContainer(sandbox, 10);
      expect(await engine.inspectContainer(shared)).to.include({ state: 'exited', exitCode: 137, oomKilled: false });
      expect(await engine.inspectContainer(own)).to.include({ state: 'running' });
    });

    it('refuses to remove a running container without force (409); force kills it', async function () {
      const id = await engine.createContainer('c1', body());
      await engine.startContainer(id);
      expect((await rejection(engine.removeContainer(id, { force: false, removeVolumes: false }))).statusCode).to.equal(409);
      await engine.removeContainer(id, { force: true, removeVolumes: false });
      expect(await engine.inspectContainer(id)).to.equal(undefined);
    });

    it('finds containers by name, /name and unique id prefix; lists by labels, newest first', async function () {
      const a = await engine.createContainer('a1', body());
      clock.step(1000);
      const b = await engine.createContainer('b1', body());
      await engine.createContainer('other', { ...body(), Labels: { x: 'y' } });
      expect((await engine.inspectContainer('/a1'))?.id).to.equal(a);
      expect((await engine.inspectContainer(b.slice(0, 12)))?.id).to.equal(b);
      expect((await engine.listContainers(LABELS)).map((c) => c.name)).to.deep.equal(['b1', 'a1']);
      expect(await engine.listContainers({ x: 'y' })).to.have.length(1);
    });

    it('crash: a running container exits with the code, OOM marked, and the oom event comes before die', async function () {
      const id = await engine.createContainer('c1', body());
      await engine.startContainer(id);
      const sub = subscribe(engine);
      engine.crash(id, 137, { oomKilled: true });
      await settle();
      expect(await engine.inspectContainer(id)).to.include({ state: 'exited', exitCode: 137, oomKilled: true });
      expect(sub.events.map((e) => e.action)).to.deep.equal(['oom', 'die']);
      expect(sub.events[1]?.labels['exitCode']).to.equal('137');
      expect(() => engine.crash(id, 1)).to.throw(/not a running container/);
    });
  });

  describe('events', function () {
    it('emits Docker\'s sequence for a life cycle, with the labels, in order, with increasing timeNano', async function () {
      const sub = subscribe(engine);
      const id = await engine.createContainer('c1', body());
      await engine.startContainer(id);
      await engine.exec(id, ['sh', '-c', 'true'], 1000);
      await engine.stopContainer(id, 10);
      await engine.removeContainer(id, { force: true, removeVolumes: true });
      await settle();
      expect(sub.events.map((e) => e.action)).to.deep.equal(['create', 'start', 'exec_create: sh -c true', 'exec_start: sh -c true', 'exec_die', 'kill', 'die', 'stop', 'destroy']);
      expect(sub.events.every((e) => e.id === id && e.labels['dev.dockerpod.pod'] === 'p1' && e.labels['name'] === 'c1')).to.equal(true);
      const times = sub.events.map((e) => e.timeNano);
      expect(times.every((t, i) => i === 0 || t > (times[i - 1] ?? 0n))).to.equal(true);
    });

    it('force remove of a running container emits kill, die, destroy; other labels are filtered out', async function () {
      const id = await engine.createContainer('c1', body());
      await engine.startContainer(id);
      const sub = subscribe(engine);
      await engine.createContainer('other', { ...body(), Labels: { x: 'y' } });
      await engine.removeContainer(id, { force: true, removeVolumes: true });
      await settle();
      expect(sub.events.map((e) => [e.action, e.labels['signal'] ?? e.labels['exitCode']])).to.deep.equal([['kill', '9'], ['die', '137'], ['destroy', undefined]]);
    });

    it('since replays past events, then streams live ones', async function () {
      const first = await engine.createContainer('a1', body());
      clock.step(10_000);
      const since = clock.now() / 1000;
      await engine.startContainer(first);
      const sub = subscribe(engine, since);
      await engine.stopContainer(first, 1);
      await settle();
      expect(sub.events.map((e) => e.action)).to.deep.equal(['start', 'kill', 'die', 'stop']);
    });

    it('close() and the loss of the engine\'s state end streams with onEnd once; nothing is delivered after', async function () {
      const closed = subscribe(engine);
      const restarted = subscribe(engine);
      closed.close();
      closed.close();
      await engine.createContainer('c1', body());
      await settle();
      expect(restarted.events.map((e) => e.action)).to.deep.equal(['create']);
      expect(closed.events).to.deep.equal([]);
      expect(closed.ends).to.deep.equal([undefined]);
      engine.deleteEverything();
      expect(restarted.ends).to.deep.equal([undefined]);
      expect(await engine.listContainers({})).to.deep.equal([]);
    });

    it('endEventStreams(error) reports the error', function () {
      const sub = subscribe(engine);
      const error = new DockerError('socket hang up');
      engine.endEventStreams(error);
      expect(sub.ends).to.deep.equal([error]);
    });
  });

  describe('test hooks', function () {
    it('failNext fails the next n calls of one operation, records them, then calls succeed', async function () {
      const error = new DockerError('boom', 500, 'startContainer');
      const id = await engine.createContainer('c1', body());
      engine.failNext('startContainer', error, 2);
      expect(await rejection(engine.startContainer(id))).to.equal(error);
      expect(await rejection(engine.startContainer(id))).to.equal(error);
      await engine.startContainer(id);
      expect(engine.calls).to.deep.equal([{ op: 'createContainer', name: 'c1' }, ...Array<{ op: string; id: string }>(3).fill({ op: 'startContainer', id })]);
      expect(engine.mutatingCalls()).to.equal(4);
    });

    it('failNext on events ends the stream with the error', async function () {
      const error = new DockerError('no events');
      engine.failNext('events', error);
      const sub = subscribe(engine);
      await settle();
      expect(sub.ends).to.deep.equal([error]);
    });

    it('a down engine fails every call with a transport DockerError (no status)', async function () {
      engine.down = true;
      const err = await rejection(engine.ping());
      expect(err.statusCode).to.equal(undefined);
      expect(err.message).to.match(/ECONNREFUSED/);
    });

    it('reads are not mutating calls', async function () {
      await engine.listContainers({});
      await engine.inspectContainer('x');
      await engine.inspectImage(IMAGE);
      await engine.info();
      expect(engine.mutatingCalls()).to.equal(0);
      expect(engine.calls.map((c) => c.op)).to.deep.equal(['listContainers', 'inspectContainer', 'inspectImage', 'info']);
    });
  });

  describe('images, exec, volumes, info', function () {
    it('pull adds an image from the registry; unknown images and bad references fail', async function () {
      expect(await engine.inspectImage('registry.example/app:v2')).to.equal(undefined);
      await engine.pullImage('registry.example/app:v2');
      expect((await engine.inspectImage('registry.example/app:v2'))?.id).to.match(/^sha256:/);
      const denied = await rejection(engine.pullImage('registry.example/other:v1'));
      expect(denied.statusCode).to.equal(404);
      expect(denied.message).to.match(/pull access denied for registry\.example\/other/);
      expect((await rejection(engine.pullImage('Bad Ref'))).statusCode).to.equal(400);
      expect(await engine.inspectImage('busybox:1')).to.not.equal(undefined);
      expect(await engine.inspectImage('busybox')).to.equal(undefined); // busybox:latest
    });

    it('exec answers programmably in running containers and refuses stopped ones (409)', async function () {
      const id = await engine.createContainer('c1', body());
      expect((await rejection(engine.exec(id, ['true'], 1000))).statusCode).to.equal(409);
      await engine.startContainer(id);
      expect(await engine.exec(id, ['true'], 1000)).to.deep.equal({ exitCode: 0, stdout: '', stderr: '', timedOut: false });
      engine.onExec((c, cmd) => ({ exitCode: 3, stdout: `${c.name}:${cmd.join(' ')}`, stderr: 'e', timedOut: false }));
      expect(await engine.exec(id, ['cat', 'x'], 1000)).to.deep.equal({ exitCode: 3, stdout: 'c1:cat x', stderr: 'e', timedOut: false });
    });

    it('volumes: create is idempotent, list by labels, remove refuses a volume in use (409), missing is fine', async function () {
      await engine.createVolume('v1', LABELS, { type: 'tmpfs', device: 'tmpfs' });
      await engine.createVolume('v1', {});
      await engine.createVolume('v2', { x: 'y' });
      expect(await engine.listVolumes(LABELS)).to.deep.equal(['v1']);
      const id = await engine.createContainer('c1', body({ Binds: ['v1:/data'] }));
      expect((await rejection(engine.removeVolume('v1'))).statusCode).to.equal(409);
      await engine.removeContainer(id, { force: true, removeVolumes: true });
      await engine.removeVolume('v1');
      await engine.removeVolume('v1');
      expect(await engine.listVolumes(LABELS)).to.deep.equal([]);
    });

    it('info reports configurable facts; deleteEverything gives a new engine ID', async function () {
      const systemd = new FakeEngine({ info: { cgroupDriver: 'systemd', cgroupVersion: '2' } });
      expect(await systemd.info()).to.include({ cgroupDriver: 'systemd', cgroupVersion: '2', apiVersion: '1.41' });
      const before = (await engine.info()).id;
      engine.deleteEverything();
      expect((await engine.info()).id).to.not.equal(before);
    });
  });

  describe('instrument', function () {
    it('reports every call with its outcome, and event streams when they end', async function () {
      const counter = new CallCounter();
      const wrapped = instrument(engine, counter.record);
      const id = await wrapped.createContainer('c1', body());
      await wrapped.startContainer(id);
      engine.failNext('stopContainer', new DockerError('boom', 500));
      await rejection(wrapped.stopContainer(id, 1));
      await wrapped.inspectContainer(id);
      const ends: Array<Error | undefined> = [];
      wrapped.events({ labels: {} }, { onEvent: () => undefined, onEnd: (e) => ends.push(e) }).close();
      expect(ends).to.deep.equal([undefined]);
      expect(wrapped.endpoint).to.equal(engine.endpoint);
      expect(counter.count()).to.equal(5);
      expect(counter.mutating()).to.equal(3);
      expect(counter.count({ outcome: 'error' })).to.equal(1);
      expect(counter.count({ operation: 'events', outcome: 'ok' })).to.equal(1);
      expect(counter.calls.every((c) => c.endpoint === engine.endpoint && c.durationMs >= 0)).to.equal(true);
      counter.reset();
      expect(counter.count()).to.equal(0);
    });
  });
});
