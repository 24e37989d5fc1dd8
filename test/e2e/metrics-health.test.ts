/**
 * /metrics, /readyz and /healthz of the built `dockerpod operator`, against the embedded API server
 * and engine A:
 *   - /readyz answers 503 while the API server refuses every request (caches not synced) and 200
 *     once it answers; /healthz is 200 throughout;
 *   - /readyz answers 503 while no DockerHost engine answers (caches synced);
 *   - after a pod was created, ran and was deleted (and an orphan container was swept), /metrics has
 *     controller-runtime's and client-go's names with sensible values: reconcile totals grown,
 *     queue depth and busy workers back to 0, durations observed, API requests (watches included)
 *     and Docker calls counted by host, pods by phase, hosts by readiness, orphans, creation to Ready;
 *   - /healthz answers 500 right after the event loop stalled for longer than 5 s (the process was
 *     stopped with SIGSTOP for 6 s), and 200 again a tick later.
 */
import { randomUUID } from 'node:crypto';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { DockerPod } from '../../src/api/v1alpha1/dockerpod.js';
import { LABEL } from '../../src/planner/labels.js';
import { useDockerScope } from '../support/docker-scope.js';
import { TEST_IMAGES } from '../support/engines.js';
import { webPod } from '../support/operator.js';
import { metric, type OperatorProcess, type Sample, useOperatorProcesses } from '../support/operator-process.js';

