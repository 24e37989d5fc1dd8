/**
 * The streaming calls of the dockerode engine on both real engines (A on a unix socket, B over
 * mutual TLS), through the instrumented wrapper: logs with tail and timestamps, framed unless
 * the container has a TTY; a follow that ends when the container stops or when its signal
 * aborts; attached execs with their exit codes, stdin closed by its end, and a resizable TTY.
 */
import { expect } from 'chai';
import { connectEngine } from '../../src/runtime/docker/dockerode-engine.js';
import { CallCounter, instrument } from '../../src/runtime/docker/instrumented-engine.js';
import { OutputDemuxer, type OutputTarget } from '../../src/runtime/docker/stream-frames.js';
import type { DockerEngine, OutputStream } from '../../src/runtime/docker/types.js';
import { useDockerScope } from '../support/docker-scope.js';
import { engineConnectOptions, TEST_IMAGES, type EngineName } from '../support/engines.js';
import { eventually } from '../support/exec.js';

/** Reads a stream to its end (or `until` is true of what came), demultiplexed. */
async function read(output: OutputStream, until?: (text: Record<OutputTarget, string>) => boolean): Promise<Record<OutputTarget, string>> {
  const text: Record<OutputTarget, string> = { stdout: '', stderr: '', system: '' };
  const demux = new OutputDemuxer(output.tty, (target, bytes) => { text[target] += bytes.toString('utf8'); });
  return new Promise((resolve, reject) => {
    output.stream.on('data', (chunk: Buffer) => {
      demux.push(chunk);
      if (until?.(text)) resolve(text);
    });
    output.stream.on('end', () => resolve(text));
    output.stream.on('close', () => resolve(text));
    output.stream.on('error', reject);
  });
}

for (const name of ['a', 'b'] as EngineName[]) {
  describe(`DockerEngine streams on engine ${name}: logs and attached exec`, function () {
    this.timeout(30_000);
    const scope = useDockerScope([name]);
    const calls = new CallCounter();
    let engine: DockerEngine;
    // The engine reads stdout and stderr separately: the pauses keep the log's order certain.
    const script = 'trap "exit 0" TERM; echo out-1; sleep 0.1; echo err-1 >&2; sleep 0.1; echo out-2; while true; do sleep 0.1; done';
    const run = async (suffix: string, tty = false): Promise<string> => {
      const id = await engine.createContainer(`dpt-${scope.id}-${suffix}`, { Image: TEST_IMAGES.busybox, Cmd: ['sh', '-c', script], Tty: tty, Labels: scope.labels, HostConfig: {} });
      await engine.startContainer(id);
      await eventually(async () => {
        const got = await read(await engine.logs(id, {}));
        if (!`${got.stdout}${got.stderr}`.includes('out-2')) throw new Error('not written yet');
      }, 10_000, 50);
      return id;
    };

    before(() => {
      engine = instrument(connectEngine(engineConnectOptions(name)), calls.record);
    });

    it('reads logs framed, with tail and timestamps; a TTY container\'s as one unframed stream', async () => {
      const id = await run('logs');
      const all = await engine.logs(id, {});
      expect(all.tty).to.equal(false);
      expect(await read(all)).to.deep.equal({ stdout: 'out-1\nout-2\n', stderr: 'err-1\n', system: '' });
      expect(await read(await engine.logs(id, { tail: 2 }))).to.deep.equal({ stdout: 'out-2\n', stderr: 'err-1\n', system: '' });
      expect((await read(await engine.logs(id, { tail: 1, timestamps: true }))).stdout).to.match(/^\d{4}-\d\d-\d\dT[\d:.]+Z out-2\n$/);
      const tty = await run('tty', true);
      const output = await engine.logs(tty, {});
      expect(output.tty).to.equal(true);
      expect(await read(output)).to.deep.equal({ stdout: 'out-1\r\nerr-1\r\nout-2\r\n', stderr: '', system: '' });
      expect(calls.count({ operation: 'logs', outcome: 'ok' })).to.be.greaterThan(0);
      const missing = await engine.logs('dpt-no-such-container', {}).then(() => undefined, (err: unknown) => err);
      expect(missing).to.include({ name: 'DockerError', statusCode: 404 });
    });

    it('follows until the container stops, or until the signal aborts', async () => {
      const id = await run('follow');
      const following = read(await engine.logs(id, { follow: true }));
      await engine.stopContainer(id, 5);
      expect((await following).stdout).to.equal('out-1\nout-2\n');

      const other = await run('abort');
      const abort = new AbortController();
      const output = await engine.logs(other, { follow: true, signal: abort.signal });
      const closed = new Promise((resolve) => output.stream.once('close', resolve));
      expect((await read(output, (text) => text.stdout.includes('out-2'))).stdout).to.equal('out-1\nout-2\n');
      abort.abort();
      await closed;
      expect((await engine.inspectContainer(other))?.running).to.equal(true);
    });

    it('runs attached execs: exit codes, stdout and stderr, stdin closed by its end, a resizable TTY', async () => {
      const id = await run('exec');
      const fails = await engine.startExec(id, { cmd: ['sh', '-c', 'echo o; echo e >&2; exit 3'], stdin: false, tty: false });
      expect(await read(fails)).to.deep.equal({ stdout: 'o\n', stderr: 'e\n', system: '' });
      expect(await fails.exitCode()).to.equal(3);

      const cat = await engine.startExec(id, { cmd: ['cat'], stdin: true, tty: false });
      const echoed = read(cat);
      cat.stdin?.write('hello\n');
      cat.stdin?.end('world\n');
      expect((await echoed).stdout).to.equal('hello\nworld\n');
      expect(await cat.exitCode()).to.equal(0);

      const missing = await engine.startExec(id, { cmd: ['no-such-command'], stdin: false, tty: false });
      const said = await read(missing);
      expect(`${said.stdout}${said.system}`).to.include('no-such-command');
      expect(await missing.exitCode()).to.be.oneOf([126, 127]);

      const tty = await engine.startExec(id, { cmd: ['sh', '-c', 'sleep 1; stty size; echo e >&2'], stdin: false, tty: true });
      await tty.resize(33, 101);
      expect(await read(tty)).to.deep.equal({ stdout: '33 101\r\ne\r\n', stderr: '', system: '' });
      expect(await tty.exitCode()).to.equal(0);
    });
  });
}
