/**
 * The transport-independent Connection interface and SharedFrame (a broadcast frame encoded
 * once per transport).
 */
import type { Scope } from "../store/db.ts";

/**
 * A serialised server frame sent to many connections (a broadcast, a presence snapshot shared
 * by the joiners of one batch). Each transport encodes it once, on first use, into its slot, and
 * every other connection of that transport sends the same bytes: no per-socket serialising,
 * UTF-8 encoding or framing.
 */
export class SharedFrame {
  readonly text: string;
  /** The WebSocket transport's encoding (a complete text frame), set by it on first use. */
  ws: Buffer | undefined = undefined;
  /** The SSE transport's encoding (an `id:`/`data:` block), set by it on first use. */
  sse: string | undefined = undefined;

  constructor(text: string) {
    this.text = text;
  }
}

/**
 * One client connection, whatever the transport (WebSocket or SSE). `send` takes an already
 * serialised frame so a broadcast serialises once; it enforces the outbound bound and closes a
 * slow consumer instead of queueing without limit.
 */
export interface Connection {
  readonly id: string;
  readonly scope: Scope;
  readonly transport: "ws" | "sse";
  /**
   * Sends one serialised frame (a SharedFrame when the same frame goes to many connections).
   * Returns false if it was not sent (connection closed or closing as slow).
   */
  send(frame: string | SharedFrame): boolean;
  /** Bytes queued but not yet written to the socket. */
  bufferedAmount(): number;
  /** Resolves once the outbound buffer is below the low-water mark (or the connection closed). */
  drained(): Promise<void>;
  close(code: number, reason: string): void;
  readonly closed: boolean;
}
