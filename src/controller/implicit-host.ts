/**
 * The DockerHost that `--docker-host` (and standalone mode) declares: created when missing or
 * adopted (its endpoint set to the flag's), once the replica leads. A DockerHost just created is
 * awaited in the cache, so the first heartbeat of the workers finds it.
 */
import type { CustomObjectsApi } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
import type { Clock } from '../util/clock.js';
import type { ImplicitHost } from './fleet/fleet.js';
import { DockerHostClient } from './fleet/host-client.js';

/** What writing the implicit host needs. */
export interface ImplicitHostDeps {
  custom: CustomObjectsApi;
  /** Labels of the operator's --host-selector (the host gets them, so its operator manages it). */
  labels: Record<string, string>;
  /** Whether the host cache holds a host by that name. */
  cached: (name: string) => boolean;
  clock: Clock;
  logger: Logger;
}

/** Creates or adopts the host; throws when the API refuses. Waits at most `waitMs` for a new host to reach the cache. */
export async function ensureImplicitHost(host: ImplicitHost, deps: ImplicitHostDeps, waitMs: number): Promise<void> {
  const outcome = await new DockerHostClient(deps.custom).ensureImplicit(host.name, host.connection.endpoint, deps.labels);
  deps.logger.info(`DockerHost ${host.name} ${outcome}`, { host: host.name, endpoint: host.connection.endpoint });
  if (outcome !== 'created') return;
  for (let waited = 0; !deps.cached(host.name) && waited < waitMs; waited += 20) await deps.clock.sleep(20);
}

/** {@link ensureImplicitHost}, retried with back-off (0.5 s doubling to 30 s) until it works; false when `signal` aborted first. */
export async function ensureImplicitHostUntil(host: ImplicitHost, deps: ImplicitHostDeps, signal: AbortSignal): Promise<boolean> {
  for (let delay = 500; !signal.aborted; delay = Math.min(delay * 2, 30_000)) {
    try {
      await ensureImplicitHost(host, deps, 30_000);
      return !signal.aborted;
    } catch (err) {
      deps.logger.warn('cannot create or adopt the implicit DockerHost; retrying', { host: host.name, error: (err as Error).message, retryInMs: delay });
      await deps.clock.sleep(delay, signal);
    }
  }
  return false;
}
