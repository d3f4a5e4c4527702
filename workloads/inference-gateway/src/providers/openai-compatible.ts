/**
 * OpenAI-compatible upstreams: OpenAI, vLLM, Ollama, the test upstream (`provider: openai`) and
 * Azure OpenAI (`provider: azure-openai`: deployment URL, `api-key` header, `api-version` query).
 */
import type { RuntimeBackend } from "../config/runtime.ts";
import {
  UpstreamError,
  pieceBatches,
  postJSON,
  readJSONText,
  upstreamTarget,
  usageOf,
} from "./http.ts";
import type { CallContext, Provider, StreamPiece, UnaryResult, UpstreamTarget } from "./http.ts";
import { chunkFacts } from "./openai-chunk.ts";
import type { UpstreamCall } from "./upstream-call.ts";

function endpoint(b: RuntimeBackend, path: "chat/completions" | "embeddings"): UpstreamTarget {
  return upstreamTarget(b, path, () => {
    if (b.provider === "azure-openai") {
      const q = `?api-version=${encodeURIComponent(b.apiVersion ?? "2024-10-21")}`;
      return {
        url: `${b.baseURL}/${path}${q}`,
        headers: b.apiKey === undefined ? {} : { "api-key": b.apiKey },
      };
    }
    return {
      url: `${b.baseURL}/${path}`,
      headers: b.apiKey === undefined ? {} : { authorization: `Bearer ${b.apiKey}` },
    };
  });
}

function chatBody(
  ctx: CallContext,
  body: Record<string, unknown>,
  stream: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body, model: ctx.upstreamModel, stream };
  // The upstream is bounded to what was reserved: every max-tokens field the client sent carries
  // the reserved value (null ones are dropped: null means "no limit" upstream), and a request
  // without one gets max_tokens.
  const mct = out["max_completion_tokens"];
  const mt = out["max_tokens"];
  const hasMct = mct !== undefined && mct !== null;
  const hasMt = mt !== undefined && mt !== null;
  out["max_completion_tokens"] = hasMct ? ctx.maxTokens : undefined;
  out["max_tokens"] = hasMt || !hasMct ? ctx.maxTokens : undefined;
  // Undefined is left out by JSON.stringify; `delete` would make a slow dictionary object.
  out["stream_options"] = stream ? { include_usage: true } : undefined;
  return out;
}

function pieces(ctx: CallContext, res: UpstreamCall): AsyncGenerator<StreamPiece[]> {
  return pieceBatches(
    ctx,
    res,
    (ev, out) => {
      if (ev.data === "[DONE]") return true;
      const facts = chunkFacts(ev.data);
      if (facts === "not-json")
        throw new UpstreamError("protocol", "upstream sent a non-JSON stream event");
      if (facts === "error-event")
        throw new UpstreamError("protocol", "upstream sent an error event");
      out.push({
        data: ev.data,
        forward: !facts.usageOnly || ctx.clientWantsUsage,
        usage: facts.usage,
        textChars: facts.textChars,
      });
      return false;
    },
    () => new UpstreamError("protocol", "upstream stream ended without [DONE]"),
  );
}

/** The OpenAI-compatible provider. */
export const openAICompatible: Provider = {
  async chat(ctx: CallContext, body: Record<string, unknown>): Promise<UnaryResult> {
    const res = await postJSON(
      ctx,
      endpoint(ctx.backend, "chat/completions"),
      chatBody(ctx, body, false),
    );
    const { json, raw } = await readJSONText(ctx, res);
    return { json, raw, usage: usageOf(json["usage"]) };
  },
  async chatStream(
    ctx: CallContext,
    body: Record<string, unknown>,
  ): Promise<AsyncIterable<StreamPiece[]>> {
    const res = await postJSON(
      ctx,
      endpoint(ctx.backend, "chat/completions"),
      chatBody(ctx, body, true),
    );
    return pieces(ctx, res);
  },
  async embeddings(ctx: CallContext, body: Record<string, unknown>): Promise<UnaryResult> {
    const res = await postJSON(ctx, endpoint(ctx.backend, "embeddings"), {
      ...body,
      model: ctx.upstreamModel,
    });
    const { json, raw } = await readJSONText(ctx, res);
    return { json, raw, usage: usageOf(json["usage"]) };
  },
};
