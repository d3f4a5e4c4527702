/**
 * The inference gateway as a Fastify plugin. server.ts owns the logger, timeouts, listen and
 * signals; tests register this plugin on their own instance and use `inject` or `listen`.
 */
import fp from "fastify-plugin";
import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
} from "fastify";
import { BackendRegistry } from "./backends.ts";
import { ResponseCache } from "./cache/cache.ts";
import type { DispatchDeps } from "./dispatch.ts";
import { GatewayError } from "./errors.ts";
import type { ErrorCode } from "./errors.ts";
import { DEFAULT_BOUND_OPTIONS } from "./limits/bound.ts";
import type { BoundOptions } from "./limits/bound.ts";
import { Limiter } from "./limits/limiter.ts";
import authPlugin from "./plugins/auth.ts";
import configWatcher from "./plugins/config-watcher.ts";
import metricsPlugin from "./plugins/metrics.ts";
import redisPlugin from "./plugins/redis.ts";
import { BREAKER_STATE_VALUE } from "./resilience/breaker.ts";
import { chatRoutes } from "./routes/chat.ts";
import { authenticateEarly, finish, sendError } from "./routes/context.ts";
import { HealthChecker } from "./health-checks.ts";
import { embeddingsRoutes } from "./routes/embeddings.ts";
import { healthRoutes } from "./routes/health.ts";
import { modelsRoutes } from "./routes/models.ts";
import { typeboxValidator } from "./schemas.ts";
import { startTracing } from "../../../lib/tracing/index.ts";
import type { Tracing, TracingConfig } from "../../../lib/tracing/index.ts";

/** Options of the gateway plugin. */
export interface GatewayOptions {
  /** Path of the routing file (YAML or JSON). */
  configPath: string;
  /** Redis URL for limits and cache. */
  redisUrl: string;
  /** Maximum request body in bytes (default 4 MiB). */
  bodyLimit?: number;
  /** Config poll interval in ms (default 2000); file-system events trigger sooner. */
  configPollMs?: number;
  /** Longest time close() waits for in-flight requests and streams (default 30 s). */
  drainTimeoutMs?: number;
  /** Minimum time between JWKS refetches on an unknown key id (default 30 s). */
  jwksCooldownMs?: number;
  /** Age after which signing keys are refreshed in the background (default 10 min). */
  jwksMaxAgeMs?: number;
  /** How long cached signing keys keep working while the issuer is unreachable (default 24 h). */
  jwksMaxStaleMs?: number;
  /** Timeout of OIDC discovery and JWKS fetches (default 5 s). */
  jwksTimeoutMs?: number;
  /** Tokens counted per image part in a reservation, and the largest `n` (limits/bound.ts). */
  bound?: Partial<BoundOptions>;
  /** How long Redis keeps this replica's budget reservations without renewal (default 30 s). */
  reservationTtlMs?: number;
  /** Timeout of each Redis command and of connecting (default 2 s). */
  redisCommandTimeoutMs?: number;
  /** Longest silence of an upstream stream between chunks after the first (default 60 s). */
  upstreamStallMs?: number;
  /** Random source for routing, retries and faults (tests pass a seeded one). */
  random?: () => number;
  /**
   * Logger for the one line per completed request (default: the app logger). Its fields
   * are fixed scalars without secrets, so it may be a logger without redaction.
   */
  accessLog?: FastifyBaseLogger;
  /**
   * Traces over OTLP (lib/tracing; server.ts sets it from OTEL_EXPORTER_OTLP_ENDPOINT). Unset:
   * tracing is off and the OpenTelemetry SDK is not loaded.
   */
  tracing?: TracingConfig | undefined;
}

/** Tracks in-flight requests so close() can drain them. */
export interface DrainTracker {
  inflight: number;
  draining: boolean;
  enter: () => void;
  leave: () => void;
  /** Resolves when nothing is in flight or after `timeoutMs`; true when drained. */
  idle: (timeoutMs: number) => Promise<boolean>;
}

declare module "fastify" {
  interface FastifyInstance {
    igwBackends: BackendRegistry;
    igwLimiter: Limiter;
    igwResponseCache: ResponseCache;
    igwDispatchDeps: DispatchDeps;
    igwDrain: DrainTracker;
    igwAccessLog: FastifyBaseLogger | undefined;
    igwBoundOptions: BoundOptions;
    /** Tracing while it is on (a server span per API request, a client span per upstream call). */
    igwTracing: Tracing | undefined;
  }
}

