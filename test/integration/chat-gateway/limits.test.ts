// Bounded resources under abuse, against a real replica process: slow-loris clients that never
// finish their headers are cut after the headers timeout, a flood of unauthenticated upgrades is
// answered 401 without piling up, connections are capped per user and in total (503 with a code;
// readiness says "full" only at the pod's own limit), and POST frames, typing and search are
// rate-limited per user. Throughout, a well-behaved client keeps chatting and the replica's
// memory stays bounded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { suffix, waitFor } from "./helpers/env.ts";
import { createUser, passwordGrantToken, tenantRealm } from "./helpers/keycloak.ts";
import { replicaEnv, startChild, TestClient } from "./helpers/gateway.ts";
import { rssMiB } from "./helpers/services.ts";

/** Opens a socket that sends a request line and then one header byte every 500 ms, forever. */
function slowLoris(port: number): { closed: Promise<number>; socket: Socket } {
  const socket = connect(port, "127.0.0.1");
  const opened = Date.now();
  let timer: NodeJS.Timeout | undefined;
  socket.on("connect", () => {
    socket.write("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nX-Slow: ");
    timer = setInterval(() => {
      if (!socket.destroyed) socket.write("a");
    }, 500);
  });
  socket.on("error", () => undefined);
  const closed = new Promise<number>((resolve) => {
    socket.on("close", () => {
      clearInterval(timer);
      resolve(Date.now() - opened);
    });
  });
  return { closed, socket };
}

void test("slow-loris, upgrade floods, connection caps and rate limits stay bounded; others unaffected", async (t) => {
  const acme = await tenantRealm(`cg-lim-${suffix()}`, `acme-${suffix()}`);
  await createUser(acme.realm, "second", "pw-second");
  const env = replicaEnv([{ issuer: acme.issuer, tenant: acme.tenant, audience: "chat-gateway" }], {
    CHAT_HEADERS_TIMEOUT_MS: "2000",
    CHAT_REQUEST_TIMEOUT_MS: "4000",
    CHAT_MAX_CONNECTIONS: "8",
    CHAT_MAX_CONNECTIONS_PER_USER: "5",
    CHAT_POST_FRAMES_PER_SECOND: "5",
    CHAT_TYPING_PER_SECOND: "2",
    CHAT_SEARCH_PER_MINUTE: "6",
    CHAT_FRAMES_PER_SECOND: "200",
  });
  const gw = await startChild(env, "limits-a");
  t.after(() => gw.kill("SIGKILL"));
  const port = Number(new URL(gw.url).port);
  const token = await acme.token();
  const token2 = await passwordGrantToken(acme.realm, "chat-gateway", "second", "pw-second");
  const good = new TestClient(gw.wsUrl, token);
  t.after(() => good.close());
  await good.opened;
  const first = await good.request({ type: "send", content: "steady", reply: false });
  const conversationId = first["conversationId"] as string;
  await good.request({ type: "subscribe", conversationId, after: 0 });
  const rss0 = await rssMiB(gw.proc.pid!);

  // Slow-loris: 300 sockets dribbling headers. Each is cut after the headers timeout.
  const loris = Array.from({ length: 300 }, () => slowLoris(port));
  t.after(() => {
    for (const l of loris) l.socket.destroy();
  });
  // Unauthenticated upgrade flood at the same time.
  const flood = Array.from({ length: 200 }, () =>
    new TestClient(gw.wsUrl, `garbage.${suffix()}.token`).opened.then(
      () => "open",
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    ),
  );
  // The well-behaved client keeps working meanwhile.
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    const a = await good.request({
      type: "send",
      conversationId,
      content: `during ${i}`,
      reply: false,
    });
    assert.equal(a.type, "accepted");
    assert.ok(Date.now() - t0 < 2_000, `send took ${Date.now() - t0} ms under attack`);
  }
  const floodResults = await Promise.all(flood);
  assert.ok(
    floodResults.every((r) => r === "HTTP 401"),
    `flood answers: ${[...new Set(floodResults)].join(", ")}`,
  );
  const lifetimes = await Promise.all(loris.map((l) => l.closed));
  const longest = Math.max(...lifetimes);
  assert.ok(longest < 8_000, `a slow-loris socket lived ${longest} ms (headers timeout 2000 ms)`);
  const rss1 = await rssMiB(gw.proc.pid!);
  assert.ok(rss1 - rss0 < 80, `RSS grew by ${(rss1 - rss0).toFixed(1)} MiB`);

  // Connection caps: 5 per user, 8 in total (the `good` client holds one of user 1's).
  const extra: TestClient[] = [];
  t.after(() => Promise.all(extra.map((c) => c.close())));
  const open = async (tok: string): Promise<string> => {
    const c = new TestClient(gw.wsUrl, tok);
    extra.push(c);
    return c.opened.then(
      () => "open",
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
  };
  for (let i = 0; i < 4; i++) assert.equal(await open(token), "open");
  assert.equal(await open(token), "HTTP 503", "sixth connection of one user");
  for (let i = 0; i < 3; i++)
    assert.equal(await open(token2), "open", "another user is unaffected");
  assert.equal(await open(token2), "HTTP 503", "the replica's total");
  const full = await fetch(`${gw.url}/readyz`);
  assert.equal(full.status, 503);
  assert.equal(((await full.json()) as { status: string }).status, "full");
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.match(metrics, /chat_gateway_connections\{transport="ws"\} 8/);
  assert.match(metrics, /chat_gateway_connections_max 8/);
  assert.match(metrics, /chat_gateway_connections_rejected_total\{reason="user"\} 1/);
  await extra.find((c) => c.ws.readyState === 1)?.close();
  await waitFor("ready again", async () => (await fetch(`${gw.url}/readyz`)).status === 200, 5_000);
  assert.equal(await open(token2), "open");

  // Rate limits per user: POST frames, typing, search.
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const posts = await Promise.all(
    Array.from({ length: 20 }, () =>
      fetch(`${gw.url}/v1/frames`, {
        method: "POST",
        headers: auth,
        body: '{"v":1,"type":"ping"}',
      }),
    ),
  );
  const codes = posts.map((r) => r.status);
  assert.ok(codes.includes(200) && codes.includes(429), `POST statuses ${codes.join(",")}`);
  const limited = posts.find((r) => r.status === 429);
  assert.equal(((await limited?.json()) as { code: string }).code, "CG_ERR_TOO_MANY_REQUESTS");
  for (let i = 0; i < 10; i++) good.send({ type: "typing", conversationId, typing: true });
  await good.waitFor(
    (f) => f.type === "error" && f["code"] === "CG_ERR_TOO_MANY_REQUESTS",
    5_000,
    "typing limited",
  );
  const searches = [];
  for (let i = 0; i < 10; i++)
    searches.push(
      (
        await fetch(`${gw.url}/v1/search?q=steady`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status,
    );
  assert.ok(
    searches.includes(200) && searches.includes(429),
    `search statuses ${searches.join(",")}`,
  );
  assert.equal(gw.proc.exitCode, null);
});
