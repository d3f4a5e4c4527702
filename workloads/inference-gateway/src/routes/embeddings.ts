/**
 * POST /v1/embeddings. Embeddings are deterministic, so they use the response cache whenever the
 * model has it enabled.
 */
import type { FastifyInstance } from "fastify";
import { cacheKey } from "../cache/key.ts";
import type { CachedResponse } from "../cache/cache.ts";
import { dispatchUnary } from "../dispatch.ts";
import { embeddingBound, microUnits } from "../limits/bound.ts";
import { EmbeddingsBody } from "../schemas.ts";
import { estimateEmbeddingTokens } from "../tokens.ts";
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

/** Registers the route. */
export function embeddingsRoutes(app: FastifyInstance, opts: { bodyLimit: number }): void {
  app.post(
    "/v1/embeddings",
    { schema: { body: EmbeddingsBody }, bodyLimit: opts.bodyLimit },
    async (req, reply) => {
      const body = req.body as EmbeddingsBody & Record<string, unknown>;
      const ctx = authenticated(req);
      const { cfg, principal } = ctx;
      const ac = new AbortController();
      reply.raw.on("close", () => {
        if (!reply.raw.writableFinished) ac.abort(new Error("client went away"));
      });
      const model = authorize(ctx, body.model, "embedding");
      const estimate = estimateEmbeddingTokens(body.input);
      // Reserved at the upper bound (bytes); settled at the upstream's count.
      const bound = embeddingBound(body.input);
      ctx.reservation = await app.igwLimiter.admit(
        principal.tenant,
        bound,
        Date.now(),
        hasCostBudget(principal.tenant) ? microUnits(bound, 0, maxPrice(cfg, model)) : 0,
      );
      const traceCall = traceUpstream(app, ctx);
      try {
        const compute = async (signal: AbortSignal): Promise<CachedResponse> => {
          const out = await dispatchUnary(
            app.igwDispatchDeps,
            {
              config: cfg,
              model,
              body,
              maxTokens: 0,
              clientWantsUsage: false,
              signal,
              ...(traceCall === undefined ? {} : { traceCall }),
            },
            "embeddings",
          );
          return {
            body: out.result.raw ?? JSON.stringify(out.result.json),
            backend: out.backend.name,
            promptTokens: out.result.usage?.prompt_tokens ?? estimate,
            completionTokens: 0,
          };
        };
        let value: CachedResponse;
        if (model.cacheEnabled) {
          const r = await app.igwResponseCache.getOrCompute(
            cacheKey(principal.tenant.id, "embeddings", model.name, body),
            model.cacheTtlSeconds,
            () => compute(new AbortController().signal),
          );
          value = r.value;
          ctx.cache = r.source;
          app.igwMetrics.cache.inc({ model: model.name, tenant: ctx.tenant, result: r.source });
        } else {
          value = await compute(ac.signal);
        }
        ctx.backend = value.backend;
        const fresh = ctx.cache === undefined || ctx.cache === "miss";
        recordUsage(
          ctx,
          fresh
            ? {
                prompt_tokens: value.promptTokens,
                completion_tokens: 0,
                total_tokens: value.promptTokens,
              }
            : { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
          0,
          0,
        );
        if (ctx.cache !== undefined) void reply.header("x-igw-cache", ctx.cache);
        void reply.header("x-igw-backend", value.backend).type("application/json").send(value.body);
        const served = cfg.backends.get(value.backend);
        settle(
          app,
          ctx,
          ctx.promptTokens,
          served === undefined ? 0 : microUnits(ctx.promptTokens, 0, served),
        );
        finish(app, req, 200, "OK", served);
      } catch (err) {
        settle(app, ctx, 0);
        throw err;
      }
      return reply;
    },
  );
}