const REF = { group: 'dockerpod.dev', version: 'v1alpha1', plural: 'dockerpods', namespace: 'default' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('operator: /metrics, /readyz and /healthz', function () {
  this.timeout(120_000);
  const scope = useDockerScope(['a']);
  const operators = useOperatorProcesses(scope);
  let custom: CustomObjectsApi;
  const start = (extra: string[] = []): OperatorProcess => operators.start(extra);

  before(() => {
    custom = operators.custom;
  });

  it('/readyz is 503 while the API server refuses every request, 200 once it answers; /healthz 200 throughout', async () => {
    operators.api.server.faults.failNext(100_000, 503, 'injected: API server not ready');
    const p = start();
    try {
      const before = await p.probe('/readyz');
      expect(before.status, before.body).to.equal(503);
      expect(before.body).to.include('[-]caches failed: the informers have not listed yet');
      expect(before.body).to.match(/readyz check failed\n$/);
      expect((await p.probe('/healthz')).status).to.equal(200);
    } finally {
      operators.api.server.faults.reset();
    }
    const after = await until('/readyz 200', async () => {
      const r = await p.probe('/readyz');
      return r.status === 200 ? r : undefined;
    }, 40_000);
    expect(after.body).to.include('[+]caches ok');
    expect(after.body).to.include('[+]engines ok: 1 of 1 DockerHost engines answer');
    expect(after.body).to.include('[+]leader-election ok: disabled');
    expect((await p.probe('/healthz')).body).to.match(/^\[\+\]event-loop ok: lag \d+ ms, last tick \d+ ms ago\nhealthz check passed\n$/);
    expect((await p.stop('SIGTERM')).code).to.equal(0);
  });

  it('/readyz is 503 while no engine answers', async () => {
    // Its own partition: the DockerHost of the other tests (on engine A) is not its concern.
    const p = start(['--docker-host', 'unix:///run/dockerpod-test/no-such-engine.sock', '--host-name', `none-${scope.id}`, '--host-selector', `e2e=none-${scope.id}`]);
    const r = await until('caches synced', async () => {
      const probe = await p.probe('/readyz');
      return probe.body.includes('[+]caches ok') && probe.body.includes('DockerHost engines answer') ? probe : undefined;
    }, 20_000);
    expect(r.status, r.body).to.equal(503);
    expect(r.body).to.include('[-]engines failed: 0 of 1 DockerHost engines answer');
    expect((await p.stop('SIGTERM')).code).to.equal(0);
  });

  it('/metrics after a pod lived and went: controller-runtime names, sensible values, the queue back to 0', async () => {
    // An orphan: a container of the instance for a pod that does not exist; the first sweep removes it.
    const orphanUid = randomUUID();
    const orphan = await scope.engine('a').createContainer({
      Image: TEST_IMAGES.pause,
      name: `dp_orphan_${scope.id}`,
      Labels: { ...scope.labels, [LABEL.managedBy]: `test-${scope.id}`, [LABEL.uid]: orphanUid, [LABEL.namespace]: 'default', [LABEL.name]: 'gone', [LABEL.container]: 'POD' },
    });
    const p = start(['--leader-elect', '--leader-election-id', 'metrics', '--concurrency', '3']);
    await custom.createNamespacedCustomObject({ ...REF, body: webPod('measured') });
    await until('Ready', async () => {
      const pod = (await custom.getNamespacedCustomObject({ ...REF, name: 'measured' })) as DockerPod;
      return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? pod : undefined;
    }, 60_000);
    // The operator's cache may be a moment behind the API server.
    const running = await until('phase Running and Ready counted', async () => {
      const m = await p.metrics();
      return metric(m, 'dockerpod_pods', { phase: 'Running' }) === 1 && metric(m, 'dockerpod_pod_ready_duration_seconds_count') === 1 ? m : undefined;
    }, 10_000);
    expect(metric(running, 'dockerpod_pod_ready_duration_seconds_sum')).to.be.within(0, 60);
    await custom.deleteNamespacedCustomObject({ ...REF, name: 'measured' });
    await until('deleted', () => custom.getNamespacedCustomObject({ ...REF, name: 'measured' }).then(() => undefined, () => true), 60_000);

    const m: Sample[] = await until('an idle queue', async () => {
      const s = await p.metrics();
      return metric(s, 'workqueue_depth', { name: 'dockerpod' }) === 0 && metric(s, 'controller_runtime_active_workers', { controller: 'dockerpod' }) === 0 ? s : undefined;
    }, 10_000);
    const dp = { controller: 'dockerpod' };
    const q = { name: 'dockerpod', controller: 'dockerpod' };
    expect(metric(m, 'controller_runtime_reconcile_total', { ...dp, result: 'success' })).to.be.greaterThan(1);
    expect(metric(m, 'controller_runtime_reconcile_total', { controller: 'dockerhost', result: 'requeue_after' }), 'heartbeats requeue').to.be.greaterThan(0);
    expect(metric(m, 'controller_runtime_reconcile_errors_total', dp)).to.be.a('number');
    expect(metric(m, 'controller_runtime_reconcile_time_seconds_count', dp)).to.equal(metric(m, 'controller_runtime_reconcile_total', dp));
    expect(metric(m, 'controller_runtime_max_concurrent_reconciles', dp)).to.equal(3);
    expect(metric(m, 'controller_runtime_active_workers', dp)).to.equal(0);
    expect(metric(m, 'workqueue_depth', q)).to.equal(0);
    expect(metric(m, 'workqueue_adds_total', q)).to.be.greaterThan(0);
    expect(metric(m, 'workqueue_queue_duration_seconds_count', q)).to.equal(metric(m, 'controller_runtime_reconcile_total', dp));
    expect(metric(m, 'workqueue_work_duration_seconds_count', q)).to.equal(metric(m, 'controller_runtime_reconcile_total', dp));
    expect(metric(m, 'workqueue_retries_total', q)).to.be.a('number');
    expect(metric(m, 'workqueue_unfinished_work_seconds', q)).to.equal(0);
    expect(metric(m, 'workqueue_longest_running_processor_seconds', q)).to.equal(0);
    const host = new URL(operators.api.server.url).host;
    for (const method of ['GET', 'POST', 'PATCH']) {
      expect(metric(m, 'rest_client_requests_total', { method, host }), method).to.be.greaterThan(0);
    }
    // Lease renewals (PUT) come every retry period (2 s) after the first one.
    await until('a lease renewal counted', async () => metric(await p.metrics(), 'rest_client_requests_total', { method: 'PUT', code: '200', host }), 5000);
    expect(metric(m, 'rest_client_request_duration_seconds_count', { verb: 'GET', host })).to.be.greaterThan(0);
    expect(metric(m, 'leader_election_master_status', { name: 'metrics' })).to.equal(1);
    for (const operation of ['createContainer', 'startContainer', 'removeContainer', 'ping']) {
      expect(metric(m, 'dockerpod_docker_requests_total', { host: 'local', operation, outcome: 'ok' }), operation).to.be.greaterThan(0);
      expect(metric(m, 'dockerpod_docker_request_duration_seconds_count', { host: 'local', operation }), operation).to.be.greaterThan(0);
    }
    expect(metric(m, 'dockerpod_pods')).to.equal(0);
    // Every DockerHost of the API server counts (an earlier test left one whose engine does not exist); only engine A answers.
    const hosts = ((await custom.listClusterCustomObject({ group: REF.group, version: REF.version, plural: 'dockerhosts' })) as { items: unknown[] }).items.length;
    expect(metric(m, 'dockerpod_hosts', { ready: 'true' })).to.equal(1);
    expect(metric(m, 'dockerpod_hosts')).to.equal(hosts);
    expect(metric(m, 'dockerpod_orphans_collected_total')).to.be.at.least(1);
    expect(metric(m, 'process_resident_memory_bytes')).to.be.greaterThan(0);
    await scope.engine('a').getContainer(orphan.id).inspect().then(
      () => expect.fail('the orphan container was not removed'),
      (err: { statusCode?: number }) => expect(err.statusCode).to.equal(404),
    );
    expect((await p.stop('SIGTERM')).code).to.equal(0);
  });

  it('/healthz fails right after the event loop stalled for more than 5 s, and passes again a tick later', async () => {
    const p = start();
    await p.waitForLine('operator started', 20_000);
    expect((await p.probe('/healthz')).status).to.equal(200);
    // SIGSTOP freezes the whole process: when it resumes, its timers fire 6 s late, as after a stall.
    p.child.kill('SIGSTOP');
    await sleep(6000);
    p.child.kill('SIGCONT');
    const stalled = await p.probe('/healthz');
    expect(stalled.status, stalled.body).to.equal(500);
    expect(stalled.body).to.match(/^\[-\]event-loop failed: stalled \(lag (\d+) ms/);
    expect(Number(/lag (\d+) ms/.exec(stalled.body)?.[1])).to.be.within(5000, 7000);
    await sleep(1500);
    const recovered = await p.probe('/healthz');
    expect(recovered.status, recovered.body).to.equal(200);
    expect((await p.stop('SIGTERM')).code).to.equal(0);
  });
});
