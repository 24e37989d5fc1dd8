/**
 * The operator's Prometheus metrics, in a registry of its own (never prom-client's global one, so
 * several operators in one process, as in the tests, do not collide).
 *
 * Names, labels and meanings are controller-runtime's and client-go's, so dashboards and alerts
 * written for Go operators work unchanged:
 *   - controller_runtime_reconcile_total{controller,result} (result: success, error, requeue,
 *     requeue_after; a terminal error counts as `error`, as in controller-runtime),
 *     controller_runtime_reconcile_errors_total{controller},
 *     controller_runtime_terminal_reconcile_errors_total{controller},
 *     controller_runtime_reconcile_time_seconds{controller} (histogram),
 *     controller_runtime_max_concurrent_reconciles{controller}, controller_runtime_active_workers{controller};
 *   - workqueue_depth, workqueue_adds_total, workqueue_queue_duration_seconds,
 *     workqueue_work_duration_seconds, workqueue_unfinished_work_seconds,
 *     workqueue_longest_running_processor_seconds, workqueue_retries_total, all {name,controller}
 *     with both labels set to the controller's name (`dockerpod`, `dockerhost`);
 *   - rest_client_requests_total{code,method,host} (code `<error>` when no response came),
 *     rest_client_request_duration_seconds{verb,host} (time to the response headers; for a watch,
 *     until the stream opened);
 *   - leader_election_master_status{name} (1 while leading the Lease `name`; absent without election).
 * The project's own, prefixed `dockerpod_`: Docker API calls by host, operation and outcome with
 * their latency, pods by phase, hosts by readiness, orphans collected, and the time from a
 * DockerPod's creation to its first Ready.
 *
 * Every series a dashboard may divide by exists from the start at 0 (as controller-runtime
 * initialises them), so a standby replica exports the same names with zero values.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** controller-runtime's reconcile_time_seconds buckets (fine below a second, up to a minute). */
export const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5,
  4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** client-go's workqueue buckets: 10 ns to 1000 s, one decade each. */
export const WORKQUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));
/** client-go's rest_client_request_duration_seconds buckets. */
export const REST_LATENCY_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];
/** Docker calls: a ping takes a millisecond, a pull minutes. */
export const DOCKER_LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Creation to Ready: seconds for a local image, minutes with a pull. */
export const POD_READY_BUCKETS = [0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600];

/** The pod phases, all exported (at 0 when no pod is in them). */
export const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;

/** How a pass ended (the work queue's outcomes). */
export type PassOutcome = 'success' | 'error' | 'requeue_after' | 'terminal_error' | 'requeue';

/** What a controller's queue answers when metrics are scraped. */
export interface QueueGauges {
  /** Keys due and waiting for a worker. */
  depth(): number;
  /** Passes running now. */
  inFlight(): number;
  /** How long each running pass has run, in ms. */
  runningMs(): number[];
}

/** The callbacks a controller's work queue reports to (structurally the queue's hooks and onResult). */
export interface ControllerInstruments {
  hooks: { onAdd: (key: string) => void; onStart: (key: string, queuedMs: number) => void; onRetry: (key: string) => void };
  /** One finished pass. */
  onResult(r: { outcome: PassOutcome; durationMs: number }): void;
  /** The queue whose gauges are read at scrape time (until then they read 0). */
  attach(queue: QueueGauges): void;
}

/** One API request, as the client saw it. */
export interface RestRequest {
  /** The HTTP status, or `<error>` when no response came. */
  code: string;
  method: string;
  /** `host:port` of the API server. */
  host: string;
  durationMs: number;
}

/** One Docker API call. */
export interface DockerCall {
  operation: string;
  outcome: 'ok' | 'error';
  durationMs: number;
}

/** Options of {@link OperatorMetrics}. */
export interface OperatorMetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event loop lag, GC): once per process, not per test operator. */
  processMetrics?: boolean;
}

const RESULTS = ['success', 'error', 'requeue', 'requeue_after'] as const;

