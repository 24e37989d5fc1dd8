/**
 * OperatorMetrics: controller-runtime's and client-go's names, labels and semantics, fed by a real
 * WorkQueue on a FakeClock (a success, an error, a terminal error and a requeue-after: totals by
 * result, errors, terminal errors, reconcile and work durations, queue wait, adds, retries, depth,
 * busy workers, unfinished work), every series present at 0 before anything happened, registries
 * of two operators independent, REST requests (`<error>` without latency), Docker calls (a stream
 * without latency), the leader gauge, pods by phase (every phase listed), hosts by readiness,
 * orphans, and creation-to-Ready counted once per pod by the PodReadyTracker.
 */
import { expect } from 'chai';
import type { DockerPod } from '../../../src/api/v1alpha1/dockerpod.js';
import { PodReadyTracker } from '../../../src/controller/pod-ready-tracker.js';
import { TerminalError, WorkQueue, type ReconcileResult } from '../../../src/controller/work-queue.js';
import { OperatorMetrics } from '../../../src/observability/metrics.js';
import { FakeClock } from '../../../src/util/clock.js';
import { metric, parseMetrics, type Sample } from '../../support/operator-process.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};
const scrape = async (m: OperatorMetrics): Promise<Sample[]> => parseMetrics(await m.text());

/** A queue instrumented as the operator instruments its own, whose passes the test settles. */
function instrumented(metrics: OperatorMetrics, clock: FakeClock): { queue: WorkQueue; settle: Map<string, { resolve: (r?: ReconcileResult) => void; reject: (e: unknown) => void }> } {
  const settle = new Map<string, { resolve: (r?: ReconcileResult) => void; reject: (e: unknown) => void }>();
  const instruments = metrics.controller('dockerpod', 2);
  const queue = new WorkQueue((key) => new Promise((resolve, reject) => settle.set(key, { resolve, reject })), { concurrency: 2, clock, hooks: instruments.hooks, onResult: (r) => instruments.onResult(r) });
  instruments.attach(queue);
  return { queue, settle };
}

