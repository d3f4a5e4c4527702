/**
 * Probes and metrics: GET /healthz (process alive), GET /readyz (config loaded, not draining),
 * GET /metrics (Prometheus text). None of them needs credentials; serve them on a port or path
 * not exposed publicly.
 *
 * Redis is reported by /readyz but does not make the pod unready: Redis is shared by every
 * replica, so a Redis blip would take all of them out of the Service at once, and requests that
 * need no Redis (tenants without limits) would fail for nothing. Without Redis the gateway
 * degrades as documented in the README (limits fail closed with 503, the cache is skipped).
 */
import type { FastifyInstance } from "fastify";

/** Registers the routes. */
export function healthRoutes(app: FastifyInstance): void {
  app.get("/healthz", async (_req, reply) => reply.send({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const checks = {
      config: app.igwRouting.current !== undefined,
      redis: app.igwRedis.status === "ready",
      draining: app.igwDrain.draining,
    };
    const ready = checks.config && !checks.draining;
    return reply.code(ready ? 200 : 503).send({
      status: ready ? "ready" : "not-ready",
      checks,
      configErrors: app.igwRouting.lastError ?? [],
    });
  });
  app.get("/metrics", async (_req, reply) =>
    reply.type(app.igwMetrics.registry.contentType).send(await app.igwMetrics.registry.metrics()),
  );
}