/** Every metric of one operator, in its own registry. */
export class OperatorMetrics {
  readonly registry = new Registry();
  private readonly queues = new Map<string, QueueGauges>();
  private readonly reconcileTotal: Counter<'controller' | 'result'>;
  private readonly reconcileErrors: Counter<'controller'>;
  private readonly terminalErrors: Counter<'controller'>;
  private readonly reconcileTime: Histogram<'controller'>;
  private readonly maxConcurrent: Gauge<'controller'>;
  private readonly adds: Counter<'name' | 'controller'>;
  private readonly retries: Counter<'name' | 'controller'>;
  private readonly queueDuration: Histogram<'name' | 'controller'>;
  private readonly workDuration: Histogram<'name' | 'controller'>;
  private readonly restRequests: Counter<'code' | 'method' | 'host'>;
  private readonly restLatency: Histogram<'verb' | 'host'>;
  private readonly leader: Gauge<'name'>;
  private readonly dockerRequests: Counter<'host' | 'operation' | 'outcome'>;
  private readonly dockerLatency: Histogram<'host' | 'operation'>;
  private readonly orphans: Counter;
  private readonly podReady: Histogram;
  private pods: () => Iterable<string> = () => [];
  private hosts: () => { ready: number; total: number } = () => ({ ready: 0, total: 0 });

