/**
 * A per-describe scope on the test engines: a unique label value for everything the tests in
 * it create, and removal of everything carrying it afterwards, even when a test failed.
 * Every object also carries the run label, which the root hook checks for leaks at the end.
 */
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { assertEngineReady, engineClient, type EngineName } from './engines.js';

/** Label on every Docker object a test creates; its value identifies the test process. */
export const RUN_LABEL = 'dev.dockerpod.test.run';
/** Label identifying one scope (one describe block) within the run. */
export const SCOPE_LABEL = 'dev.dockerpod.test.scope';
/** This test process's run id. */
export const RUN_ID = `${process.pid}-${randomBytes(3).toString('hex')}`;

/** Engines touched during this run, for the final leak check. */
export const touchedEngines = new Map<EngineName, Docker>();

/** What a test needs to create labelled objects on the engines. */
export interface DockerScope {
  /** Short unique id, usable in names. */
  readonly id: string;
  /** Labels to put on every object created. */
  readonly labels: Record<string, string>;
  /** Client for engine A or B (ready, with test images). */
  engine(name: EngineName): Docker;
  /** Runs `fn` before the scope removes its objects (e.g. stop an operator that would recreate them). */
  beforeCleanup(fn: () => Promise<void> | void): void;
}

/** Removes every container, volume and network carrying `label=value` on one engine. */
export async function removeLabelled(docker: Docker, label: string, value: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${label}=${value}`] });
  const removed: string[] = [];
  for (const c of await docker.listContainers({ all: true, filters })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true });
    removed.push(`container ${c.Names[0] ?? c.Id}`);
  }
  const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
  for (const v of volumes) {
    await docker.getVolume(v.Name).remove();
    removed.push(`volume ${v.Name}`);
  }
  for (const n of await docker.listNetworks({ filters })) {
    await docker.getNetwork(n.Id).remove();
    removed.push(`network ${n.Name}`);
  }
  return removed;
}

/** Registers mocha hooks giving the enclosing describe a scope on engines `names`. */
export function useDockerScope(names: EngineName[] = ['a', 'b']): DockerScope {
  const id = randomBytes(4).toString('hex');
  const clients = new Map<EngineName, Docker>();
  const firsts: Array<() => Promise<void> | void> = [];
  before(async function () {
    this.timeout(30_000);
    for (const name of names) {
      const docker = engineClient(name);
      await assertEngineReady(name, docker);
      clients.set(name, docker);
      touchedEngines.set(name, docker);
    }
  });
  after(async function () {
    this.timeout(60_000);
    for (const fn of firsts.splice(0)) await fn();
    for (const docker of clients.values()) await removeLabelled(docker, SCOPE_LABEL, id);
  });
  return {
    id,
    labels: { [RUN_LABEL]: RUN_ID, [SCOPE_LABEL]: id },
    engine(name: EngineName): Docker {
      const docker = clients.get(name);
      if (!docker) throw new Error(`engine ${name} is not part of this scope (asked for ${names.join(', ')})`);
      return docker;
    },
    beforeCleanup(fn) {
      firsts.push(fn);
    },
  };
}
