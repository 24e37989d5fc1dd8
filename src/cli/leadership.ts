/**
 * `--leader-elect`: the operator's replicas elect one leader on a coordination.k8s.io/v1 Lease
 * (client-go's rules, see src/kube/leader-election.ts) and only the leader runs the workers.
 *
 * Lifecycle of a replica:
 *   1. caches start (standby: warm, pinging its engines, ready for /readyz);
 *   2. on acquiring the lease the workers start (one term);
 *   3. losing the lease (renew deadline missed, or another holder seen) stops the workers at once
 *      and the process exits with code 1 without touching the lease. Why exit instead of standing by
 *      again: a pass cannot be cut in the middle of its Docker calls (they do not all honour an abort
 *      signal), and the in-memory state a term builds (host reservations, written statuses, pull
 *      back-offs) may be stale once another leader has acted; only the end of the process ends both
 *      for sure, well within the 5 s between the renew deadline (10 s) and the moment another replica
 *      may take over (15 s). This is controller-runtime's behaviour; the Deployment restarts the pod,
 *      which comes back as a standby;
 *   4. on SIGTERM: stop taking work, let in-flight passes finish within --graceful-shutdown-timeout
 *      while still holding (and renewing) the lease, then release it (holder emptied, so a standby
 *      takes over at its next attempt, within one jittered retry period), close watches and streams,
 *      exit 0. If passes are still running when the timeout ends, the lease is NOT released (a
 *      standby must not act while they might) and the process exits 1 at once: the lease then
 *      expires by itself.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { isDns1123Subdomain } from '../api/names.js';
import type { Operator } from '../controller/operator.js';
import { JITTER_FACTOR, LeaderElector } from '../kube/leader-election.js';
import { clientLeaseStore } from '../kube/lease-store.js';
import type { Role } from '../observability/health-server.js';
import type { Logger } from '../observability/logger.js';
import type { OperatorMetrics } from '../observability/metrics.js';
import { UsageError, type FlagValues } from './flags.js';

/** Where a pod's service account says it runs. */
export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The Lease and the timing of one replica's election. */
export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  /** Unique per process: hostname (the pod name in Kubernetes) and a random UUID, as controller-runtime does. */
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** The namespace of the pod this runs in, from its service account; undefined outside a pod. */
export function podNamespace(file = SERVICE_ACCOUNT_NAMESPACE_FILE): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}

/**
 * The default Lease name: the `--instance` (default dockerpod-operator), and with `--host-selector`
 * a hash of the selector after it, so operators that split a fleet elect separately instead of
 * one partition's leader idling the others.
 */
export function defaultLeaseName(instance: string, hostSelector: string): string {
  if (hostSelector === '') return instance;
  return `${instance}-${createHash('sha256').update(hostSelector).digest('hex').slice(0, 10)}`;
}

/** The election of these flags, or undefined without `--leader-elect`. Throws UsageError for a bad Lease name or timing. */
export function leaderElectionConfig(flags: FlagValues, namespaceOfPod: () => string | undefined = podNamespace): LeaderElectionConfig | undefined {
  if (!flags['leader-elect']) return undefined;
  const name = String(flags['leader-election-id'] || defaultLeaseName(String(flags['instance']), String(flags['host-selector'] ?? '')));
  const problems = isDns1123Subdomain(name);
  if (problems.length > 0) throw new UsageError(`--leader-election-id: "${name}" is not a valid Lease name (${problems.join('; ')})${flags['leader-election-id'] ? '' : '; it comes from --instance: set --leader-election-id'}`);
  const timing = timingOf(flags);
  const namespace = String(flags['leader-election-namespace'] || namespaceOfPod() || 'default');
  return { namespace, name, identity: `${hostname()}_${randomUUID()}`, ...timing };
}

