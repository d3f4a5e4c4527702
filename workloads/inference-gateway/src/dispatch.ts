/**
 * Sends one request upstream with selection, retries, circuit breaking and fallback.
 *
 * For each backend in the order chosen by routing/select.ts it makes up to `maxAttempts` attempts
 * with jittered backoff, only for retryable failures, then falls back to the next backend.
 * Streams are committed once the first piece arrived: after that nothing is retried.
 */
import type { RuntimeBackend, RuntimeConfig, RuntimeModel } from "./config/runtime.ts";
import type { BackendRegistry, BackendState } from "./backends.ts";
import { GatewayError } from "./errors.ts";
import { beforeCall, dropStream, faultActive } from "./faults.ts";
import { anthropic } from "./providers/anthropic.ts";
import { UpstreamError, classifyError } from "./providers/http.ts";
import type { CallContext, Provider, StreamPiece, UnaryResult } from "./providers/http.ts";
import { openAICompatible } from "./providers/openai-compatible.ts";
import { backoffDelay, sleep } from "./resilience/retry.ts";
import { selectAttempts } from "./routing/select.ts";
import type { Candidate } from "./routing/select.ts";

/** Outcome labels for the attempts metric. */
export type AttemptOutcome =
  "success" | "retryable_error" | "rejected" | "breaker_open" | "aborted";

/** What dispatch needs from its surroundings. */
export interface DispatchDeps {
  registry: BackendRegistry;
  random: () => number;
  onAttempt: (backend: string, outcome: AttemptOutcome, kind: string) => void;
  /**
   * Longest wait for the next piece of a stream after the first (ms): an upstream that stops
   * sending mid-stream is cut then, not only at the total timeout.
   */
  stallMs?: number;
}

/** One request to dispatch. */
export interface DispatchRequest {
  config: RuntimeConfig;
  model: RuntimeModel;
  body: Record<string, unknown>;
  maxTokens: number;
  clientWantsUsage: boolean;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  /** Starts the client span of each upstream call (only while tracing is on). */
  traceCall?: CallContext["traceCall"];
}

/** A successful non-streaming dispatch. */
export interface UnaryOutcome {
  result: UnaryResult;
  backend: RuntimeBackend;
}

/** A committed stream: first batch already read; call `done` exactly once when finished. */
export interface StreamOutcome {
  backend: RuntimeBackend;
  first: StreamPiece[];
  rest: AsyncIterator<StreamPiece[]>;
  /** Time from dispatch start to the first piece (ms). */
  ttftMs: number;
  done: (err?: unknown) => void;
}

function providerOf(b: RuntimeBackend): Provider {
  return b.provider === "anthropic" ? anthropic : openAICompatible;
}

/** Builds selection candidates from config and live backend state. */
export function candidatesFor(
  config: RuntimeConfig,
  model: RuntimeModel,
  registry: BackendRegistry,
  now: number,
): Candidate[] {
  const out: Candidate[] = [];
  for (const r of model.routes) {
    const b = config.backends.get(r.backend);
    if (b === undefined) continue;
    const s = registry.get(b);
    out.push({
      backend: b.name,
      upstreamModel: r.upstreamModel,
      weight: r.weight,
      priority: r.priority,
      available: s.breaker.isAvailable(now),
      cost: b.costIn + b.costOut,
      latencyMs: s.latencyMs,
    });
  }
  return out;
}

interface Attempt {
  ctx: CallContext;
  cleanup: () => void;
  /** Cuts the call because the upstream stopped sending. */
  stall: () => void;
}

function startAttempt(
  b: RuntimeBackend,
  s: BackendState,
  c: Candidate,
  req: DispatchRequest,
): Attempt {
  const ac = new AbortController();
  let timedOut = false;
  let stalled = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort(new Error("total timeout"));
  }, b.policy.totalMs);
  const onClientAbort = (): void => {
    ac.abort(new Error("client went away"));
  };
  if (req.signal.aborted) onClientAbort();
  else req.signal.addEventListener("abort", onClientAbort, { once: true });
  const ctx: CallContext = {
    backend: b,
    upstreamModel: c.upstreamModel,
    dispatcher: s.agent,
    signal: ac.signal,
    timedOut: () => timedOut,
    stalled: () => stalled,
    maxTokens: req.maxTokens,
    clientWantsUsage: req.clientWantsUsage,
    ...(req.traceCall === undefined ? {} : { traceCall: req.traceCall }),
  };
  return {
    ctx,
    cleanup: () => {
      clearTimeout(timer);
      req.signal.removeEventListener("abort", onClientAbort);
    },
    stall: () => {
      stalled = true;
      ac.abort(new Error("upstream stalled"));
    },
  };
}

/** Bounds the wait for each next batch of a stream to `ms`; on expiry `onStall` cuts the call. */
function stallGuard(
  rest: AsyncIterator<StreamPiece[]>,
  ms: number,
  onStall: () => void,
): AsyncIterator<StreamPiece[]> {
  const guarded: AsyncIterator<StreamPiece[]> = {
    next: async () => {
      const timer = setTimeout(onStall, ms);
      try {
        return await rest.next();
      } finally {
        clearTimeout(timer);
      }
    },
  };
  if (rest.return !== undefined) guarded.return = rest.return.bind(rest);
  if (rest.throw !== undefined) guarded.throw = rest.throw.bind(rest);
  return guarded;
}

