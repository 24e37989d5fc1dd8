/**
 * The workload of the operator SIGKILL scenario (test/chaos/operator-sigkill.test.ts): pod slots
 * spread over engines A (the operator's implicit host `local`) and B (DockerHost `b`, mutual TLS),
 * a seeded plan of rounds (creates, spec updates that must replace one member, metadata-only
 * updates that must replace nothing, deletes, re-creates under the same name), the model of what
 * every slot must be after each round, and the API calls that carry a round's operations out.
 *
 * The plan is drawn entirely from the seed before anything runs, so DOCKERPOD_CHAOS_SEED replays
 * the same operations and kill offsets (what the operator is doing at those moments still varies).
 */
import { ApiException, CoreV1Api, PatchStrategy, setHeaderOptions, type CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { pick } from './chaos.js';
import { TEST_IMAGES, type EngineName } from './engines.js';
import { engineBMaterial } from './fleet.js';

const PODS = { group: 'dockerpod.dev', version: 'v1alpha1', namespace: 'default', plural: 'dockerpods' };
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The spec containers of every pod. */
export type MemberName = 'app' | 'sidecar';
/** Both members, in spec order. */
export const MEMBERS: readonly MemberName[] = ['app', 'sidecar'];
/** The DockerHost each engine is known as to the operator. */
export const HOST_OF: Record<EngineName, string> = { a: 'local', b: 'b' };
/**
 * Idles until SIGTERM, then exits at once: `wait` returns as soon as the trapped signal comes,
 * where a foreground `sleep` would delay the trap until it ends (a replaced member and a deleted
 * pod stop faster, which keeps rounds short).
 */
const IDLE = "trap 'exit 0' TERM; while true; do sleep 3600 & wait $!; done";
/** The emptyDir every pod has, so a deleted pod's volume can be looked for. */
export const SCRATCH = 'scratch';

/** What one slot (pod name) must be once the operator has converged. */
export interface SlotModel {
  live: boolean;
  /** The engine the pod is pinned to (spec.hostName). */
  engine: EngineName;
  /** Each member's REVISION env value: bumping it changes that member's spec, so it must be replaced. */
  revisions: Record<MemberName, number>;
  /** The `touch` label's value: bumping it changes metadata only, so nothing may be replaced. */
  touches: number;
}

/** One operation on the API. Operations on one slot run in plan order; `atMs` (from the round's start) is the earliest moment. */
export interface Op {
  kind: 'create' | 'update' | 'touch' | 'delete';
  slot: number;
  atMs: number;
  /** The slot as this operation leaves it. */
  to: SlotModel;
}

/** One round: its operations, when the running operator is SIGKILLed, and how long the operators started after it live. */
export interface Round {
  ops: Op[];
  /** From the round's start: SIGKILL of the operator that converged the previous round, while it works on these operations. */
  workKillMs: number;
  /** Operators spawned and SIGKILLed one after the other, each after this long from its spawn (mostly during start-up). */
  respawnKillsMs: number[];
  /** Every slot as the round must leave it. */
  after: SlotModel[];
}

const clone = (s: SlotModel): SlotModel => ({ ...s, revisions: { ...s.revisions } });

/** The name of a slot's pod. */
export const podName = (slot: number): string => `sigkill-${slot}`;

function create(rand: () => number, s: SlotModel): Op['kind'] {
  s.live = true;
  s.engine = rand() < 0.5 ? 'a' : 'b';
  s.revisions = { app: 0, sidecar: 0 };
  s.touches = 0;
  return 'create';
}

/** The next operation on a slot, applied to the model: absent slots are created, live ones updated, touched or deleted. */
function step(rand: () => number, s: SlotModel): Op['kind'] {
  if (!s.live) return create(rand, s);
  const x = rand();
  if (x < 0.4) {
    s.revisions[MEMBERS[pick(rand, 0, 1)] ?? 'app'] += 1;
    return 'update';
  }
  if (x < 0.65) {
    s.touches += 1;
    return 'touch';
  }
  s.live = false;
  return 'delete';
}

/** Round 0 creates every slot; later rounds re-create most absent slots and draw 4-10 operations on random slots. */
function roundOps(rand: () => number, model: SlotModel[], first: boolean): Op[] {
  const ops: Op[] = [];
  const add = (slot: number, kind: (s: SlotModel) => Op['kind'], spanMs: number): void => {
    const s = model[slot];
    if (s) ops.push({ kind: kind(s), slot, atMs: pick(rand, 0, spanMs), to: clone(s) });
  };
  model.forEach((s, slot) => {
    if (first || (!s.live && rand() < 0.6)) add(slot, (m) => create(rand, m), 1000);
  });
  if (first) return ops;
  for (let n = pick(rand, 4, 10); n > 0; n--) add(pick(rand, 0, model.length - 1), (m) => step(rand, m), 1200);
  return ops;
}

/** The whole schedule of `rounds` rounds over `pods` slots, drawn from `rand`. */
export function makePlan(rand: () => number, pods: number, rounds: number): Round[] {
  const model: SlotModel[] = Array.from({ length: pods }, () => ({ live: false, engine: 'a', revisions: { app: 0, sidecar: 0 }, touches: 0 }));
  const plan: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    const ops = roundOps(rand, model, r === 0);
    // The kill lands before, among or after the operations (offsets up to 1.2 s); in round 0, among every slot's create.
    const workKillMs = pick(rand, 0, r === 0 ? 3000 : 1500);
    // Every other round also kills fresh operators: one within 1.2 s of its spawn (from spawn to
    // "operator started" takes 1.5-2.5 s on an idle machine, more on a busy one), half the time another within 3 s.
    const respawnKillsMs = r % 2 === 1 ? [pick(rand, 150, 1200), ...(rand() < 0.5 ? [pick(rand, 500, 3000)] : [])] : [];
    plan.push({ ops, workKillMs, respawnKillsMs, after: model.map(clone) });
  }
  return plan;
}

