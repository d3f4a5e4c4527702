/**
 * HTTP plumbing shared by providers: undici requests with timeouts, upstream error
 * classification, and the provider interface.
 */
import type { Dispatcher } from "undici";
import type { ClientSpan } from "../../../../lib/tracing/types.ts";
import type { RuntimeBackend } from "../config/runtime.ts";
import { isRetryableStatus } from "../resilience/retry.ts";
import { SSEParser } from "./sse.ts";
import type { SSEEvent } from "./sse.ts";
import { CallAbortedError, UpstreamCall } from "./upstream-call.ts";
import type { Usage } from "./types.ts";

/** Why an upstream call failed. */
export type FailureKind =
  | "connect"
  | "first-token-timeout"
  | "total-timeout"
  | "stall-timeout"
  | "status"
  | "protocol"
  | "aborted"
  | "injected";

/** A failed upstream call. `retryable` decides retry and fallback; `countsAsFailure` feeds the breaker. */
export class UpstreamError extends Error {
  readonly kind: FailureKind;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly upstreamMessage: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    kind: FailureKind,
    message: string,
    opts: {
      status?: number;
      upstreamMessage?: string;
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "UpstreamError";
    this.kind = kind;
    this.status = opts.status;
    this.upstreamMessage = opts.upstreamMessage;
    this.retryAfterSeconds = opts.retryAfterSeconds;
    this.retryable =
      kind === "status" || kind === "injected"
        ? opts.status !== undefined && isRetryableStatus(opts.status)
        : kind !== "aborted" && kind !== "total-timeout" && kind !== "stall-timeout";
  }

  /** Whether this failure says the backend is unhealthy (4xx rejections do not). */
  get countsAsFailure(): boolean {
    return this.retryable || this.kind === "total-timeout" || this.kind === "stall-timeout";
  }
}

/** Everything one upstream call needs. */
export interface CallContext {
  backend: RuntimeBackend;
  upstreamModel: string;
  dispatcher: Dispatcher;
  /** Aborted by the client going away or the total timeout. */
  signal: AbortSignal;
  /** Set by the caller: true when `signal` fired because of the total timeout. */
  timedOut: () => boolean;
  /** Set by the caller: true when `signal` fired because the stream stalled between chunks. */
  stalled?: () => boolean;
  /** Output tokens to request (and that were reserved). */
  maxTokens: number;
  /** Whether the client asked for `stream_options.include_usage`. */
  clientWantsUsage: boolean;
  /** Starts the client span of this call (only while tracing is on; lib/tracing). */
  traceCall?: (backend: RuntimeBackend) => ClientSpan;
}

/** Result of a non-streaming call. `json` is sent to the client as is. */
export interface UnaryResult {
  json: Record<string, unknown>;
  /** The upstream body text when it can be forwarded verbatim (saves a re-serialisation). */
  raw?: string;
  usage: Usage | undefined;
}

/**
 * One piece of a stream: the `data:` payload to forward (unless `forward` is false). Streams move
 * in batches (`StreamPiece[]`, never empty): the pieces one upstream read completed travel
 * through the provider, dispatch and the response together — one async step per read, not per
 * token, which was most of the gateway's cost per streamed token.
 */
export interface StreamPiece {
  data: string;
  forward: boolean;
  usage: Usage | undefined;
  /** Characters of generated text in this piece (for token estimation without usage). */
  textChars: number;
}

/** A provider turns OpenAI-shaped requests into upstream calls. */
export interface Provider {
  chat(ctx: CallContext, body: Record<string, unknown>): Promise<UnaryResult>;
  chatStream(
    ctx: CallContext,
    body: Record<string, unknown>,
  ): Promise<AsyncIterable<StreamPiece[]>>;
  embeddings(ctx: CallContext, body: Record<string, unknown>): Promise<UnaryResult>;
}

const CONNECT_CODES = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "EPIPE",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
]);