function finalError(last: UpstreamError | undefined): GatewayError {
  if (last === undefined) return new GatewayError("GW_ERR_NO_HEALTHY_BACKEND", { retryAfter: 1 });
  if (last.kind === "first-token-timeout" || last.kind === "total-timeout")
    return new GatewayError("GW_ERR_UPSTREAM_TIMEOUT", { cause: last });
  return new GatewayError("GW_ERR_UPSTREAM_FAILED", {
    cause: last,
    ...(last.retryAfterSeconds === undefined ? {} : { retryAfter: last.retryAfterSeconds }),
  });
}

function rejected(e: UpstreamError): GatewayError {
  const status = e.status !== undefined && e.status >= 400 && e.status < 500 ? e.status : 400;
  return new GatewayError("GW_ERR_UPSTREAM_REJECTED", {
    status,
    message: e.upstreamMessage ?? `Upstream rejected the request (HTTP ${status})`,
  });
}

type Call<T> = (p: Provider, ctx: CallContext) => Promise<T>;

/**
 * Runs `call` over the attempts with retry and fallback. `call` resolves when the attempt is
 * committed; `keepOpen` results keep their attempt context (streams) and are cleaned by the caller.
 */
async function run<T>(
  deps: DispatchDeps,
  req: DispatchRequest,
  kind: string,
  call: Call<T>,
): Promise<{
  value: T;
  backend: RuntimeBackend;
  state: BackendState;
  attempt: Attempt;
  startedAt: number;
}> {
  const now = Date.now();
  const order = selectAttempts(
    candidatesFor(req.config, req.model, deps.registry, now),
    req.model.strategy,
    req.config.scoring,
    deps.random,
  );
  let last: UpstreamError | undefined;
  for (const c of order) {
    const b = req.config.backends.get(c.backend);
    if (b === undefined) continue;
    const s = deps.registry.get(b);
    for (let i = 1; i <= b.policy.maxAttempts; i++) {
      if (!s.breaker.tryAcquire(Date.now())) {
        deps.onAttempt(b.name, "breaker_open", kind);
        break;
      }
      const attempt = startAttempt(b, s, c, req);
      const startedAt = Date.now();
      try {
        const fault = req.config.faults.get(b.name);
        if (faultActive(fault, startedAt)) await beforeCall(fault, attempt.ctx.signal, deps.random);
        const value = await call(providerOf(b), attempt.ctx);
        return { value, backend: b, state: s, attempt, startedAt };
      } catch (err) {
        attempt.cleanup();
        if (err instanceof GatewayError) {
          s.breaker.release();
          throw err;
        }
        const e = classifyError(err, attempt.ctx);
        if (e.kind === "aborted") {
          s.breaker.release();
          deps.onAttempt(b.name, "aborted", kind);
          throw e;
        }
        if (!e.retryable && !e.countsAsFailure) {
          s.breaker.onSuccess();
          deps.onAttempt(b.name, "rejected", kind);
          throw rejected(e);
        }
        s.breaker.onFailure(Date.now());
        deps.onAttempt(b.name, "retryable_error", kind);
        last = e;
        if (!e.retryable) break;
        if (i < b.policy.maxAttempts)
          await sleep(
            backoffDelay(i, b.policy.baseDelayMs, b.policy.maxDelayMs, deps.random),
            req.signal,
          );
      }
    }
  }
  throw finalError(last);
}

/** Dispatches a non-streaming chat completion or embeddings request. */
export async function dispatchUnary(
  deps: DispatchDeps,
  req: DispatchRequest,
  kind: "chat" | "embeddings",
): Promise<UnaryOutcome> {
  const r = await run(deps, req, kind, (p, ctx) =>
    kind === "chat" ? p.chat(ctx, req.body) : p.embeddings(ctx, req.body),
  );
  r.attempt.cleanup();
  r.state.breaker.onSuccess();
  deps.registry.observeLatency(r.state, Date.now() - r.startedAt);
  deps.onAttempt(r.backend.name, "success", kind);
  return { result: r.value, backend: r.backend };
}

/** Dispatches a streaming chat completion; resolves once the first piece arrived. */
export async function dispatchStream(
  deps: DispatchDeps,
  req: DispatchRequest,
): Promise<StreamOutcome> {
  const t0 = Date.now();
  const r = await run(deps, req, "chat_stream", async (p, ctx) => {
    let stream = await p.chatStream(ctx, req.body);
    const fault = req.config.faults.get(ctx.backend.name);
    if (faultActive(fault, Date.now())) stream = dropStream(fault, stream, deps.random);
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done === true) throw new UpstreamError("protocol", "upstream stream was empty");
    return { first: first.value, it };
  });
  const ttftMs = Date.now() - t0;
  deps.registry.observeLatency(r.state, Date.now() - r.startedAt);
  let finished = false;
  return {
    backend: r.backend,
    first: r.value.first,
    rest:
      deps.stallMs === undefined
        ? r.value.it
        : stallGuard(r.value.it, deps.stallMs, r.attempt.stall),
    ttftMs,
    done: (err?: unknown) => {
      if (finished) return;
      finished = true;
      r.attempt.cleanup();
      const e = err === undefined ? undefined : classifyError(err, r.attempt.ctx);
      if (e === undefined) {
        r.state.breaker.onSuccess();
        deps.onAttempt(r.backend.name, "success", "chat_stream");
      } else if (e.kind === "aborted") {
        r.state.breaker.release();
        deps.onAttempt(r.backend.name, "aborted", "chat_stream");
      } else {
        r.state.breaker.onFailure(Date.now());
        deps.onAttempt(r.backend.name, "retryable_error", "chat_stream");
      }
    },
  };
}
