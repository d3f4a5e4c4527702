// Bad input never crashes the gateway nor grows its memory without bound: malformed frames,
// wrong versions, unknown types, schema violations, oversized frames and messages, binary
// frames and floods get error frames or a disconnect (slow consumers: slow-consumer.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { suffix } from "./helpers/env.ts";
import { tenantRealm } from "./helpers/keycloak.ts";
import { replicaEnv, startInProcess, TestClient, type Frame } from "./helpers/gateway.ts";

void test("malformed, oversized, unknown and flooding frames get error frames or a disconnect, never a crash", async (t) => {
  const acme = await tenantRealm(`cg-bad-${suffix()}`, `acme-${suffix()}`);
  const gw = await startInProcess(
    replicaEnv([{ issuer: acme.issuer, tenant: acme.tenant, audience: "chat-gateway" }], {
      CHAT_MAX_FRAME_BYTES: "4096",
      CHAT_MAX_MESSAGE_CHARS: "1000",
      CHAT_FRAMES_PER_SECOND: "20",
    }),
  );
  t.after(() => gw.close());
  const token = await acme.token();
  const c = new TestClient(gw.wsUrl, token);
  t.after(() => c.close());
  await c.opened;
  const errorsAfter = (n: number): Frame[] => c.frames.filter((f) => f.type === "error").slice(n);

  const cases: [string | Buffer, string][] = [
    ["not json", "CG_ERR_BAD_FRAME"],
    ["[1,2,3]", "CG_ERR_BAD_FRAME"],
    ["null", "CG_ERR_BAD_FRAME"],
    [JSON.stringify({ v: 2, type: "ping" }), "CG_ERR_UNSUPPORTED_VERSION"],
    [JSON.stringify({ type: "ping" }), "CG_ERR_UNSUPPORTED_VERSION"],
    [JSON.stringify({ v: 1, type: "launch-missiles" }), "CG_ERR_UNKNOWN_TYPE"],
    [JSON.stringify({ v: 1, type: "send" }), "CG_ERR_INVALID_FRAME"],
    [JSON.stringify({ v: 1, type: "send", content: "x", extra: true }), "CG_ERR_INVALID_FRAME"],
    [
      JSON.stringify({ v: 1, type: "subscribe", conversationId: "../../etc/passwd" }),
      "CG_ERR_INVALID_FRAME",
    ],
    [
      JSON.stringify({
        v: 1,
        type: "subscribe",
        conversationId: "00000000-0000-0000-0000-000000000001",
        after: -1,
      }),
      "CG_ERR_INVALID_FRAME",
    ],
    [
      JSON.stringify({
        v: 1,
        type: "subscribe",
        conversationId: "00000000-0000-0000-0000-000000000001",
      }),
      "CG_ERR_CONVERSATION_NOT_FOUND",
    ],
    [
      JSON.stringify({ v: 1, type: "send", content: "x".repeat(1500), reply: false }),
      "CG_ERR_FRAME_TOO_LARGE",
    ],
    [Buffer.from([1, 2, 3]), "CG_ERR_BAD_FRAME"],
  ];
  for (const [raw, code] of cases) {
    const before = errorsAfter(0).length;
    c.sendRaw(raw);
    await c.waitFor(
      () => errorsAfter(before).length > 0,
      5_000,
      `error for ${String(raw).slice(0, 40)}`,
    );
    assert.equal(errorsAfter(before)[0]?.["code"], code, String(raw).slice(0, 60));
    await new Promise((r) => setTimeout(r, 60)); // stay under the flood limit
  }
  const pong = await c.request({ type: "ping" });
  assert.equal(pong.type, "pong");

  // A frame over maxPayload closes the socket with 1009; the server keeps serving.
  const big = new TestClient(gw.wsUrl, token);
  await big.opened;
  big.sendRaw(JSON.stringify({ v: 1, type: "send", content: "y".repeat(10_000) }));
  assert.equal(await big.closedP, 1009);

  // Flood: error frames first, then close 4029.
  const flood = new TestClient(gw.wsUrl, token);
  await flood.opened;
  for (let i = 0; i < 500; i++) flood.send({ type: "ping" });
  assert.equal(await flood.closedP, 4029);
  assert.ok(flood.frames.some((f) => f["code"] === "CG_ERR_FLOOD"));

  // Memory stays bounded under 20,000 junk frames spread over short-lived connections.
  const rss0 = process.memoryUsage().rss;
  for (let round = 0; round < 20; round++) {
    const junk = new TestClient(gw.wsUrl, token);
    await junk.opened;
    for (let i = 0; i < 1000; i++) junk.sendRaw(`{"v":1,"type":"send","content":${i}`);
    await junk.closedP
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => undefined);
  }
  const rssGrowth = process.memoryUsage().rss - rss0;
  assert.ok(rssGrowth < 150 * 1024 * 1024, `RSS grew ${rssGrowth} bytes`);

  // Still healthy.
  assert.equal((await fetch(`${gw.url}/readyz`)).status, 200);
  const again = await c.request({ type: "ping" });
  assert.equal(again.type, "pong");
});