/** The election's durations, checked as client-go checks them. */
function timingOf(flags: FlagValues): Pick<LeaderElectionConfig, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'> {
  const timing = { leaseDurationMs: Number(flags['leader-election-lease-duration']), renewDeadlineMs: Number(flags['leader-election-renew-deadline']), retryPeriodMs: Number(flags['leader-election-retry-period']) };
  if (!(timing.retryPeriodMs > 0)) throw new UsageError('--leader-election-retry-period must be greater than zero');
  if (timing.leaseDurationMs <= timing.renewDeadlineMs) throw new UsageError('--leader-election-lease-duration must be greater than --leader-election-renew-deadline');
  if (timing.renewDeadlineMs <= JITTER_FACTOR * timing.retryPeriodMs) throw new UsageError(`--leader-election-renew-deadline must be greater than ${JITTER_FACTOR} x --leader-election-retry-period`);
  return timing;
}

/** How a run ended, for the command's exit. */
export interface RunOutcome {
  code: number;
  /** Nothing may run on (lease lost, or passes still running): exit as soon as the logs are out. */
  exitNow: boolean;
}

/** What an elected run needs. */
export interface ElectedRun {
  operator: Operator;
  config: LeaderElectionConfig;
  kubeConfig: KubeConfig;
  metrics: OperatorMetrics;
  logger: Logger;
  /** Aborts on SIGTERM/SIGINT. */
  signal: AbortSignal;
  gracefulShutdownMs: number;
  /** Where /readyz reads the role from, and where shutdown is announced. */
  state: { role: Role; shuttingDown: boolean };
}

const aborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

/** Runs one replica (see the module comment) until SIGTERM or the loss of the lease. */
export async function runElected(run: ElectedRun): Promise<RunOutcome> {
  const { operator, config, logger, state } = run;
  const lost = new AbortController();
  const campaign = new AbortController();
  const lease = `${config.namespace}/${config.name}`;
  run.metrics.leaderStatus(config.name, false);
  const elector = new LeaderElector({
    lease: { namespace: config.namespace, name: config.name },
    identity: config.identity,
    leaseDurationMs: config.leaseDurationMs,
    renewDeadlineMs: config.renewDeadlineMs,
    retryPeriodMs: config.retryPeriodMs,
    store: clientLeaseStore(run.kubeConfig, config.namespace, config.name),
    logger,
    onStartedLeading: (term) => {
      state.role = 'leader';
      run.metrics.leaderStatus(config.name, true);
      logger.info('leading: workers start', { lease, identity: config.identity });
      return operator.lead(term);
    },
    onStoppedLeading: () => {
      run.metrics.leaderStatus(config.name, false);
      if (state.shuttingDown) return;
      state.role = 'lost';
      lost.abort();
    },
  });
  const synced = await Promise.race([operator.startStandby(), aborted(run.signal).then(() => undefined)]);
  if (synced === undefined) return stopBeforeStart(run);
  logger.info('operator started', { controller: 'dockerpod', role: 'standby', synced, lease, identity: config.identity });
  const electing = elector.run(campaign.signal);
  await Promise.race([aborted(run.signal), aborted(lost.signal)]);
  if (lost.signal.aborted) {
    // The term's signal has already stopped the workers; the process must end before another replica may act.
    logger.error('leader election lost: workers stopped, exiting', { lease, identity: config.identity });
    return { code: 1, exitNow: true };
  }
  return shutDown(run, campaign, electing);
}

async function stopBeforeStart(run: ElectedRun): Promise<RunOutcome> {
  run.state.shuttingDown = true;
  await run.operator.stop(0);
  run.logger.info('operator stopped before it could start', { drained: true });
  return { code: 0, exitNow: false };
}

/** SIGTERM: drain while holding the lease, release it, close everything. */
async function shutDown(run: ElectedRun, campaign: AbortController, electing: Promise<void>): Promise<RunOutcome> {
  const { operator, logger, state } = run;
  state.shuttingDown = true;
  logger.info('shutting down: no new work, finishing in-flight passes', { timeoutMs: run.gracefulShutdownMs });
  const drained = await operator.stopWorkers(run.gracefulShutdownMs);
  if (!drained) {
    logger.error('graceful shutdown timed out: passes still running; exiting without releasing the lease (it expires by itself)', { timeoutMs: run.gracefulShutdownMs });
    return { code: 1, exitNow: true };
  }
  campaign.abort();
  await electing;
  await operator.stop(0);
  logger.info('operator stopped', { drained });
  return { code: 0, exitNow: false };
}
