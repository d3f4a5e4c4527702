// Raw client connections for the slow-loris and flood tests: a socket that records what the
// server sends and when the server closed it, so a test can assert how fast hostile or idle
// connections are cut without speaking HTTP itself.
import { connect } from "node:net";
import type { Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export interface RawConn {
  socket: Socket;
  /** When the connection closed (Date.now()). */
  closed: Promise<number>;
  /** Everything the server sent so far. */
  data: () => string;
}

/** Wraps `socket`; resolves once it emits `ready` ("connect" or "secureConnect"). */
function track(socket: Socket, ready: string): Promise<RawConn> {
  return new Promise((resolve, reject) => {
    let buf = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      buf += d;
    });
    const closed = new Promise<number>((r) =>
      socket.once("close", () => {
        r(Date.now());
      }),
    );
    socket.on("error", () => undefined);
    socket.once(ready, () => {
      resolve({ socket, closed, data: () => buf });
    });
    socket.once("error", reject);
  });
}

/** A plain TCP connection to 127.0.0.1:`port` (for a TLS server: one that never starts TLS). */
export const rawSocket = (port: number): Promise<RawConn> =>
  track(connect(port, "127.0.0.1"), "connect");

/** A TLS connection (handshake done, certificate not checked) that has sent nothing yet. */
export const tlsSocket = (port: number): Promise<RawConn> =>
  track(tlsConnect({ port, host: "127.0.0.1", rejectUnauthorized: false }), "secureConnect");
