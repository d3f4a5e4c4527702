/**
 * POST /v1/chat/completions: non-streaming (JSON, cacheable when deterministic) and streaming
 * (SSE). A stream that fails after output began gets an SSE `error` event and ends; it is never
 * retried into duplicated text.
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
import { authorize, begin, finish, recordUsage, settle, snapshot } from "./context.ts";
import type { RequestContext } from "./context.ts";

const NEVER = new AbortController().signal;

interface Prepared {
  cfg: RuntimeConfig;
  model: RuntimeModel;
  body: Record<string, unknown>;
  maxTokens: number;
  promptEstimate: number;
  cacheKey: string | undefined;
  signal: AbortSignal;
}

async function prepare(
  app: FastifyInstance,
  req: FastifyRequest,
  ctx: RequestContext,
  body: ChatBody,
  signal: AbortSignal,
): Promise<Prepared> {
  const cfg = snapshot(app);
  const { principal, model } = await authorize(app, req, ctx, {
    cfg,
    modelName: body.model,
    type: "chat",
  });
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? model.defaultMaxTokens;
  const promptEstimate = estimateMessagesTokens(body.messages);
  ctx.reservation = await app.igwLimiter.admit(principal.tenant, promptEstimate + maxTokens);
  const raw = body as Record<string, unknown>;
  const key =
    model.cacheEnabled && isCacheable(raw)
      ? cacheKey(principal.tenant.id, "chat", model.name, raw)
      : undefined;
  return { cfg, model, body: raw, maxTokens, promptEstimate, cacheKey: key, signal };
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
  void reply.header("x-igw-backend", value.backend).type("application/json").send(value.body);
  // Settle after the answer left: accounting stays exact, the client does not wait for it.
  settle(app, ctx, ctx.promptTokens + ctx.completionTokens);
  finish(app, req, 200, "OK", p.cfg.backends.get(backendName));
}

function sseHead(raw: ServerResponse, backend: string, cache?: string): void {
  const headers: Record<string, string> = {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    "x-igw-backend": backend,
  };
  if (cache !== undefined) headers["x-igw-cache"] = cache;
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

async function pump(
  sink: SseSink,
  out: StreamOutcome,
  signal: AbortSignal,
  track: (piece: StreamPiece) => void,
): Promise<void> {
  let batch = out.first;
  for (;;) {
    let text = "";
    for (const piece of batch) {
      track(piece);
      if (piece.forward) text += `data: ${piece.data}\n\n`;
    }
    if (text !== "") await sink.write(text, signal);
    const next = await out.rest.next();
    if (next.done === true) break;
    batch = next.value;
  }
  await sink.write("data: [DONE]\n\n", signal);
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
    sseHead(raw, cached.backend, "hit");
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
  sseHead(raw, out.backend.name);
  const sink = new SseSink(raw);
  let failure: unknown;
  try {
    await pump(sink, out, ac.signal, (piece) => {
      usage = piece.usage ?? usage;
      chars += piece.textChars;
    });
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
  settle(app, ctx, ctx.promptTokens + ctx.completionTokens);
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
      const ctx = begin(app, req, "chat", stream);
      const ac = new AbortController();
      reply.raw.on("close", () => {
        if (!reply.raw.writableFinished) ac.abort(new Error("client went away"));
      });
      const p = await prepare(app, req, ctx, body, ac.signal);
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
