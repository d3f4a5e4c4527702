/**
 * Protocol state of one connection (parsing, flood limit, dispatch) and the serialisers of the
 * server frames every transport sends (welcome, reconnect, accepted, error).
 */
import { CLOSE, ChatError, ERRORS, toChatError, type ErrorCode } from "../errors.ts";
import {
  parseClientFrame,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  type ClientFrame,
} from "../protocol/frames.ts";
import type { RegionsTable } from "../regions.ts";
import { TokenBucket } from "../ratelimit.ts";
import type { Connection } from "./connection.ts";
import type { Accepted, ChatService } from "./service.ts";

/** Serialises an error frame for `code`. */
export function errorFrame(
  code: ErrorCode,
  ref?: string,
  details?: Record<string, unknown>,
): string {
  const e = ERRORS[code];
  return JSON.stringify({
    v: PROTOCOL_VERSION,
    type: "error",
    ...(ref === undefined ? {} : { ref }),
    code,
    message: e.message,
    retryable: e.retryable,
    ...(details === undefined ? {} : { details }),
  });
}

/** Serialises the `accepted` frame sent once a command's events are durable. */
export function acceptedFrame(ref: string | undefined, a: Accepted): string {
  return JSON.stringify({
    v: PROTOCOL_VERSION,
    type: "accepted",
    ...(ref === undefined ? {} : { ref }),
    ...a,
  });
}

/** What a `welcome` frame tells a new connection. */
export interface WelcomeInfo {
  connectionId: string;
  tenantId: string;
  userId: string;
  replica: string;
  heartbeatMs: number;
  maxFrameBytes: number;
  /** The regions table, if this replica has one (CHAT_REGIONS_FILE). */
  regions: RegionsTable | null;
}

/** Serialises the `welcome` frame (first frame of every connection). */
export function welcomeFrame(w: WelcomeInfo): string {
  const { regions, ...rest } = w;
  return JSON.stringify({
    v: PROTOCOL_VERSION,
    type: "welcome",
    protocol: SUBPROTOCOL,
    ...rest,
    ...(regions === null ? {} : { regions }),
  });
}

/** Serialises the `reconnect` frame sent on drain: go elsewhere (the regions table says where). */
export function reconnectFrame(
  reason: string,
  retryAfterMs: number,
  regions: RegionsTable | null,
): string {
  return JSON.stringify({
    v: PROTOCOL_VERSION,
    type: "reconnect",
    reason,
    retryAfterMs,
    ...(regions === null ? {} : { regions }),
  });
}

export interface SessionOptions {
  maxFrameBytes: number;
  framesPerSecond: number;
  onError: (err: unknown, msg: string) => void;
  onFrame: (type: string) => void;
  onErrorCode: (code: string) => void;
}

/**
 * Protocol state of one connection: parses frames, enforces the per-connection flood limit
 * (error frames, then close 4029 after repeated violations) and dispatches to the service.
 * A frame never throws out of here: every failure becomes an error frame.
 */
export class Session {
  readonly #conn: Connection;
  readonly #svc: ChatService;
  readonly #opts: SessionOptions;
  readonly #bucket: TokenBucket;
  #violations = 0;
  lastFrameAt = Date.now();
  /** Highest sequence the client acknowledged per conversation (created on first ack). */
  acked: Map<string, number> | null = null;

  constructor(conn: Connection, svc: ChatService, opts: SessionOptions) {
    this.#conn = conn;
    this.#svc = svc;
    this.#opts = opts;
    this.#bucket = new TokenBucket(opts.framesPerSecond, opts.framesPerSecond * 2);
  }

  #error(code: ErrorCode, ref?: string, details?: Record<string, unknown>): void {
    this.#opts.onErrorCode(code);
    this.#conn.send(errorFrame(code, ref, details));
  }

  /** Handles one raw text frame. */
  async handle(raw: string): Promise<void> {
    this.lastFrameAt = Date.now();
    if (!this.#bucket.take()) {
      this.#violations++;
      this.#error("CG_ERR_FLOOD");
      if (this.#violations > this.#opts.framesPerSecond) this.#conn.close(CLOSE.FLOOD, "flood");
      return;
    }
    const parsed = parseClientFrame(raw, this.#opts.maxFrameBytes);
    if (!parsed.ok) {
      this.#error(
        parsed.code,
        parsed.ref,
        parsed.detail === undefined ? undefined : { detail: parsed.detail },
      );
      return;
    }
    this.#opts.onFrame(parsed.frame.type);
    const ref = "id" in parsed.frame ? parsed.frame.id : undefined;
    try {
      await this.#dispatch(parsed.frame);
    } catch (err) {
      const e = toChatError(err);
      if (e.code === "CG_ERR_INTERNAL") this.#opts.onError(err, "Failed to handle a frame");
      this.#error(e.code, ref, e.details);
    }
  }

  async #dispatch(f: ClientFrame): Promise<void> {
    const c = this.#conn;
    switch (f.type) {
      case "ping":
        c.send(
          JSON.stringify({
            v: PROTOCOL_VERSION,
            type: "pong",
            ...(f.id === undefined ? {} : { ref: f.id }),
          }),
        );
        return;
      case "subscribe":
        await this.#svc.subscribe(c, f.conversationId, f.after, f.id);
        return;
      case "unsubscribe":
        await this.#svc.unsubscribe(c, f.conversationId);
        c.send(
          JSON.stringify({
            v: PROTOCOL_VERSION,
            type: "unsubscribed",
            ref: f.id,
            conversationId: f.conversationId,
          }),
        );
        return;
      case "send":
        c.send(acceptedFrame(f.id, await this.#svc.send(c.scope, f)));
        return;
      case "edit":
        c.send(acceptedFrame(f.id, await this.#svc.edit(c.scope, f)));
        return;
      case "regenerate":
        c.send(acceptedFrame(f.id, await this.#svc.regenerate(c.scope, f)));
        return;
      case "typing":
        await this.#svc.typing(c, f.conversationId, f.typing);
        return;
      case "ack":
        if (!this.#svc.connections.has(c.id)) throw new ChatError("CG_ERR_INTERNAL");
        this.acked ??= new Map();
        this.acked.set(f.conversationId, Math.max(this.acked.get(f.conversationId) ?? 0, f.seq));
        return;
    }
  }
}