/** Maps a thrown request error to an {@link UpstreamError}. */
export function classifyError(err: unknown, ctx: CallContext): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const code = (err as { code?: unknown }).code;
  if (ctx.signal.aborted) {
    if (ctx.stalled?.() === true)
      return new UpstreamError("stall-timeout", "upstream stopped sending mid-stream", {
        cause: err,
      });
    return ctx.timedOut()
      ? new UpstreamError("total-timeout", "upstream exceeded the total timeout", { cause: err })
      : new UpstreamError("aborted", "client went away", { cause: err });
  }
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT")
    return new UpstreamError(
      "first-token-timeout",
      "upstream exceeded the time-to-first-token timeout",
      { cause: err },
    );
  if (typeof code === "string" && CONNECT_CODES.has(code))
    return new UpstreamError("connect", `upstream connection failed (${code})`, { cause: err });
  return new UpstreamError("protocol", `upstream call failed: ${(err as Error).message}`, {
    cause: err,
  });
}

function retryAfterOf(h: unknown): number | undefined {
  if (typeof h !== "string") return undefined;
  const n = Number(h);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

async function errorFromResponse(call: UpstreamCall): Promise<UpstreamError> {
  let upstreamMessage: string | undefined;
  try {
    const text = (await call.text()).slice(0, 2000);
    const parsed = JSON.parse(text) as {
      error?: { message?: unknown } | string;
      message?: unknown;
    };
    const e = parsed.error;
    upstreamMessage =
      typeof e === "string"
        ? e
        : typeof e?.message === "string"
          ? e.message
          : typeof parsed.message === "string"
            ? parsed.message
            : undefined;
  } catch {
    // body not JSON (or not readable); keep no message
  }
  const ra = retryAfterOf(call.headers["retry-after"]);
  return new UpstreamError("status", `upstream answered ${call.statusCode}`, {
    status: call.statusCode,
    ...(upstreamMessage === undefined ? {} : { upstreamMessage }),
    ...(ra === undefined ? {} : { retryAfterSeconds: ra }),
  });
}

/** Where one endpoint of a backend is: origin, path and every request header. */
export interface UpstreamTarget {
  origin: string;
  path: string;
  headers: Record<string, string>;
}

const targets = new WeakMap<RuntimeBackend, Map<string, UpstreamTarget>>();

/**
 * The target of a backend's endpoint `name`, built by `build` once per backend snapshot (config
 * reloads make new backend objects), so requests neither parse URLs nor merge headers.
 */
export function upstreamTarget(
  b: RuntimeBackend,
  name: string,
  build: () => { url: string; headers: Record<string, string> },
): UpstreamTarget {
  let byName = targets.get(b);
  if (byName === undefined) {
    byName = new Map();
    targets.set(b, byName);
  }
  let t = byName.get(name);
  if (t === undefined) {
    const { url, headers } = build();
    const u = new URL(url);
    t = {
      origin: u.origin,
      path: u.pathname + u.search,
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...b.headers,
        ...headers,
      },
    };
    byName.set(name, t);
  }
  return t;
}

/** Ends an upstream call's span with its status, or the error's code (never its body). */
function endCallSpan(span: ClientSpan, call: UpstreamCall): void {
  const err = call.error;
  const code = (err as { code?: unknown } | undefined)?.code;
  const reason = err === undefined ? undefined : typeof code === "string" ? code : err.name;
  span.end(call.statusCode === 0 ? undefined : call.statusCode, reason);
}

/**
 * POSTs JSON upstream; resolves once a 2xx response head arrived (read the body from the call) or
 * throws an {@link UpstreamError}. The call is cut when `ctx.signal` aborts.
 */
export async function postJSON(
  ctx: CallContext,
  target: UpstreamTarget,
  body: unknown,
): Promise<UpstreamCall> {
  const call = new UpstreamCall();
  const signal = ctx.signal;
  const onAbort = (): void => {
    call.abort(new CallAbortedError("upstream call aborted"));
  };
  const span = ctx.traceCall?.(ctx.backend);
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  call.onFinish = () => {
    signal.removeEventListener("abort", onAbort);
    if (span !== undefined) endCallSpan(span, call);
  };
  try {
    // undici reports failures through the handler, but a closed dispatcher may also throw here.
    ctx.dispatcher.dispatch(
      {
        origin: target.origin,
        path: target.path,
        method: "POST",
        headers: span === undefined ? target.headers : { ...target.headers, ...span.headers },
        body: JSON.stringify(body),
        headersTimeout: ctx.backend.policy.firstTokenMs,
        bodyTimeout: ctx.backend.policy.firstTokenMs,
      },
      call,
    );
  } catch (err) {
    call.onResponseError(undefined, err as Error);
  }
  try {
    await call.started;
  } catch (err) {
    throw classifyError(err, ctx);
  }
  if (call.statusCode >= 200 && call.statusCode < 300) return call;
  throw await errorFromResponse(call);
}