describe('OperatorMetrics', function () {
  it('exports every controller series at 0 before any pass', async function () {
    const metrics = new OperatorMetrics();
    instrumented(metrics, new FakeClock());
    const m = await scrape(metrics);
    for (const result of ['success', 'error', 'requeue', 'requeue_after']) expect(metric(m, 'controller_runtime_reconcile_total', { controller: 'dockerpod', result }), result).to.equal(0);
    for (const name of ['controller_runtime_reconcile_errors_total', 'controller_runtime_terminal_reconcile_errors_total', 'controller_runtime_reconcile_time_seconds_count', 'controller_runtime_active_workers']) {
      expect(metric(m, name, { controller: 'dockerpod' }), name).to.equal(0);
    }
    expect(metric(m, 'controller_runtime_max_concurrent_reconciles', { controller: 'dockerpod' })).to.equal(2);
    for (const name of ['workqueue_depth', 'workqueue_adds_total', 'workqueue_retries_total', 'workqueue_queue_duration_seconds_count', 'workqueue_work_duration_seconds_count', 'workqueue_unfinished_work_seconds', 'workqueue_longest_running_processor_seconds']) {
      expect(metric(m, name, { name: 'dockerpod', controller: 'dockerpod' }), name).to.equal(0);
    }
    expect(metric(m, 'leader_election_master_status'), 'absent without an election').to.equal(undefined);
  });

  it('counts passes by result, errors, durations, adds, retries and the queue gauges as controller-runtime does', async function () {
    const clock = new FakeClock();
    const metrics = new OperatorMetrics();
    const { queue, settle } = instrumented(metrics, clock);
    for (const key of ['ns/ok', 'ns/fail', 'ns/terminal', 'ns/later']) queue.add(key);
    await clock.advance(250);
    queue.start();
    await flush();
    await clock.advance(1500);
    let m = await scrape(metrics);
    expect(metric(m, 'workqueue_depth', { name: 'dockerpod' })).to.equal(2);
    expect(metric(m, 'controller_runtime_active_workers', { controller: 'dockerpod' })).to.equal(2);
    expect(metric(m, 'workqueue_unfinished_work_seconds', { name: 'dockerpod' })).to.equal(3);
    expect(metric(m, 'workqueue_longest_running_processor_seconds', { name: 'dockerpod' })).to.equal(1.5);

    settle.get('ns/ok')?.resolve();
    settle.get('ns/fail')?.reject(new Error('engine down'));
    await flush();
    settle.get('ns/terminal')?.reject(new TerminalError('invalid'));
    settle.get('ns/later')?.resolve({ requeueAfterMs: 60_000 });
    await flush();
    m = await scrape(metrics);
    const dp = { controller: 'dockerpod' };
    expect(metric(m, 'controller_runtime_reconcile_total', { ...dp, result: 'success' })).to.equal(1);
    expect(metric(m, 'controller_runtime_reconcile_total', { ...dp, result: 'error' }), 'a terminal error is an error').to.equal(2);
    expect(metric(m, 'controller_runtime_reconcile_total', { ...dp, result: 'requeue_after' })).to.equal(1);
    expect(metric(m, 'controller_runtime_reconcile_errors_total', dp)).to.equal(2);
    expect(metric(m, 'controller_runtime_terminal_reconcile_errors_total', dp)).to.equal(1);
    expect(metric(m, 'controller_runtime_reconcile_time_seconds_count', dp)).to.equal(4);
    // ok and fail ran 1.5 s; terminal and later 0 s (they started when those ended).
    expect(metric(m, 'controller_runtime_reconcile_time_seconds_sum', dp)).to.equal(3);
    expect(metric(m, 'controller_runtime_reconcile_time_seconds_bucket', { ...dp, le: '1' })).to.equal(2);
    expect(metric(m, 'workqueue_work_duration_seconds_sum', { name: 'dockerpod' })).to.equal(3);
    // Waits: 0.25 s for the first two, 1.75 s for the two that waited for a worker.
    expect(metric(m, 'workqueue_queue_duration_seconds_sum', { name: 'dockerpod' })).to.equal(4);
    expect(metric(m, 'workqueue_adds_total', { name: 'dockerpod', controller: 'dockerpod' })).to.equal(4);
    expect(metric(m, 'workqueue_retries_total', { name: 'dockerpod', controller: 'dockerpod' })).to.equal(1);
    expect(metric(m, 'workqueue_depth', { name: 'dockerpod' })).to.equal(0);
    expect(metric(m, 'controller_runtime_active_workers', dp)).to.equal(0);
  });

  it('keeps two operators apart: one registry each', async function () {
    const a = new OperatorMetrics();
    const b = new OperatorMetrics();
    a.controller('dockerpod', 4);
    b.controller('dockerpod', 8);
    a.orphansCollected(3);
    expect(metric(await scrape(a), 'controller_runtime_max_concurrent_reconciles')).to.equal(4);
    expect(metric(await scrape(b), 'controller_runtime_max_concurrent_reconciles')).to.equal(8);
    expect(metric(await scrape(b), 'dockerpod_orphans_collected_total')).to.equal(0);
  });

  it('counts API requests, Docker calls, leadership, orphans, pods by phase and hosts by readiness', async function () {
    const metrics = new OperatorMetrics();
    metrics.restRequest({ code: '200', method: 'GET', host: '10.0.0.1:6443', durationMs: 20 });
    metrics.restRequest({ code: '200', method: 'GET', host: '10.0.0.1:6443', durationMs: 40 });
    metrics.restRequest({ code: '<error>', method: 'PUT', host: '10.0.0.1:6443', durationMs: 10_000 });
    metrics.dockerCall('local', { operation: 'createContainer', outcome: 'ok', durationMs: 30 });
    metrics.dockerCall('local', { operation: 'startContainer', outcome: 'error', durationMs: 5 });
    metrics.dockerCall('local', { operation: 'events', outcome: 'error', durationMs: 0 });
    metrics.leaderStatus('dockerpod-operator', true);
    metrics.orphansCollected(2);
    metrics.orphansCollected(0);
    const phases = ['Running', 'Running', 'Pending'];
    metrics.observePods(() => phases);
    metrics.observeHosts(() => ({ ready: 2, total: 3 }));
    const m = await scrape(metrics);
    expect(metric(m, 'rest_client_requests_total', { code: '200', method: 'GET', host: '10.0.0.1:6443' })).to.equal(2);
    expect(metric(m, 'rest_client_requests_total', { code: '<error>', method: 'PUT' })).to.equal(1);
    expect(metric(m, 'rest_client_request_duration_seconds_count', { verb: 'GET', host: '10.0.0.1:6443' })).to.equal(2);
    expect(metric(m, 'rest_client_request_duration_seconds_sum', { verb: 'GET' })).to.be.closeTo(0.06, 1e-9);
    expect(metric(m, 'rest_client_request_duration_seconds_count', { verb: 'PUT' }), 'no latency without a response').to.equal(undefined);
    expect(metric(m, 'dockerpod_docker_requests_total', { host: 'local', operation: 'createContainer', outcome: 'ok' })).to.equal(1);
    expect(metric(m, 'dockerpod_docker_requests_total', { host: 'local', operation: 'startContainer', outcome: 'error' })).to.equal(1);
    expect(metric(m, 'dockerpod_docker_requests_total', { operation: 'events', outcome: 'error' })).to.equal(1);
    expect(metric(m, 'dockerpod_docker_request_duration_seconds_sum', { host: 'local', operation: 'createContainer' })).to.be.closeTo(0.03, 1e-9);
    expect(metric(m, 'dockerpod_docker_request_duration_seconds_count', { operation: 'events' }), 'a stream has no latency').to.equal(undefined);
    expect(metric(m, 'leader_election_master_status', { name: 'dockerpod-operator' })).to.equal(1);
    expect(metric(m, 'dockerpod_orphans_collected_total')).to.equal(2);
    expect(m.filter((s) => s.name === 'dockerpod_pods').map((s) => `${s.labels['phase'] ?? ''}=${s.value}`)).to.deep.equal(['Pending=1', 'Running=2', 'Succeeded=0', 'Failed=0', 'Unknown=0']);
    expect(metric(m, 'dockerpod_hosts', { ready: 'true' })).to.equal(2);
    expect(metric(m, 'dockerpod_hosts', { ready: 'false' })).to.equal(1);
    phases.length = 0;
    metrics.leaderStatus('dockerpod-operator', false);
    const later = await scrape(metrics);
    expect(metric(later, 'dockerpod_pods')).to.equal(0);
    expect(metric(later, 'leader_election_master_status', { name: 'dockerpod-operator' })).to.equal(0);
  });

  it('exports Node process metrics only when asked (once per process)', async function () {
    expect(metric(await scrape(new OperatorMetrics()), 'process_cpu_seconds_total')).to.equal(undefined);
    expect(metric(await scrape(new OperatorMetrics({ processMetrics: true })), 'process_cpu_seconds_total')).to.be.a('number');
  });

  it('observes creation to Ready once per pod, when an update shows Ready turning True', async function () {
    const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 10));
    const seen: number[] = [];
    const tracker = new PodReadyTracker(clock, (s) => seen.push(s));
    const pod = (uid: string, ready: boolean): DockerPod => ({
      apiVersion: 'dockerpod.dev/v1alpha1', kind: 'DockerPod', metadata: { name: uid, uid, creationTimestamp: '2026-01-01T12:00:00Z' }, spec: { containers: [] },
      status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    });
    tracker.updated(pod('a', true), pod('a', false));
    tracker.updated(pod('a', false), pod('a', true));
    tracker.updated(pod('a', true), pod('a', false));
    tracker.updated(pod('b', true), pod('b', true));
    tracker.updated(pod('c', false), pod('c', false));
    expect(seen).to.deep.equal([10]);
    tracker.deleted(pod('a', true));
    await clock.advance(5000);
    tracker.updated(pod('a', true), pod('a', false));
    expect(seen).to.deep.equal([10, 15]);
  });
});
