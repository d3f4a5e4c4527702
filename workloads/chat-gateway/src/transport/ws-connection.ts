/**
 * The WebSocket transport of a Connection: a `ws` socket with a bounded outbound buffer, broadcast
 * frames written pre-framed, and what the heartbeat sweep needs (session, token expiry). Also the
 * raw-socket helpers of the upgrade path (refusing with a coded HTTP answer).
 */
import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import WebSocket from "ws";
import { CLOSE } from "../errors.ts";
import type { Connection, SharedFrame } from "../session/connection.ts";
import { errorFrame, type Session } from "../session/session.ts";
import type { Scope } from "../store/db.ts";
import { wsTextFrame } from "./ws-frame.ts";

const LOW_WATER = 64 * 1024;

/** What every WebSocket connection of one plugin instance shares (one object, not N closures). */
export interface WsShared {
  maxBuffered: number;
  onSlow: () => void;
}

/**
 * ws's WebSocket with a back-reference to its connection (ws's `WebSocket` server option), so
 * the socket listeners are shared functions instead of closures per connection.
 */
export class ChatSocket extends WebSocket {
  conn: WsConnection | null = null;
}

/** The connection of a socket (listeners are typed with a plain WebSocket `this`). */
export function connOf(ws: WebSocket): WsConnection | null {
  return ws instanceof ChatSocket ? ws.conn : null;
}

/**
 * WebSocket transport of a Connection, with a bounded outbound buffer. Also holds what the
 * heartbeat sweep needs (session, token expiry), so a connection is this object, its Session and
 * the socket.
 */
export class WsConnection implements Connection {
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
      setTimeout(() => {
        ws.terminate();
      }, 1000).unref();
      return false;
    }
    if (typeof frame === "string") ws.send(frame);
    else this.#socket.write((frame.ws ??= wsTextFrame(frame.text)));
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

/** Socket error listener during the upgrade: errors of a socket being upgraded end in its close. */
export function ignoreError(): void {
  // nothing to do: the close follows
}

/** Refuses an upgrade with an HTTP status and a coded JSON body, then closes the socket. */
export function refuse(
  socket: Duplex,
  status: number,
  body: Record<string, unknown>,
  extraHeaders = "",
): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nConnection: close\r\nContent-Type: application/json\r\n${extraHeaders}` +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}
