/**
 * A burst of DockerPod creations, spec updates and deletions through the API, with a model of
 * what the API acknowledged, for fault-injection tests of the API server and the operator:
 *
 * - the plan is drawn from a seeded PRNG; ops run `concurrency` at a time, ops on one pod in plan
 *   order, each retried while the server is down or answers 5xx (an op whose answer was lost is
 *   made idempotent: a create that finds its pod takes it, a delete that finds none is done);
 * - every acknowledged write is recorded with its resourceVersion and the server's epoch (bumped
 *   by the test at each restart), so a test can check that nothing acknowledged was lost and that
 *   resourceVersions kept their order across restarts;
 * - `convergence()` compares the API and the engine with the model: every live pod Ready for its
 *   latest spec with one sandbox and one running container per spec container, each running that
 *   spec, and nothing left of a deleted pod.
 */
import { ApiException, PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import type Docker from 'dockerode';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL, SANDBOX_NAME } from '../../src/planner/labels.js';
import { pick } from './chaos.js';
import { TEST_IMAGES } from './engines.js';
import { IDLE } from './fleet.js';

const GROUP = 'dockerpod.dev';
const VERSION = 'v1alpha1';
const NAMESPACE = 'default';
const PODS = { group: GROUP, version: VERSION, namespace: NAMESPACE, plural: 'dockerpods' };
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** The env variable whose value is the pod's spec generation in the model. */
const GEN = 'BURST_GEN';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One op of a burst. */
export interface BurstOp {
  kind: 'create' | 'update' | 'delete';
  pod: string;
}

/** What the API acknowledged of one pod. */
export interface PodAck {
  uid: string;
  /** resourceVersion of the last acknowledged write. */
  rv: number;
  /** Number of spec containers (fixed at creation). */
  containers: number;
  /** Last acknowledged spec generation (the value of BURST_GEN). */
  gen: number;
  /** Its deletion was acknowledged. */
  deleted: boolean;
}

/**
 * One acknowledged op: what, the resourceVersion of its write (0 when the answer may not be of a
 * write made then: a delete answered 404, a create answered by a read, a retry after a lost
 * answer) and the epoch it was answered in.
 */
export interface AckRecord {
  op: BurstOp['kind'];
  pod: string;
  rv: number;
  epoch: number;
  atMs: number;
}

/** A pod of `containers` idle busybox containers, every one with BURST_GEN=`gen`. */
export function burstPod(name: string, containers: number, gen: number): DockerPod {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'DockerPod',
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 2, containers: containerSpecs(containers, gen) },
  };
}

function containerSpecs(count: number, gen: number): DockerPod['spec']['containers'] {
  return Array.from({ length: count }, (_, i) => ({ name: `c${i}`, image: TEST_IMAGES.busybox, command: ['sh', '-c', IDLE], env: [{ name: GEN, value: String(gen) }] }));
}

/**
 * A plan of `creates` pods named `<prefix>-<i>`: after each create, with the given odds, an update
 * of a live pod and (while fewer than `maxDeletes`) a deletion of one.
 */
export function planBurst(rand: () => number, options: { prefix: string; creates: number; updateOdds: number; deleteOdds: number; maxDeletes: number }): BurstOp[] {
  const ops: BurstOp[] = [];
  const live: string[] = [];
  let deletes = 0;
  for (let i = 0; i < options.creates; i++) {
    const pod = `${options.prefix}-${i}`;
    ops.push({ kind: 'create', pod });
    live.push(pod);
    if (rand() < options.updateOdds) ops.push({ kind: 'update', pod: live[pick(rand, 0, live.length - 1)] ?? pod });
    if (deletes < options.maxDeletes && live.length > 1 && rand() < options.deleteOdds) {
      ops.push({ kind: 'delete', pod: live.splice(pick(rand, 0, live.length - 1), 1)[0] ?? pod });
      deletes++;
    }
  }
  return ops;
}

