/**
 * TEST UPSTREAM — not a model. A deterministic OpenAI-compatible server (chat completions,
 * streaming and not, embeddings, models) plus a tiny Anthropic Messages mode (/v1/messages) and an
 * Azure OpenAI deployment path, with configurable latency, tokens per second, error rate and
 * mid-stream drops. Every response carries `x-test-upstream: true`; models are owned by
 * "test-upstream". Used by the gateway's tests, benchmark and demo.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { estimateMessagesTokens, estimateTextTokens } from "../src/tokens.ts";

/** Behaviour of the test upstream; change it at runtime with `set()` or POST /__control. */
export interface TestUpstreamOptions {
  /** Name reported in the `x-test-upstream-name` header. */
  name: string;
  /** Delay before the first byte (ms). */
  latencyMs: number;
  /** Streaming pace; 0 = as fast as possible. */
  tokensPerSecond: number;
  /** Fraction of requests answered with `errorStatus` (deterministic PRNG from `seed`). */
  errorRate: number;
  errorStatus: number;
  /** Completion tokens when the request has no max_tokens. */
  defaultMaxTokens: number;
  /** Default embedding dimension (requests may pass `dimensions`). */
  embeddingDim: number;
  /** Destroy streams after this many chunks (0 = never). */
  streamDropAfter: number;
  /** Stop sending (connection kept open, nothing more written) after this many chunks (0 = never). */
  streamStallAfter: number;
  /**
   * Misbehaviour for budget tests: answer `overrunFactor` times the completion tokens asked for
   * (max_tokens / max_completion_tokens ignored) and report them in `usage` (1 = honest).
   */
  overrunFactor: number;
  /** Model ids listed by GET /v1/models. */
  models: string[];
  /** When set, requests must carry this key (Bearer, x-api-key or api-key header). */
  requireApiKey: string | undefined;
  seed: number;
  /** Reply with what was received: `echo:` + the JSON of the request's messages (one piece). */
  echo: boolean;
  /** What GET /health answers: 200 when true, 503 when false. */
  healthy: boolean;
}

/** Counters exposed on GET /__stats. */
export interface TestUpstreamStats {
  requests: number;
  chat: number;
  stream: number;
  embeddings: number;
  messages: number;
  errors: number;
  /** Streams whose client (the gateway) closed the connection before the end. */
  streamsCut: number;
  /** max_completion_tokens ?? max_tokens of the last chat request (null when it had neither). */
  lastMaxTokens: number | null;
  /**
   * The W3C `traceparent` header of each of the last 100 API requests, oldest first (null when a
   * request had none): the trace tests check that the gateway propagated its trace here.
   */
  traceparents: (string | null)[];
}

/** A running test upstream. */
export interface TestUpstream {
  url: string;
  port: number;
  server: Server;
  options: TestUpstreamOptions;
  stats: TestUpstreamStats;
  set: (o: Partial<TestUpstreamOptions>) => void;
  close: () => Promise<void>;
}

const DEFAULTS: TestUpstreamOptions = {
  name: "test-upstream",
  latencyMs: 0,
  tokensPerSecond: 0,
  errorRate: 0,
  errorStatus: 500,
  defaultMaxTokens: 16,
  embeddingDim: 8,
  streamDropAfter: 0,
  streamStallAfter: 0,
  overrunFactor: 1,
  models: ["test-model"],
  requireApiKey: undefined,
  seed: 1,
  echo: false,
  healthy: true,
};

const WORDS = [
  "alpha",
  "bravo",
  "charlie",
  "delta",
  "echo",
  "foxtrot",
  "golf",
  "hotel",
  "india",
  "juliet",
  "kilo",
  "lima",
  "mike",
  "november",
  "oscar",
  "papa",
];

/** mulberry32: small deterministic PRNG. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A prompt that starts with this is answered with the rest of it, verbatim (chunked per word):
 * lets a test make the "model" say something exact, such as hostile Markdown for a renderer.
 */