function drainTracker(onChange: (n: number) => void): DrainTracker {
  let waiters: (() => void)[] = [];
  const t: DrainTracker = {
    inflight: 0,
    draining: false,
    enter: () => {
      onChange(++t.inflight);
    },
    leave: () => {
      onChange(--t.inflight);
      if (t.inflight === 0) {
        for (const w of waiters) w();
        waiters = [];
      }
    },
    idle: (timeoutMs) =>
      t.inflight === 0
        ? Promise.resolve(true)
        : new Promise((resolve) => {
            const timer = setTimeout(() => {
              resolve(false);
            }, timeoutMs);
            waiters.push(() => {
              clearTimeout(timer);
              resolve(true);
            });
          }),
  };
  return t;
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "GW_ERR_BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "GW_ERR_UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "GW_ERR_INVALID_REQUEST",
  FST_ERR_CTP_EMPTY_JSON_BODY: "GW_ERR_INVALID_JSON",
  FST_ERR_CTP_INVALID_JSON_BODY: "GW_ERR_INVALID_JSON",
};

/** Maps anything thrown in a request to a {@link GatewayError}. */
export function toGatewayError(err: FastifyError | Error): GatewayError {
  if (err instanceof GatewayError) return err;
  const code = (err as FastifyError).code;
  const mapped = typeof code === "string" ? FASTIFY_CODES[code] : undefined;
  if (mapped !== undefined) return new GatewayError(mapped);
  const status = (err as FastifyError).statusCode;
  if (err instanceof SyntaxError && status === 400) return new GatewayError("GW_ERR_INVALID_JSON");
  if ((err as FastifyError).validation !== undefined)
    return new GatewayError("GW_ERR_INVALID_REQUEST", { message: err.message });
  if (typeof status === "number" && status >= 400 && status < 500)
    return new GatewayError("GW_ERR_INVALID_REQUEST", { status, message: err.message });
  return new GatewayError("GW_ERR_INTERNAL", { cause: err });
}

