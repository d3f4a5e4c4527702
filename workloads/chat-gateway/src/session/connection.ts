import type { Scope } from "../store/db.ts";

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
   * Sends one serialised frame (a Buffer lets a broadcast encode once for every socket).
   * Returns false if it was not sent (connection closed or closing as slow).
   */
  send(frame: string | Buffer): boolean;
  /** Bytes queued but not yet written to the socket. */
  bufferedAmount(): number;
  /** Resolves once the outbound buffer is below the low-water mark (or the connection closed). */
  drained(): Promise<void>;
  close(code: number, reason: string): void;
  readonly closed: boolean;
}
