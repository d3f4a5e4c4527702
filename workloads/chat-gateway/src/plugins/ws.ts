/**
 * WebSocket transport at GET /v1/ws, on the `ws` library directly: the server's `upgrade` event
 * is handled here so nothing of the HTTP upgrade request (headers, token, Fastify request and
 * reply) stays referenced for the connection's lifetime (that kept ~20 KB per idle connection
 * with @fastify/websocket). Credentials are checked before the upgrade (Authorization header or
 * a single-use `?ticket=`; 401/503 otherwise), and so are the limits: handshakes being
 * authenticated at once (CHAT_MAX_PENDING_UPGRADES), connections in total and per user (503).
 * Heartbeats: a protocol ping every heartbeatMs; no pong by the next round terminates the
 * socket. Idle connections (no client frame for idleTimeoutMs) close with 4000; an expired token
 * closes with 4001; maxPayload bounds a frame (close 1009).
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import fp from "fastify-plugin";
import type { FastifyInstance } from "fastify";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { ChatError, CLOSE, toChatError } from "../errors.ts";
import { SUBPROTOCOL } from "../protocol/frames.ts";
import { errorFrame, Session, welcomeFrame, type SessionOptions } from "../session/session.ts";
import {
  ChatSocket,
  connOf,
  ignoreError,
  refuse,
  WsConnection,
  type WsShared,
} from "../transport/ws-connection.ts";
import type { Principal } from "./auth.ts";

/** The shared socket listeners and the per-connection setup (one set per plugin instance). */
function connectionHandlers(
  app: FastifyInstance,
  live: Set<WsConnection>,
): (ws: ChatSocket, socket: Duplex, p: Principal) => void {
  const cfg = app.chat.config;
  const m = app.metrics;
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
    app.chat.limits.release(conn.scope);
    m.connections.dec({ transport: "ws" });
    void app.chat.service.unregister(conn);
  }

  return (ws, socket, principal) => {
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
  };
}

/** ws's handleUpgrade, typed with our socket class. */
type Handshake = (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  cb: (ws: ChatSocket) => void,
) => void;

/** Refuses with the coded answer of an error. */
function refuseWith(socket: Duplex, err: unknown): void {
  const e = toChatError(err);
  const retry = e.statusCode === 503 ? "Retry-After: 1\r\n" : "";
  refuse(socket, e.statusCode, { code: e.code, message: e.message, details: e.details }, retry);
}

/** The `upgrade` listener: route, drain and limit checks, authentication, then the handshake. */
function upgradeHandler(
  app: FastifyInstance,
  handshake: Handshake,
  onConnection: (ws: ChatSocket, socket: Duplex, p: Principal) => void,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const cfg = app.chat.config;
  const m = app.metrics;
  let pending = 0;
  return (req, socket, head) => {
    // A module-level listener: a closure made here would keep this scope (the request, its
    // headers and credentials) alive as long as the socket.
    socket.on("error", ignoreError);
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/v1/ws") {
      refuse(socket, 404, { code: "CG_ERR_NOT_FOUND", message: "Not found" });
      return;
    }
    if (app.chat.service.draining) {
      refuseWith(socket, new ChatError("CG_ERR_DRAINING"));
      return;
    }
    if (pending >= cfg.maxPendingUpgrades || app.chat.limits.total >= cfg.maxConnections) {
      m.rejected.inc({ reason: pending >= cfg.maxPendingUpgrades ? "pending_upgrades" : "total" });
      refuseWith(socket, new ChatError("CG_ERR_TOO_MANY_CONNECTIONS"));
      return;
    }
    pending++;
    app.authenticateRaw(req.headers.authorization, url.searchParams.get("ticket")).then(
      (principal) => {
        pending--;
        if (socket.destroyed) return;
        const refused = app.chat.limits.acquire(principal);
        if (refused !== null) {
          m.rejected.inc({ reason: refused });
          refuseWith(socket, new ChatError("CG_ERR_TOO_MANY_CONNECTIONS", { limit: refused }));
          return;
        }
        handshake(req, socket, head, (ws) => {
          socket.removeListener("error", ignoreError);
          onConnection(ws, socket, principal);
        });
      },
      (err: unknown) => {
        pending--;
        refuseWith(socket, err);
      },
    );
  };
}

/** One sweep for every connection (no timer per socket): liveness, idle and token expiry. */
function startSweep(
  live: Set<WsConnection>,
  heartbeatMs: number,
  idleTimeoutMs: number,
): NodeJS.Timeout {
  const timer = setInterval(() => {
    const now = Date.now();
    for (const conn of live) {
      if (!conn.alive) {
        conn.terminate();
        continue;
      }
      if (conn.session !== null && now - conn.session.lastFrameAt > idleTimeoutMs) {
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
  }, heartbeatMs);
  timer.unref();
  return timer;
}

export default fp(
  function wsPlugin(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
    const cfg = app.chat.config;
    const live = new Set<WsConnection>();
    const wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: cfg.maxFrameBytes,
      perMessageDeflate: false,
      handleProtocols: (protocols: Set<string>) =>
        protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false,
      WebSocket: ChatSocket,
    });
    const handshake: Handshake = (req, socket, head, cb) => {
      wss.handleUpgrade(req, socket, head, cb);
    };
    const onUpgrade = upgradeHandler(app, handshake, connectionHandlers(app, live));
    app.server.on("upgrade", onUpgrade);
    const timer = startSweep(live, cfg.heartbeatMs, cfg.idleTimeoutMs);

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
