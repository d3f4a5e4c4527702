import { randomUUID } from "node:crypto";
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import fp from "fastify-plugin";
import type { FastifyInstance } from "fastify";
import { WebSocketServer, type WebSocket } from "ws";
import { ChatError, CLOSE, toChatError } from "../errors.ts";
import { PROTOCOL_VERSION, SUBPROTOCOL } from "../protocol/frames.ts";
import type { Connection } from "../session/connection.ts";
import { errorFrame, Session, type SessionOptions } from "../session/session.ts";
import type { Scope } from "../store/db.ts";
import type { Principal } from "./auth.ts";

const LOW_WATER = 64 * 1024;

/** The part of a `ws` WebSocket a connection uses. */
type Socket = Pick<WebSocket, "readyState" | "bufferedAmount" | "send" | "close" | "terminate" | "ping">;

/** WebSocket transport of a Connection, with a bounded outbound buffer. */
class WsConnection implements Connection {
  readonly id: string;
  readonly scope: Scope;
  readonly transport = "ws" as const;
  readonly #ws: Socket;
  readonly #max: number;
  readonly #onSlow: () => void;
  alive = true;

  constructor(ws: Socket, scope: Scope, maxBuffered: number, onSlow: () => void) {
    this.id = randomUUID();
    this.scope = scope;
    this.#ws = ws;
    this.#max = maxBuffered;
    this.#onSlow = onSlow;
  }

  get closed(): boolean {
    return this.#ws.readyState !== 1;
  }

  send(frame: string | Buffer): boolean {
    if (this.#ws.readyState !== 1) return false;
    if (this.#ws.bufferedAmount > this.#max) {
      // Slow consumer: everything it missed is durable, so disconnect and let it resume.
      this.#onSlow();
      this.#ws.send(errorFrame("CG_ERR_SLOW_CONSUMER"));
      this.#ws.close(CLOSE.TRY_AGAIN_LATER, "slow consumer");
      setTimeout(() => { this.#ws.terminate(); }, 1000).unref();
      return false;
    }
    this.#ws.send(frame);
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

interface Live {
  conn: WsConnection;
  session: Session;
  principal: Principal;
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
    const live = new Map<string, Live>();
    const wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: cfg.maxFrameBytes,
      perMessageDeflate: false,
      handleProtocols: (protocols: Set<string>) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });

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

    const onConnection = (socket: WebSocket, principal: Principal): void => {
      const scope = { tenantId: principal.tenantId, userId: principal.userId };
      const conn = new WsConnection(socket, scope, cfg.maxBufferedBytes, () => {
        m.slowConsumers.inc();
      });
      const session = new Session(conn, app.chat.service, sessionOptions);
      live.set(conn.id, { conn, session, principal });
      app.chat.service.register(conn);
      m.connections.inc({ transport: "ws" });
      socket.on("pong", () => {
        conn.alive = true;
      });
      socket.on("message", (data, isBinary) => {
        conn.alive = true;
        if (isBinary) {
          conn.send(errorFrame("CG_ERR_BAD_FRAME"));
          return;
        }
        void session.handle((data as Buffer).toString("utf8"));
      });
      socket.on("error", (err) => {
        app.log.debug({ err, connection: conn.id }, "Failed on a WebSocket");
      });
      socket.on("close", () => {
        live.delete(conn.id);
        m.connections.dec({ transport: "ws" });
        void app.chat.service.unregister(conn);
      });
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
            onConnection(ws, principal);
          });
        },
        (err: unknown) => {
          const e = toChatError(err);
          refuse(socket, e.statusCode, { code: e.code, message: e.message, details: e.details });
        },
      );
    };
    app.server.on("upgrade", onUpgrade);

    const timer = setInterval(() => {
      const now = Date.now();
      for (const l of live.values()) {
        if (!l.conn.alive) {
          l.conn.terminate();
          continue;
        }
        if (now - l.session.lastFrameAt > cfg.idleTimeoutMs) {
          l.conn.close(CLOSE.IDLE, "idle timeout");
          continue;
        }
        if (now > l.principal.expiresAt) {
          l.conn.send(errorFrame("CG_ERR_TOKEN_EXPIRED"));
          l.conn.close(CLOSE.TOKEN_EXPIRED, "token expired");
          continue;
        }
        l.conn.alive = false;
        l.conn.ping();
      }
    }, cfg.heartbeatMs);
    timer.unref();

    app.addHook("preClose", async () => {
      app.server.removeListener("upgrade", onUpgrade);
      await app.chat.drain();
      for (const l of live.values()) l.conn.terminate();
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
