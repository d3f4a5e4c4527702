import { randomUUID } from "node:crypto";
import fp from "fastify-plugin";
import websocket from "@fastify/websocket";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import { CLOSE, toChatError } from "../errors.ts";
import { PROTOCOL_VERSION, SUBPROTOCOL } from "../protocol/frames.ts";
import type { Connection } from "../session/connection.ts";
import { errorFrame, Session } from "../session/session.ts";
import type { Scope } from "../store/db.ts";
import type { Principal } from "./auth.ts";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

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

  send(frame: string): boolean {
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

/**
 * WebSocket transport at GET /v1/ws. The token is checked before the upgrade (401 otherwise).
 * Heartbeats: a protocol ping every heartbeatMs; no pong by the next round terminates the socket.
 * Idle connections (no client frame for idleTimeoutMs) close with 4000; an expired token
 * closes with 4001; maxPayload bounds a frame (close 1009).
 */
export default fp(
  async function wsPlugin(app: FastifyInstance): Promise<void> {
    const cfg = app.chat.config;
    const live = new Map<string, Live>();
    await app.register(websocket, {
      options: {
        maxPayload: cfg.maxFrameBytes,
        perMessageDeflate: false,
        handleProtocols: (protocols: Set<string>) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
      },
      preClose: async function (this: FastifyInstance) {
        await app.chat.drain();
        for (const client of this.websocketServer.clients) client.terminate();
      },
    });

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
    app.addHook("onClose", (_instance, done) => {
      clearInterval(timer);
      done();
    });

    async function authenticate(req: FastifyRequest): Promise<void> {
      req.principal = await app.authenticate(req);
    }

    app.get(
      "/v1/ws",
      {
        websocket: true,
        preValidation: async (req, reply) => {
          if (app.chat.service.draining) {
            return reply.code(503).send({ code: "CG_ERR_DRAINING", message: "Replica is shutting down; reconnect" });
          }
          try {
            await authenticate(req);
          } catch (err) {
            const e = toChatError(err);
            return reply.code(e.statusCode).send({ code: e.code, message: e.message, details: e.details });
          }
          return undefined;
        },
      },
      (socket, req) => {
        const principal = req.principal as Principal;
        const scope = { tenantId: principal.tenantId, userId: principal.userId };
        const m = app.metrics;
        const conn = new WsConnection(socket, scope, cfg.maxBufferedBytes, () => { m.slowConsumers.inc(); });
        const session = new Session(conn, app.chat.service, {
          maxFrameBytes: cfg.maxFrameBytes,
          framesPerSecond: cfg.framesPerSecond,
          onError: (err, msg) => { app.log.error({ err, connection: conn.id }, msg); },
          onFrame: (type) => { m.framesIn.inc({ type }); },
          onErrorCode: (code) => { m.errors.inc({ code }); },
        });
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
          const raw = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8");
          void session.handle(raw);
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
      },
    );
  },
  { name: "chat-ws", dependencies: ["chat-core", "chat-auth", "chat-metrics"] },
);
