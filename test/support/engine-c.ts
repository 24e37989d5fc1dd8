/**
 * Engine C (hack/engine-c.sh): a third private Docker engine that a test starts, SIGTERMs,
 * SIGKILLs and starts again itself, so a fault of a whole engine never disturbs the tests that
 * use engines A and B at the same time. Every signal goes through the script, which finds C's
 * dockerd by its pidfile only; C's flags, data root and bridge are never repeated here.
 *
 * C runs with live-restore off, like A and B: SIGTERM makes dockerd stop its containers before it
 * exits; after SIGKILL the containers (their shims) outlive it, and the next start stops them
 * before the engine answers (Docker 20.10 restores them, sees live-restore off, and shuts them
 * down), so in both cases the containers have exited when C answers again.
 */
import { execFile } from 'node:child_process';
import Docker from 'dockerode';
import { connectEngine } from '../../src/runtime/docker/dockerode-engine.js';
import type { DockerEngine } from '../../src/runtime/docker/types.js';
import { removeLabelled, SCOPE_LABEL, type DockerScope } from './docker-scope.js';
import { eventually } from './exec.js';
import { removeCgroupParent } from './host-proc.js';
import { REPO_ROOT } from './repo.js';

const RUN_DIR = process.env['DOCKERPOD_TEST_RUN'] ?? '/run/dockerpod-test';

/** C's API endpoint (fixed by hack/engine-c.sh: no env file is needed). */
export const ENGINE_C_ENDPOINT = `unix://${RUN_DIR}/c.sock`;

/**
 * What hack/engine-c.sh does: `start` (idempotent; containers a kill left running are stopped by
 * it; loads the test images from engine A), `term` (SIGTERM, resolves once dockerd exited),
 * `kill` (SIGKILL, resolves once it is gone), `stop` (for good: also ends the containerd shims C
 * leaked, removes its bridge), `status` (fails when C does not run), `strays` (prints the ids of
 * shims whose container C forgot).
 */
export type EngineCCommand = 'start' | 'term' | 'kill' | 'stop' | 'status' | 'strays';

/** Runs `hack/engine-c.sh <command>` and resolves with its stdout; rejects with its stderr when it fails. */
export function engineC(command: EngineCCommand): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['hack/engine-c.sh', command], { cwd: REPO_ROOT, timeout: 120_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`hack/engine-c.sh ${command} failed: ${err.message}\n${stderr}`, { cause: err }));
      else resolve(stdout);
    });
  });
}

/** Starts C unless it runs (cheaper than `start`, which also checks the images, when it does). */
export async function ensureEngineC(): Promise<void> {
  await engineC('status').catch(() => engineC('start'));
}

/**
 * Containerd shims of C whose container C no longer knows: Docker 20.10 drops a container it was
 * starting when it shut down but cannot end its task (its containerd is stopping too), so the
 * shim, and sometimes a `runc init` stuck in the start, outlive every restart. Engine defects,
 * not the operator's: counted in the figures, ended by `stop`.
 */
export async function engineCStrays(): Promise<string[]> {
  return (await engineC('strays')).split('\n').filter((line) => line !== '');
}

/** A dockerode client of engine C. */
export function engineCClient(): Docker {
  return new Docker({ socketPath: ENGINE_C_ENDPOINT.replace(/^unix:\/\//, '') });
}

/** The project's engine adapter on C (event streams that end with the engine, label-filtered lists). */
export function engineCAdapter(): DockerEngine {
  return connectEngine({ endpoint: ENGINE_C_ENDPOINT });
}

/**
 * Registers mocha hooks that give the enclosing describe engine C: started before its tests;
 * after them (and after the scope's own cleanup, so register this after useDockerScope: an
 * operator stopped by `scope.beforeCleanup` cannot recreate what is removed), C is started again
 * if a test left it down (which also stops the containers a SIGKILL left running), the scope's
 * objects on C and pod volumes without labels are removed, C is stopped (with the shims it
 * leaked), and then the pods' cgroup parent `cgroupParent` is removed.
 */
export function useEngineC(scope: DockerScope, cgroupParent: string): void {
  before(async function () {
    this.timeout(120_000);
    await engineC('start');
  });
  after(async function () {
    this.timeout(180_000);
    await ensureEngineC();
    const docker = engineCClient();
    const removed = await removeLabelled(docker, SCOPE_LABEL, scope.id);
    // Pod volumes that lost their labels to an engine shutdown (C is the describe's own engine: nobody else's are there).
    for (const v of (await docker.listVolumes()).Volumes ?? []) {
      if (!v.Name.startsWith('dp_') || Object.keys(v.Labels ?? {}).length > 0) continue;
      await docker.getVolume(v.Name).remove();
      removed.push(`unlabelled volume ${v.Name}`);
    }
    if (removed.length > 0) console.log(`      engine C: removed what the tests left: ${removed.join(', ')}`);
    await engineC('stop');
    // The pod cgroups go once their last process is gone; a shim just ended may still hold one for a moment.
    const left = await eventually(() => {
      const problems = removeCgroupParent(cgroupParent);
      return problems.length > 0 ? Promise.reject(new Error(problems.join('; '))) : Promise.resolve(problems);
    }, 10_000, 200).catch((err: Error) => [err.message]);
    if (left.length > 0) console.log(`      engine C: cgroup parent ${cgroupParent} not removed: ${left.join('; ')}`);
  });
}