/** HTTP status of a client-node error; undefined for a network error (refused, reset). */
function statusOf(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

/** Whether an error means "try again": no answer, or a server error. */
const retriable = (err: unknown): boolean => {
  const code = statusOf(err);
  return code === undefined || code >= 500 || code === 429;
};

/** Whether a request was refused before it reached the server (so it cannot have been applied). */
const refused = (err: unknown): boolean => (err as { code?: unknown }).code === 'ECONNREFUSED';

const rvOf = (obj: { metadata?: { resourceVersion?: string } } | undefined): number => Number(obj?.metadata?.resourceVersion ?? 0);

/** Runs a burst against one API (across restarts of its server) and keeps the model of what it acknowledged. */
export class PodBurst {
  /** Every pod the API acknowledged, by name. */
  readonly acked = new Map<string, PodAck>();
  /** Every acknowledged write, in the order the answers came. */
  readonly acks: AckRecord[] = [];
  /** The server's incarnation: the test bumps it once a restarted server answers. */
  epoch = 0;
  /** Requests that got no answer or a 5xx and were retried. */
  retries = 0;
  /** Pods whose deletion was sent (acknowledged or not): a pod may be gone from then on. */
  readonly deleteSent = new Set<string>();
  private readonly started = Date.now();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly containerCount = new Map<string, number>();

  constructor(private readonly custom: CustomObjectsApi, private readonly rand: () => number, private readonly opDeadlineMs = 90_000) {}

  /**
   * Runs `ops`, `concurrency` at a time, each worker pausing a random [lo, hi] ms between ops; ops
   * on one pod keep their order. `gate(i)`, when given, is awaited before op `i` starts (a test
   * holds the burst back until its next fault).
   */
  async run(ops: BurstOp[], concurrency: number, pauseMs: [number, number], gate?: (index: number) => Promise<unknown>): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < ops.length; i = next++) {
        const op = ops[i];
        if (!op) continue;
        // Chained before anything is awaited, so ops on one pod keep plan order whatever the gate does.
        const previous = this.chains.get(op.pod) ?? Promise.resolve();
        const done = previous.then(async () => {
          await gate?.(i);
          await this.perform(op);
        });
        this.chains.set(op.pod, done.catch(() => undefined));
        await done;
        await sleep(pick(this.rand, pauseMs[0], pauseMs[1]));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
  }

  /** One op, retried until the API answers it (or the deadline passes). */
  async perform(op: BurstOp): Promise<void> {
    const deadline = Date.now() + this.opDeadlineMs;
    // Whether an earlier attempt may have been applied without its answer reaching us.
    let maybeApplied = false;
    for (;;) {
      try {
        return await this.attempt(op, maybeApplied);
      } catch (err) {
        if (!retriable(err) || Date.now() > deadline) throw new Error(`${op.kind} ${op.pod} failed: ${(err as Error).message}`, { cause: err });
        maybeApplied ||= !refused(err);
        this.retries++;
        await sleep(100);
      }
    }
  }

  /** The acknowledged state now (a copy), e.g. just before a restart. */
  snapshot(): Map<string, PodAck> {
    return new Map([...this.acked].map(([name, ack]) => [name, { ...ack }]));
  }

  /** Live pods of the model (acknowledged and not deleted). */
  livePods(): string[] {
    return [...this.acked].filter(([, a]) => !a.deleted).map(([name]) => name);
  }

  /** Deleted pods of the model. */
  deletedPods(): string[] {
    return [...this.acked].filter(([, a]) => a.deleted).map(([name]) => name);
  }

  private async attempt(op: BurstOp, maybeApplied: boolean): Promise<void> {
    const rv = op.kind === 'create' ? await this.create(op.pod) : op.kind === 'update' ? await this.update(op.pod) : await this.remove(op.pod);
    // The answer to a retry of a write that was applied already may carry the version of that
    // earlier write, made by an earlier server: only a first write's version says when it was made.
    this.acks.push({ op: op.kind, pod: op.pod, rv: maybeApplied ? 0 : rv, epoch: this.epoch, atMs: Date.now() - this.started });
  }

  /** Creates the pod; the resourceVersion of the write (0 when the answer was a read). */
  private async create(name: string): Promise<number> {
    const containers = this.containerCount.get(name) ?? pick(this.rand, 1, 2);
    this.containerCount.set(name, containers);
    let created: DockerPod;
    let written = true;
    try {
      created = (await this.custom.createNamespacedCustomObject({ ...PODS, body: burstPod(name, containers, 0) })) as DockerPod;
    } catch (err) {
      // A create whose answer was lost (the server died after storing it) finds its pod on the retry.
      if (statusOf(err) !== 409) throw err;
      created = (await this.custom.getNamespacedCustomObject({ ...PODS, name })) as DockerPod;
      written = false;
    }
    this.acked.set(name, { uid: created.metadata.uid ?? '', rv: rvOf(created), containers, gen: 0, deleted: false });
    return written ? rvOf(created) : 0;
  }

  /** Patches the spec to the next generation; the resourceVersion of the write. */
  private async update(name: string): Promise<number> {
    const ack = this.acked.get(name);
    if (!ack) throw new Error(`update of ${name} before its create was acknowledged`);
    const gen = ack.gen + 1;
    // A merge patch replaces the containers list: the same patch twice is the same write.
    const body = { spec: { containers: containerSpecs(ack.containers, gen) } };
    const patched = (await this.custom.patchNamespacedCustomObject({ ...PODS, name, body }, MERGE)) as DockerPod;
    Object.assign(ack, { gen, rv: rvOf(patched) });
    return rvOf(patched);
  }

  /** Deletes the pod; the resourceVersion of the write (0 when it was gone already). */
  private async remove(name: string): Promise<number> {
    const ack = this.acked.get(name);
    if (!ack) throw new Error(`delete of ${name} before its create was acknowledged`);
    let rv = 0;
    this.deleteSent.add(name);
    try {
      rv = rvOf((await this.custom.deleteNamespacedCustomObject({ ...PODS, name })) as DockerPod);
    } catch (err) {
      // Only this burst deletes: 404 means an earlier attempt whose answer was lost did it.
      if (statusOf(err) !== 404) throw err;
    }
    Object.assign(ack, { deleted: true, ...(rv > 0 ? { rv } : {}) });
    return rv;
  }
}

