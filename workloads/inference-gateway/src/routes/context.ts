/**
 * Per-request bookkeeping shared by the API routes: the request context, authentication before
 * the body is read (onRequest hook), admission (model lookup, permission, limits) and completion
 * (settlement, metrics, one log line without prompt text or secrets).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { RuntimeBackend, RuntimeConfig, RuntimeModel } from "../config/runtime.ts";
import type { TenantConfig } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import type { Reservation } from "../limits/limiter.ts";
import type { Principal } from "../plugins/auth.ts";
import type { Usage } from "../providers/types.ts";
import type { ClientSpan, TraceSpan } from "../../../../lib/tracing/types.ts";

/** What a request did, for metrics and the log line. */
export interface RequestContext {
  endpoint: "chat" | "embeddings" | "models";
  start: number;
  tenant: string;
  model: string;
  backend: string;
  stream: boolean;
  cache: string | undefined;
  ttftMs: number | undefined;
  promptTokens: number;
  completionTokens: number;
  reservation: Reservation | undefined;
  /** Assistant and version that served the request, when the model named an assistant. */
  assistant: string | undefined;
  assistantVersion: string | undefined;
  /** Whether the reservation was settled (once). */
  settled: boolean;
  done: boolean;
  /** Config snapshot and caller, set by the onRequest hook before the body is read. */
  cfg: RuntimeConfig | undefined;
  principal: Principal | undefined;
  /** The request's server span while tracing is on (lib/tracing), else undefined. */
  span: TraceSpan | undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    igw: RequestContext | null;
    /** Size of the JSON body as received (set by the gateway's JSON parser). */
    igwBodyBytes: number | undefined;
  }
}

const ENDPOINTS: Record<string, RequestContext["endpoint"]> = {
  "/v1/chat/completions": "chat",
  "/v1/embeddings": "embeddings",
  "/v1/models": "models",
};

/**
 * onRequest hook of the API routes: counts the request, takes the config snapshot and
 * authenticates from the headers alone, so a request without valid credentials is answered 401
 * without its body being read or parsed (as OpenAI's API does); the connection is then closed
 * rather than drained of an unread body.
 */
export async function authenticateEarly(
  app: FastifyInstance,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const q = req.url.indexOf("?");
  const endpoint = ENDPOINTS[q < 0 ? req.url : req.url.slice(0, q)];
  if (endpoint === undefined) return;
  const ctx = begin(app, req, endpoint, false);
  try {
    ctx.cfg = snapshot(app);
    ctx.principal = await app.igwAuthenticate(req, ctx.cfg);
    ctx.tenant = ctx.principal.tenant.id;
  } catch (err) {
    void reply.header("connection", "close");
    throw err;
  }
}

/** Creates the context and counts the request in flight. */
export function begin(
  app: FastifyInstance,
  req: FastifyRequest,
  endpoint: RequestContext["endpoint"],
  stream: boolean,
): RequestContext {
  const ctx: RequestContext = {
    endpoint,
    start: performance.now(),
    tenant: "",
    model: "",
    backend: "",
    stream,
    cache: undefined,
    ttftMs: undefined,
    promptTokens: 0,
    completionTokens: 0,
    reservation: undefined,
    assistant: undefined,
    assistantVersion: undefined,
    settled: false,
    done: false,
    cfg: undefined,
    principal: undefined,
    // Tracing off: one undefined check, nothing else (no SDK is loaded).
    span:
      app.igwTracing === undefined
        ? undefined
        : app.igwTracing.server(`${req.method} ${req.routeOptions.url ?? endpoint}`, req.headers),
  };
  req.igw = ctx;
  app.igwDrain.enter();
  return ctx;
}

/**
 * What starts the client span of each upstream call of a traced request (a child of its server
 * span), or undefined while tracing is off. Attributes: backend, provider and upstream model.
 */
export function traceUpstream(
  app: FastifyInstance,
  ctx: RequestContext,
): ((b: RuntimeBackend) => ClientSpan) | undefined {
  const tracing = app.igwTracing;
  const parent = ctx.span;
  if (tracing === undefined || parent === undefined) return undefined;
  return (b) =>
    tracing.client(`upstream ${b.provider}`, parent, {
      "gateway.backend": b.name,
      "gateway.provider": b.provider,
      "gen_ai.request.model": ctx.model,
      "gateway.tenant": ctx.tenant,
    });
}

