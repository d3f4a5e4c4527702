/**
 * POST /v1/chat/completions: non-streaming (JSON, cacheable when deterministic) and streaming
 * (SSE). A stream that fails after output began gets an SSE `error` event and ends; it is never
 * retried into duplicated text.
 *
 * Spend is bounded: the reservation covers the request's upper bound (limits/bound.ts), the
 * upstream is sent the reserved max tokens, a stream whose upstream sends more content pieces
 * than the reserved output is ended by the gateway (finish_reason "length"), and settlement
 * never charges more than the reservation.
 */
import type { ServerResponse } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { cacheKey, isCacheable } from "../cache/key.ts";
import type { CachedResponse } from "../cache/cache.ts";
import type { RuntimeConfig, RuntimeModel } from "../config/runtime.ts";
import { dispatchStream, dispatchUnary } from "../dispatch.ts";
import type { DispatchRequest, StreamOutcome } from "../dispatch.ts";
import type { StreamPiece } from "../providers/http.ts";
import { GatewayError } from "../errors.ts";
import { SseSink } from "./sse-sink.ts";
import { ChatBody } from "../schemas.ts";
import { estimateMessagesTokens } from "../tokens.ts";
import { chatBound, microUnits } from "../limits/bound.ts";
import type { RuntimeBackend as Backend } from "../config/runtime.ts";
import { applyVersion, pickVersion, stickinessKey } from "../routing/assistant.ts";
import {
  authenticated,
  authorize,
  finish,
  hasCostBudget,
  maxPrice,
  recordUsage,
  settle,
  traceUpstream,
} from "./context.ts";
import type { RequestContext } from "./context.ts";

const NEVER = new AbortController().signal;

interface Prepared {
  cfg: RuntimeConfig;
  model: RuntimeModel;
  body: Record<string, unknown>;
  maxTokens: number;
  /** Content pieces a stream may carry: the reserved output (n × max tokens). */
  outputLimit: number;
  promptEstimate: number;
  cacheKey: string | undefined;
  signal: AbortSignal;
  /** Starts each upstream call's span (tracing on only). */
  traceCall: DispatchRequest["traceCall"];
}

async function prepare(
  app: FastifyInstance,
  req: FastifyRequest,
  body: ChatBody,
  signal: AbortSignal,
): Promise<Prepared> {
  const ctx = authenticated(req);
  const { cfg, principal } = ctx;
  const { raw, modelName, grantedBy } = resolveAssistant(app, req, ctx, body);
  const model = authorize(ctx, modelName, "chat", grantedBy);
  clampTokens(raw, model);
  // An assistant's instructions change the body: its size is then re-measured.
  const bytes = grantedBy === undefined ? req.igwBodyBytes : undefined;
  const bound = chatBound(raw, bytes, model.defaultMaxTokens, app.igwBoundOptions);
  const micro = hasCostBudget(principal.tenant)
    ? microUnits(bound.inputTokens, bound.outputTokens, maxPrice(cfg, model))
    : 0;
  ctx.reservation = await app.igwLimiter.admit(
    principal.tenant,
    bound.inputTokens + bound.outputTokens,
    Date.now(),
    micro,
  );
  const promptEstimate = estimateMessagesTokens(raw["messages"] as ChatBody["messages"]);
  const key =
    model.cacheEnabled && isCacheable(raw)
      ? cacheKey(principal.tenant.id, "chat", model.name, raw)
      : undefined;
  return {
    cfg,
    model,
    body: raw,
    maxTokens: bound.maxTokens,
    outputLimit: bound.n * bound.maxTokens,
    promptEstimate,
    cacheKey: key,
    signal,
    traceCall: traceUpstream(app, ctx),
  };
}

/** Tokens and micro-units to settle for what a backend served. */
function charge(ctx: RequestContext, backend: Backend | undefined): [number, number] {
  const tokens = ctx.promptTokens + ctx.completionTokens;
  if (backend === undefined) return [tokens, 0];
  return [tokens, microUnits(ctx.promptTokens, ctx.completionTokens, backend)];
}

/**
 * An assistant name resolves to one of its versions: its model, instructions and parameters.
 * Other names pass through unchanged.
 */
function resolveAssistant(
  app: FastifyInstance,
  req: FastifyRequest,
  ctx: RequestContext,
  body: ChatBody,
): { raw: Record<string, unknown>; modelName: string; grantedBy: string | undefined } {
  const raw = body as Record<string, unknown>;
  const assistant = ctx.cfg?.assistants.get(body.model);
  if (assistant === undefined) return { raw, modelName: body.model, grantedBy: undefined };
  const key = stickinessKey(assistant, req.headers, body);
  const version = pickVersion(assistant, key, app.igwDispatchDeps.random);
  if (version === undefined) throw new GatewayError("GW_ERR_MODEL_NOT_FOUND", { param: "model" });
  ctx.assistant = assistant.name;
  ctx.assistantVersion = version.name;
  return { raw: applyVersion(raw, version), modelName: version.model, grantedBy: assistant.name };
}