/** Every pod of the namespace. */
export async function listPods(custom: CustomObjectsApi): Promise<{ items: DockerPod[]; rv: number }> {
  const list = (await custom.listNamespacedCustomObject(PODS)) as { items: DockerPod[]; metadata?: { resourceVersion?: string } };
  return { items: list.items, rv: Number(list.metadata?.resourceVersion ?? 0) };
}

/**
 * What an acknowledged state lost in `items` (the pods a restarted server serves): a pod missing
 * (unless its deletion was sent since: `deleteSent`), with another uid, a resourceVersion or spec
 * older than acknowledged, a deleted pod back without its deletion. Empty when nothing was lost.
 * Writes made after `acked` was taken only move a pod forward, so they never count as a loss.
 */
export function lostAcks(acked: Map<string, PodAck>, items: DockerPod[], deleteSent: Set<string>): string[] {
  const byName = new Map(items.map((p) => [p.metadata.name ?? '', p]));
  const lost: string[] = [];
  for (const [name, ack] of acked) {
    const pod = byName.get(name);
    if (ack.deleted) {
      if (pod && !pod.metadata.deletionTimestamp) lost.push(`${name}: deletion acknowledged, but it is back without a deletionTimestamp`);
      continue;
    }
    if (!pod) {
      if (!deleteSent.has(name)) lost.push(`${name}: acknowledged, missing`);
    } else if (pod.metadata.uid !== ack.uid) lost.push(`${name}: uid ${pod.metadata.uid} instead of ${ack.uid}`);
    else if (rvOf(pod) < ack.rv) lost.push(`${name}: resourceVersion ${rvOf(pod)} older than the acknowledged ${ack.rv}`);
    else if (genOf(pod) < ack.gen) lost.push(`${name}: spec generation ${genOf(pod)} older than the acknowledged ${ack.gen}`);
  }
  return lost;
}