/** Reads a JSON object response body (parsed and as text), classifying failures. */
export async function readJSONText(
  ctx: CallContext,
  call: UpstreamCall,
): Promise<{ json: Record<string, unknown>; raw: string }> {
  try {
    const raw = await call.text();
    const v = JSON.parse(raw) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v))
      throw new Error("upstream body is not a JSON object");
    return { json: v as Record<string, unknown>, raw };
  } catch (err) {
    throw classifyError(err, ctx);
  }
}

/** Reads a JSON object response body, classifying failures. */
export async function readJSON(
  ctx: CallContext,
  call: UpstreamCall,
): Promise<Record<string, unknown>> {
  return (await readJSONText(ctx, call)).json;
}

/** Longest time the rest of a body is read after its stream's end event before it is cut. */
export const TRAILING_BODY_MS = 5_000;

/**
 * Iterates the SSE events of a response body, one array per arrived batch of chunks; errors are
 * classified.
 *
 * When the consumer stops early (it saw the stream's end event) the call is not cut, which would
 * close the connection: the little that is left (usually just the chunked terminator) is read and
 * dropped, and the connection returns to the pool. An upstream that keeps sending after its end
 * event is cut off after {@link TRAILING_BODY_MS}. A consumer that stops on a bad event cuts the
 * call itself ({@link pieceBatches}).
 */
export async function* sseEvents(ctx: CallContext, call: UpstreamCall): AsyncGenerator<SSEEvent[]> {
  const parser = new SSEParser();
  let failed = false;
  try {
    for await (const chunk of call.textChunks()) {
      const events = parser.push(chunk);
      if (events.length > 0) yield events;
    }
  } catch (err) {
    failed = true;
    cut(call);
    throw classifyError(err, ctx);
  } finally {
    if (!failed) call.discard(TRAILING_BODY_MS);
  }
  if (parser.rest().trim() !== "")
    throw new UpstreamError("protocol", "upstream stream ended mid-event");
}

function cut(call: UpstreamCall): void {
  call.abort(new CallAbortedError("upstream call cut"));
}

/**
 * Reads a response's SSE events as batches of pieces. `toPieces` appends an event's pieces to
 * `out` and returns true when the event ends the stream. Pieces completed before a failing event
 * are still delivered, then the upstream call is cut and the failure thrown; a stream that ends
 * without its end event throws `unterminated()`. An error thrown into the generator (`throw()`)
 * cuts the upstream call too.
 */
export async function* pieceBatches(
  ctx: CallContext,
  call: UpstreamCall,
  toPieces: (ev: SSEEvent, out: StreamPiece[]) => boolean,
  unterminated: () => Error,
): AsyncGenerator<StreamPiece[]> {
  for await (const batch of sseEvents(ctx, call)) {
    const out: StreamPiece[] = [];
    let finished = false;
    try {
      for (const ev of batch) {
        if (toPieces(ev, out)) {
          finished = true;
          break;
        }
      }
    } catch (err) {
      cut(call);
      if (out.length > 0) yield out;
      throw err;
    }
    if (out.length > 0) {
      try {
        yield out;
      } catch (err) {
        // The consumer threw into the stream (an injected drop): cut the upstream call now.
        cut(call);
        throw err;
      }
    }
    if (finished) return;
  }
  throw unterminated();
}

/** Usage object from an OpenAI-shaped value, if complete. */
export function usageOf(v: unknown): Usage | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const u = v as Record<string, unknown>;
  const p = u["prompt_tokens"];
  const c = u["completion_tokens"] ?? 0;
  if (typeof p !== "number" || typeof c !== "number") return undefined;
  return { prompt_tokens: p, completion_tokens: c, total_tokens: p + c };
}