/** A request asking for more output tokens than the model's maxTokens is clamped to it. */
function clampTokens(raw: Record<string, unknown>, model: RuntimeModel): void {
  if (model.maxTokens === undefined) return;
  for (const k of ["max_completion_tokens", "max_tokens"]) {
    const asked = raw[k];
    if (typeof asked === "number" && asked > model.maxTokens) raw[k] = model.maxTokens;
  }
}

function dispatchRequest(
  p: Prepared,
  signal: AbortSignal,
  clientWantsUsage: boolean,
): DispatchRequest {
  return {
    config: p.cfg,
    model: p.model,
    body: p.body,
    maxTokens: p.maxTokens,
    clientWantsUsage,
    signal,
    ...(p.traceCall === undefined ? {} : { traceCall: p.traceCall }),
  };
}

async function unary(
  app: FastifyInstance,
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: RequestContext,
  p: Prepared,
): Promise<void> {
  let backendName = "";
  const compute = async (signal: AbortSignal): Promise<CachedResponse> => {
    const out = await dispatchUnary(app.igwDispatchDeps, dispatchRequest(p, signal, false), "chat");
    backendName = out.backend.name;
    const u = out.result.usage;
    return {
      body: out.result.raw ?? JSON.stringify(out.result.json),
      backend: out.backend.name,
      promptTokens: u?.prompt_tokens ?? p.promptEstimate,
      completionTokens: u?.completion_tokens ?? 0,
    };
  };
  let value: CachedResponse;
  if (p.cacheKey === undefined) {
    value = await compute(p.signal);
  } else {
    const r = await app.igwResponseCache.getOrCompute(p.cacheKey, p.model.cacheTtlSeconds, () =>
      compute(NEVER),
    );
    value = r.value;
    ctx.cache = r.source;
    app.igwMetrics.cache.inc({ model: ctx.model, tenant: ctx.tenant, result: r.source });
  }
  ctx.backend = value.backend;
  const charged =
    ctx.cache === "hit" || ctx.cache === "coalesced"
      ? undefined
      : {
          prompt_tokens: value.promptTokens,
          completion_tokens: value.completionTokens,
          total_tokens: value.promptTokens + value.completionTokens,
        };
  recordUsage(ctx, charged, 0, 0);
  if (ctx.cache !== undefined) void reply.header("x-igw-cache", ctx.cache);
  if (ctx.assistantVersion !== undefined)
    void reply.header("x-igw-assistant-version", ctx.assistantVersion);
  void reply.header("x-igw-backend", value.backend).type("application/json").send(value.body);
  // Settle after the answer left: accounting stays exact, the client does not wait for it.
  const served = p.cfg.backends.get(backendName);
  settle(app, ctx, ...charge(ctx, served));
  finish(app, req, 200, "OK", served);
}

function sseHead(raw: ServerResponse, backend: string, cache?: string, version?: string): void {
  const headers: Record<string, string> = {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    "x-igw-backend": backend,
  };
  if (cache !== undefined) headers["x-igw-cache"] = cache;
  if (version !== undefined) headers["x-igw-assistant-version"] = version;
  raw.writeHead(200, headers);
}

/** Replays a cached completion as a stream (one content chunk, a finish chunk, optional usage). */
async function replay(
  sink: SseSink,
  cached: CachedResponse,
  wantsUsage: boolean,
  signal: AbortSignal,
): Promise<void> {
  const c = JSON.parse(cached.body) as {
    id: string;
    created: number;
    model: string;
    choices: { message: { content: string | null }; finish_reason: string | null }[];
    usage?: unknown;
  };
  const base = { id: c.id, object: "chat.completion.chunk", created: c.created, model: c.model };
  const choice = c.choices[0];
  await sink.write(
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: choice?.message.content ?? "" }, finish_reason: null }] })}\n\n`,
    signal,
  );
  await sink.write(
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: choice?.finish_reason ?? "stop" }] })}\n\n`,
    signal,
  );
  if (wantsUsage)
    await sink.write(
      `data: ${JSON.stringify({ ...base, choices: [], usage: c.usage ?? null })}\n\n`,
      signal,
    );
  await sink.write("data: [DONE]\n\n", signal);
}

/** Thrown into an upstream stream the gateway ends because it sent more than was reserved. */
class OutputLimitReached extends Error {
  constructor() {
    super("upstream sent more output than was reserved");
    this.name = "OutputLimitReached";
  }
}

