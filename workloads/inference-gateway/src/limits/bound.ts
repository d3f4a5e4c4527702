/**
 * What a request may cost at most, computed before admission (pure). The reservation must cover
 * everything the upstream can charge for, because settlement never charges more than was reserved
 * (limiter.ts) and the upstream call is bounded to it (providers send the reserved max_tokens):
 *
 * - input: the UTF-8 bytes of the whole request body. Byte-level BPE tokenizers (OpenAI, Llama,
 *   Mistral, …) never make more tokens than bytes, and every field the upstream may render into
 *   the prompt (messages, names, tool calls, tools/functions, response_format schemas, stop lists,
 *   logit_bias, prediction, fields the gateway does not know yet) is part of the body; JSON framing
 *   outweighs the chat template's per-message tokens. An image part counts `imageTokens` instead
 *   of its URL bytes (a linked image costs far more than its URL; an inline one far less than its
 *   base64). Over-reservation is refunded at settlement.
 * - output: `n` choices × max tokens (the smaller of max_completion_tokens and max_tokens, or the
 *   model default when both are absent or null), plus the predicted-output bytes (rejected
 *   prediction tokens are billed as output).
 *
 * Requests whose cost is not bounded by tokens are refused (400 GW_ERR_UNBOUNDED_REQUEST): `n`
 * over the cap, built-in (non-function) tools and web search, which are billed per call.
 */
import { GatewayError } from "../errors.ts";

/** Knobs of the bound (gateway env, see env.ts). */
export interface BoundOptions {
  /** Tokens counted per image part (default 4096). */
  imageTokens: number;
  /** Largest `n` accepted (default 16). */
  maxChoices: number;
}

export const DEFAULT_BOUND_OPTIONS: BoundOptions = { imageTokens: 4096, maxChoices: 16 };

/** Upper bound of a chat request's tokens. */
export interface ChatBound {
  /** Output tokens per choice; sent upstream as max_tokens / max_completion_tokens. */
  maxTokens: number;
  n: number;
  inputTokens: number;
  outputTokens: number;
}

/** Constant added to the input bound (assistant priming of chat templates). */
const PRIMING_TOKENS = 16;

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function unbounded(param: string, message: string): GatewayError {
  return new GatewayError("GW_ERR_UNBOUNDED_REQUEST", { param, message });
}

/** Bytes of image URLs and the number of image parts in the messages. */
function images(messages: unknown): { count: number; urlBytes: number } {
  let count = 0;
  let urlBytes = 0;
  if (!Array.isArray(messages)) return { count, urlBytes };
  for (const m of messages as unknown[]) {
    const content = isObj(m) ? m["content"] : undefined;
    if (!Array.isArray(content)) continue;
    for (const part of content as unknown[]) {
      if (!isObj(part) || part["type"] !== "image_url") continue;
      count++;
      const iu = part["image_url"];
      const url = isObj(iu) ? iu["url"] : iu;
      // Data URLs are ASCII (base64), so their length is their byte count; counting the URL's
      // UTF-16 length for others only over-subtracts by escapes, never below the image bound.
      if (typeof url === "string") urlBytes += url.length;
    }
  }
  return { count, urlBytes };
}

function positive(v: unknown): number | undefined {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : undefined;
}

/** Checks the fields whose cost tokens do not bound. */
function refuseUnbounded(body: Record<string, unknown>, n: number, opts: BoundOptions): void {
  if (n > opts.maxChoices)
    throw unbounded("n", `n may be at most ${opts.maxChoices} on this gateway (got ${n})`);
  const ws = body["web_search_options"];
  if (ws !== undefined && ws !== null)
    throw unbounded("web_search_options", "Web search is billed per call and is not allowed");
  for (const key of ["tools", "functions"] as const) {
    const list = body[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw unbounded(key, `${key} must be an array`);
    for (const t of list as unknown[]) {
      const type = isObj(t) ? t["type"] : undefined;
      if (key === "tools" && type !== "function" && type !== "custom")
        throw unbounded(
          "tools",
          `Tool type ${JSON.stringify(type)} is billed outside tokens; only function and custom tools are allowed`,
        );
    }
  }
}

/**
 * The bound of a chat completion request. `bodyBytes` is the size of the request body as
 * received (undefined: re-serialised). Throws 400 GW_ERR_UNBOUNDED_REQUEST for what cannot be
 * bounded.
 */
export function chatBound(
  body: Record<string, unknown>,
  bodyBytes: number | undefined,
  defaultMaxTokens: number,
  opts: BoundOptions = DEFAULT_BOUND_OPTIONS,
): ChatBound {
  const n = positive(body["n"]) ?? 1;
  refuseUnbounded(body, n, opts);
  const mct = positive(body["max_completion_tokens"]);
  const mt = positive(body["max_tokens"]);
  const maxTokens =
    mct === undefined ? (mt ?? defaultMaxTokens) : mt === undefined ? mct : Math.min(mct, mt);
  const bytes = bodyBytes ?? Buffer.byteLength(JSON.stringify(body));
  const img = images(body["messages"]);
  const inputTokens =
    Math.max(0, bytes - img.urlBytes) + img.count * opts.imageTokens + PRIMING_TOKENS;
  const prediction = body["prediction"];
  const predicted = isObj(prediction) ? Buffer.byteLength(JSON.stringify(prediction)) : 0;
  return { maxTokens, n, inputTokens, outputTokens: n * maxTokens + predicted };
}

/** Upper bound of an embeddings request's tokens: the UTF-8 bytes of its text, one per token id. */
export function embeddingBound(input: unknown): number {
  if (typeof input === "string") return Buffer.byteLength(input);
  if (Array.isArray(input)) {
    let n = 0;
    for (const x of input as unknown[]) n += typeof x === "number" ? 1 : embeddingBound(x);
    return n;
  }
  return 0;
}

/** Micro-units of a token count at a price per million tokens (rounded up). */
export function microUnits(
  inputTokens: number,
  outputTokens: number,
  price: { costIn: number; costOut: number },
): number {
  return Math.ceil(inputTokens * price.costIn + outputTokens * price.costOut);
}