/** The BURST_GEN of the pod's spec (-1 when absent). */
function genOf(pod: DockerPod): number {
  const value = pod.spec.containers[0]?.env?.find((e) => e.name === GEN)?.value;
  return value === undefined ? -1 : Number(value);
}

/**
 * Resourceversions out of order across epochs: every write answered by a later server incarnation
 * must have a higher resourceVersion than every write answered by an earlier one.
 */
export function rvOrderViolations(acks: AckRecord[]): string[] {
  const problems: string[] = [];
  let maxBefore = 0;
  const epochs = [...new Set(acks.map((a) => a.epoch))].sort((a, b) => a - b);
  for (const epoch of epochs) {
    const rvs = acks.filter((a) => a.epoch === epoch && a.rv > 0).map((a) => a.rv);
    if (rvs.length === 0) continue;
    if (Math.min(...rvs) <= maxBefore) problems.push(`epoch ${epoch} answered resourceVersion ${Math.min(...rvs)}, not above ${maxBefore} of an earlier epoch`);
    maxBefore = Math.max(maxBefore, ...rvs);
  }
  return problems;
}

/** Engine-side figures of a converged burst. */
export interface EngineFigures {
  containers: number;
  /** Running instances beyond one sandbox and one per spec container, summed over pods. */
  duplicates: number;
  /** Containers or volumes of deleted (or unknown) pods. */
  leftovers: number;
}

type Summary = Docker.ContainerInfo;

const runningOf = (list: Summary[]): Summary[] => list.filter((c) => c.State === 'running');

/** Problems of spec container `c<i>` of a live pod: one running instance, running the latest spec, named in the status. */
async function containerOnEngine(docker: Docker, pod: DockerPod, ack: PodAck, instances: Summary[]): Promise<string[]> {
  const running = runningOf(instances);
  const first = running[0];
  const name = `${pod.metadata.name ?? ''}/${instances[0]?.Labels[LABEL.container] ?? '?'}`;
  if (running.length !== 1 || !first) return [`${name}: ${running.length} running instances`];
  const problems: string[] = [];
  const env = (await docker.getContainer(first.Id).inspect()).Config.Env ?? [];
  if (!env.includes(`${GEN}=${ack.gen}`)) problems.push(`${name}: runs ${env.find((e) => e.startsWith(GEN)) ?? 'no generation'}, spec is ${ack.gen}`);
  const status = pod.status?.containerStatuses?.find((s) => s.name === first.Labels[LABEL.container]);
  if (status?.containerID !== `docker://${first.Id}`) problems.push(`${name}: status says ${status?.containerID}, the engine runs ${first.Id}`);
  return problems;
}

/** Problems of one live pod against the engine: one running sandbox, each spec container as above, nothing outside the spec. */
async function podOnEngine(docker: Docker, pod: DockerPod, ack: PodAck, containers: Summary[]): Promise<string[]> {
  const name = pod.metadata.name ?? '';
  const mine = containers.filter((c) => c.Labels[LABEL.uid] === ack.uid);
  const sandboxes = mine.filter((c) => c.Labels[LABEL.container] === SANDBOX_NAME);
  const problems: string[] = [];
  if (sandboxes.length !== 1 || runningOf(sandboxes).length !== 1) problems.push(`${name}: ${sandboxes.length} sandboxes, ${runningOf(sandboxes).length} running`);
  for (let i = 0; i < ack.containers; i++) {
    const instances = mine.filter((c) => c.Labels[LABEL.container] === `c${i}`);
    if (instances.length === 0) problems.push(`${name}/c${i}: no container`);
    else problems.push(...(await containerOnEngine(docker, pod, ack, instances)));
  }
  const strangers = mine.filter((c) => c.Labels[LABEL.container] !== SANDBOX_NAME && !/^c\d+$/.test(c.Labels[LABEL.container] ?? ''));
  if (strangers.length > 0) problems.push(`${name}: containers not in its spec: ${strangers.map((c) => c.Names[0]).join(', ')}`);
  return problems;
}