async function gateway(app: FastifyInstance, opts: GatewayOptions): Promise<void> {
  const bodyLimit = opts.bodyLimit ?? 4 * 1024 * 1024;
  const random = opts.random ?? Math.random;
  app.setValidatorCompiler(typeboxValidator);
  app.removeContentTypeParser("text/plain");
  // Fastify's JSON parser (prototype-poisoning checks included), plus the body's size: the
  // reservation counts every byte the upstream may turn into prompt tokens (limits/bound.ts).
  const json = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    req.igwBodyBytes = Buffer.byteLength(body);
    // The default parser is the callback kind: it returns nothing.
    void json(req, body as string, done);
  });
  app.decorateRequest("igwBodyBytes", undefined);
  app.decorate("igwBoundOptions", { ...DEFAULT_BOUND_OPTIONS, ...opts.bound });
  await app.register(metricsPlugin);
  await app.register(redisPlugin, {
    url: opts.redisUrl,
    commandTimeoutMs: opts.redisCommandTimeoutMs ?? 2_000,
  });
  const registry = new BackendRegistry((backend, state, initial) => {
    app.igwMetrics.breaker.set({ backend }, BREAKER_STATE_VALUE[state]);
    if (initial) return;
    app.igwMetrics.breakerTransitions.inc({ backend, state });
    if (state !== "closed") app.log.warn({ backend, state }, "Changed circuit breaker state");
  });
  app.decorate("igwBackends", registry);
  app.decorate(
    "igwDrain",
    drainTracker((n) => {
      app.igwMetrics.inflight.set(n);
    }),
  );
  app.decorate(
    "igwLimiter",
    new Limiter(app.igwRedis, {
      ...(opts.reservationTtlMs === undefined ? {} : { reservationTtlMs: opts.reservationTtlMs }),
      onError: (err) => {
        app.log.error(
          { err: { message: (err as Error).message } },
          "Failed to write limit settlements",
        );
      },
      onUsage: (id, usedTokens, usedMicro) => {
        const limits = app.igwRouting.current?.tenants.get(id)?.limits;
        const g = app.igwMetrics.budgetRemaining;
        if (limits?.tokenBudget !== undefined && usedTokens >= 0)
          g.set(
            { tenant: id, kind: "tokens", currency: "" },
            Math.max(0, limits.tokenBudget.tokens - usedTokens),
          );
        const cost = limits?.costBudget;
        if (cost !== undefined && usedMicro >= 0)
          g.set(
            { tenant: id, kind: "cost", currency: cost.currency },
            Math.max(0, cost.microUnits - usedMicro),
          );
      },
    }),
  );
  // Added after the Redis plugin, so it runs before Redis quits (onClose hooks run last-first).
  app.addHook("onClose", async () => {
    await app.igwLimiter.close();
  });
  app.decorate(
    "igwResponseCache",
    new ResponseCache(app.igwRedis, (err) => {
      app.log.warn({ err: { message: (err as Error).message } }, "Response cache failed");
    }),
  );
  app.decorate("igwDispatchDeps", {
    registry,
    random,
    stallMs: opts.upstreamStallMs ?? 60_000,
    onAttempt: (backend, outcome, kind) => {
      app.igwMetrics.attempts.inc({ backend, outcome, kind });
    },
  });
  const tracing = await startTracing(opts.tracing);
  app.decorate("igwTracing", tracing);
  // Registered before the drain's hooks run: onClose comes after preClose, so the spans of
  // drained requests are ended and exported here.
  if (tracing !== undefined) app.addHook("onClose", () => tracing.shutdown());
  app.decorateRequest("igw", null);
  app.decorate("igwAccessLog", opts.accessLog);
  await app.register(authPlugin, {
    ...(opts.jwksCooldownMs === undefined ? {} : { jwksCooldownMs: opts.jwksCooldownMs }),
    ...(opts.jwksMaxAgeMs === undefined ? {} : { jwksMaxAgeMs: opts.jwksMaxAgeMs }),
    ...(opts.jwksMaxStaleMs === undefined ? {} : { jwksMaxStaleMs: opts.jwksMaxStaleMs }),
    ...(opts.jwksTimeoutMs === undefined ? {} : { discoveryTimeoutMs: opts.jwksTimeoutMs }),
  });
  const health = new HealthChecker({
    result: (backend, up, at) => {
      app.igwMetrics.healthUp.set({ backend }, up ? 1 : 0);
      app.igwMetrics.healthLastProbe.set({ backend }, at.getTime() / 1000);
    },
  });
  app.addHook("onClose", (_instance, done) => {
    health.close();
    done();
  });
  await app.register(configWatcher, {
    path: opts.configPath,
    pollMs: opts.configPollMs ?? 2_000,
    onLoad: (cfg) => {
      registry.prune(new Set(cfg.backends.keys()));
      for (const b of cfg.backends.values()) registry.get(b);
      health.update(cfg);
    },
  });

  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const ge = toGatewayError(err);
    if (ge.statusCode >= 500)
      req.log.error(
        {
          code: ge.code,
          err: { message: err.message, cause: (ge.cause as Error | undefined)?.message },
        },
        "Failed request",
      );
    finish(app, req, ge.statusCode, ge.code);
    return sendError(reply, ge);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(
      reply,
      new GatewayError("GW_ERR_NOT_FOUND", {
        message: `No route for ${req.method} ${req.url.split("?")[0] ?? ""}`,
      }),
    ),
  );

  app.addHook("preClose", async () => {
    app.igwDrain.draining = true;
    const drained = await app.igwDrain.idle(opts.drainTimeoutMs ?? 30_000);
    app.log.info(
      { drained, inflight: app.igwDrain.inflight },
      drained ? "Drained in-flight requests" : "Stopped draining at the timeout",
    );
  });
  app.addHook("onClose", async () => {
    await registry.close();
  });

  // Credentials are checked from the headers before the body is read (routes/context.ts).
  app.addHook("onRequest", (req, reply) => authenticateEarly(app, req, reply));

  healthRoutes(app);
  modelsRoutes(app);
  chatRoutes(app, { bodyLimit });
  embeddingsRoutes(app, { bodyLimit });
}

export default fp(gateway, { name: "inference-gateway", fastify: "5.x" });
