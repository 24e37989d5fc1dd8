/** The cgroup parent of a pod: a path under the cgroupfs driver, a `.slice` under systemd. */

/** The pod's cgroup parent below `root`, in the form the engine's cgroup driver accepts. */
export function podCgroupParent(root: string, driver: string, uid: string): string {
  if (driver === 'systemd') {
    // systemd slice names nest with dashes, so the uid's dashes become underscores.
    const base = root.endsWith('.slice') ? root.slice(0, -'.slice'.length) : root.replace(/^\/+|\/+$/g, '').replace(/\//g, '-') || 'dockerpod';
    return `${base}-pod${uid.replace(/-/g, '_')}.slice`;
  }
  return `${root.replace(/\/+$/, '') || ''}/pod${uid}`;
}
