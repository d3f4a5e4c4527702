/**
 * Probes and metrics: GET /healthz (process alive), GET /readyz (config loaded, Redis connected,
 * not draining), GET /metrics (Prometheus text). None of them needs credentials; serve them on a
 * port or path not exposed publicly.
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
    const ready = checks.config && checks.redis && !checks.draining;
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
