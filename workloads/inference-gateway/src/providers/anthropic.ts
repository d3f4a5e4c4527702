/**
 * Anthropic Messages API upstream, translated to and from OpenAI chat completions.
 */
import { GatewayError } from "../errors.ts";
import {
  AnthropicStreamTranslator,
  TranslationError,
  fromAnthropicResponse,
  toAnthropicRequest,
} from "./anthropic-translate.ts";
import { UpstreamError, pieceBatches, postJSON, readJSON } from "./http.ts";
import type { Dispatcher } from "undici";
import type { CallContext, Provider, StreamPiece, UnaryResult } from "./http.ts";

function request(
  ctx: CallContext,
  body: Record<string, unknown>,
  stream: boolean,
): { url: string; headers: Record<string, string>; payload: Record<string, unknown> } {
  let payload: Record<string, unknown>;
  try {
    payload = toAnthropicRequest({ ...body, stream }, ctx.upstreamModel, ctx.maxTokens);
  } catch (err) {
    if (err instanceof TranslationError)
      throw new GatewayError("GW_ERR_UNSUPPORTED_PARAMETER", {
        message: err.message,
        param: err.param,
      });
    throw err;
  }
  const headers: Record<string, string> = {
    "anthropic-version": ctx.backend.apiVersion ?? "2023-06-01",
  };
  if (ctx.backend.apiKey !== undefined) headers["x-api-key"] = ctx.backend.apiKey;
  return { url: `${ctx.backend.baseURL}/v1/messages`, headers, payload };
}

function pieces(
  ctx: CallContext,
  res: Dispatcher.ResponseData,
  model: string,
): AsyncGenerator<StreamPiece[]> {
  const t = new AnthropicStreamTranslator(model, Date.now());
  return pieceBatches(
    ctx,
    res,
    (ev, out) => {
      let data: Record<string, unknown>;
      try {
        data = JSON.parse(ev.data) as Record<string, unknown>;
      } catch {
        throw new UpstreamError("protocol", "anthropic sent a non-JSON event");
      }
      const type = ev.event ?? (typeof data["type"] === "string" ? data["type"] : "");
      let chunks;
      try {
        chunks = t.feed(type, data);
      } catch (err) {
        throw new UpstreamError("protocol", (err as Error).message);
      }
      for (const c of chunks) {
        const usageOnly = c.usage !== undefined && c.choices.length === 0;
        const text = c.choices[0]?.delta.content;
        out.push({
          data: JSON.stringify(c),
          forward: !usageOnly || ctx.clientWantsUsage,
          usage: c.usage ?? undefined,
          textChars: typeof text === "string" ? text.length : 0,
        });
      }
      return t.done;
    },
    () => new UpstreamError("protocol", "anthropic stream ended without message_stop"),
  );
}

/** The Anthropic provider. */
export const anthropic: Provider = {
  async chat(ctx: CallContext, body: Record<string, unknown>): Promise<UnaryResult> {
    const { url, headers, payload } = request(ctx, body, false);
    const res = await postJSON(ctx, url, headers, payload);
    const completion = fromAnthropicResponse(
      await readJSON(ctx, res),
      String(body["model"]),
      Date.now(),
    );
    return { json: completion as unknown as Record<string, unknown>, usage: completion.usage };
  },
  async chatStream(
    ctx: CallContext,
    body: Record<string, unknown>,
  ): Promise<AsyncIterable<StreamPiece[]>> {
    const { url, headers, payload } = request(ctx, body, true);
    const res = await postJSON(ctx, url, headers, payload);
    return pieces(ctx, res, String(body["model"]));
  },
  embeddings(): Promise<UnaryResult> {
    return Promise.reject(
      new GatewayError("GW_ERR_WRONG_MODEL_TYPE", {
        message: "Anthropic backends do not serve embeddings",
        param: "model",
      }),
    );
  },
};
