/**
 * The fallback transport for clients without WebSocket: SSE downstream (GET /v1/stream) and
 * POSTed frames upstream (POST /v1/frames), speaking the same frames as the WebSocket.
 */
import { randomUUID } from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply } from "fastify";
import { ChatError, CLOSE, toChatError } from "../errors.ts";
import { parseClientFrame, PROTOCOL_VERSION, type ClientFrame } from "../protocol/frames.ts";
import type { Connection, SharedFrame } from "../session/connection.ts";
import { KeyedRateLimiter, scopeKey } from "../ratelimit.ts";
import { acceptedFrame, errorFrame, welcomeFrame } from "../session/session.ts";
import type { Scope } from "../store/db.ts";

const StreamQuery = Type.Object({
  conversationId: Type.String({ pattern: "^[0-9a-fA-F-]{36}$" }),
  after: Type.Optional(Type.Integer({ minimum: 0 })),
  ticket: Type.Optional(Type.String({ maxLength: 128 })),
});
type StreamQuery = Static<typeof StreamQuery>;

/** One SSE event of a frame; stored events carry `id: <seq>` so Last-Event-ID resumes. */
function sseBlock(frame: string): string {
  const m = /^\{"v":1,"type":"event","conversationId":"[^"]+","seq":(\d+)/.exec(frame);
  return `${m === null ? "" : `id: ${m[1]}\n`}data: ${frame}\n\n`;
}

/** SSE transport of a Connection: each frame is one `data:` event; stored events carry `id: seq`. */
class SseConnection implements Connection {
  readonly id = randomUUID();
  readonly scope: Scope;
  readonly transport = "sse" as const;
  readonly #reply: FastifyReply;
  readonly #max: number;
  readonly #onSlow: () => void;
  #closed = false;

  constructor(reply: FastifyReply, scope: Scope, maxBuffered: number, onSlow: () => void) {
    this.scope = scope;
    this.#reply = reply;
    this.#max = maxBuffered;
    this.#onSlow = onSlow;
  }

  get closed(): boolean {
    return this.#closed || this.#reply.raw.destroyed;
  }

  send(frame: string | SharedFrame): boolean {
    if (this.closed) return false;
    const raw = this.#reply.raw;
    if (raw.writableLength > this.#max) {
      this.#onSlow();
      this.close(CLOSE.TRY_AGAIN_LATER, "slow consumer");
      return false;
    }
    raw.write(typeof frame === "string" ? sseBlock(frame) : (frame.sse ??= sseBlock(frame.text)));
    return true;
  }

  bufferedAmount(): number {
    return this.#reply.raw.writableLength;
  }

