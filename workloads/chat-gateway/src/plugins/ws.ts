import { randomUUID } from "node:crypto";
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import fp from "fastify-plugin";
import type { FastifyInstance } from "fastify";
import WebSocket, { WebSocketServer, type RawData } from "ws";
import { ChatError, CLOSE, toChatError } from "../errors.ts";
import { PROTOCOL_VERSION, SUBPROTOCOL } from "../protocol/frames.ts";
import type { Connection, SharedFrame } from "../session/connection.ts";
import { errorFrame, Session, type SessionOptions } from "../session/session.ts";
import type { Scope } from "../store/db.ts";
import type { Principal } from "./auth.ts";
import { wsTextFrame } from "./ws-frame.ts";

const LOW_WATER = 64 * 1024;

/** What every WebSocket connection of one plugin instance shares (one object, not N closures). */
interface WsShared {
  maxBuffered: number;
  onSlow: () => void;
}

/**
 * ws's WebSocket with a back-reference to its connection (ws's `WebSocket` server option), so
 * the socket listeners are shared functions instead of closures per connection.
 */
class ChatSocket extends WebSocket {
  conn: WsConnection | null = null;
}

/** The connection of a socket (listeners are typed with a plain WebSocket `this`). */
function connOf(ws: WebSocket): WsConnection | null {
  return ws instanceof ChatSocket ? ws.conn : null;
}

/**
 * WebSocket transport of a Connection, with a bounded outbound buffer. Also holds what the
 * heartbeat sweep needs (session, token expiry), so a connection is this object, its Session and
 * the socket.
 */
class WsConnection implements Connection {
  readonly id: string;
  readonly scope: Scope;
  readonly #ws: ChatSocket;
  /** The upgraded TCP socket under #ws; broadcasts write pre-framed bytes to it. */
  readonly #socket: Duplex;
  readonly #shared: WsShared;
  readonly expiresAt: number;
  session: Session | null = null;
  alive = true;

  constructor(ws: ChatSocket, socket: Duplex, scope: Scope, expiresAt: number, shared: WsShared) {
    this.id = randomUUID();
    this.scope = scope;
    this.#ws = ws;
    this.#socket = socket;
    this.expiresAt = expiresAt;
    this.#shared = shared;
  }

  get transport(): "ws" {
    return "ws";
  }

  get closed(): boolean {
    return this.#ws.readyState !== 1;
  }

  /**
   * A string goes through ws.send. A SharedFrame is framed once (wsTextFrame) and its bytes are
   * written straight to the socket: with permessage-deflate off ws's Sender writes every frame
   * synchronously to the same socket, so the order of frames is kept, and ws.bufferedAmount
   * still counts these bytes.
   */
  send(frame: string | SharedFrame): boolean {
    const ws = this.#ws;
    if (ws.readyState !== 1) return false;
    if (ws.bufferedAmount > this.#shared.maxBuffered) {
      // Slow consumer: everything it missed is durable, so disconnect and let it resume.
      this.#shared.onSlow();
      ws.send(errorFrame("CG_ERR_SLOW_CONSUMER"));
      ws.close(CLOSE.TRY_AGAIN_LATER, "slow consumer");
      setTimeout(() => { ws.terminate(); }, 1000).unref();
      return false;
    }
    if (typeof frame === "string") ws.send(frame);
    else this.#socket.write(frame.ws ??= wsTextFrame(frame.text));
    return true;
  }

  bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  async drained(): Promise<void> {
    while (this.#ws.readyState === 1 && this.#ws.bufferedAmount > LOW_WATER) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(code: number, reason: string): void {
    if (this.#ws.readyState === 0 || this.#ws.readyState === 1) this.#ws.close(code, reason);
  }

  ping(): void {
    if (this.#ws.readyState === 1) this.#ws.ping();
  }

  terminate(): void {
    this.#ws.terminate();
  }
}

function ignoreError(): void {
  // errors of a socket that is being upgraded end in its close
}

/** Refuses an upgrade with an HTTP status and a coded JSON body, then closes the socket. */
function refuse(socket: Duplex, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}

/** Bearer token of an upgrade request: Authorization header, else `access_token` query. */
function upgradeToken(req: IncomingMessage, url: URL): string | null {
  const h = req.headers.authorization;
  if (typeof h === "string" && h.toLowerCase().startsWith("bearer ")) return h.slice(7).trim();
  const q = url.searchParams.get("access_token");
  return q === null || q === "" ? null : q;
}

/**
 * WebSocket transport at GET /v1/ws, on the `ws` library directly: the server's `upgrade` event
 * is handled here so nothing of the HTTP upgrade request (headers, token, Fastify request and
 * reply) stays referenced for the connection's lifetime (that kept ~20 KB per idle connection
 * with @fastify/websocket). The token is verified before the upgrade (401 otherwise).
 * Heartbeats: a protocol ping every heartbeatMs; no pong by the next round terminates the
 * socket. Idle connections (no client frame for idleTimeoutMs) close with 4000; an expired token
 * closes with 4001; maxPayload bounds a frame (close 1009).
 */
export default fp(
  function wsPlugin(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
    const cfg = app.chat.config;
    const m = app.metrics;
    const live = new Set<WsConnection>();
    const wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: cfg.maxFrameBytes,
      perMessageDeflate: false,
      handleProtocols: (protocols: Set<string>) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
      WebSocket: ChatSocket,
    });
    const shared: WsShared = {
      maxBuffered: cfg.maxBufferedBytes,
      onSlow: () => {
        m.slowConsumers.inc();
      },
    };

    // One options object for every session (no per-connection closures).
    const sessionOptions: SessionOptions = {
      maxFrameBytes: cfg.maxFrameBytes,
      framesPerSecond: cfg.framesPerSecond,
      onError: (err, msg) => {
        app.log.error({ err }, msg);
      },
      onFrame: (type) => {
        m.framesIn.inc({ type });
      },
      onErrorCode: (code) => {
        m.errors.inc({ code });
      },
    };

    // Socket listeners, shared by every connection (`this` is the socket).
    function onPong(this: WebSocket): void {
      const conn = connOf(this);
      if (conn !== null) conn.alive = true;
    }
    function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
      const conn = connOf(this);
      if (conn === null) return;
      conn.alive = true;
      if (isBinary) {
        conn.send(errorFrame("CG_ERR_BAD_FRAME"));
        return;
      }
      void conn.session?.handle((data as Buffer).toString("utf8"));
    }
    function onError(this: WebSocket, err: Error): void {
      app.log.debug({ err, connection: connOf(this)?.id }, "Failed on a WebSocket");
    }
    function onClose(this: WebSocket): void {
      const conn = connOf(this);
      if (conn === null) return;
      live.delete(conn);
      m.connections.dec({ transport: "ws" });
      void app.chat.service.unregister(conn);
    }

    const onConnection = (ws: ChatSocket, socket: Duplex, principal: Principal): void => {
      const scope = { tenantId: principal.tenantId, userId: principal.userId };
      const conn = new WsConnection(ws, socket, scope, principal.expiresAt, shared);
      conn.session = new Session(conn, app.chat.service, sessionOptions);
      ws.conn = conn;
      live.add(conn);
      app.chat.service.register(conn);
      m.connections.inc({ transport: "ws" });
      ws.on("pong", onPong);
      ws.on("message", onMessage);
      ws.on("error", onError);
      ws.on("close", onClose);
      conn.send(
        JSON.stringify({
          v: PROTOCOL_VERSION,
          type: "welcome",
          protocol: SUBPROTOCOL,
          connectionId: conn.id,
          tenantId: scope.tenantId,
          userId: scope.userId,
          replica: cfg.replicaId,
          heartbeatMs: cfg.heartbeatMs,
          maxFrameBytes: cfg.maxFrameBytes,
        }),
      );
    };

    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      // A module-level listener: a closure made here would keep this scope (the request, its
      // headers and token) alive as long as the socket.
      socket.on("error", ignoreError);
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname !== "/v1/ws") {
        refuse(socket, 404, { code: "CG_ERR_NOT_FOUND", message: "Not found" });
        return;
      }
      if (app.chat.service.draining) {
        refuse(socket, 503, { code: "CG_ERR_DRAINING", message: "Replica is shutting down; reconnect" });
        return;
      }
      const token = upgradeToken(req, url);
      const verified =
        token === null
          ? Promise.reject(new ChatError("CG_ERR_UNAUTHENTICATED", { reason: "missing token" }))
          : app.verifier.verify(token);
      verified.then(
        (principal) => {
          if (socket.destroyed) return;
          wss.handleUpgrade(req, socket, head, (ws) => {
            socket.removeListener("error", ignoreError);
            onConnection(ws, socket, principal);
          });
        },
        (err: unknown) => {
          const e = toChatError(err);
          refuse(socket, e.statusCode, { code: e.code, message: e.message, details: e.details });
        },
      );
    };
    app.server.on("upgrade", onUpgrade);

    // One sweep for every connection: no timer per socket.
    const timer = setInterval(() => {
      const now = Date.now();
      for (const conn of live) {
        if (!conn.alive) {
          conn.terminate();
          continue;
        }
        if (conn.session !== null && now - conn.session.lastFrameAt > cfg.idleTimeoutMs) {
          conn.close(CLOSE.IDLE, "idle timeout");
          continue;
        }
        if (now > conn.expiresAt) {
          conn.send(errorFrame("CG_ERR_TOKEN_EXPIRED"));
          conn.close(CLOSE.TOKEN_EXPIRED, "token expired");
          continue;
        }
        conn.alive = false;
        conn.ping();
      }
    }, cfg.heartbeatMs);
    timer.unref();

    app.addHook("preClose", async () => {
      app.server.removeListener("upgrade", onUpgrade);
      await app.chat.drain();
      for (const conn of live) conn.terminate();
    });
    app.addHook("onClose", (_instance, hookDone) => {
      clearInterval(timer);
      wss.close();
      hookDone();
    });
    done();
  },
  { name: "chat-ws", dependencies: ["chat-core", "chat-auth", "chat-metrics"] },
);
