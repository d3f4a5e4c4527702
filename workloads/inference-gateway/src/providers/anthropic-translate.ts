/**
 * Pure translation between OpenAI chat completions and Anthropic's Messages API, both directions,
 * streaming included. No I/O here; providers/anthropic.ts does the HTTP.
 */
import type { ChatChunk, ChatCompletion, ToolCall, Usage } from "./types.ts";

/** Raised for OpenAI features Anthropic cannot express; becomes GW_ERR_UNSUPPORTED_PARAMETER. */
export class TranslationError extends Error {
  readonly param: string;
  constructor(param: string, message: string) {
    super(message);
    this.name = "TranslationError";
    this.param = param;
  }
}

type Json = Record<string, unknown>;
type Block = Json;
interface AMessage {
  role: "user" | "assistant";
  content: Block[];
}

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function imageBlock(url: string): Block {
  const m = /^data:([^;]+);base64,(.*)$/s.exec(url);
  if (m !== null)
    return { type: "image", source: { type: "base64", media_type: m[1], data: m[2] } };
  return { type: "image", source: { type: "url", url } };
}

function partToBlock(p: unknown): Block {
  if (!isObj(p)) throw new TranslationError("messages", "content parts must be objects");
  if (p["type"] === "text" && typeof p["text"] === "string")
    return { type: "text", text: p["text"] };
  const iu = p["image_url"];
  if (p["type"] === "image_url" && isObj(iu) && typeof iu["url"] === "string")
    return imageBlock(iu["url"]);
  throw new TranslationError(
    "messages",
    `content part type ${JSON.stringify(p["type"])} is not supported by Anthropic backends`,
  );
}

function contentBlocks(content: unknown): Block[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (Array.isArray(content)) return content.map(partToBlock);
  if (content === null || content === undefined) return [];
  throw new TranslationError("messages", "message content must be a string or an array of parts");
}

function textOf(content: unknown): string {
  return contentBlocks(content)
    .map((b) => (typeof b["text"] === "string" ? b["text"] : ""))
    .join("");
}

function parseArgs(s: unknown): unknown {
  if (typeof s !== "string" || s === "") return {};
  try {
    return JSON.parse(s) as unknown;
  } catch {
    throw new TranslationError("messages", "tool call arguments must be JSON");
  }
}

function toolUseBlocks(calls: unknown): Block[] {
  if (!Array.isArray(calls)) return [];
  return calls.map((c: unknown) => {
    if (!isObj(c) || !isObj(c["function"]))
      throw new TranslationError("messages", "tool_calls entries must have a function");
    return {
      type: "tool_use",
      id: c["id"],
      name: c["function"]["name"],
      input: parseArgs(c["function"]["arguments"]),
    };
  });
}

function messageBlocks(m: Json): { role: "user" | "assistant"; blocks: Block[] } {
  const role = m["role"];
  if (role === "user") return { role: "user", blocks: contentBlocks(m["content"]) };
  if (role === "assistant")
    return {
      role: "assistant",
      blocks: [...contentBlocks(m["content"]), ...toolUseBlocks(m["tool_calls"])],
    };
  if (role === "tool")
    return {
      role: "user",
      blocks: [
        { type: "tool_result", tool_use_id: m["tool_call_id"], content: textOf(m["content"]) },
      ],
    };
  throw new TranslationError("messages", `message role ${JSON.stringify(role)} is not supported`);
}

/** Splits OpenAI messages into Anthropic `system` and alternating `messages` (same roles merged). */
export function translateMessages(messages: unknown[]): {
  system: string | undefined;
  messages: AMessage[];
} {
  const system: string[] = [];
  const out: AMessage[] = [];
  for (const m of messages) {
    if (!isObj(m)) throw new TranslationError("messages", "messages must be objects");
    if (m["role"] === "system" || m["role"] === "developer") {
      system.push(textOf(m["content"]));
      continue;
    }
    const { role, blocks } = messageBlocks(m);
    const last = out.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  }
  return { system: system.length > 0 ? system.join("\n\n") : undefined, messages: out };
}

function translateTools(tools: unknown): Json[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  return tools.map((t: unknown) => {
    if (!isObj(t) || t["type"] !== "function" || !isObj(t["function"]))
      throw new TranslationError("tools", "only function tools are supported");
    const f = t["function"];
    return {
      name: f["name"],
      description: f["description"],
      input_schema: f["parameters"] ?? { type: "object", properties: {} },
    };
  });
}

function translateToolChoice(tc: unknown): Json | undefined {
  if (tc === undefined || tc === null) return undefined;
  if (tc === "auto") return { type: "auto" };
  if (tc === "required") return { type: "any" };
  if (tc === "none") return { type: "none" };
  if (isObj(tc) && isObj(tc["function"])) return { type: "tool", name: tc["function"]["name"] };
  throw new TranslationError("tool_choice", "unsupported tool_choice");
}

/** OpenAI chat request → Anthropic Messages request. */
export function toAnthropicRequest(body: Json, upstreamModel: string, maxTokens: number): Json {
  const n = body["n"];
  if (typeof n === "number" && n !== 1)
    throw new TranslationError("n", "n > 1 is not supported by Anthropic backends");
  const { system, messages } = translateMessages(
    Array.isArray(body["messages"]) ? body["messages"] : [],
  );
  const stop = body["stop"];
  const out: Json = { model: upstreamModel, messages, max_tokens: maxTokens };
  if (system !== undefined) out["system"] = system;
  if (typeof body["temperature"] === "number")
    out["temperature"] = Math.min(1, body["temperature"]);
  if (typeof body["top_p"] === "number") out["top_p"] = body["top_p"];
  if (typeof stop === "string") out["stop_sequences"] = [stop];
  else if (Array.isArray(stop)) out["stop_sequences"] = stop;
  const tools = translateTools(body["tools"]);
  if (tools !== undefined) out["tools"] = tools;
  const toolChoice = translateToolChoice(body["tool_choice"]);
  if (toolChoice !== undefined) out["tool_choice"] = toolChoice;
  if (typeof body["user"] === "string") out["metadata"] = { user_id: body["user"] };
  if (body["stream"] === true) out["stream"] = true;
  return out;
}

