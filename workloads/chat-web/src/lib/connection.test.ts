// Tests of ChatLink's WebSocket open: the access token buys a ticket in a header and never goes into
// the WebSocket URL; a refused ticket is retried later instead of opening a socket; a socket the
// gateway closes because its token expired is reopened with the current token, and that routine
// error is not passed on to the page.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { ChatLink, type SocketLike } from "./connection.ts";

function link(ticketStatus: number): {
  calls: { url: string; init: RequestInit | undefined }[];
  sockets: string[];
  l: ChatLink;
} {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const sockets: string[] = [];
  const l = new ChatLink({
    endpoints: ["http://gw.test"],
    token: () => Promise.resolve("SECRET-TOKEN"),
    onFrame: () => undefined,
    onStatus: () => undefined,
    resumePoints: () => new Map(),
    random: () => 0,
    fetchFn: (url, init) => {
      calls.push({ url, init });
      const body = url.endsWith("/v1/tickets") ? { ticket: "T1", expiresInMs: 30_000 } : {};
      return Promise.resolve(
        new Response(JSON.stringify(body), {
          status: url.endsWith("/v1/tickets") ? ticketStatus : 200,
        }),
      );
    },
    socket: (url) => {
      sockets.push(url);
      return {
        readyState: 0,
        send: () => undefined,
        close: () => undefined,
      } as unknown as SocketLike;
    },
  });
  return { calls, sockets, l };
}

test("the WebSocket opens with a ticket bought with the bearer token; the token is in no URL", async () => {
  const { calls, sockets, l } = link(200);
  l.start();
  await new Promise((r) => setTimeout(r, 20));
  l.stop();
  const ticketCall = calls.find((c) => c.url === "http://gw.test/v1/tickets");
  assert.ok(ticketCall !== undefined, "POST /v1/tickets");
  assert.equal(ticketCall.init?.method, "POST");
  assert.deepEqual(ticketCall.init?.headers, { authorization: "Bearer SECRET-TOKEN" });
  assert.deepEqual(sockets, ["ws://gw.test/v1/ws?ticket=T1"]);
  for (const u of [...sockets, ...calls.map((c) => c.url)]) assert.doesNotMatch(u, /SECRET-TOKEN/);
});

test("a refused ticket opens no socket", async () => {
  const { sockets, l } = link(401);
  l.start();
  await new Promise((r) => setTimeout(r, 20));
  l.stop();
  assert.deepEqual(sockets, []);
});

/** A socket the test drives: frames from the "server", then a close. */
interface FakeSocket extends SocketLike {
  url: string;
  serverSends(frame: Record<string, unknown>): void;
  serverCloses(code: number, reason: string): void;
}

function fakeSocket(url: string): FakeSocket {
  const ws: FakeSocket = {
    url,
    readyState: 1,
    onopen: null,
    onclose: null,
    onerror: null,
    onmessage: null,
    send: () => undefined,
    close: () => undefined,
    serverSends: (frame) => ws.onmessage?.({ data: JSON.stringify(frame) }),
    serverCloses: (code, reason) => ws.onclose?.({ code, reason }),
  };
  return ws;
}

test("a socket closed for an expired token reopens with the current token, and no error reaches the page", async () => {
  let token = "TOKEN-1";
  const tickets: string[] = [];
  const sockets: FakeSocket[] = [];
  const frames: string[] = [];
  const states: string[] = [];
  const l = new ChatLink({
    endpoints: ["http://gw.test"],
    token: () => Promise.resolve(token),
    onFrame: (f) => frames.push(f.type === "error" ? `error:${String(f["code"])}` : f.type),
    onStatus: (s) => states.push(s.state),
    resumePoints: () => new Map(),
    random: () => 0,
    fetchFn: (_url, init) => {
      const auth = (init?.headers as Record<string, string> | undefined)?.["authorization"] ?? "";
      tickets.push(auth);
      return Promise.resolve(new Response(JSON.stringify({ ticket: `T${tickets.length}` })));
    },
    socket: (url) => {
      const ws = fakeSocket(url);
      sockets.push(ws);
      return ws;
    },
  });
  const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  l.start();
  await settle(10);
  sockets[0]!.serverSends({ type: "welcome", replica: "web-0" });
  token = "TOKEN-2"; // the session refreshed it meanwhile
  sockets[0]!.serverSends({
    type: "error",
    code: "CG_ERR_TOKEN_EXPIRED",
    message: "Access token expired",
    retryable: true,
  });
  sockets[0]!.serverCloses(4001, "token expired");
  await settle(300); // first backoff step: 125–250 ms
  assert.equal(sockets.length, 2, "a new socket");
  sockets[1]!.serverSends({ type: "welcome", replica: "web-0" });
  // An error that is not the routine expiry still reaches the page.
  sockets[1]!.serverSends({ type: "error", code: "CG_ERR_INTERNAL", message: "boom" });
  l.stop();
  assert.deepEqual(tickets, ["Bearer TOKEN-1", "Bearer TOKEN-2"]);
  assert.deepEqual(
    sockets.map((s) => s.url),
    ["ws://gw.test/v1/ws?ticket=T1", "ws://gw.test/v1/ws?ticket=T2"],
  );
  assert.deepEqual(frames, ["welcome", "welcome", "error:CG_ERR_INTERNAL"]);
  assert.deepEqual(states, [
    "connecting",
    "online",
    "reconnecting",
    "reconnecting",
    "online",
    "offline",
  ]);
});
