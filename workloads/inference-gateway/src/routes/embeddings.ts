/**
 * POST /v1/embeddings. Embeddings are deterministic, so they use the response cache whenever the
 * model has it enabled.
 */
import type { FastifyInstance } from "fastify";
import { cacheKey } from "../cache/key.ts";
import type { CachedResponse } from "../cache/cache.ts";
import { dispatchUnary } from "../dispatch.ts";
import { EmbeddingsBody } from "../schemas.ts";
import { estimateEmbeddingTokens } from "../tokens.ts";
import { authorize, begin, finish, recordUsage, settle, snapshot } from "./context.ts";

/** Registers the route. */
export function embeddingsRoutes(app: FastifyInstance, opts: { bodyLimit: number }): void {
  app.post(
    "/v1/embeddings",
    { schema: { body: EmbeddingsBody }, bodyLimit: opts.bodyLimit },
    async (req, reply) => {
      const body = req.body as EmbeddingsBody & Record<string, unknown>;
      const ctx = begin(app, req, "embeddings", false);
      const ac = new AbortController();
      reply.raw.on("close", () => {
        if (!reply.raw.writableFinished) ac.abort(new Error("client went away"));
      });
      const cfg = snapshot(app);
      const { principal, model } = await authorize(app, req, ctx, {
        cfg,
        modelName: body.model,
        type: "embedding",
      });
      const estimate = estimateEmbeddingTokens(body.input);
      ctx.reservation = await app.igwLimiter.admit(principal.tenant, estimate);
      try {
        const compute = async (signal: AbortSignal): Promise<CachedResponse> => {
          const out = await dispatchUnary(
            app.igwDispatchDeps,
            { config: cfg, model, body, maxTokens: 0, clientWantsUsage: false, signal },
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
        settle(app, ctx, ctx.promptTokens);
        finish(app, req, 200, "OK", cfg.backends.get(value.backend));
      } catch (err) {
        settle(app, ctx, 0);
        throw err;
      }
      return reply;
    },
  );
}
