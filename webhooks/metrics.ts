// Admission webhook metrics under controller-runtime's names (pkg/webhook/internal/metrics),
// labelled by webhook path, so existing dashboards and alerts (latency, error rate) work. They go
// into the manager's registry and are served with the runtime metrics.
import { Counter, Gauge, Histogram } from "prom-client";
import type { Registry } from "prom-client";

/** prometheus.DefBuckets, which controller-runtime's webhook latency histogram uses. */
const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The webhook server's metrics. */
export interface WebhookMetrics {
  requests: Counter<"webhook" | "code">;
  inFlight: Gauge<"webhook">;
  latency: Histogram<"webhook">;
}

/** Creates the metrics in `registry`. */
export function webhookMetrics(registry: Registry): WebhookMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: "controller_runtime_webhook_requests_total",
      help: "Total number of admission requests by HTTP status code.",
      labelNames: ["webhook", "code"],
      registers,
    }),
    inFlight: new Gauge({
      name: "controller_runtime_webhook_requests_in_flight",
      help: "Current number of admission requests being served.",
      labelNames: ["webhook"],
      registers,
    }),
    latency: new Histogram({
      name: "controller_runtime_webhook_latency_seconds",
      help: "Histogram of the latency of processing admission requests",
      labelNames: ["webhook"],
      buckets: DEFAULT_BUCKETS,
      registers,
    }),
  };
}