/** A slot's DockerPod as its model says: pinned to its engine's host, two idle members sharing an emptyDir. */
export function podFor(slot: number, s: SlotModel): DockerPod {
  return {
    apiVersion: 'dockerpod.dev/v1alpha1',
    kind: 'DockerPod',
    metadata: { name: podName(slot), labels: { touch: String(s.touches) } },
    spec: { hostName: HOST_OF[s.engine], restartPolicy: 'Always', terminationGracePeriodSeconds: 2, volumes: [{ name: SCRATCH, emptyDir: {} }], containers: containersFor(s) },
  };
}

function containersFor(s: SlotModel): DockerPod['spec']['containers'] {
  return MEMBERS.map((name) => ({
    name,
    image: TEST_IMAGES.busybox,
    command: ['sh', '-c', IDLE],
    env: [{ name: 'REVISION', value: String(s.revisions[name]) }],
    volumeMounts: [{ name: SCRATCH, mountPath: '/scratch' }],
  }));
}

/** What carrying out operations records: the UID each create got, per slot, in order. */
export type UidLog = Map<number, string[]>;

/** Carries out the operations of one round against the API (one slot's in order, slots concurrently), `t0` being the round's start. */
export async function runOps(custom: CustomObjectsApi, ops: Op[], t0: number, uids: UidLog): Promise<void> {
  const bySlot = new Map<number, Op[]>();
  for (const op of ops) bySlot.set(op.slot, [...(bySlot.get(op.slot) ?? []), op]);
  await Promise.all(
    [...bySlot.values()].map(async (list) => {
      for (const op of list) {
        await sleep(t0 + op.atMs - Date.now());
        await runOp(custom, op, uids);
      }
    }),
  );
}

async function runOp(custom: CustomObjectsApi, op: Op, uids: UidLog): Promise<void> {
  const name = podName(op.slot);
  switch (op.kind) {
    case 'create': {
      // The name is free only once the operator has torn the previous pod of this slot down.
      await waitNameFree(custom, name, 120_000);
      const created = (await custom.createNamespacedCustomObject({ ...PODS, body: podFor(op.slot, op.to) })) as DockerPod;
      uids.set(op.slot, [...(uids.get(op.slot) ?? []), created.metadata.uid ?? '']);
      return;
    }
    case 'update':
      await custom.patchNamespacedCustomObject({ ...PODS, name, body: { spec: { containers: containersFor(op.to) } } }, MERGE);
      return;
    case 'touch':
      await custom.patchNamespacedCustomObject({ ...PODS, name, body: { metadata: { labels: { touch: String(op.to.touches) } } } }, MERGE);
      return;
    case 'delete':
      await custom.deleteNamespacedCustomObject({ ...PODS, name }).catch(ignoreNotFound);
  }
}

const ignoreNotFound = (err: unknown): void => {
  if (!(err instanceof ApiException && err.code === 404)) throw err;
};

async function waitNameFree(custom: CustomObjectsApi, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exists = await custom.getNamespacedCustomObject({ ...PODS, name }).then(() => true, (err: unknown) => (ignoreNotFound(err), false));
    if (!exists) return;
    if (Date.now() > deadline) throw new Error(`${name} still exists after ${timeoutMs} ms (its teardown never finished)`);
    await sleep(100);
  }
}