/** Anthropic stop_reason → OpenAI finish_reason. */
export function finishReason(stop: unknown): string | null {
  switch (stop) {
    case "end_turn":
    case "stop_sequence":
    case "pause_turn":
      return "stop";
    case "max_tokens":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return null;
  }
}

function usageOf(u: unknown): Usage {
  const i = isObj(u) && typeof u["input_tokens"] === "number" ? u["input_tokens"] : 0;
  const o = isObj(u) && typeof u["output_tokens"] === "number" ? u["output_tokens"] : 0;
  return { prompt_tokens: i, completion_tokens: o, total_tokens: i + o };
}

/** Anthropic Messages response → OpenAI chat completion. */
export function fromAnthropicResponse(r: Json, model: string, now: number): ChatCompletion {
  const blocks = Array.isArray(r["content"]) ? (r["content"] as unknown[]) : [];
  let text = "";
  const toolCalls: ToolCall[] = [];
  for (const b of blocks) {
    if (!isObj(b)) continue;
    if (b["type"] === "text" && typeof b["text"] === "string") text += b["text"];
    if (b["type"] === "tool_use")
      toolCalls.push({
        id: String(b["id"]),
        type: "function",
        function: { name: String(b["name"]), arguments: JSON.stringify(b["input"] ?? {}) },
      });
  }
  const message: ChatCompletion["choices"][number]["message"] = {
    role: "assistant",
    content: text === "" && toolCalls.length > 0 ? null : text,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: `chatcmpl-${typeof r["id"] === "string" ? r["id"] : "anthropic"}`,
    object: "chat.completion",
    created: Math.floor(now / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: finishReason(r["stop_reason"]), logprobs: null }],
    usage: usageOf(r["usage"]),
  };
}

/**
 * Stateful translator of Anthropic stream events into OpenAI chunks. Feed each event's type
 * and parsed data; it returns the chunks to send (possibly none). An `error` event throws.
 */
export class AnthropicStreamTranslator {
  readonly #model: string;
  readonly #created: number;
  #id = "chatcmpl-anthropic";
  #input = 0;
  #output = 0;
  #toolIndex = -1;
  #finish: string | null = null;
  done = false;

  constructor(model: string, now: number) {
    this.#model = model;
    this.#created = Math.floor(now / 1000);
  }

  /** Usage seen so far. */
  usage(): Usage {
    return {
      prompt_tokens: this.#input,
      completion_tokens: this.#output,
      total_tokens: this.#input + this.#output,
    };
  }

  #chunk(delta: ChatChunk["choices"][number]["delta"], finish: string | null = null): ChatChunk {
    return {
      id: this.#id,
      object: "chat.completion.chunk",
      created: this.#created,
      model: this.#model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    };
  }

  /** Translates one event. */
  feed(type: string, data: Json): ChatChunk[] {
    switch (type) {
      case "message_start":
        return this.#start(data);
      case "content_block_start":
        return this.#blockStart(data);
      case "content_block_delta":
        return this.#delta(data);
      case "message_delta":
        return this.#messageDelta(data);
      case "message_stop":
        this.done = true;
        return [
          this.#chunk({}, this.#finish ?? "stop"),
          { ...this.#chunk({}), choices: [], usage: this.usage() },
        ];
      case "error": {
        const e = isObj(data["error"]) ? data["error"] : {};
        throw new Error(
          `anthropic stream error: ${typeof e["type"] === "string" ? e["type"] : "unknown"}`,
        );
      }
      default:
        return [];
    }
  }

  #messageDelta(data: Json): ChatChunk[] {
    const d = isObj(data["delta"]) ? data["delta"] : {};
    this.#finish = finishReason(d["stop_reason"]);
    const u = isObj(data["usage"]) ? data["usage"] : {};
    if (typeof u["output_tokens"] === "number") this.#output = u["output_tokens"];
    if (typeof u["input_tokens"] === "number" && u["input_tokens"] > 0)
      this.#input = u["input_tokens"];
    return [];
  }

  #start(data: Json): ChatChunk[] {
    const msg = isObj(data["message"]) ? data["message"] : {};
    if (typeof msg["id"] === "string") this.#id = `chatcmpl-${msg["id"]}`;
    const u = usageOf(msg["usage"]);
    this.#input = u.prompt_tokens;
    this.#output = u.completion_tokens;
    return [this.#chunk({ role: "assistant", content: "" })];
  }

  #blockStart(data: Json): ChatChunk[] {
    const b = isObj(data["content_block"]) ? data["content_block"] : {};
    if (b["type"] !== "tool_use") return [];
    this.#toolIndex++;
    return [
      this.#chunk({
        tool_calls: [
          {
            index: this.#toolIndex,
            id: String(b["id"]),
            type: "function",
            function: { name: String(b["name"]), arguments: "" },
          },
        ],
      }),
    ];
  }

  #delta(data: Json): ChatChunk[] {
    const d = isObj(data["delta"]) ? data["delta"] : {};
    if (d["type"] === "text_delta" && typeof d["text"] === "string")
      return [this.#chunk({ content: d["text"] })];
    if (d["type"] === "input_json_delta" && typeof d["partial_json"] === "string") {
      return [
        this.#chunk({
          tool_calls: [{ index: this.#toolIndex, function: { arguments: d["partial_json"] } }],
        }),
      ];
    }
    return [];
  }
}
