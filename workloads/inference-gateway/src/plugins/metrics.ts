/**
 * prom-client metrics in the gateway's own Registry (prefix `inference_gateway_`), decorated as
 * `fastify.metrics`; served on GET /metrics by routes/health.ts.
 */
import fp from "fastify-plugin";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { FastifyInstance } from "fastify";

const P = "inference_gateway_";

/** The gateway's metrics. */
export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: P });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: `${P}requests_total`,
      help: "Requests by endpoint, model, backend, tenant, HTTP status and gateway code",
      labelNames: ["endpoint", "model", "backend", "tenant", "status", "code"],
      registers,
    }),
    duration: new Histogram({
      name: `${P}request_duration_seconds`,
      help: "Request duration at the gateway",
      labelNames: ["endpoint", "model", "backend", "tenant", "stream"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    ttft: new Histogram({
      name: `${P}time_to_first_token_seconds`,
      help: "Time to the first streamed piece",
      labelNames: ["model", "backend", "tenant"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    tokens: new Counter({
      name: `${P}tokens_total`,
      help: "Tokens by direction (in = prompt, out = completion)",
      labelNames: ["model", "backend", "tenant", "direction"],
      registers,
    }),
    cost: new Counter({
      name: `${P}cost_usd_total`,
      help: "Estimated cost in USD from backend prices",
      labelNames: ["model", "backend", "tenant"],
      registers,
    }),
    cache: new Counter({
      name: `${P}cache_requests_total`,
      help: "Response cache lookups by result (hit, miss, coalesced)",
      labelNames: ["model", "tenant", "result"],
      registers,
    }),
    breaker: new Gauge({
      name: `${P}backend_breaker_state`,
      help: "Circuit breaker state per backend: 0 closed, 1 half-open, 2 open",
      labelNames: ["backend"],
      registers,
    }),
    breakerTransitions: new Counter({
      name: `${P}backend_breaker_transitions_total`,
      help: "Breaker transitions per backend and new state",
      labelNames: ["backend", "state"],
      registers,
    }),
    attempts: new Counter({
      name: `${P}upstream_attempts_total`,
      help: "Upstream attempts by backend, kind and outcome",
      labelNames: ["backend", "kind", "outcome"],
      registers,
    }),
    limited: new Counter({
      name: `${P}rate_limited_total`,
      help: "Requests refused by tenant limits",
      labelNames: ["tenant", "code"],
      registers,
    }),
    overReservation: new Counter({
      name: `${P}usage_over_reservation_tokens_total`,
      help: "Tokens upstreams reported beyond a request's reservation (not charged to the tenant)",
      labelNames: ["tenant", "backend"],
      registers,
    }),
    costSpent: new Counter({
      name: `${P}cost_spent_micro_units_total`,
      help: "Money charged to tenants' cost budgets, in micro-units of the budget currency",
      labelNames: ["tenant", "currency"],
      registers,
    }),
    budgetRemaining: new Gauge({
      name: `${P}budget_remaining`,
      help: "What is left of a tenant's budget in this period (tokens, or micro-units for kind=cost) after spend and live reservations, as last seen in Redis by this replica",
      labelNames: ["tenant", "kind", "currency"],
      registers,
    }),
    streamsCut: new Counter({
      name: `${P}streams_cut_total`,
      help: "Streams ended by the gateway because the upstream sent more output than was reserved",
      labelNames: ["backend"],
      registers,
    }),
    reloads: new Counter({
      name: `${P}config_reloads_total`,
      help: "Routing config reloads by result",
      labelNames: ["result"],
      registers,
    }),
    generation: new Gauge({
      name: `${P}config_generation`,
      help: "Generation of the loaded routing config",
      registers,
    }),
    inflight: new Gauge({ name: `${P}inflight_requests`, help: "Requests in flight", registers }),
    backendLatency: new Histogram({
      name: `${P}backend_request_duration_seconds`,
      help: "Duration of requests answered by a backend (status < 500), per backend: the source of AIModel status.latency",
      labelNames: ["backend"],
      buckets: [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
      ],
      registers,
    }),
    assistantRequests: new Counter({
      name: `${P}assistant_requests_total`,
      help: "Requests to an assistant by version and outcome (error = 5xx or a cut stream)",
      labelNames: ["assistant", "version", "outcome"],
      registers,
    }),
    healthUp: new Gauge({
      name: `${P}backend_health_up`,
      help: "Last active health check of a backend: 1 passed, 0 failed",
      labelNames: ["backend"],
      registers,
    }),
    healthLastProbe: new Gauge({
      name: `${P}backend_health_last_probe_timestamp_seconds`,
      help: "Unix time of the last active health check of a backend",
      labelNames: ["backend"],
      registers,
    }),
  };
}

/** Metric handles. */
export interface GatewayMetrics {
  registry: Registry;
  requests: Counter;
  duration: Histogram;
  ttft: Histogram;
  tokens: Counter;
  cost: Counter;
  cache: Counter;
  breaker: Gauge;
  breakerTransitions: Counter;
  attempts: Counter;
  limited: Counter;
  overReservation: Counter;
  costSpent: Counter;
  budgetRemaining: Gauge;
  streamsCut: Counter;
  reloads: Counter;
  generation: Gauge;
  inflight: Gauge;
  backendLatency: Histogram;
  assistantRequests: Counter;
  healthUp: Gauge;
  healthLastProbe: Gauge;
}

declare module "fastify" {
  interface FastifyInstance {
    igwMetrics: GatewayMetrics;
  }
}

function metricsPlugin(app: FastifyInstance): Promise<void> {
  const metrics = createMetrics();
  app.decorate("igwMetrics", metrics);
  app.addHook("onClose", (_instance, done) => {
    metrics.registry.clear();
    done();
  });
  return Promise.resolve();
}

export default fp(metricsPlugin, { name: "igw-metrics", fastify: "5.x" });
