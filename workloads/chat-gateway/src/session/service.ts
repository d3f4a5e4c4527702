/**
 * Transport-independent chat operations (send, edit, regenerate, subscribe, typing) shared by the
 * WebSocket session and the SSE/POST routes, with the write-side checks (drain, size, rate).
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { Redis } from "ioredis";
import type { Command, ReplyRequest } from "../domain/conversation.ts";
import { ChatError } from "../errors.ts";
import type { FanoutHub } from "../fanout/hub.ts";
import type { Presence } from "../presence/presence.ts";
import type { EditFrame, RegenerateFrame, SendFrame } from "../protocol/frames.ts";
import { PROTOCOL_VERSION } from "../protocol/frames.ts";
import type { ReplyRunner } from "../inference/replies.ts";
import { allowMessage, KeyedRateLimiter, scopeKey } from "../ratelimit.ts";
import type { Scope } from "../store/db.ts";
import type { ConversationRepository } from "../store/repository.ts";
import type { Connection } from "./connection.ts";

/** chat.owned_stream_version (migration 003): sets the RLS context itself; NULL if not the scope's. */
const OWNED_VERSION = {
  name: "cg_owned_stream_version",
  text: "SELECT chat.owned_stream_version($1, $2, $3::uuid) AS version",
};

/** What a command returns once its events are durable (the `accepted` frame's payload). */
export interface Accepted {
  conversationId: string;
  seq: number;
  messageId: string;
  replyMessageId: string | null;
  duplicate: boolean;
}

export interface ServiceConfig {
  replicaId: string;
  defaultModel: string;
  maxMessageChars: number;
  rateLimitMessages: number;
  rateLimitWindowMs: number;
  maxSubscriptions: number;
  typingPerSecond: number;
}

export interface ServiceMetrics {
  resume(): void;
  command(type: string): void;
}

/**
 * Transport-independent chat operations used by the WebSocket session and the SSE/POST routes.
 * Tracks in-flight writes so a drain can wait for them.
 */
export class ChatService {
  readonly #pool: pg.Pool;
  readonly #redis: Redis;
  readonly #repo: ConversationRepository;
  readonly #hub: FanoutHub;
  readonly #presence: Presence;
  readonly #replies: ReplyRunner;
  readonly #cfg: ServiceConfig;
  readonly #metrics: ServiceMetrics;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly connections = new Map<string, Connection>();
  readonly #localMessages: KeyedRateLimiter;
  readonly #typing: KeyedRateLimiter;
  readonly #onError: (err: unknown, msg: string) => void;
  draining = false;

