/**
 * Reading a container's namespaces and cgroups from the host's /proc, which works because the
 * test engines run on this machine (engine B too: only its API is on TCP).
 */
import { existsSync, readdirSync, readlinkSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Namespace kinds a pod shares or keeps apart. */
export type NamespaceKind = 'net' | 'ipc' | 'pid' | 'mnt' | 'uts';

/** The namespace identity of a process, e.g. `net:[4026532281]`. */
export function namespaceOf(pid: number, kind: NamespaceKind): string {
  return readlinkSync(`/proc/${pid}/ns/${kind}`);
}

/** The cgroup paths of a process, one per hierarchy line of /proc/PID/cgroup. */
export function cgroupsOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n').map((line) => line.split(':').slice(2).join(':'));
}

const CGROUP_ROOT = '/sys/fs/cgroup';

function removeTree(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const child = join(dir, entry);
    if (statSync(child).isDirectory()) removeTree(child);
  }
  rmdirSync(dir);
}

/**
 * Removes a cgroup parent the engine created for test containers (the cgroupfs driver creates
 * parents and never removes them), in every v1 hierarchy or the v2 tree. Call after the
 * containers are gone; a cgroup still in use is left and reported.
 */
export function removeCgroupParent(parent: string): string[] {
  const relative = parent.replace(/^\/+/, '');
  const roots = existsSync(join(CGROUP_ROOT, 'cgroup.controllers')) ? [CGROUP_ROOT] : readdirSync(CGROUP_ROOT).map((h) => join(CGROUP_ROOT, h));
  const problems: string[] = [];
  for (const root of roots) {
    const dir = join(root, relative);
    if (!existsSync(dir)) continue;
    try {
      removeTree(dir);
    } catch (err) {
      problems.push(`${dir}: ${(err as Error).message}`);
    }
  }
  return problems;
}