/** Ends the server span with what the request did (ids and numbers only: no keys, no content). */
function endSpan(span: TraceSpan, ctx: RequestContext, status: number, code: string): void {
  span.setAttributes({
    "gateway.endpoint": ctx.endpoint,
    "gen_ai.request.model": ctx.model,
    "gateway.tenant": ctx.tenant,
    "gateway.backend": ctx.backend,
    "gateway.stream": ctx.stream,
    "gateway.code": code,
    "gateway.cache": ctx.cache ?? "",
    "gen_ai.usage.input_tokens": ctx.promptTokens,
    "gen_ai.usage.output_tokens": ctx.completionTokens,
  });
  if (ctx.assistant !== undefined) span.setAttributes({ "gateway.assistant": ctx.assistant });
  span.end(status, status >= 500 ? code : undefined);
}

/** The routing snapshot or a 503. */
export function snapshot(app: FastifyInstance): RuntimeConfig {
  const cfg = app.igwRouting.current;
  if (cfg === undefined) throw new GatewayError("GW_ERR_CONFIG_NOT_LOADED", { retryAfter: 1 });
  return cfg;
}

/** Whether a tenant may use a model (by canonical name). */
export function mayUse(tenant: TenantConfig, model: string): boolean {
  return tenant.models.includes("*") || tenant.models.includes(model);
}

/** The context the onRequest hook made for an authenticated request. */
export function authenticated(req: FastifyRequest): RequestContext & {
  cfg: RuntimeConfig;
  principal: Principal;
} {
  const ctx = req.igw;
  if (ctx?.cfg === undefined || ctx.principal === undefined)
    throw new GatewayError("GW_ERR_UNAUTHENTICATED");
  return ctx as RequestContext & { cfg: RuntimeConfig; principal: Principal };
}

/**
 * Resolves the model of an authenticated request and checks permission and endpoint type.
 * `grantedBy` is the assistant the model was reached through: a tenant allowed to call the
 * assistant may use its model.
 */
export function authorize(
  ctx: RequestContext & { cfg: RuntimeConfig; principal: Principal },
  modelName: string,
  type: RuntimeModel["type"],
  grantedBy?: string,
): RuntimeModel {
  const { cfg, principal } = ctx;
  const model = cfg.modelIndex.get(modelName);
  if (model === undefined)
    throw new GatewayError("GW_ERR_MODEL_NOT_FOUND", {
      message: `The model '${modelName.slice(0, 256)}' does not exist`,
      param: "model",
    });
  const allowedAs = grantedBy ?? model.name;
  if (!mayUse(principal.tenant, allowedAs) && !mayUse(principal.tenant, model.name))
    throw new GatewayError("GW_ERR_MODEL_FORBIDDEN", {
      message: `Tenant '${principal.tenant.id}' may not use model '${allowedAs}'`,
      param: "model",
    });
  ctx.model = model.name;
  if (model.type !== type)
    throw new GatewayError("GW_ERR_WRONG_MODEL_TYPE", {
      message: `Model '${model.name}' is a ${model.type} model`,
      param: "model",
    });
  return model;
}

const priceCache = new WeakMap<RuntimeModel, { costIn: number; costOut: number }>();

/**
 * The highest input and output prices among a model's backends: a request is reserved before
 * routing, and any of them may serve it (fallback included). Cached per config snapshot.
 */
export function maxPrice(
  cfg: RuntimeConfig,
  model: RuntimeModel,
): { costIn: number; costOut: number } {
  let p = priceCache.get(model);
  if (p === undefined) {
    p = { costIn: 0, costOut: 0 };
    for (const r of model.routes) {
      const b = cfg.backends.get(r.backend);
      if (b === undefined) continue;
      p.costIn = Math.max(p.costIn, b.costIn);
      p.costOut = Math.max(p.costOut, b.costOut);
    }
    priceCache.set(model, p);
  }
  return p;
}

/** Whether a tenant has a cost budget (only then is money reserved). */
export function hasCostBudget(tenant: TenantConfig): boolean {
  return tenant.limits?.costBudget !== undefined;
}

/** Records usage from an upstream result (or the estimate when there is none). */
export function recordUsage(
  ctx: RequestContext,
  usage: Usage | undefined,
  promptEstimate: number,
  completionEstimate: number,
): void {
  ctx.promptTokens = usage?.prompt_tokens ?? promptEstimate;
  ctx.completionTokens = usage?.completion_tokens ?? completionEstimate;
}

