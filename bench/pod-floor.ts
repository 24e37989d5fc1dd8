/**
 * The engine's floor for the pod recipe: what building and removing a pod (sandbox + members)
 * costs with direct dockerode calls, sequential and concurrent. Every operator benchmark is a
 * ratio against these numbers, measured in the same run on the same engine.
 */
import type Docker from 'dockerode';
import { TEST_IMAGES } from '../test/support/engines.js';

/** Labels and a name prefix for what one benchmark run creates. */
export interface BenchScope {
  labels: Record<string, string>;
  prefix: string;
}

/** A pod as the benchmark made it. */
export interface BenchPod {
  sandbox: Docker.Container;
  members: Docker.Container[];
}

async function create(docker: Docker, scope: BenchScope, name: string, body: Record<string, unknown>): Promise<Docker.Container> {
  return docker.createContainer({ _query: { name: `${scope.prefix}-${name}` }, _body: { ...body, Labels: scope.labels } } as Docker.ContainerCreateOptions);
}

/** Builds one pod: sandbox, then `members` containers joining it, started sequentially or concurrently. */
export async function startPod(docker: Docker, scope: BenchScope, id: string, opts: { members: number; concurrentMembers: boolean }): Promise<BenchPod> {
  const sandbox = await create(docker, scope, `${id}-sandbox`, {
    Image: TEST_IMAGES.pause,
    HostConfig: { IpcMode: 'shareable', NetworkMode: 'none', CgroupParent: `/${scope.prefix}` },
  });
  await sandbox.start();
  const join = `container:${sandbox.id}`;
  const one = async (i: number): Promise<Docker.Container> => {
    const c = await create(docker, scope, `${id}-m${i}`, {
      Image: TEST_IMAGES.busybox,
      Cmd: ['sleep', '3600'],
      HostConfig: { NetworkMode: join, IpcMode: join, CgroupParent: `/${scope.prefix}` },
    });
    await c.start();
    return c;
  };
  const indexes = Array.from({ length: opts.members }, (_, i) => i);
  const members: Docker.Container[] = [];
  if (opts.concurrentMembers) members.push(...(await Promise.all(indexes.map(one))));
  else for (const i of indexes) members.push(await one(i));
  return { sandbox, members };
}

/** Removes a pod the way the kubelet tears one down: members in parallel, then the sandbox. */
export async function removePod(pod: BenchPod): Promise<void> {
  await Promise.all(pod.members.map((m) => m.remove({ force: true })));
  await pod.sandbox.remove({ force: true });
}

/** Runs `task(i)` for i < n with at most `concurrency` in flight; returns each task's duration in ms. */
export async function timed(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<{ wallMs: number; perTaskMs: number[] }> {
  const perTaskMs: number[] = new Array<number>(n).fill(0);
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < n; i = next++) {
      const t0 = performance.now();
      await task(i);
      perTaskMs[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return { wallMs: performance.now() - started, perTaskMs };
}

/** The q-quantile (0..1) of the values. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
