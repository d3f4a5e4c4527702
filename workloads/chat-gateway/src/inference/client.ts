/**
 * Client of the inference gateway's OpenAI-compatible API: streamed chat completions (bounded by
 * a stall timeout between chunks, not only by the caller's abort) and embeddings (bounded in
 * total). A traced reply passes its client span: its `traceparent` goes on the request.
 */
import type { ClientSpan } from "../../../../lib/tracing/types.ts";

/** A chat message sent to the inference gateway. */
export interface ChatMessage {
  role: "user" | "assistant" | "system";
  content: string;
}

export interface InferenceOptions {
  baseUrl: string;
  apiKey: string | undefined;
  /** Longest silence between two chunks of a stream (and the embeddings call's whole budget). */
  stallTimeoutMs?: number;
}

const DEFAULT_STALL_MS = 30_000;

function headers(o: InferenceOptions, span?: ClientSpan): Record<string, string> {
  const h: Record<string, string> = { "content-type": "application/json" };
  if (o.apiKey !== undefined) h["authorization"] = `Bearer ${o.apiKey}`;
  if (span !== undefined) Object.assign(h, span.headers);
  return h;
}

/**
 * Splits an SSE byte stream into `data:` payloads (pure helper over text chunks).
 * Returns the payloads found and the unconsumed remainder.
 */
export function parseSseChunk(buffer: string): { events: string[]; rest: string } {
  const events: string[] = [];
  let rest = buffer;
  for (;;) {
    const idx = rest.search(/\r?\n\r?\n/);
    if (idx < 0) break;
    const block = rest.slice(0, idx);
    rest = rest.slice(idx).replace(/^\r?\n\r?\n/, "");
    const data = block
      .split(/\r?\n/)
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).replace(/^ /, ""))
      .join("\n");
    if (data !== "") events.push(data);
  }
  return { events, rest };
}

/**
 * Streams a chat completion from an OpenAI-compatible `/v1/chat/completions`, yielding content
 * deltas. Returns the finish reason when the stream ends.
 */
export async function* streamChat(
  o: InferenceOptions,
  model: string,
  messages: ChatMessage[],
  signal: AbortSignal,
  span?: ClientSpan,
): AsyncGenerator<string, string> {
  // A stalled upstream (connected, silent) would keep a reply "streaming" forever while its lease
  // is renewed: every chunk re-arms the stall timer, which aborts the request.
  const stallMs = o.stallTimeoutMs ?? DEFAULT_STALL_MS;
  const stall = new AbortController();
  let timer = setTimeout(() => {
    stall.abort(new Error(`inference stream stalled for ${stallMs} ms`));
  }, stallMs);
  const rearm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stall.abort(new Error(`inference stream stalled for ${stallMs} ms`));
    }, stallMs);
  };
  try {
    const all = AbortSignal.any([signal, stall.signal]);
    return yield* readChat(o, { model, messages }, all, rearm, span);
  } finally {
    clearTimeout(timer);
  }
}

async function* readChat(
  o: InferenceOptions,
  body: { model: string; messages: ChatMessage[] },
  signal: AbortSignal,
  onChunk: () => void,
  span: ClientSpan | undefined,
): AsyncGenerator<string, string> {
  const res = await fetch(new URL("v1/chat/completions", o.baseUrl.replace(/\/?$/, "/")), {
    method: "POST",
    headers: headers(o, span),
    body: JSON.stringify({ ...body, stream: true }),
    signal,
  });
  span?.setAttributes({ "http.response.status_code": res.status });
  if (!res.ok || res.body === null) throw new Error(`inference gateway answered ${res.status}`);
  const decoder = new TextDecoder();
  let buf = "";
  let finish = "stop";
  for await (const chunk of res.body) {
    onChunk();
    buf += decoder.decode(chunk as Uint8Array, { stream: true });
    const { events, rest } = parseSseChunk(buf);
    buf = rest;
    for (const data of events) {
      if (data === "[DONE]") return finish;
      const parsed = JSON.parse(data) as {
        choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
      };
      const choice = parsed.choices?.[0];
      if (typeof choice?.finish_reason === "string") finish = choice.finish_reason;
      const text = choice?.delta?.content;
      if (typeof text === "string" && text !== "") yield text;
    }
  }
  return finish;
}

/** Calls `/v1/embeddings` for a batch of texts. */
export async function embed(
  o: InferenceOptions,
  model: string,
  input: string[],
  signal?: AbortSignal,
): Promise<number[][]> {
  const budget = AbortSignal.timeout(o.stallTimeoutMs ?? DEFAULT_STALL_MS);
  const init: RequestInit = {
    method: "POST",
    headers: headers(o),
    body: JSON.stringify({ model, input }),
    signal: signal === undefined ? budget : AbortSignal.any([signal, budget]),
  };
  const res = await fetch(new URL("v1/embeddings", o.baseUrl.replace(/\/?$/, "/")), init);
  if (!res.ok) throw new Error(`embeddings answered ${res.status}`);
  const body = (await res.json()) as { data?: { index: number; embedding: number[] }[] };
  const out: number[][] = [];
  for (const d of body.data ?? []) out[d.index] = d.embedding;
  if (out.length !== input.length) throw new Error("embeddings: wrong number of vectors");
  return out;
}
