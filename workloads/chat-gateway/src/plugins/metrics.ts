/**
 * Prometheus metrics of the gateway (prom-client, own registry, prefix `chat_gateway_`) and the
 * /metrics route. `chat_gateway_connections{transport}` summed over transports is the per-pod
 * connection count the ChatRegion operator scales on; `chat_gateway_connections_max` is the
 * pod's limit (CHAT_MAX_CONNECTIONS).
 */
import fp from "fastify-plugin";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { FastifyInstance } from "fastify";

/** The gateway's metrics, in their own registry with the `chat_gateway_` prefix. */
export interface ChatMetrics {
  registry: Registry;
  connections: Gauge;
  maxConnections: Gauge;
  rejected: Counter;
  framesIn: Counter;
  messagesOut: Counter;
  deliveryLatency: Histogram;
  resumes: Counter;
  replayed: Counter;
  gapFilled: Counter;
  errors: Counter;
  slowConsumers: Counter;
  commands: Counter;
  projectionLag: Gauge;
  feeds: Gauge;
  activeReplies: Gauge;
}

declare module "fastify" {
  interface FastifyInstance {
    metrics: ChatMetrics;
  }
}

/** Creates the registry and metrics (pure apart from prom-client objects). */
export function createMetrics(): ChatMetrics {
  const registry = new Registry();
  const p = "chat_gateway_";
  collectDefaultMetrics({ register: registry, prefix: p });
  const registers = [registry];
  return {
    registry,
    connections: new Gauge({
      name: `${p}connections`,
      help: "Open client connections",
      labelNames: ["transport"],
      registers,
    }),
    maxConnections: new Gauge({
      name: `${p}connections_max`,
      help: "Client connections this replica accepts (CHAT_MAX_CONNECTIONS)",
      registers,
    }),
    rejected: new Counter({
      name: `${p}connections_rejected_total`,
      help: "Connections refused by a limit (total, user, pending_upgrades)",
      labelNames: ["reason"],
      registers,
    }),
    framesIn: new Counter({
      name: `${p}frames_in_total`,
      help: "Client frames received",
      labelNames: ["type"],
      registers,
    }),
    messagesOut: new Counter({
      name: `${p}messages_out_total`,
      help: "Frames delivered to clients by fan-out",
      registers,
    }),
    deliveryLatency: new Histogram({
      name: `${p}delivery_latency_seconds`,
      help: "Time from publish after commit to local fan-out",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    resumes: new Counter({
      name: `${p}resumes_total`,
      help: "Subscriptions resumed from a sequence",
      registers,
    }),
    replayed: new Counter({
      name: `${p}replayed_events_total`,
      help: "Events replayed from PostgreSQL",
      registers,
    }),
    gapFilled: new Counter({
      name: `${p}gap_filled_events_total`,
      help: "Live events recovered from PostgreSQL",
      registers,
    }),
    errors: new Counter({
      name: `${p}errors_total`,
      help: "Error frames sent, by code",
      labelNames: ["code"],
      registers,
    }),
    slowConsumers: new Counter({
      name: `${p}slow_consumer_disconnects_total`,
      help: "Connections closed as slow consumers",
      registers,
    }),
    commands: new Counter({
      name: `${p}commands_total`,
      help: "Write commands",
      labelNames: ["type"],
      registers,
    }),
    projectionLag: new Gauge({
      name: `${p}projection_lag_messages`,
      help: "Messages not yet indexed for search",
      registers,
    }),
    feeds: new Gauge({
      name: `${p}feeds`,
      help: "Conversations with a local subscriber",
      registers,
    }),
    activeReplies: new Gauge({
      name: `${p}active_replies`,
      help: "Replies streaming on this replica",
      registers,
    }),
  };
}

export default fp(
  function metricsPlugin(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
    const metrics = createMetrics();
    app.decorate("metrics", metrics);
    app.get("/metrics", (_req, reply) => {
      reply.header("content-type", metrics.registry.contentType);
      return metrics.registry.metrics();
    });
    app.addHook("onClose", (_instance, hookDone) => {
      metrics.registry.clear();
      hookDone();
    });
    done();
  },
  { name: "chat-metrics" },
);