  constructor(deps: {
    pool: pg.Pool;
    redis: Redis;
    repo: ConversationRepository;
    hub: FanoutHub;
    presence: Presence;
    replies: ReplyRunner;
    config: ServiceConfig;
    metrics: ServiceMetrics;
    onError: (err: unknown, msg: string) => void;
  }) {
    this.#pool = deps.pool;
    this.#redis = deps.redis;
    this.#repo = deps.repo;
    this.#hub = deps.hub;
    this.#presence = deps.presence;
    this.#replies = deps.replies;
    this.#cfg = deps.config;
    this.#metrics = deps.metrics;
    this.#onError = deps.onError;
    const c = deps.config;
    // The Redis limit's budget as a local token bucket, used only while Redis is unavailable.
    this.#localMessages = new KeyedRateLimiter(
      (c.rateLimitMessages * 1000) / c.rateLimitWindowMs,
      c.rateLimitMessages,
    );
    this.#typing = new KeyedRateLimiter(c.typingPerSecond, c.typingPerSecond * 2);
  }

  /** Forgets idle rate-limit state (called periodically). */
  sweepLimits(): void {
    this.#localMessages.sweep();
    this.#typing.sweep();
  }

  get inflightCount(): number {
    return this.#inflight.size;
  }

  /** Runs a write and remembers it until it settles (graceful drain waits for these). */
  #track<T>(p: Promise<T>): Promise<T> {
    this.#inflight.add(p);
    void p.then(
      () => this.#inflight.delete(p),
      () => this.#inflight.delete(p),
    );
    return p;
  }

  /** Waits for in-flight writes, at most `timeoutMs`. */
  async waitInflight(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#inflight.size > 0 && Date.now() < deadline) {
      await Promise.race([
        Promise.allSettled([...this.#inflight]),
        new Promise((r) => setTimeout(r, 50)),
      ]);
    }
  }

  async #checkWrite(scope: Scope, content: string): Promise<void> {
    if (this.draining) throw new ChatError("CG_ERR_DRAINING");
    if (content.length > this.#cfg.maxMessageChars) {
      throw new ChatError("CG_ERR_FRAME_TOO_LARGE", { maxMessageChars: this.#cfg.maxMessageChars });
    }
    const rl = await allowMessage(this.#redis, scope, {
      messages: this.#cfg.rateLimitMessages,
      windowMs: this.#cfg.rateLimitWindowMs,
      fallback: this.#localMessages,
    });
    if (!rl.allowed) throw new ChatError("CG_ERR_RATE_LIMITED", { retryAfterMs: rl.retryAfterMs });
  }

  #reply(want: boolean | undefined, model: string | undefined): ReplyRequest | null {
    if (want === false) return null;
    return {
      replyMessageId: randomUUID(),
      model: model ?? this.#cfg.defaultModel,
      replica: this.#cfg.replicaId,
    };
  }

  async #run(
    scope: Scope,
    conversationId: string,
    opts: { isNew: boolean; expectedVersion: number | undefined },
    cmd: Command,
    messageId: string,
  ): Promise<Accepted> {
    const res = await this.#repo.execute(
      scope,
      conversationId,
      { ...opts, actor: scope.userId },
      cmd,
    );
    // Committed: a failed publish (Redis down) must not turn it into an error. Subscribers get the
    // events from PostgreSQL through the hub's head poll instead.
    await this.#hub.publishEvents(res.recorded).catch((err: unknown) => {
      this.#onError(err, "Failed to publish committed events; the head poll delivers them");
    });
    const started = res.recorded.find((r) => r.event.type === "reply.started");
    if (started !== undefined) this.#replies.start(scope, conversationId, started, res.state);
    const last = res.recorded.at(-1);
    const replyMessageId =
      started?.event.type === "reply.started" ? started.event.data.messageId : null;
    return {
      conversationId,
      seq: last?.version ?? res.state.version,
      messageId,
      replyMessageId,
      duplicate: res.duplicate,
    };
  }

  /** Appends a user message (creating the conversation when no id is given). */
  send(scope: Scope, f: SendFrame): Promise<Accepted> {
    this.#metrics.command("send");
    return this.#track(
      (async () => {
        await this.#checkWrite(scope, f.content);
        const isNew = f.conversationId === undefined;
        const conversationId = f.conversationId ?? randomUUID();
        const messageId = f.messageId ?? randomUUID();
        const cmd: Command = {
          kind: "send",
          messageId,
          parentId: f.parentId,
          content: f.content,
          title: f.title ?? f.content.slice(0, 80),
          reply: this.#reply(f.reply, f.model),
        };
        return this.#run(
          scope,
          conversationId,
          { isNew, expectedVersion: f.expectedVersion },
          cmd,
          messageId,
        );
      })(),
    );
  }

  /** Edits a user message: a new sibling message (branch), never an overwrite. */
  edit(scope: Scope, f: EditFrame): Promise<Accepted> {
    this.#metrics.command("edit");
    return this.#track(
      (async () => {
        await this.#checkWrite(scope, f.content);
        const newMessageId = f.newMessageId ?? randomUUID();
        const cmd: Command = {
          kind: "edit",
          messageId: f.messageId,
          newMessageId,
          content: f.content,
          reply: this.#reply(f.reply, f.model),
        };
        return this.#run(
          scope,
          f.conversationId,
          { isNew: false, expectedVersion: f.expectedVersion },
          cmd,
          newMessageId,
        );
      })(),
    );
  }

  /** Regenerates an assistant reply as a new sibling. */
  regenerate(scope: Scope, f: RegenerateFrame): Promise<Accepted> {
    this.#metrics.command("regenerate");
    return this.#track(
      (async () => {
        await this.#checkWrite(scope, "");
        const reply = this.#reply(true, f.model) as ReplyRequest;
        const cmd: Command = { kind: "regenerate", messageId: f.messageId, reply };
        return this.#run(
          scope,
          f.conversationId,
          { isNew: false, expectedVersion: f.expectedVersion },
          cmd,
          reply.replyMessageId,
        );
      })(),
    );
  }

  /** Checks the scope owns the conversation; returns its version. One round trip, autocommit. */
  async head(scope: Scope, conversationId: string): Promise<number> {
    const r = await this.#pool.query<{ version: number | null }>({
      ...OWNED_VERSION,
      values: [scope.tenantId, scope.userId, conversationId],
    });
    const v = r.rows[0]?.version ?? null;
    if (v === null) throw new ChatError("CG_ERR_CONVERSATION_NOT_FOUND");
    return v;
  }

  /** Subscribes a connection (replay after `after`, then live) and joins presence. */
  async subscribe(
    conn: Connection,
    conversationId: string,
    after: number | undefined,
    ref: string | undefined,
  ): Promise<void> {
    if (
      !this.#hub.isSubscribed(conn.id, conversationId) &&
      this.#hub.subscriptionCount(conn.id) >= this.#cfg.maxSubscriptions
    ) {
      throw new ChatError("CG_ERR_TOO_MANY_SUBSCRIPTIONS", { max: this.#cfg.maxSubscriptions });
    }
    const head = await this.head(conn.scope, conversationId);
    if (after !== undefined && after > 0) this.#metrics.resume();
    const from = Math.min(after ?? 0, head);
    conn.send(
      JSON.stringify({ v: PROTOCOL_VERSION, type: "subscribed", ref, conversationId, head, from }),
    );
    const member = { userId: conn.scope.userId, connectionId: conn.id };
    try {
      conn.send(await this.#presence.join(conversationId, member));
    } catch (err) {
      // Presence lives in Redis: without it the subscription still works, without a snapshot.
      this.#onError(err, "Failed to join presence; subscribing without a presence snapshot");
    }
    const liveAt = await this.#hub.subscribe(conn, conversationId, from);
    conn.send(
      JSON.stringify({ v: PROTOCOL_VERSION, type: "live", ref, conversationId, seq: liveAt }),
    );
  }

  async unsubscribe(conn: Connection, conversationId: string): Promise<void> {
    this.#hub.unsubscribe(conn.id, conversationId);
    await this.#presence.leave(conversationId, {
      userId: conn.scope.userId,
      connectionId: conn.id,
    });
  }

  #checkTyping(scope: Scope): void {
    const wait = this.#typing.take(scopeKey(scope));
    if (wait > 0) throw new ChatError("CG_ERR_TOO_MANY_REQUESTS", { retryAfterMs: wait });
  }

  /** Broadcasts a typing indicator to a subscribed conversation (ephemeral). */
  async typing(conn: Connection, conversationId: string, typing: boolean): Promise<void> {
    this.#checkTyping(conn.scope);
    if (!this.#hub.isSubscribed(conn.id, conversationId)) {
      throw new ChatError("CG_ERR_CONVERSATION_NOT_FOUND");
    }
    const frame = JSON.stringify({
      v: PROTOCOL_VERSION,
      type: "typing",
      conversationId,
      userId: conn.scope.userId,
      connectionId: conn.id,
      typing,
    });
    await this.#hub.publishEphemeral(conversationId, frame);
  }

  /** Typing indicator from a transport without subscriptions (POST): ownership is checked. */
  async typingFor(
    scope: Scope,
    conversationId: string,
    typing: boolean,
    connectionId: string,
  ): Promise<void> {
    this.#checkTyping(scope);
    await this.head(scope, conversationId);
    const frame = JSON.stringify({
      v: PROTOCOL_VERSION,
      type: "typing",
      conversationId,
      userId: scope.userId,
      connectionId,
      typing,
    });
    await this.#hub.publishEphemeral(conversationId, frame);
  }

  register(conn: Connection): void {
    this.connections.set(conn.id, conn);
  }

  /** Forgets a closed connection: subscriptions and presence. */
  async unregister(conn: Connection): Promise<void> {
    this.connections.delete(conn.id);
    const subs = this.#hub.subscriptionsOf(conn.id);
    this.#hub.removeConnection(conn.id);
    await Promise.allSettled(
      subs.map((s) =>
        this.#presence.leave(s, { userId: conn.scope.userId, connectionId: conn.id }),
      ),
    );
  }
}
