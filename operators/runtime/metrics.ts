// Prometheus metrics under controller-runtime's names (pkg/internal/controller/metrics,
// pkg/internal/metrics/workqueue.go, client-go leaderelection) so existing dashboards work.
// Everything lives in one Registry per manager: no global state, tests can create many managers.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { InformerMetrics } from "./informer.ts";
import type { WorkQueueMetrics } from "./workqueue.ts";

/** controller-runtime's reconcile_time_seconds buckets. */
const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9,
  1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** client-go workqueue buckets: ExponentialBuckets(10e-9, 10, 12) → 1e-8 s … 1e3 s. */
const QUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));

/** Reconcile outcome label values. */
export type ReconcileOutcome = "success" | "error" | "requeue" | "requeue_after";

/** What the scrape-time gauges read from a queue. */
export interface QueueProbe {
  unfinishedWorkSeconds(): number;
  longestRunningProcessorSeconds(): number;
}

/** What the scrape-time gauge reads from an informer. */
export interface InformerProbe {
  lastEventAgeSeconds(): number;
  hasSynced(): boolean;
}

/** All runtime metrics of one manager. */
export class RuntimeMetrics {
  readonly registry: Registry;
  readonly reconcileTotal: Counter<"controller" | "result">;
  readonly reconcileErrors: Counter<"controller">;
  readonly terminalErrors: Counter<"controller">;
  readonly reconcileTime: Histogram<"controller">;
  readonly maxConcurrent: Gauge<"controller">;
  readonly activeWorkers: Gauge<"controller">;
  readonly leaderStatus: Gauge<"name">;
  readonly #queues = new Map<string, QueueProbe>();
  readonly #informers = new Map<string, InformerProbe>();
  readonly #depth: Gauge<"name">;
  readonly #adds: Counter<"name">;
  readonly #retries: Counter<"name">;
  readonly #queueDuration: Histogram<"name">;
  readonly #workDuration: Histogram<"name">;
  readonly #relists: Counter<"gvk">;
  readonly #restarts: Counter<"gvk" | "reason">;

