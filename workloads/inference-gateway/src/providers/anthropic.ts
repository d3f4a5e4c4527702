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
import { UpstreamError, pieceBatches, postJSON, readJSON, upstreamTarget } from "./http.ts";
import type { UpstreamCall } from "./upstream-call.ts";
import type { CallContext, Provider, StreamPiece, UnaryResult, UpstreamTarget } from "./http.ts";

function request(
  ctx: CallContext,
  body: Record<string, unknown>,
  stream: boolean,
): { target: UpstreamTarget; payload: Record<string, unknown> } {
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
  const b = ctx.backend;
  const target = upstreamTarget(b, "messages", () => {
    const headers: Record<string, string> = {
      "anthropic-version": b.apiVersion ?? "2023-06-01",
    };
    if (b.apiKey !== undefined) headers["x-api-key"] = b.apiKey;
    return { url: `${b.baseURL}/v1/messages`, headers };
  });
  return { target, payload };
}

function pieces(ctx: CallContext, res: UpstreamCall, model: string): AsyncGenerator<StreamPiece[]> {
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
    const { target, payload } = request(ctx, body, false);
    const res = await postJSON(ctx, target, payload);
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
    const { target, payload } = request(ctx, body, true);
    const res = await postJSON(ctx, target, payload);
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
