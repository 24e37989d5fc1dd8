/**
 * The probe runner on engine A: a sandbox from the test pause image (network none: only the
 * pod's loopback) and a busybox member joining its network that serves /www with httpd on 8080.
 * httpGet and tcpSocket probes run `/pause probe` in the sandbox; exec probes run in the member.
 * Checked: success and failure of each handler with the kubelet's messages, HTTP timeouts and
 * headers, named ports, HTTPS refused as an error, exec timeouts, a sandbox whose image is not
 * dockerpod's pause, a missing container, and the concurrency bound.
 */
import { expect } from 'chai';
import type { Probe } from '../../src/api/v1alpha1/container.js';
import { ProbeRunner, type ProbeOutcome, type ProbeTarget } from '../../src/controller/probe-runner.js';
import { connectEngine } from '../../src/runtime/docker/dockerode-engine.js';
import type { ContainerCreateBody, DockerEngine, HostConfigBody } from '../../src/runtime/docker/types.js';
import { useDockerScope } from '../support/docker-scope.js';
import { engineConnectOptions, TEST_IMAGES } from '../support/engines.js';

/** A CGI script of the member's httpd, one line per argument (no single quotes in them). */
const cgi = (name: string, ...lines: string[]): string =>
  `printf '%s\\n' '#!/bin/sh' ${lines.map((line) => `'${line}'`).join(' ')} > /www/cgi-bin/${name}`;

/** The member: /www/ok, and CGI scripts answering 500, slowly, and 204 only with the expected headers. */
const SERVE = [
  'mkdir -p /www/cgi-bin && echo ok > /www/ok',
  cgi('fail', String.raw`printf "Status: 500 Boom\r\n\r\n"`),
  cgi('slow', 'sleep 3', String.raw`printf "Status: 200 OK\r\n\r\n"`),
  cgi('headers', String.raw`if [ "$HTTP_X_PROBE" = yes ] && [ "$HTTP_USER_AGENT" = kube-probe/1.32 ] && [ "$HTTP_HOST" = 127.0.0.1:8080 ]; then printf "Status: 204 Fine\r\n\r\n"; else printf "Status: 400 Bad\r\n\r\n"; fi`),
  'chmod +x /www/cgi-bin/*',
  'exec httpd -f -p 8080 -h /www',
].join(' && ');

