/**
 * The chat gateway as a Fastify plugin: resources (metrics, pg, redis, auth), the core services,
 * the WebSocket transport, the SSE/POST fallback, tickets, read models, search and probes, and
 * the error handler that turns every failure into a coded answer.
 */
import type { FastifyError, FastifyInstance } from "fastify";
import type { ChatGatewayConfig } from "./config.ts";
import { ChatError, toChatError } from "./errors.ts";
import authPlugin from "./plugins/auth.ts";
import chatPlugin, { type RuntimeConfig } from "./plugins/chat.ts";
import metricsPlugin from "./plugins/metrics.ts";
import pgPlugin from "./plugins/pg.ts";
import redisPlugin from "./plugins/redis.ts";
import webPlugin, { fleetCors } from "./plugins/web.ts";
import wsPlugin from "./plugins/ws.ts";
import readRoutes from "./routes/read.ts";
import sseRoutes from "./routes/sse.ts";
import ticketRoutes from "./routes/tickets.ts";

export interface AppOptions {
  config: ChatGatewayConfig;
}

/** The config without database credentials: what the running app keeps (pure). */
export function runtimeConfig(cfg: ChatGatewayConfig): RuntimeConfig {
  const { databaseUrl: _admin, appDatabaseUrl: _app, appDbPassword: _password, ...rest } = cfg;
  return rest;
}

export default async function chatGatewayApp(
  app: FastifyInstance,
  opts: AppOptions,
): Promise<void> {
  const cfg = opts.config;
  // First: a child context copies the error handler when it is registered, so routes registered
  // before this call would keep Fastify's default handler (500 for every driver error).
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation !== undefined) {
      return reply.code(400).send({ code: "CG_ERR_INVALID_FRAME", message: err.message });
    }
    if (!(err instanceof ChatError) && err.statusCode !== undefined && err.statusCode < 500) {
      const code = err.statusCode === 413 ? "CG_ERR_FRAME_TOO_LARGE" : "CG_ERR_INVALID_FRAME";
      return reply.code(err.statusCode).send({ code, message: err.message });
    }
    const e = toChatError(err);
    if (e.code === "CG_ERR_INTERNAL") req.log.error({ err }, "Failed to handle a request");
    else if (e.statusCode >= 500)
      req.log.warn({ err: e }, "Answered a request with a dependency error");
    if (e.statusCode === 503) void reply.header("retry-after", "1");
    return reply.code(e.statusCode).send({ code: e.code, message: e.message, details: e.details });
  });
  // Before every route, so its hook covers them all (hooks reach only routes registered later).
  if (cfg.web !== undefined) await app.register(fleetCors, { endpoints: cfg.web.endpoints });
  await app.register(metricsPlugin);
  // The database credentials go to the pg plugin only; it runs the migrations and forgets the
  // admin URL. Nothing registered after it can see them.
  await app.register(pgPlugin, {
    adminUrl: cfg.databaseUrl,
    appUrl: cfg.appDatabaseUrl,
    appPassword: cfg.appDbPassword,
    max: cfg.pgPoolMax,
    connectTimeoutMs: cfg.pgConnectTimeoutMs,
    statementTimeoutMs: cfg.pgStatementTimeoutMs,
  });
  const runtime = runtimeConfig(cfg);
  await app.register(redisPlugin, {
    url: runtime.redisUrl,
    commandTimeoutMs: runtime.redisCommandTimeoutMs,
  });
  await app.register(authPlugin, {
    issuers: runtime.issuers,
    ticketTtlMs: runtime.ticketTtlMs,
    jwksCacheMs: runtime.jwksCacheMs,
    jwksMaxStaleMs: runtime.jwksMaxStaleMs,
  });
  await app.register(chatPlugin, { config: runtime });
  await app.register(wsPlugin);
  await app.register(sseRoutes);
  await app.register(ticketRoutes);
  await app.register(readRoutes);
  if (cfg.web !== undefined) await app.register(webPlugin, cfg.web);
}