  constructor(options: OperatorMetricsOptions = {}) {
    const registers = [this.registry];
    this.reconcileTotal = new Counter({ name: 'controller_runtime_reconcile_total', help: 'Total number of reconciliations per controller', labelNames: ['controller', 'result'], registers });
    this.reconcileErrors = new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Total number of reconciliation errors per controller', labelNames: ['controller'], registers });
    this.terminalErrors = new Counter({ name: 'controller_runtime_terminal_reconcile_errors_total', help: 'Total number of terminal reconciliation errors per controller', labelNames: ['controller'], registers });
    this.reconcileTime = new Histogram({ name: 'controller_runtime_reconcile_time_seconds', help: 'Length of time per reconciliation per controller', labelNames: ['controller'], buckets: RECONCILE_TIME_BUCKETS, registers });
    this.maxConcurrent = new Gauge({ name: 'controller_runtime_max_concurrent_reconciles', help: 'Maximum number of concurrent reconciles per controller', labelNames: ['controller'], registers });
    this.adds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name', 'controller'], registers });
    this.retries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name', 'controller'], registers });
    this.queueDuration = new Histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested', labelNames: ['name', 'controller'], buckets: WORKQUEUE_BUCKETS, registers });
    this.workDuration = new Histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes', labelNames: ['name', 'controller'], buckets: WORKQUEUE_BUCKETS, registers });
    this.restRequests = new Counter({ name: 'rest_client_requests_total', help: 'Number of HTTP requests to the API server, partitioned by status code, method, and host', labelNames: ['code', 'method', 'host'], registers });
    this.restLatency = new Histogram({ name: 'rest_client_request_duration_seconds', help: 'Request latency in seconds (to the response headers), by verb and host', labelNames: ['verb', 'host'], buckets: REST_LATENCY_BUCKETS, registers });
    this.leader = new Gauge({ name: 'leader_election_master_status', help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master', labelNames: ['name'], registers });
    this.dockerRequests = new Counter({ name: 'dockerpod_docker_requests_total', help: 'Docker API calls by DockerHost, operation and outcome (ok or error)', labelNames: ['host', 'operation', 'outcome'], registers });
    this.dockerLatency = new Histogram({ name: 'dockerpod_docker_request_duration_seconds', help: 'Latency of Docker API calls by DockerHost and operation (streams: until they opened)', labelNames: ['host', 'operation'], buckets: DOCKER_LATENCY_BUCKETS, registers });
    this.orphans = new Counter({ name: 'dockerpod_orphans_collected_total', help: 'Containers and volumes of deleted or moved DockerPods removed by resyncs and sweeps', registers });
    this.podReady = new Histogram({ name: 'dockerpod_pod_ready_duration_seconds', help: 'Seconds from a DockerPod\'s creation to its first Ready=True seen by the leading operator', buckets: POD_READY_BUCKETS, registers });
    this.scrapeTimeGauges();
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type of {@link text}. */
  contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The instruments of one controller (`dockerpod`, `dockerhost`): hooks for its work queue and
   * its pass results. Creates every series of the controller at 0.
   */
  controller(name: string, concurrency: number): ControllerInstruments {
    const queue = { name, controller: name };
    for (const result of RESULTS) this.reconcileTotal.inc({ controller: name, result }, 0);
    this.reconcileErrors.inc({ controller: name }, 0);
    this.terminalErrors.inc({ controller: name }, 0);
    this.reconcileTime.zero({ controller: name });
    this.maxConcurrent.set({ controller: name }, concurrency);
    this.adds.inc(queue, 0);
    this.retries.inc(queue, 0);
    this.queueDuration.zero(queue);
    this.workDuration.zero(queue);
    return {
      hooks: {
        onAdd: () => this.adds.inc(queue),
        onStart: (_key, queuedMs) => this.queueDuration.observe(queue, queuedMs / 1000),
        onRetry: () => this.retries.inc(queue),
      },
      onResult: (r) => this.passEnded(name, r),
      attach: (gauges) => {
        this.queues.set(name, gauges);
      },
    };
  }

  private passEnded(controller: string, r: { outcome: PassOutcome; durationMs: number }): void {
    const failed = r.outcome === 'error' || r.outcome === 'terminal_error';
    this.reconcileTotal.inc({ controller, result: failed ? 'error' : r.outcome });
    if (failed) this.reconcileErrors.inc({ controller });
    if (r.outcome === 'terminal_error') this.terminalErrors.inc({ controller });
    this.reconcileTime.observe({ controller }, r.durationMs / 1000);
    this.workDuration.observe({ name: controller, controller }, r.durationMs / 1000);
  }

  /** One request to the API server (every request of the operator's client, watches included). */
  restRequest(r: RestRequest): void {
    this.restRequests.inc({ code: r.code, method: r.method, host: r.host });
    if (r.code !== '<error>') this.restLatency.observe({ verb: r.method, host: r.host }, r.durationMs / 1000);
  }

  /** Whether this process leads the Lease `name` (1) or stands by (0). */
  leaderStatus(name: string, leading: boolean): void {
    this.leader.set({ name }, leading ? 1 : 0);
  }

  /** One Docker call on the DockerHost `host`. An events subscription is counted when it ends, without a latency. */
  dockerCall(host: string, call: DockerCall): void {
    this.dockerRequests.inc({ host, operation: call.operation, outcome: call.outcome });
    if (call.operation !== 'events') this.dockerLatency.observe({ host, operation: call.operation }, call.durationMs / 1000);
  }

  /** Containers and volumes of gone or moved pods removed. */
  orphansCollected(count: number): void {
    if (count > 0) this.orphans.inc(count);
  }

  /** A pod reached Ready `seconds` after its creation. */
  podBecameReady(seconds: number): void {
    this.podReady.observe(Math.max(0, seconds));
  }

  /** Where pod phases are read at scrape time (one phase per cached pod). */
  observePods(phases: () => Iterable<string>): void {
    this.pods = phases;
  }

  /** Where host readiness is read at scrape time. */
  observeHosts(readiness: () => { ready: number; total: number }): void {
    this.hosts = readiness;
  }

  /** Gauges computed when scraped, from the sources given later (queues, pods, hosts). */
  private scrapeTimeGauges(): void {
    const registers = [this.registry];
    const queues = this.queues;
    const queueGauge = (name: string, help: string, value: (q: QueueGauges) => number): Gauge<'name' | 'controller'> =>
      new Gauge({ name, help, labelNames: ['name', 'controller'], registers, collect(this: Gauge<'name' | 'controller'>) {
        for (const [controller, q] of queues) this.set({ name: controller, controller }, value(q));
      } });
    queueGauge('workqueue_depth', 'Current depth of workqueue', (q) => q.depth());
    queueGauge('workqueue_unfinished_work_seconds', 'How many seconds of work has been done that is in progress and hasn\'t been observed by work_duration', (q) => sum(q.runningMs()) / 1000);
    queueGauge('workqueue_longest_running_processor_seconds', 'How many seconds has the longest running processor for workqueue been running', (q) => Math.max(0, ...q.runningMs()) / 1000);
    new Gauge({ name: 'controller_runtime_active_workers', help: 'Number of currently used workers per controller', labelNames: ['controller'], registers, collect(this: Gauge<'controller'>) {
      for (const [controller, q] of queues) this.set({ controller }, q.inFlight());
    } });
    const pods = (): Iterable<string> => this.pods();
    new Gauge({ name: 'dockerpod_pods', help: 'DockerPods in this operator\'s cache by status.phase (Pending when not set yet)', labelNames: ['phase'], registers, collect(this: Gauge<'phase'>) {
      const counts = new Map<string, number>(POD_PHASES.map((p) => [p, 0]));
      for (const phase of pods()) counts.set(phase, (counts.get(phase) ?? 0) + 1);
      this.reset();
      for (const [phase, n] of counts) this.set({ phase }, n);
    } });
    const hosts = (): { ready: number; total: number } => this.hosts();
    new Gauge({ name: 'dockerpod_hosts', help: 'DockerHosts of this operator by whether their engine answers its heartbeats', labelNames: ['ready'], registers, collect(this: Gauge<'ready'>) {
      const { ready, total } = hosts();
      this.set({ ready: 'true' }, ready);
      this.set({ ready: 'false' }, total - ready);
    } });
  }
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