describe('controller/probe-runner on engine A', function () {
  this.timeout(30_000);
  const scope = useDockerScope(['a']);
  let engine: DockerEngine;
  let runner: ProbeRunner;
  let target: ProbeTarget;
  const body = (image: string, cmd: string[] | undefined, host: HostConfigBody): ContainerCreateBody =>
    ({ Image: image, ...(cmd ? { Cmd: cmd } : {}), Labels: scope.labels, HostConfig: host });

  before(async () => {
    engine = connectEngine(engineConnectOptions('a'));
    runner = new ProbeRunner(engine);
    const sandboxId = await engine.createContainer(`dpt-${scope.id}-sandbox`, body(TEST_IMAGES.pause, undefined, { NetworkMode: 'none', IpcMode: 'shareable' }));
    await engine.startContainer(sandboxId);
    const containerId = await engine.createContainer(`dpt-${scope.id}-web`, body(TEST_IMAGES.busybox, ['sh', '-c', SERVE], { NetworkMode: `container:${sandboxId}` }));
    await engine.startContainer(containerId);
    target = { containerId, sandboxId, ports: [{ name: 'web', containerPort: 8080 }] };
    // httpd binds right after the start; wait for it the way a startup probe would.
    for (let i = 0; i < 50; i++) {
      if ((await runner.run('startup', { tcpSocket: { port: 8080 } }, target)).result === 'Success') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('httpd did not come up');
  });

  const run = (probe: Probe, kind: 'liveness' | 'readiness' | 'startup' = 'liveness'): Promise<ProbeOutcome> => runner.run(kind, probe, target);

  describe('httpGet (through /pause probe in the sandbox)', function () {
    it('succeeds on a 200 and reports the status line', async () => {
      expect(await run({ httpGet: { path: '/ok', port: 8080 } })).to.deep.equal({ result: 'Success', message: 'HTTP/1.1 200 OK' });
    });

    it('fails on a 404 with the kubelet\'s message', async () => {
      expect(await run({ httpGet: { path: '/missing', port: 8080 } })).to.deep.equal({ result: 'Failure', message: 'Liveness probe failed: HTTP probe failed with statuscode: 404' });
    });

    it('fails on a 500', async () => {
      expect(await run({ httpGet: { path: '/cgi-bin/fail', port: 8080 } }, 'readiness')).to.deep.equal({ result: 'Failure', message: 'Readiness probe failed: HTTP probe failed with statuscode: 500' });
    });

    it('sends the kubelet\'s User-Agent, the Host and the probe\'s headers', async () => {
      expect(await run({ httpGet: { path: '/cgi-bin/headers', port: 8080, httpHeaders: [{ name: 'X-Probe', value: 'yes' }] } })).to.deep.equal({ result: 'Success', message: 'HTTP/1.1 204 Fine' });
      expect((await run({ httpGet: { path: '/cgi-bin/headers', port: 8080 } })).message).to.equal('Liveness probe failed: HTTP probe failed with statuscode: 400');
    });

    it('fails after timeoutSeconds when the server is slow', async () => {
      const started = Date.now();
      const outcome = await run({ httpGet: { path: '/cgi-bin/slow', port: 8080 }, timeoutSeconds: 1 });
      expect(outcome).to.deep.equal({
        result: 'Failure',
        message: 'Liveness probe failed: Get "http://127.0.0.1:8080/cgi-bin/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
      });
      expect(Date.now() - started).to.be.within(900, 2500);
    });

    it('fails when nothing listens', async () => {
      expect(await run({ httpGet: { path: '/ok', port: 8081 } }, 'readiness')).to.deep.equal({
        result: 'Failure',
        message: 'Readiness probe failed: Get "http://127.0.0.1:8081/ok": dial tcp 127.0.0.1:8081: connect: connection refused',
      });
    });

    it('resolves a named port, and reports an unknown name as the kubelet does (an error)', async () => {
      expect((await run({ httpGet: { path: '/ok', port: 'web' } })).result).to.equal('Success');
      expect((await run({ httpGet: { path: '/ok', port: '8080' } })).result).to.equal('Success');
      expect(await run({ httpGet: { path: '/ok', port: 'admin' } })).to.deep.equal({
        result: 'Unknown',
        message: 'Liveness probe errored and resulted in unknown state: strconv.Atoi: parsing "admin": invalid syntax',
      });
    });

    it('HTTPS: fails when nothing listens, with Go\'s dial error from inside the pod', async () => {
      expect(await run({ httpGet: { path: '/ok', port: 8081, scheme: 'HTTPS' } }, 'readiness')).to.deep.equal({
        result: 'Failure',
        message: 'Readiness probe failed: Get "https://127.0.0.1:8081/ok": dial tcp 127.0.0.1:8081: connect: connection refused',
      });
    });

    it('HTTPS: fails (not errors) when the port does not speak TLS', async () => {
      const outcome = await run({ httpGet: { path: '/ok', port: 8080, scheme: 'HTTPS' } });
      expect(outcome.result).to.equal('Failure');
      expect(outcome.message).to.match(/^Liveness probe failed: Get "https:\/\/127\.0\.0\.1:8080\/ok": ./);
    });
  });

  describe('tcpSocket', function () {
    it('succeeds when the port accepts', async () => {
      expect(await run({ tcpSocket: { port: 8080 } })).to.deep.equal({ result: 'Success', message: '' });
    });

    it('fails when nothing listens, with Go\'s dial error', async () => {
      expect(await run({ tcpSocket: { port: 8081 } }, 'readiness')).to.deep.equal({ result: 'Failure', message: 'Readiness probe failed: dial tcp 127.0.0.1:8081: connect: connection refused' });
    });
  });

  describe('exec (in the container)', function () {
    it('succeeds on exit 0', async () => {
      expect(await run({ exec: { command: ['cat', '/www/ok'] } })).to.deep.equal({ result: 'Success', message: 'ok' });
    });

    it('fails on another exit code, with the command\'s output', async () => {
      expect(await run({ exec: { command: ['sh', '-c', 'echo not healthy; exit 3'] } })).to.deep.equal({ result: 'Failure', message: 'Liveness probe failed: not healthy' });
    });

    it('fails after timeoutSeconds with the kubelet\'s timeout message', async () => {
      const started = Date.now();
      expect(await run({ exec: { command: ['sleep', '5'] }, timeoutSeconds: 1 }, 'startup')).to.deep.equal({ result: 'Failure', message: 'Startup probe failed: command "sleep 5" timed out' });
      expect(Date.now() - started).to.be.within(900, 2500);
    });
  });

  describe('errors', function () {
    it('does not run /pause probe in a sandbox whose image is not dockerpod\'s pause', async () => {
      const other = await engine.createContainer(`dpt-${scope.id}-other`, body(TEST_IMAGES.busybox, ['sleep', '3600'], { NetworkMode: 'none' }));
      await engine.startContainer(other);
      const outcome = await runner.run('readiness', { tcpSocket: { port: 8080 } }, { ...target, sandboxId: other });
      expect(outcome.result).to.equal('Unknown');
      expect(outcome.message).to.match(/^Readiness probe errored and resulted in unknown state: httpGet and tcpSocket probes run "\/pause probe" in the sandbox, which needs dockerpod's pause image/);
    });

    it('reports a missing container as an error', async () => {
      const outcome = await runner.run('liveness', { exec: { command: ['true'] } }, { ...target, containerId: 'dpt-no-such-container' });
      expect(outcome.result).to.equal('Unknown');
      expect(outcome.message).to.match(/^Liveness probe errored and resulted in unknown state: .*no such container/i);
    });
  });

  it('runs at most `concurrency` attempts at once on the engine', async () => {
    const bounded = new ProbeRunner(engine, { concurrency: 3 });
    let peak = 0;
    const watch = setInterval(() => { peak = Math.max(peak, bounded.load.inFlight); }, 1);
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => bounded.run('readiness', i % 2 ? { tcpSocket: { port: 8080 } } : { exec: { command: ['true'] } }, target)));
    clearInterval(watch);
    expect(outcomes.map((o) => o.result)).to.deep.equal(Array(12).fill('Success'));
    expect(peak).to.equal(3);
    expect(bounded.load).to.deep.equal({ inFlight: 0, queued: 0 });
  });
});
