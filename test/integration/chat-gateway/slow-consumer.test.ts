// A client that stops reading is disconnected (close 1013, error CG_ERR_SLOW_CONSUMER) once its
// outbound buffer passes the cap, instead of the server queueing without limit; it can resume.
import { test } from "node:test";
import assert from "node:assert/strict";
import { suffix } from "./helpers/env.ts";
import { tenantRealm } from "./helpers/keycloak.ts";
import { replicaEnv, startInProcess, TestClient } from "./helpers/gateway.ts";

void test("a slow consumer is disconnected at the outbound cap and resumes from its last sequence", async (t) => {
  const acme = await tenantRealm(`cg-slow-${suffix()}`, `acme-${suffix()}`);
  const gw = await startInProcess(
    replicaEnv([{ issuer: acme.issuer, tenant: acme.tenant, audience: "chat-gateway" }], {
      CHAT_MAX_FRAME_BYTES: "131072",
      CHAT_MAX_MESSAGE_CHARS: "100000",
      CHAT_MAX_BUFFERED_BYTES: "262144",
    }),
  );
  t.after(() => gw.close());
  const token = await acme.token();
  const writer = new TestClient(gw.wsUrl, token);
  t.after(() => writer.close());
  await writer.opened;
  const first = await writer.request({ type: "send", content: "slow consumer test", reply: false });
  const conversationId = first["conversationId"] as string;

  const slow = new TestClient(gw.wsUrl, token);
  await slow.opened;
  await slow.request({ type: "subscribe", conversationId, after: 0 });
  const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  socket.pause(); // stop reading: kernel buffers fill, then the server's outbound buffer

  const payload = "z".repeat(60_000);
  let sent = 0;
  const rss0 = process.memoryUsage().rss;
  const metric = async (): Promise<boolean> =>
    /chat_gateway_slow_consumer_disconnects_total [1-9]/.test(
      await (await fetch(`${gw.url}/metrics`)).text(),
    );
  while (sent < 1000 && !(await metric())) {
    const r = await writer.request({
      type: "send",
      conversationId,
      content: payload,
      reply: false,
    });
    assert.equal(r.type, "accepted", JSON.stringify(r).slice(0, 200));
    sent++;
  }
  assert.ok(await metric(), `no slow-consumer disconnect after ${sent} messages of 60 KB`);
  // Bounded: the server did not keep the whole backlog for the stalled socket.
  assert.ok(process.memoryUsage().rss - rss0 < 200 * 1024 * 1024);
  socket.resume();
  assert.equal(await slow.closedP, 1013);
  assert.ok(slow.frames.some((f) => f["code"] === "CG_ERR_SLOW_CONSUMER"));
  const lastSeq = Math.max(0, ...slow.events(conversationId).map((f) => f["seq"] as number));

  // Everything it missed is durable: it resumes from its last sequence and catches up.
  const again = new TestClient(gw.wsUrl, token);
  t.after(() => again.close());
  await again.opened;
  const live = await again.request({ type: "subscribe", conversationId, after: lastSeq }, 60_000);
  assert.equal(live.type, "live");
  const seqs = again.events(conversationId).map((f) => f["seq"] as number);
  assert.equal(seqs[0], lastSeq + 1);
  assert.equal(seqs.at(-1), live["seq"]);
  assert.equal(new Set(seqs).size, seqs.length);
});
