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

/** What a resync needs from the rest of the operator. */
export interface ResyncDeps {
  hosts: () => HostBinding[];
  /** Whether the pod (by uid) is known; only called once the cache has synced. */
  podExists: (uid: string) => boolean;
  /** Whether the namespace is one this operator watches. */
  watches: (namespace: string) => boolean;
  enqueue: (key: string) => void;
  logger: Logger;
}

/** Results of a resync, for metrics and tests. */
export interface ResyncReport {
  lists: number;
  enqueued: number;
  orphansRemoved: number;
}

const fingerprint = (containers: ContainerSummary[]): string => containers.map((c) => `${c.id}:${c.state}`).sort().join(',');

/** Per-pod fingerprints across resyncs. */
export class Resyncer {
  private readonly fingerprints = new Map<string, string>();

  constructor(private readonly deps: ResyncDeps) {}

  /** One resync of every host. */
  async run(): Promise<ResyncReport> {
    const report: ResyncReport = { lists: 0, enqueued: 0, orphansRemoved: 0 };
    const seen = new Set<string>();
    for (const host of this.deps.hosts()) {
      const containers = await host.engine.listContainers({ [LABEL.managedBy]: host.ctx.instance });
      report.lists++;
      for (const [uid, group] of groupByUid(containers)) {
        seen.add(uid);
        await this.visit(host, uid, group, report);
      }
    }
    for (const uid of [...this.fingerprints.keys()]) if (!seen.has(uid)) this.fingerprints.delete(uid);
    return report;
  }

  private async visit(host: HostBinding, uid: string, group: ContainerSummary[], report: ResyncReport): Promise<void> {
    const labels = group[0]?.labels ?? {};
    const namespace = labels[LABEL.namespace] ?? '';
    if (!this.deps.watches(namespace)) return;
    if (!this.deps.podExists(uid)) {
      this.deps.logger.info('removing orphaned containers', { host: host.hostName, namespace, name: labels[LABEL.name], uid, containers: group.length });
      await Promise.all(group.map((c) => host.engine.removeContainer(c.id, { force: true, removeVolumes: true })));
      report.orphansRemoved += group.length;
      this.fingerprints.delete(uid);
      return;
    }
    const print = fingerprint(group);
    if (this.fingerprints.get(uid) === print) return;
    this.fingerprints.set(uid, print);
    this.deps.enqueue(`${namespace}/${labels[LABEL.name] ?? ''}`);
    report.enqueued++;
  }
}

function groupByUid(containers: ContainerSummary[]): Map<string, ContainerSummary[]> {
  const groups = new Map<string, ContainerSummary[]>();
  for (const c of containers) {
    const uid = c.labels[LABEL.uid];
    if (uid) groups.set(uid, [...(groups.get(uid) ?? []), c]);
  }
  return groups;
}
