// Tests of ChatLink's WebSocket open: the access token buys a ticket in a header and never goes into
// the WebSocket URL; a refused ticket is retried later instead of opening a socket.
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