/** Problems of a live pod in the API: not Ready for its latest spec. */
function podInApi(pod: DockerPod | undefined, name: string, ack: PodAck): string[] {
  if (!pod) return [`${name}: gone from the API`];
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  if (pod.status?.observedGeneration !== pod.metadata.generation) return [`${name}: status is of generation ${pod.status?.observedGeneration}, spec is ${pod.metadata.generation}`];
  if (!ready) return [`${name}: not Ready (${JSON.stringify(pod.status?.conditions ?? [])})`];
  return genOf(pod) === ack.gen ? [] : [`${name}: spec generation ${genOf(pod)}, the model's is ${ack.gen}`];
}

/**
 * Whether the API and the engine match the model: every live pod Ready for its latest spec, with
 * one running sandbox and one running container per spec container running that spec (the status
 * naming those containers), no container outside the spec; every deleted pod gone from the API,
 * and nothing on the engine of a pod that is not live. `problems` is empty when they match.
 */
export async function convergence(burst: PodBurst, custom: CustomObjectsApi, docker: Docker, instance: string): Promise<{ problems: string[]; figures: EngineFigures }> {
  const { items } = await listPods(custom);
  const byName = new Map(items.map((p) => [p.metadata.name ?? '', p]));
  const filters = JSON.stringify({ label: [`${LABEL.managedBy}=${instance}`] });
  const containers = await docker.listContainers({ all: true, filters });
  const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
  const problems: string[] = [];
  const liveUids = new Set<string>();
  let duplicates = 0;
  for (const name of burst.livePods()) {
    const ack = burst.acked.get(name);
    const pod = byName.get(name);
    if (!ack) continue;
    liveUids.add(ack.uid);
    problems.push(...podInApi(pod, name, ack));
    if (pod) problems.push(...(await podOnEngine(docker, pod, ack, containers)));
    const running = runningOf(containers.filter((c) => c.Labels[LABEL.uid] === ack.uid)).length;
    duplicates += Math.max(0, running - 1 - ack.containers);
  }
  for (const name of burst.deletedPods()) if (byName.has(name)) problems.push(`${name}: deleted, still in the API`);
  const strangers = new Set(items.map((p) => p.metadata.name ?? '').filter((n) => !burst.acked.has(n)));
  if (strangers.size > 0) problems.push(`pods the burst never created: ${[...strangers].join(', ')}`);
  const leftovers = [...containers.filter((c) => !liveUids.has(c.Labels[LABEL.uid] ?? '')).map((c) => c.Names[0] ?? c.Id), ...volumes.filter((v) => !liveUids.has(v.Labels?.[LABEL.uid] ?? '')).map((v) => v.Name)];
  if (leftovers.length > 0) problems.push(`left on the engine: ${leftovers.join(', ')}`);
  return { problems, figures: { containers: containers.length, duplicates, leftovers: leftovers.length } };
}

/**
 * Removes every container labelled `label=value` on `docker`, `concurrency` at a time (a test's
 * scope removes its objects one by one; a burst leaves dozens, and CI time is short). Only those
 * containers are touched.
 */
export async function removeContainers(docker: Docker, label: string, value: string, concurrency = 8): Promise<number> {
  const containers = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${label}=${value}`] }) });
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let c = containers[next++]; c; c = containers[next++]) {
      await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return containers.length;
}