  constructor(registry: Registry = new Registry(), opts: { defaultMetrics?: boolean } = {}) {
    this.registry = registry;
    const registers = [registry];
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
    this.reconcileTotal = new Counter({
      name: "controller_runtime_reconcile_total",
      help: "Total number of reconciliations per controller",
      labelNames: ["controller", "result"],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: "controller_runtime_reconcile_errors_total",
      help: "Total number of reconciliation errors per controller",
      labelNames: ["controller"],
      registers,
    });
    this.terminalErrors = new Counter({
      name: "controller_runtime_terminal_reconcile_errors_total",
      help: "Total number of terminal reconciliation errors per controller",
      labelNames: ["controller"],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Length of time per reconciliation per controller",
      labelNames: ["controller"],
      buckets: RECONCILE_BUCKETS,
      registers,
    });
    this.maxConcurrent = new Gauge({
      name: "controller_runtime_max_concurrent_reconciles",
      help: "Maximum number of concurrent reconciles per controller",
      labelNames: ["controller"],
      registers,
    });
    this.activeWorkers = new Gauge({
      name: "controller_runtime_active_workers",
      help: "Number of currently used workers per controller",
      labelNames: ["controller"],
      registers,
    });
    this.leaderStatus = new Gauge({
      name: "leader_election_master_status",
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.",
      labelNames: ["name"],
      registers,
    });
    this.#depth = new Gauge({
      name: "workqueue_depth",
      help: "Current depth of workqueue",
      labelNames: ["name"],
      registers,
    });
    this.#adds = new Counter({
      name: "workqueue_adds_total",
      help: "Total number of adds handled by workqueue",
      labelNames: ["name"],
      registers,
    });
    this.#retries = new Counter({
      name: "workqueue_retries_total",
      help: "Total number of retries handled by workqueue",
      labelNames: ["name"],
      registers,
    });
    this.#queueDuration = new Histogram({
      name: "workqueue_queue_duration_seconds",
      help: "How long in seconds an item stays in workqueue before being requested",
      labelNames: ["name"],
      buckets: QUEUE_BUCKETS,
      registers,
    });
    this.#workDuration = new Histogram({
      name: "workqueue_work_duration_seconds",
      help: "How long in seconds processing an item from workqueue takes",
      labelNames: ["name"],
      buckets: QUEUE_BUCKETS,
      registers,
    });
    const queues = this.#queues;
    const informers = this.#informers;
    new Gauge({
      name: "workqueue_unfinished_work_seconds",
      help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads.",
      labelNames: ["name"],
      registers,
      collect() {
        for (const [name, q] of queues) this.set({ name }, q.unfinishedWorkSeconds());
      },
    });
    new Gauge({
      name: "workqueue_longest_running_processor_seconds",
      help: "How many seconds has the longest running processor for workqueue been running.",
      labelNames: ["name"],
      registers,
      collect() {
        for (const [name, q] of queues) this.set({ name }, q.longestRunningProcessorSeconds());
      },
    });
    this.#relists = new Counter({
      name: "informer_relists_total",
      help: "Full lists performed by the informer (initial sync, 410 Gone)",
      labelNames: ["gvk"],
      registers,
    });
    this.#restarts = new Counter({
      name: "informer_watch_restarts_total",
      help: "Watch restarts by reason (closed, error, inactive, gone)",
      labelNames: ["gvk", "reason"],
      registers,
    });
    new Gauge({
      name: "informer_last_event_age_seconds",
      help: "Seconds since the informer last received a list, watch event or bookmark",
      labelNames: ["gvk"],
      registers,
      collect() {
        for (const [gvk, i] of informers) this.set({ gvk }, i.lastEventAgeSeconds());
      },
    });
    new Gauge({
      name: "informer_synced",
      help: "1 once the informer's initial list has been applied",
      labelNames: ["gvk"],
      registers,
      collect() {
        for (const [gvk, i] of informers) this.set({ gvk }, i.hasSynced() ? 1 : 0);
      },
    });
  }

  /** Hooks for a work queue named `name`; scrape-time gauges read `probe`. */
  queueMetrics(name: string, probe?: QueueProbe): WorkQueueMetrics {
    if (probe !== undefined) this.#queues.set(name, probe);
    // Pre-create series so dashboards see zeros before the first event (as client-go does).
    this.#adds.inc({ name }, 0);
    this.#retries.inc({ name }, 0);
    this.#depth.set({ name }, 0);
    return {
      added: () => {
        this.#adds.inc({ name });
      },
      depth: (n) => {
        this.#depth.set({ name }, n);
      },
      retried: () => {
        this.#retries.inc({ name });
      },
      queueLatency: (s) => {
        this.#queueDuration.observe({ name }, s);
      },
      workDuration: (s) => {
        this.#workDuration.observe({ name }, s);
      },
    };
  }

  /** Hooks for informers; `probe` feeds the last-event-age and synced gauges. */
  informerMetrics(gvk: string, probe: InformerProbe): InformerMetrics {
    this.#informers.set(gvk, probe);
    return {
      relisted: (id) => {
        this.#relists.inc({ gvk: id });
      },
      restarted: (id, reason) => {
        this.#restarts.inc({ gvk: id, reason });
      },
    };
  }

  /** Initializes a controller's series (controller-runtime pre-creates them at zero). */
  initController(name: string, workers: number): void {
    this.maxConcurrent.set({ controller: name }, workers);
    this.activeWorkers.set({ controller: name }, 0);
    for (const result of ["success", "error", "requeue", "requeue_after"] as const)
      this.reconcileTotal.inc({ controller: name, result }, 0);
    this.reconcileErrors.inc({ controller: name }, 0);
    this.terminalErrors.inc({ controller: name }, 0);
  }
}
