/**
 * The periodic resync: one label-filtered container list per engine, a fingerprint per pod
 * (its containers' ids and states), and a reconcile only for pods whose fingerprint changed,
 * so an idle fleet costs one list per engine per period. Containers of pods that no longer
 * exist (orphans, e.g. a DockerPod removed while the operator was down without its finalizer)
 * are removed.
 */
import type { Logger } from '../observability/logger.js';
import { LABEL } from '../planner/labels.js';
import type { ContainerSummary } from '../runtime/docker/types.js';
import type { HostBinding } from './hosts.js';

/** What a resync uses of a host. */
export type ResyncHost = Pick<HostBinding, 'hostName' | 'engine' | 'ctx'>;

/** What a resync needs from the rest of the operator. */
export interface ResyncDeps {
  hosts: () => ResyncHost[];
  /** Where each known pod (by uid) is bound ('' when not yet); only called once the cache has synced. */
  podHosts: () => Map<string, string>;
  /** Whether the namespace is one this operator watches. */
  watches: (namespace: string) => boolean;
  /** The one namespace this operator watches, if it is restricted to one (volumes are listed by it). */
  namespace?: string;
  enqueue: (key: string) => void;
  /**
   * Whether a pod's key has a pass running or waiting (default: never). The resync leaves such a
   * pod alone: its pass looks at the engine anyway, and one whose containers the list caught half
   * made would otherwise get a second pass for nothing (a burst of new pods gets 15% more passes
   * when a resync falls inside it). What its pass then sees is what the next resync compares with.
   */
  busy?: (key: string) => boolean;
  logger: Logger;
}

/** Results of a resync, for metrics and tests. */
export interface ResyncReport {
  lists: number;
  enqueued: number;
  orphansRemoved: number;
}

const fingerprint = (containers: ReadonlyArray<Pick<ContainerSummary, 'id' | 'state'>>): string => containers.map((c) => `${c.id}:${c.state}`).sort().join(',');

/** Per-pod fingerprints across resyncs. */
export class Resyncer {
  private readonly fingerprints = new Map<string, string>();

  constructor(private readonly deps: ResyncDeps) {}

  /**
   * What a pass that ended well saw of a pod's containers (id and state, as its last look found
   * them). The next resync visits the pod only when the engine's list differs from this, so a
   * pod created since the last resync is not reconciled once more for nothing; a change after the
   * pass's look (a death whose event was lost) still differs and still wakes it.
   */
  seen(uid: string, containers: ReadonlyArray<Pick<ContainerSummary, 'id' | 'state'>>): void {
    this.fingerprints.set(uid, fingerprint(containers));
  }

  /** One resync of every Ready host (a host that fails is logged and skipped). */
  async run(): Promise<ResyncReport> {
    const report: ResyncReport = { lists: 0, enqueued: 0, orphansRemoved: 0 };
    const seen = new Set<string>();
    const pods = this.deps.podHosts();
    for (const host of this.deps.hosts()) {
      try {
        await this.sweepHost(host, pods, report, seen);
      } catch (err) {
        this.deps.logger.warn('resync of a host failed', { host: host.hostName, error: (err as Error).message });
      }
    }
    for (const uid of [...this.fingerprints.keys()]) if (!seen.has(uid)) this.fingerprints.delete(uid);
    return report;
  }

  /** One host only (when it becomes Ready): its orphans and stale containers go, changed pods are enqueued. */
  async runHost(host: ResyncHost): Promise<ResyncReport> {
    const report: ResyncReport = { lists: 0, enqueued: 0, orphansRemoved: 0 };
    await this.sweepHost(host, this.deps.podHosts(), report, new Set());
    if (report.orphansRemoved > 0) this.deps.logger.info('orphan sweep', { host: host.hostName, removed: report.orphansRemoved });
    return report;
  }

  private async sweepHost(host: ResyncHost, pods: Map<string, string>, report: ResyncReport, seen: Set<string>): Promise<void> {
    const containers = await host.engine.listContainers({ [LABEL.managedBy]: host.ctx.instance });
    report.lists++;
    for (const [uid, group] of groupByUid(containers)) {
      seen.add(uid);
      await this.visit(host, uid, group, { pods, report });
    }
    await this.sweepVolumes(host, pods, report);
  }

  /** Pod volumes (named `dp_<uid>_<volume>`) of pods that are gone or live on another host; after their containers, so none is in use. */
  private async sweepVolumes(host: ResyncHost, pods: Map<string, string>, report: ResyncReport): Promise<void> {
    const selector = { [LABEL.managedBy]: host.ctx.instance, ...(this.deps.namespace ? { [LABEL.namespace]: this.deps.namespace } : {}) };
    for (const name of await host.engine.listVolumes(selector)) {
      const uid = /^dp_([0-9a-f-]{36})_/.exec(name)?.[1];
      const why = uid === undefined ? undefined : strayReason(pods.get(uid), host.hostName);
      if (!why) continue;
      this.deps.logger.info(`removing ${why} volume`, { host: host.hostName, volume: name, uid });
      try {
        await host.engine.removeVolume(name);
        report.orphansRemoved++;
      } catch (err) {
        this.deps.logger.warn('could not remove a stray volume', { host: host.hostName, volume: name, error: (err as Error).message });
      }
    }
  }

  private async visit(host: ResyncHost, uid: string, group: ContainerSummary[], at: { pods: Map<string, string>; report: ResyncReport }): Promise<void> {
    const labels = group[0]?.labels ?? {};
    const namespace = labels[LABEL.namespace] ?? '';
    if (!this.deps.watches(namespace)) return;
    const why = strayReason(at.pods.get(uid), host.hostName);
    if (why) {
      this.deps.logger.info(`removing ${why} containers`, { host: host.hostName, namespace, name: labels[LABEL.name], uid, containers: group.length });
      await Promise.all(group.map((c) => host.engine.removeContainer(c.id, { force: true, removeVolumes: true })));
      at.report.orphansRemoved += group.length;
      this.fingerprints.delete(uid);
      return;
    }
    const key = `${namespace}/${labels[LABEL.name] ?? ''}`;
    if (this.deps.busy?.(key)) return;
    const print = fingerprint(group);
    if (this.fingerprints.get(uid) === print) return;
    this.fingerprints.set(uid, print);
    this.deps.enqueue(key);
    at.report.enqueued++;
  }
}

/**
 * Why a pod's containers on `hostName` should not exist: the pod is gone from the API, or it is
 * bound to another host (it moved while this one was away: never two copies). An unbound pod's
 * containers are left alone (its binding may be in flight).
 */
export function strayReason(boundTo: string | undefined, hostName: string): string | undefined {
  if (boundTo === undefined) return 'orphaned';
  return boundTo !== '' && boundTo !== hostName ? `stale (the pod runs on ${boundTo})` : undefined;
}

function groupByUid(containers: ContainerSummary[]): Map<string, ContainerSummary[]> {
  const groups = new Map<string, ContainerSummary[]>();
  for (const c of containers) {
    const uid = c.labels[LABEL.uid];
    if (uid) groups.set(uid, [...(groups.get(uid) ?? []), c]);
  }
  return groups;
}
