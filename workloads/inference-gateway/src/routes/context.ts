/**
 * Per-request bookkeeping shared by the API routes: the request context, admission (auth, model
 * lookup, permission, limits) and completion (settlement, metrics, one log line without prompt
 * text or secrets).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { RuntimeBackend, RuntimeConfig, RuntimeModel } from "../config/runtime.ts";
import type { TenantConfig } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import type { Reservation } from "../limits/limiter.ts";
import type { Principal } from "../plugins/auth.ts";
import type { Usage } from "../providers/types.ts";

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
  /** Whether the reservation was settled (once). */
  settled: boolean;
  done: boolean;
}

declare module "fastify" {
  interface FastifyRequest {
    igw: RequestContext | null;
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
    settled: false,
    done: false,
  };
  req.igw = ctx;
  app.igwDrain.enter();
  return ctx;
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

/** Authenticates, resolves the model and checks permission and endpoint type. */
export async function authorize(
  app: FastifyInstance,
  req: FastifyRequest,
  ctx: RequestContext,
  want: { cfg: RuntimeConfig; modelName: string; type: RuntimeModel["type"] },
): Promise<{ principal: Principal; model: RuntimeModel }> {
  const { cfg, modelName, type } = want;
  const principal = await app.igwAuthenticate(req, cfg);
  ctx.tenant = principal.tenant.id;
  const model = cfg.modelIndex.get(modelName);
  if (model === undefined)
    throw new GatewayError("GW_ERR_MODEL_NOT_FOUND", {
      message: `The model '${modelName.slice(0, 256)}' does not exist`,
      param: "model",
    });
  if (!mayUse(principal.tenant, model.name))
    throw new GatewayError("GW_ERR_MODEL_FORBIDDEN", {
      message: `Tenant '${principal.tenant.id}' may not use model '${model.name}'`,
      param: "model",
    });
  ctx.model = model.name;
  if (model.type !== type)
    throw new GatewayError("GW_ERR_WRONG_MODEL_TYPE", {
      message: `Model '${model.name}' is a ${model.type} model`,
      param: "model",
    });
  return { principal, model };
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
 * Settles the reservation with `tokens`, once (later calls do nothing). Local and immediate: the
 * limiter writes it to Redis within its lease window and at close, which runs after the drain.
 */
export function settle(app: FastifyInstance, ctx: RequestContext, tokens: number): void {
  if (ctx.settled) return;
  ctx.settled = true;
  app.igwLimiter.settle(ctx.reservation, tokens);
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
  if (ctx.promptTokens > 0) m.tokens.inc({ ...labels, direction: "in" }, ctx.promptTokens);
  if (ctx.completionTokens > 0) m.tokens.inc({ ...labels, direction: "out" }, ctx.completionTokens);
  if (backend !== undefined && ctx.cache !== "hit" && ctx.cache !== "coalesced") {
    const cost = (ctx.promptTokens * backend.costIn + ctx.completionTokens * backend.costOut) / 1e6;
    if (cost > 0) m.cost.inc(labels, cost);
  }
  if (status === 429) m.limited.inc({ tenant: ctx.tenant, code });
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