export const ECHO_PREFIX = "echo:";

/** The rest of an echo prompt as stream tokens: each word with the white space before it. */
export function echoTokens(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [""];
}

/** The deterministic reply words for a prompt: n tokens, each " word". */
export function replyTokens(prompt: string, n: number): string[] {
  const h = createHash("sha256").update(prompt).digest();
  const out: string[] = [];
  for (let i = 0; i < n; i++)
    out.push(`${i === 0 ? "" : " "}${WORDS[(h[i % h.length] ?? 0) % WORDS.length] ?? "x"}`);
  return out;
}

/** Deterministic unit vector of `dim` floats from the SHA-256 of the input. */
export function embed(input: string, dim: number): number[] {
  const v: number[] = [];
  let block = createHash("sha256").update(input).digest();
  for (let i = 0; v.length < dim; i++) {
    if (i > 0 && i % 16 === 0) block = createHash("sha256").update(block).digest();
    v.push((block.readUInt16BE((i % 16) * 2) / 65535) * 2 - 1);
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

const sleep = (ms: number): Promise<void> =>
  ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

function openaiError(res: ServerResponse, status: number, message: string): void {
  send(res, status, {
    error: {
      message,
      type: status >= 500 ? "server_error" : "invalid_request_error",
      param: null,
      code: null,
    },
  });
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function lastUserText(messages: unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown; content?: unknown };
    if (m.role !== "user") continue;
    if (typeof m.content === "string") return m.content;
    if (Array.isArray(m.content))
      return (m.content as { text?: unknown }[])
        .map((p) => (typeof p.text === "string" ? p.text : ""))
        .join("");
    return "";
  }
  return "";
}

function keyOf(req: IncomingMessage): string | undefined {
  const a = req.headers.authorization;
  if (typeof a === "string" && a.startsWith("Bearer ")) return a.slice(7);
  const k = req.headers["x-api-key"] ?? req.headers["api-key"];
  return typeof k === "string" ? k : undefined;
}

/** Starts a test upstream on 127.0.0.1 (port 0 = random). */
/** Keeps the request's `traceparent` (or null) among the last 100 in the stats. */
function recordTraceparent(stats: TestUpstreamStats, req: IncomingMessage): void {
  const tp = req.headers["traceparent"];
  stats.traceparents.push(typeof tp === "string" ? tp : null);
  if (stats.traceparents.length > 100) stats.traceparents.shift();
}

export async function startTestUpstream(
  opts: Partial<TestUpstreamOptions> = {},
  port = 0,
): Promise<TestUpstream> {
  const options: TestUpstreamOptions = { ...DEFAULTS, ...opts };
  let random = mulberry32(options.seed);
  const stats: TestUpstreamStats = {
    requests: 0,
    chat: 0,
    stream: 0,
    embeddings: 0,
    messages: 0,
    errors: 0,
    streamsCut: 0,
    lastMaxTokens: null,
    traceparents: [],
  };
  let seq = 0;

  function maxTokensOf(body: Record<string, unknown>): number | undefined {
    if (typeof body["max_tokens"] === "number") return body["max_tokens"];
    return typeof body["max_completion_tokens"] === "number"
      ? body["max_completion_tokens"]
      : undefined;
  }

  async function writeStream(res: ServerResponse, pieces: string[], gapMs: number): Promise<void> {
    for (let i = 0; i < pieces.length; i++) {
      if (options.streamDropAfter > 0 && i >= options.streamDropAfter) {
        await sleep(20); // let the pieces already written reach the client, then cut the connection
        res.destroy();
        return;
      }
      if (options.streamStallAfter > 0 && i >= options.streamStallAfter) {
        // Hold the connection open without writing until the client gives up on it.
        let gone = res.destroyed;
        res.once("close", () => {
          gone = true;
        });
        while (!gone) await sleep(50);
        stats.streamsCut++;
        return;
      }
      if (i > 1 && gapMs > 0) await sleep(gapMs);
      if (res.destroyed) {
        stats.streamsCut++;
        return;
      }
      res.write(pieces[i]);
    }
    res.end();
  }

  async function chat(
    res: ServerResponse,
    body: Record<string, unknown>,
    created: number,
  ): Promise<void> {
    const messages = Array.isArray(body["messages"]) ? (body["messages"] as unknown[]) : [];
    if (messages.length === 0) {
      openaiError(res, 400, "messages is required");
      return;
    }
    const explicit = maxTokensOf(body);
    stats.lastMaxTokens = explicit ?? null;
    const last = lastUserText(messages);
    // options.echo (the whole request) wins; an "echo:" prompt is answered with its own rest.
    const budget = Math.ceil((explicit ?? options.defaultMaxTokens) * options.overrunFactor);
    const tokens = options.echo
      ? [`echo:${JSON.stringify(messages)}`]
      : last.startsWith(ECHO_PREFIX)
        ? echoTokens(last.slice(ECHO_PREFIX.length))
        : replyTokens(last, budget);
    const n = options.echo ? budget : tokens.length;
    const prompt = estimateMessagesTokens(messages);
    const usage = { prompt_tokens: prompt, completion_tokens: n, total_tokens: prompt + n };
    const model = typeof body["model"] === "string" ? body["model"] : "test-model";
    const id = `chatcmpl-test-${++seq}`;
    const finish = explicit === undefined ? "stop" : "length";
    if (body["stream"] !== true) {
      stats.chat++;
      await sleep(options.tokensPerSecond > 0 ? (n / options.tokensPerSecond) * 1000 : 0);
      const message = { role: "assistant", content: tokens.join(""), refusal: null };
      send(res, 200, {
        id,
        object: "chat.completion",
        created,
        model,
        system_fingerprint: "test-upstream",
        choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
        usage,
      });
      return;
    }
    stats.stream++;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const chunk = (delta: Record<string, unknown>, fin: string | null): string =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: fin, logprobs: null }] })}\n\n`;
    const pieces = [
      chunk({ role: "assistant", content: "" }, null),
      ...tokens.map((t) => chunk({ content: t }, null)),
      chunk({}, finish),
    ];
    const so = body["stream_options"] as { include_usage?: unknown } | undefined;
    if (so?.include_usage === true)
      pieces.push(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`,
      );
    pieces.push("data: [DONE]\n\n");
    await writeStream(
      res,
      pieces,
      options.tokensPerSecond > 0 ? 1000 / options.tokensPerSecond : 0,
    );
  }

  function embeddings(res: ServerResponse, body: Record<string, unknown>): void {
    stats.embeddings++;
    const input = body["input"];
    const items: string[] =
      typeof input === "string"
        ? [input]
        : Array.isArray(input)
          ? input.map((x) => (typeof x === "string" ? x : JSON.stringify(x)))
          : [];
    if (items.length === 0) {
      openaiError(res, 400, "input is required");
      return;
    }
    const dim = typeof body["dimensions"] === "number" ? body["dimensions"] : options.embeddingDim;
    const b64 = body["encoding_format"] === "base64";
    const data = items.map((s, index) => {
      const v = embed(s, dim);
      return {
        object: "embedding",
        index,
        embedding: b64 ? Buffer.from(new Float32Array(v).buffer).toString("base64") : v,
      };
    });
    const tokens = items.reduce((s, x) => s + estimateTextTokens(x), 0);
    send(res, 200, {
      object: "list",
      data,
      model: body["model"] ?? "test-embedding",
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  async function messages(res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    stats.messages++;
    const msgs = Array.isArray(body["messages"]) ? (body["messages"] as unknown[]) : [];
    if (msgs.length === 0 || typeof body["max_tokens"] !== "number") {
      send(res, 400, {
        type: "error",
        error: { type: "invalid_request_error", message: "messages and max_tokens are required" },
      });
      return;
    }
    const n = Math.min(body["max_tokens"], options.defaultMaxTokens);
    const tokens = replyTokens(lastUserText(msgs), n);
    const input =
      estimateMessagesTokens(msgs) +
      (typeof body["system"] === "string" ? estimateTextTokens(body["system"]) : 0);
    const stop = n === body["max_tokens"] ? "max_tokens" : "end_turn";
    const model = String(body["model"]);
    const id = `msg_test_${++seq}`;
    if (body["stream"] !== true) {
      send(res, 200, {
        id,
        type: "message",
        role: "assistant",
        model,
        content: [{ type: "text", text: tokens.join("") }],
        stop_reason: stop,
        stop_sequence: null,
        usage: { input_tokens: input, output_tokens: n },
      });
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const ev = (type: string, data: Record<string, unknown>): string =>
      `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const out = [
      ev("message_start", {
        message: {
          id,
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          usage: { input_tokens: input, output_tokens: 1 },
        },
      }),
      ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      ev("ping", {}),
      ...tokens.map((t) =>
        ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: t } }),
      ),
      ev("content_block_stop", { index: 0 }),
      ev("message_delta", {
        delta: { stop_reason: stop, stop_sequence: null },
        usage: { output_tokens: n },
      }),
      ev("message_stop", {}),
    ];
    await writeStream(res, out, 0);
  }

  async function control(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body !== undefined) {
      Object.assign(options, body);
      if (typeof body["seed"] === "number") random = mulberry32(body["seed"]);
    }
    send(res, 200, options);
  }

  async function post(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) {
      openaiError(res, 400, "body must be a JSON object");
      return;
    }
    await sleep(options.latencyMs);
    if (options.errorRate > 0 && random() < options.errorRate) {
      stats.errors++;
      openaiError(res, options.errorStatus, "injected failure (test upstream)");
      return;
    }
    const azure = /^\/openai\/deployments\/[^/]+\/(chat\/completions|embeddings)$/.exec(path);
    if (azure !== null && !(req.url ?? "").includes("api-version=")) {
      openaiError(res, 400, "api-version is required (test upstream azure mode)");
      return;
    }
    const kind = azure?.[1] ?? path.replace(/^\/v1\//, "");
    if (kind === "chat/completions") await chat(res, body, Math.floor(Date.now() / 1000));
    else if (kind === "embeddings") embeddings(res, body);
    else if (kind === "messages") await messages(res, body);
    else openaiError(res, 404, `no route POST ${path}`);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === "/__control" && req.method === "POST") {
      await control(req, res);
      return;
    }
    if (path === "/__stats" || path === "/health") {
      // GET /health is what gateway health checks probe; options.healthy decides its answer.
      if (path === "/health") send(res, options.healthy ? 200 : 503, { healthy: options.healthy });
      else send(res, 200, stats);
      return;
    }
    stats.requests++;
    recordTraceparent(stats, req);
    if (options.requireApiKey !== undefined && keyOf(req) !== options.requireApiKey) {
      openaiError(res, 401, "invalid api key (test upstream)");
      return;
    }
    if (req.method === "GET" && path === "/v1/models") {
      send(res, 200, {
        object: "list",
        data: options.models.map((id) => ({
          id,
          object: "model",
          created: 0,
          owned_by: "test-upstream",
        })),
      });
      return;
    }
    if (req.method === "POST") await post(req, res, path);
    else openaiError(res, 404, `no route ${req.method ?? ""} ${path}`);
  }

  const server = createServer((req, res) => {
    res.setHeader("x-test-upstream", "true");
    res.setHeader("x-test-upstream-name", options.name);
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) openaiError(res, 500, (err as Error).message);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    server,
    options,
    stats,
    set: (o) => {
      Object.assign(options, o);
      if (o.seed !== undefined) random = mulberry32(o.seed);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