  async drained(): Promise<void> {
    while (!this.closed && this.#reply.raw.writableLength > 64 * 1024) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(_code: number, _reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reply.raw.end();
  }
}

/** Handles one POSTed client frame; returns the serialised answer frame, or null for 204. */
async function answer(app: FastifyInstance, scope: Scope, f: ClientFrame): Promise<string | null> {
  const svc = app.chat.service;
  const ref = "id" in f ? f.id : undefined;
  switch (f.type) {
    case "send":
      return acceptedFrame(ref, await svc.send(scope, f));
    case "edit":
      return acceptedFrame(ref, await svc.edit(scope, f));
    case "regenerate":
      return acceptedFrame(ref, await svc.regenerate(scope, f));
    case "typing":
      await svc.typingFor(scope, f.conversationId, f.typing, `http-${scope.userId}`);
      return null;
    case "ping":
      return JSON.stringify({
        v: PROTOCOL_VERSION,
        type: "pong",
        ...(ref === undefined ? {} : { ref }),
      });
    case "ack":
      return null;
    case "subscribe":
    case "unsubscribe":
      throw new ChatError("CG_ERR_INVALID_COMMAND", {
        reason: "use GET /v1/stream for subscriptions",
      });
  }
}

/**
 * Fallback transport speaking the same frames: GET /v1/stream (SSE, one conversation per
 * stream, resume with `after` or Last-Event-ID) and POST /v1/frames (client frames; the answer
 * holds the resulting server frames). A stream counts against the connection limits; POSTs are
 * rate-limited per user (CHAT_POST_FRAMES_PER_SECOND) after authentication, so a request
 * without valid credentials gets 401 whatever its body.
 */
export default function sseRoutes(
  app: FastifyInstance,
  _opts: unknown,
  done: (err?: Error) => void,
): void {
  const cfg = app.chat.config;
  const postLimiter = new KeyedRateLimiter(cfg.postFramesPerSecond, cfg.postFramesPerSecond * 2);
  const sweep = setInterval(() => {
    postLimiter.sweep();
  }, 10_000);
  sweep.unref();
  app.addHook("onClose", (_i, hookDone) => {
    clearInterval(sweep);
    hookDone();
  });

  app.get<{ Querystring: StreamQuery }>(
    "/v1/stream",
    { schema: { querystring: StreamQuery } },
    async (req, reply) => {
      if (app.chat.service.draining) throw new ChatError("CG_ERR_DRAINING");
      const p = await app.authenticate(req, true);
      const scope = { tenantId: p.tenantId, userId: p.userId };
      const lastId = req.headers["last-event-id"];
      const after =
        typeof lastId === "string" && /^\d+$/.test(lastId) ? Number(lastId) : req.query.after;
      await app.chat.service.head(scope, req.query.conversationId); // 404 before switching to SSE
      const refused = app.chat.limits.acquire(scope);
      if (refused !== null) {
        app.metrics.rejected.inc({ reason: refused });
        throw new ChatError("CG_ERR_TOO_MANY_CONNECTIONS", { limit: refused });
      }
      reply.hijack();
      // Headers hooks already set (CORS for the web client's other origins) go out too: a hijacked
      // reply writes its head itself.
      reply.raw.writeHead(200, {
        ...Object.fromEntries(
          Object.entries(reply.getHeaders()).filter(
            (e): e is [string, string | number | string[]] => e[1] !== undefined,
          ),
        ),
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      const m = app.metrics;
      const conn = new SseConnection(reply, scope, cfg.maxBufferedBytes, () => {
        m.slowConsumers.inc();
      });
      app.chat.service.register(conn);
      m.connections.inc({ transport: "sse" });
      const beat = setInterval(() => {
        if (!conn.closed) reply.raw.write(": ping\n\n");
        if (Date.now() > p.expiresAt) {
          conn.send(errorFrame("CG_ERR_TOKEN_EXPIRED"));
          conn.close(CLOSE.TOKEN_EXPIRED, "token expired");
        }
      }, cfg.heartbeatMs);
      reply.raw.on("close", () => {
        clearInterval(beat);
        app.chat.limits.release(scope);
        m.connections.dec({ transport: "sse" });
        void app.chat.service.unregister(conn);
      });
      conn.send(
        welcomeFrame({
          connectionId: conn.id,
          tenantId: scope.tenantId,
          userId: scope.userId,
          replica: cfg.replicaId,
          heartbeatMs: cfg.heartbeatMs,
          maxFrameBytes: cfg.maxFrameBytes,
          regions: app.chat.regions(),
        }),
      );
      try {
        await app.chat.service.subscribe(conn, req.query.conversationId, after, undefined);
      } catch (err) {
        const e = toChatError(err);
        conn.send(errorFrame(e.code, undefined, e.details));
        conn.close(CLOSE.NORMAL, e.code);
      }
    },
  );

  app.post(
    "/v1/frames",
    { bodyLimit: cfg.maxFrameBytes, onRequest: app.authenticated },
    async (req, reply) => {
      const p = req.principal ?? (await app.authenticate(req));
      const wait = postLimiter.take(scopeKey(p));
      if (wait > 0) {
        app.metrics.errors.inc({ code: "CG_ERR_TOO_MANY_REQUESTS" });
        return reply
          .code(429)
          .header("retry-after", Math.ceil(wait / 1000))
          .type("application/json")
          .send(errorFrame("CG_ERR_TOO_MANY_REQUESTS", undefined, { retryAfterMs: wait }));
      }
      const raw = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
      const parsed = parseClientFrame(raw, cfg.maxFrameBytes);
      if (!parsed.ok) {
        const e = new ChatError(
          parsed.code,
          parsed.detail === undefined ? undefined : { detail: parsed.detail },
        );
        app.metrics.errors.inc({ code: e.code });
        return reply
          .code(e.statusCode)
          .type("application/json")
          .send(errorFrame(parsed.code, parsed.ref, e.details));
      }
      const f = parsed.frame;
      app.metrics.framesIn.inc({ type: f.type });
      const ref = "id" in f ? f.id : undefined;
      try {
        const out = await answer(app, { tenantId: p.tenantId, userId: p.userId }, f);
        if (out === null) return await reply.code(204).send();
        return await reply.type("application/json").send(out);
      } catch (err) {
        const e = toChatError(err);
        if (e.code === "CG_ERR_INTERNAL") req.log.error({ err }, "Failed to handle a POST frame");
        app.metrics.errors.inc({ code: e.code });
        return await reply
          .code(e.statusCode)
          .type("application/json")
          .send(errorFrame(e.code, ref, e.details));
      }
    },
  );
  done();
}
