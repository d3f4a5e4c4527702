import type { FastifyError, FastifyInstance } from "fastify";
import type { ChatGatewayConfig } from "./config.ts";
import { ChatError } from "./errors.ts";
import authPlugin from "./plugins/auth.ts";
import chatPlugin from "./plugins/chat.ts";
import metricsPlugin from "./plugins/metrics.ts";
import pgPlugin from "./plugins/pg.ts";
import redisPlugin from "./plugins/redis.ts";
import wsPlugin from "./plugins/ws.ts";
import readRoutes from "./routes/read.ts";
import sseRoutes from "./routes/sse.ts";

export interface AppOptions {
  config: ChatGatewayConfig;
}

/**
 * The chat gateway as a Fastify plugin: resources (pg, redis, metrics, auth), the core
 * services, the WebSocket transport, the SSE/POST fallback, read models, search and probes.
 */
export default async function chatGatewayApp(app: FastifyInstance, opts: AppOptions): Promise<void> {
  const cfg = opts.config;
  await app.register(metricsPlugin);
  await app.register(pgPlugin, { adminUrl: cfg.databaseUrl, appUrl: cfg.appDatabaseUrl, appPassword: cfg.appDbPassword });
  await app.register(redisPlugin, { url: cfg.redisUrl });
  await app.register(authPlugin, { issuers: cfg.issuers });
  await app.register(chatPlugin, { config: cfg });
  await app.register(wsPlugin);
  await app.register(sseRoutes);
  await app.register(readRoutes);

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof ChatError) {
      return reply.code(err.statusCode).send({ code: err.code, message: err.message, details: err.details });
    }
    if (err.validation !== undefined) {
      return reply.code(400).send({ code: "CG_ERR_INVALID_FRAME", message: err.message });
    }
    if (err.statusCode !== undefined && err.statusCode < 500) {
      const code = err.statusCode === 413 ? "CG_ERR_FRAME_TOO_LARGE" : "CG_ERR_INVALID_FRAME";
      return reply.code(err.statusCode).send({ code, message: err.message });
    }
    req.log.error({ err }, "Failed to handle a request");
    return reply.code(500).send({ code: "CG_ERR_INTERNAL", message: "Internal error" });
  });
}