/** Every DockerPod in `default`. */
export async function listPods(custom: CustomObjectsApi): Promise<DockerPod[]> {
  return ((await custom.listNamespacedCustomObject(PODS)) as { items: DockerPod[] }).items;
}

/** Declares engine B as DockerHost `b` (mutual TLS, its client material in Secret `b-tls`), as test/support/fleet.ts createHostB does for an in-process operator. */
export async function declareHostB(kc: KubeConfig, custom: CustomObjectsApi): Promise<void> {
  const m = engineBMaterial();
  const b64 = (b: Buffer): string => b.toString('base64');
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace: 'default',
    body: { metadata: { name: 'b-tls' }, type: 'kubernetes.io/tls', data: { 'ca.crt': b64(m.ca), 'tls.crt': b64(m.cert), 'tls.key': b64(m.key) } },
  });
  const spec = { endpoint: m.endpoint, tls: { secretRef: { namespace: 'default', name: 'b-tls' } } };
  await custom.createClusterCustomObject({ group: PODS.group, version: PODS.version, plural: 'dockerhosts', body: { apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerHost', metadata: { name: 'b' }, spec } });
}

// ---- Invariants after a round ------------------------------------------------------------------

/** What the managed-by label finds on one engine. */
export interface EngineObjects {
  containers: Array<{ Id: string; State: string; Labels: Record<string, string> }>;
  volumes: Array<{ Name: string; Labels: Record<string, string> | null }>;
}

/** The state the invariants are checked against: the API's pods, each engine's objects, the cgroups of a pod uid (child directory names, per hierarchy). */
export interface Snapshot {
  pods: DockerPod[];
  engines: Record<EngineName, EngineObjects>;
  cgroups(uid: string): string[][];
}

/** What the round must have produced, and what the previous round left (container IDs by pod uid and container name). */
export interface Expectation {
  model: SlotModel[];
  before: SlotModel[];
  uids: UidLog;
  previousIds: Map<string, Record<string, string>>;
}

/** A container started for the current spec since the last round: its env must carry the member's revision. */
export interface Fresh {
  engine: EngineName;
  id: string;
  pod: string;
  revision: number;
}

/** The result of one check: problems (empty when converged), of which leaks and duplicates are counted apart. */
export interface Verdict {
  problems: string[];
  leaks: number;
  duplicates: number;
  /** Exited instances kept as a member's last state (allowed: one per member). */
  kept: number;
  ids: Map<string, Record<string, string>>;
  fresh: Fresh[];
}

const UID = 'dockerpod.dev/uid';
const CONTAINER = 'dockerpod.dev/container';
const OTHER: Record<EngineName, EngineName> = { a: 'b', b: 'a' };

/** API-level convergence: exactly the live slots are served, with the UIDs their creates got, each Ready on its host with its current generation observed. */
export function apiProblems(pods: DockerPod[], exp: Expectation): string[] {
  const byName = new Map(pods.map((p) => [p.metadata.name ?? '', p]));
  const problems: string[] = [];
  exp.model.forEach((s, slot) => {
    const pod = byName.get(podName(slot));
    byName.delete(podName(slot));
    if (!s.live) {
      if (pod) problems.push(`${podName(slot)} (${pod.metadata.uid ?? ''}) is still served (deleting since ${pod.metadata.deletionTimestamp ?? '-'})`);
      return;
    }
    problems.push(...livePodStatusProblems(pod, slot, s, exp));
  });
  problems.push(...[...byName.keys()].map((n) => `unexpected pod ${n}`));
  return problems;
}

function livePodStatusProblems(pod: DockerPod | undefined, slot: number, s: SlotModel, exp: Expectation): string[] {
  const name = podName(slot);
  if (!pod) return [`${name} is missing`];
  const { uid, generation, deletionTimestamp } = pod.metadata;
  const status = pod.status ?? {};
  const ready = (status.conditions ?? []).find((c) => c.type === 'Ready') ?? { status: 'Unknown', reason: status.summary };
  const checks: Array<[boolean, string]> = [
    [uid === exp.uids.get(slot)?.at(-1), `${name} has uid ${String(uid)}, not the one its last create got`],
    [deletionTimestamp === undefined, `${name} is being deleted`],
    [ready.status === 'True', `${name} not Ready (${String(ready.reason)})`],
    [status.observedGeneration === generation, `${name} observedGeneration ${String(status.observedGeneration)} != generation ${String(generation)}`],
    [status.hostName === HOST_OF[s.engine], `${name} bound to ${String(status.hostName)}, not ${HOST_OF[s.engine]}`],
  ];
  return checks.filter(([ok]) => !ok).map(([, problem]) => problem);
}

/** Engine-level invariants, once the API has converged: one sandbox and one running container per spec container with the current spec, nothing of any other pod anywhere. */
export function engineVerdict(snap: Snapshot, exp: Expectation): Verdict {
  const v: Verdict = { problems: [], leaks: 0, duplicates: 0, kept: 0, ids: new Map(), fresh: [] };
  const live = new Set<string>();
  for (const pod of snap.pods) {
    const slot = exp.model.findIndex((_, i) => podName(i) === pod.metadata.name);
    const s = exp.model[slot];
    if (!s) continue;
    live.add(pod.metadata.uid ?? '');
    checkLivePod(snap, pod, { slot, s, exp }, v);
  }
  const deleted = new Set([...exp.uids.values()].flat().filter((u) => !live.has(u)));
  for (const engine of ['a', 'b'] as const) {
    const objects = snap.engines[engine];
    // Every uid of a deleted pod, and every uid no create returned, is a leak wherever it is.
    for (const c of objects.containers.filter((x) => !live.has(x.Labels[UID] ?? ''))) leak(v, `engine ${engine}: container ${c.Id.slice(0, 12)} of ${describeUid(c.Labels[UID], deleted)}`);
    for (const vol of objects.volumes.filter((x) => !live.has(x.Labels?.[UID] ?? ''))) leak(v, `engine ${engine}: volume ${vol.Name} of ${describeUid(vol.Labels?.[UID], deleted)}`);
  }
  for (const uid of deleted) {
    const left = snap.cgroups(uid).flat();
    if (left.length > 0) leak(v, `deleted pod ${uid}: ${left.length} container cgroups left (${left.map((d) => d.slice(0, 12)).join(', ')})`);
  }
  return v;
}

const describeUid = (uid: string | undefined, deleted: Set<string>): string => (uid !== undefined && deleted.has(uid) ? `deleted pod ${uid}` : `unknown pod ${uid ?? '(no uid)'}`);

function leak(v: Verdict, problem: string): void {
  v.leaks += 1;
  v.problems.push(`leak: ${problem}`);
}

function duplicate(v: Verdict, problem: string): void {
  v.duplicates += 1;
  v.problems.push(`duplicate: ${problem}`);
}

interface LiveSlot {
  slot: number;
  s: SlotModel;
  exp: Expectation;
}

function checkLivePod(snap: Snapshot, pod: DockerPod, at: LiveSlot, v: Verdict): void {
  const uid = pod.metadata.uid ?? '';
  const name = pod.metadata.name ?? '';
  const mine = snap.engines[at.s.engine].containers.filter((c) => c.Labels[UID] === uid);
  const ids: Record<string, string> = {};
  const sandbox = checkSandbox(pod, mine, v);
  if (sandbox !== undefined) ids['POD'] = sandbox;
  for (const member of MEMBERS) {
    const id = checkMember(pod, member, mine, v);
    if (id !== undefined) ids[member] = id;
  }
  const stray = mine.filter((c) => !['POD', ...MEMBERS].includes(c.Labels[CONTAINER] ?? ''));
  for (const c of stray) leak(v, `${name}: container ${c.Id.slice(0, 12)} of no spec container (${c.Labels[CONTAINER] ?? '-'})`);
  for (const c of snap.engines[OTHER[at.s.engine]].containers.filter((x) => x.Labels[UID] === uid)) leak(v, `${name}: container ${c.Id.slice(0, 12)} on engine ${OTHER[at.s.engine]}, not its host's`);
  checkVolumes(snap, pod, at.s.engine, v);
  checkCgroups(snap.cgroups(uid), name, Object.values(ids), v);
  checkIdentity({ name, uid, ids }, at, v);
  v.ids.set(uid, ids);
}

/** Exactly one sandbox, running, and the one the status names; its id. */
function checkSandbox(pod: DockerPod, mine: EngineObjects['containers'], v: Verdict): string | undefined {
  const name = pod.metadata.name ?? '';
  const sandboxes = mine.filter((c) => c.Labels[CONTAINER] === 'POD');
  if (sandboxes.length > 1) duplicate(v, `${name} has ${sandboxes.length} sandboxes`);
  const sandbox = sandboxes.find((c) => c.State === 'running');
  if (!sandbox) {
    v.problems.push(`${name} has no running sandbox`);
    return undefined;
  }
  const named = pod.status?.sandboxID;
  if (named !== sandbox.Id) v.problems.push(`${name} status.sandboxID ${String(named)} is not the running sandbox`);
  return sandbox.Id;
}

/** One member: exactly one running instance, reported in the status; besides it at most its exited last state. Its id. */
function checkMember(pod: DockerPod, member: MemberName, mine: EngineObjects['containers'], v: Verdict): string | undefined {
  const name = `${pod.metadata.name ?? ''}/${member}`;
  const instances = mine.filter((c) => c.Labels[CONTAINER] === member);
  const running = instances.filter((c) => c.State === 'running');
  const rest = instances.filter((c) => c.State !== 'running');
  if (running.length > 1) duplicate(v, `${name} runs ${running.length} times`);
  if (rest.length > 1 || rest.some((c) => c.State !== 'exited')) duplicate(v, `${name} has ${rest.length} more instances (${rest.map((c) => c.State).join(', ')})`);
  v.kept += rest.length;
  const current = running[0];
  if (!current) {
    v.problems.push(`${name} is not running`);
    return undefined;
  }
  checkMemberStatus(pod, member, current.Id, v);
  return current.Id;
}

/** The status names the running instance and calls it ready. */
function checkMemberStatus(pod: DockerPod, member: MemberName, id: string, v: Verdict): void {
  const status = (pod.status?.containerStatuses ?? []).find((c) => c.name === member) ?? { containerID: undefined, ready: false };
  if (status.containerID !== `docker://${id}` || !status.ready) v.problems.push(`${pod.metadata.name ?? ''}/${member} status (${String(status.containerID)}, ready ${String(status.ready)}) is not its running container`);
}

function checkVolumes(snap: Snapshot, pod: DockerPod, engine: EngineName, v: Verdict): void {
  const uid = pod.metadata.uid ?? '';
  const vols = snap.engines[engine].volumes.filter((x) => x.Labels?.[UID] === uid).map((x) => x.Name);
  const want = `dp_${uid}_${SCRATCH}`;
  if (vols.length > 1) duplicate(v, `${pod.metadata.name ?? ''} has volumes ${vols.join(', ')}`);
  if (!vols.includes(want)) v.problems.push(`${pod.metadata.name ?? ''} lacks its volume ${want}`);
  for (const x of snap.engines[OTHER[engine]].volumes.filter((y) => y.Labels?.[UID] === uid)) leak(v, `${pod.metadata.name ?? ''}: volume ${x.Name} on engine ${OTHER[engine]}`);
}

/** In every cgroup hierarchy the pod's cgroup holds exactly its running containers. */
function checkCgroups(hierarchies: string[][], name: string, running: string[], v: Verdict): void {
  const want = [...running].sort().join(',');
  if (hierarchies.length === 0) v.problems.push(`${name} has no pod cgroup`);
  const wrong = hierarchies.filter((children) => [...children].sort().join(',') !== want);
  if (wrong.length > 0) v.problems.push(`${name}: pod cgroup holds ${wrong[0]?.length ?? 0} container cgroups, not its ${running.length} running containers`);
}

/**
 * Against the previous round: a pod that lived through it keeps its sandbox and every member
 * whose spec did not change (a metadata-only update or a restarted operator replaces nothing),
 * and a member whose spec changed was replaced. New containers have their env checked later.
 */
function checkIdentity(pod: { name: string; uid: string; ids: Record<string, string> }, at: LiveSlot, v: Verdict): void {
  const before = at.exp.previousIds.get(pod.uid);
  const old = at.exp.before[at.slot];
  for (const member of MEMBERS) {
    const id = pod.ids[member];
    if (id !== undefined) checkMemberIdentity({ member, id, name: pod.name }, before && old ? { ids: before, model: old } : undefined, at, v);
  }
  // Also what an engine restart does (its containers stop): another test restarting engine B shows here, on B's pods only.
  if (before && before['POD'] !== pod.ids['POD']) v.problems.push(`${pod.name} (engine ${at.s.engine}): sandbox replaced though nothing pod-level changed`);
}

function checkMemberIdentity(now: { member: MemberName; id: string; name: string }, before: { ids: Record<string, string>; model: SlotModel } | undefined, at: LiveSlot, v: Verdict): void {
  const { member, id } = now;
  // A pod new this round: every member is fresh.
  const changed = !before || before.model.revisions[member] !== at.s.revisions[member];
  if (changed) v.fresh.push({ engine: at.s.engine, id, pod: `${now.name}/${member}`, revision: at.s.revisions[member] });
  if (before && changed === (before.ids[member] === id)) v.problems.push(`${now.name}/${member} (engine ${at.s.engine}): ${changed ? 'spec changed but the container was not replaced' : 'replaced though its spec did not change'}`);
}