/**
 * Settles the reservation with `tokens` and `micro` micro-units, once (later calls do nothing).
 * The tenant is charged at most what was reserved; usage an upstream reported beyond it (it
 * ignored the max_tokens it was sent) is counted in `usage_over_reservation_tokens_total` and
 * logged. Local and immediate: the limiter writes it to Redis within its lease window and at
 * close, which runs after the drain.
 */
export function settle(app: FastifyInstance, ctx: RequestContext, tokens: number, micro = 0): void {
  if (ctx.settled) return;
  ctx.settled = true;
  const r = ctx.reservation;
  if (r === undefined) return;
  if (tokens > r.tokens) {
    app.igwMetrics.overReservation.inc(
      { tenant: ctx.tenant, backend: ctx.backend },
      tokens - r.tokens,
    );
    app.log.warn(
      { tenant: ctx.tenant, backend: ctx.backend, reserved: r.tokens, reported: tokens },
      "Upstream reported more tokens than were reserved; charged the reservation",
    );
  }
  const chargedMicro = Math.min(r.micro, Math.ceil(micro));
  if (r.hasCost && chargedMicro > 0)
    app.igwMetrics.costSpent.inc({ tenant: ctx.tenant, currency: r.currency }, chargedMicro);
  app.igwLimiter.settle(r, tokens, micro);
}

/** Measurements the operator reads back into AIModel and Assistant status. */
function observeLoop(
  m: FastifyInstance["igwMetrics"],
  ctx: RequestContext,
  status: number,
  code: string,
  seconds: number,
): void {
  if (ctx.backend !== "" && status < 500)
    m.backendLatency.observe({ backend: ctx.backend }, seconds);
  if (ctx.assistant === undefined) return;
  const failed = status >= 500 || code === "GW_ERR_STREAM_INTERRUPTED";
  m.assistantRequests.inc({
    assistant: ctx.assistant,
    version: ctx.assistantVersion ?? "",
    outcome: failed ? "error" : "success",
  });
}

/** Ends a request: metrics, log line, in-flight count. Safe to call twice. */
export function finish(
  app: FastifyInstance,
  req: FastifyRequest,
  status: number,
  code: string,
  backend?: RuntimeBackend,
): void {
  const ctx = req.igw;
  if (ctx === null || ctx.done) return;
  ctx.done = true;
  app.igwDrain.leave();
  const m = app.igwMetrics;
  const seconds = (performance.now() - ctx.start) / 1000;
  const labels = { model: ctx.model, backend: ctx.backend, tenant: ctx.tenant };
  m.requests.inc({ endpoint: ctx.endpoint, ...labels, status, code });
  m.duration.observe({ endpoint: ctx.endpoint, ...labels, stream: String(ctx.stream) }, seconds);
  if (ctx.ttftMs !== undefined) m.ttft.observe(labels, ctx.ttftMs / 1000);
  observeLoop(m, ctx, status, code, seconds);
  if (ctx.promptTokens > 0) m.tokens.inc({ ...labels, direction: "in" }, ctx.promptTokens);
  if (ctx.completionTokens > 0) m.tokens.inc({ ...labels, direction: "out" }, ctx.completionTokens);
  if (backend !== undefined && ctx.cache !== "hit" && ctx.cache !== "coalesced") {
    const cost = (ctx.promptTokens * backend.costIn + ctx.completionTokens * backend.costOut) / 1e6;
    if (cost > 0) m.cost.inc(labels, cost);
  }
  if (status === 429) m.limited.inc({ tenant: ctx.tenant, code });
  if (ctx.span !== undefined) endSpan(ctx.span, ctx, status, code);
  (app.igwAccessLog ?? app.log).info(
    {
      reqId: req.id,
      tenant: ctx.tenant,
      model: ctx.model,
      backend: ctx.backend,
      stream: ctx.stream,
      status,
      code,
      cache: ctx.cache,
      assistant: ctx.assistant,
      assistantVersion: ctx.assistantVersion,
      ms: Math.round(seconds * 1000),
      ttftMs: ctx.ttftMs,
      tokensIn: ctx.promptTokens,
      tokensOut: ctx.completionTokens,
    },
    "Completed request",
  );
}

/** Sends an OpenAI-shaped error (used by the error handler). */
export function sendError(reply: FastifyReply, err: GatewayError): FastifyReply {
  if (err.retryAfter !== undefined)
    void reply.header("retry-after", String(Math.max(1, Math.ceil(err.retryAfter))));
  return reply.code(err.statusCode).type("application/json").send(JSON.stringify(err.toBody()));
}