/** The closing chunk of a stream the gateway ended: finish_reason "length" on every choice. */
function lengthChunk(lastData: string, choices: number): string {
  let head: { id?: unknown; created?: unknown; model?: unknown } = {};
  try {
    head = JSON.parse(lastData) as typeof head;
  } catch {
    // keep the fields empty
  }
  const chunk = {
    id: head.id ?? "chatcmpl-gateway",
    object: "chat.completion.chunk",
    created: head.created ?? Math.floor(Date.now() / 1000),
    model: head.model ?? "",
    choices: Array.from({ length: choices }, (_, index) => ({
      index,
      delta: {},
      finish_reason: "length",
    })),
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/**
 * Passes the stream on, one write per upstream read. Every content piece carries at least one
 * token, so more content pieces than `limit` means the upstream ignored the max tokens it was
 * sent: the gateway ends the stream there (cutting the upstream call) and returns true.
 */
async function pump(
  sink: SseSink,
  out: StreamOutcome,
  signal: AbortSignal,
  track: (piece: StreamPiece) => void,
  bound: { limit: number; choices: number },
): Promise<boolean> {
  const { limit, choices } = bound;
  let batch = out.first;
  let pieces = 0;
  let last = "";
  for (;;) {
    let text = "";
    let over = false;
    for (const piece of batch) {
      if (piece.textChars > 0 && ++pieces > limit) {
        over = true;
        break;
      }
      track(piece);
      if (piece.forward) {
        text += `data: ${piece.data}\n\n`;
        last = piece.data;
      }
    }
    if (over) {
      await out.rest.throw?.(new OutputLimitReached()).catch(() => undefined);
      await sink.write(`${text}${lengthChunk(last, choices)}data: [DONE]\n\n`, signal);
      return true;
    }
    if (text !== "") await sink.write(text, signal);
    const next = await out.rest.next();
    if (next.done === true) break;
    batch = next.value;
  }
  await sink.write("data: [DONE]\n\n", signal);
  return false;
}

async function streaming(
  app: FastifyInstance,
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: RequestContext,
  p: Prepared & { ac: AbortController },
): Promise<void> {
  const ac = p.ac;
  const so = p.body["stream_options"] as { include_usage?: boolean } | null | undefined;
  const wantsUsage = so?.include_usage === true;
  const cached = p.cacheKey === undefined ? undefined : await app.igwResponseCache.get(p.cacheKey);
  const raw = reply.raw;
  if (cached !== undefined) {
    ctx.cache = "hit";
    ctx.backend = cached.backend;
    app.igwMetrics.cache.inc({ model: ctx.model, tenant: ctx.tenant, result: "hit" });
    settle(app, ctx, 0);
    reply.hijack();
    sseHead(raw, cached.backend, "hit", ctx.assistantVersion);
    const sink = new SseSink(raw);
    await replay(sink, cached, wantsUsage, ac.signal).catch(() => undefined);
    sink.end();
    finish(app, req, 200, "OK");
    return;
  }
  const out = await dispatchStream(app.igwDispatchDeps, dispatchRequest(p, ac.signal, wantsUsage));
  ctx.backend = out.backend.name;
  ctx.ttftMs = out.ttftMs;
  let usage: StreamPiece["usage"];
  let chars = 0;
  reply.hijack();
  sseHead(raw, out.backend.name, undefined, ctx.assistantVersion);
  const sink = new SseSink(raw);
  let failure: unknown;
  let cut = false;
  const choices = typeof p.body["n"] === "number" ? p.body["n"] : 1;
  try {
    cut = await pump(
      sink,
      out,
      ac.signal,
      (piece) => {
        usage = piece.usage ?? usage;
        chars += piece.textChars;
      },
      { limit: p.outputLimit, choices },
    );
  } catch (err) {
    failure = err;
    if (!ac.signal.aborted) {
      const body = new GatewayError("GW_ERR_STREAM_INTERRUPTED").toBody();
      sink
        .write(`event: error\ndata: ${JSON.stringify(body)}\n\n`, ac.signal)
        .catch(() => undefined);
    }
  } finally {
    out.done(failure);
    sink.end();
  }
  recordUsage(ctx, usage, p.promptEstimate, Math.ceil(chars / 4));
  if (cut) {
    // The upstream produced at least the whole reserved output: charge the reservation.
    app.igwMetrics.streamsCut.inc({ backend: out.backend.name });
    ctx.completionTokens = Math.max(ctx.completionTokens, p.outputLimit);
    const r = ctx.reservation;
    settle(app, ctx, r?.tokens ?? 0, r?.micro ?? 0);
  } else settle(app, ctx, ...charge(ctx, out.backend));
  finish(
    app,
    req,
    200,
    failure === undefined
      ? "OK"
      : ac.signal.aborted
        ? "CLIENT_CLOSED"
        : "GW_ERR_STREAM_INTERRUPTED",
    out.backend,
  );
}

/** Registers the route. */
export function chatRoutes(app: FastifyInstance, opts: { bodyLimit: number }): void {
  app.post(
    "/v1/chat/completions",
    { schema: { body: ChatBody }, bodyLimit: opts.bodyLimit },
    async (req, reply) => {
      const body = req.body as ChatBody;
      const stream = body.stream === true;
      const ctx = authenticated(req);
      ctx.stream = stream;
      const ac = new AbortController();
      reply.raw.on("close", () => {
        if (!reply.raw.writableFinished) ac.abort(new Error("client went away"));
      });
      const p = await prepare(app, req, body, ac.signal);
      try {
        if (stream) await streaming(app, req, reply, ctx, { ...p, ac });
        else await unary(app, req, reply, ctx, p);
      } catch (err) {
        settle(app, ctx, 0);
        throw err;
      }
      return reply;
    },
  );
}
