// A reply streaming on a replica that is SIGKILLed is marked incomplete by the other replica
// once its lease expires, and can then be regenerated there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { suffix } from "./helpers/env.ts";
import { tenantRealm } from "./helpers/keycloak.ts";
import { replicaEnv, startChild, TestClient } from "./helpers/gateway.ts";
import { expectedReply, startTestUpstream } from "./helpers/upstream.ts";

type Ev = { type: string; data: Record<string, unknown> };

void test("a reply cut off by a replica crash is marked incomplete and can be regenerated", async (t) => {
  const upstream = await startTestUpstream({ tokensPerSecond: 4 });
  t.after(() => upstream.close());
  const acme = await tenantRealm(`cg-crash-${suffix()}`, `acme-${suffix()}`);
  const env = replicaEnv([{ issuer: acme.issuer, tenant: acme.tenant, audience: "chat-gateway" }], {
    INFERENCE_URL: upstream.url,
    CHAT_REPLY_LEASE_MS: "1500",
  });
  const a = await startChild(env, "crash-a");
  t.after(() => a.kill("SIGKILL"));
  const b = await startChild(env, "crash-b");
  t.after(() => b.kill("SIGTERM"));
  const token = await acme.token();
  const ca = new TestClient(a.wsUrl, token);
  const cb = new TestClient(b.wsUrl, token);
  t.after(() => cb.close());
  await Promise.all([ca.opened, cb.opened]);

  const sent = await ca.request({ type: "send", content: "tell me a long story", reply: false });
  const conversationId = sent["conversationId"] as string;
  await cb.request({ type: "subscribe", conversationId, after: 0 });
  const ask = await ca.request({ type: "send", conversationId, content: "tell me a long story" });
  const replyId = ask["replyMessageId"] as string;
  // Deltas from A reach the subscriber on B through Redis.
  await cb.waitFor((f) => f.type === "delta" && f["messageId"] === replyId, 10_000, "first delta");
  await a.kill("SIGKILL");

  const incomplete = await cb.waitFor(
    (f) => f.type === "event" && (f["event"] as Ev).type === "reply.incomplete",
    15_000,
    "reply.incomplete",
  );
  const ev = incomplete["event"] as Ev;
  assert.equal(ev.data["messageId"], replyId);
  assert.equal(ev.data["reason"], "replica_lost");
  assert.equal(
    cb.frames.filter((f) => f.type === "event" && (f["event"] as Ev).type === "reply.completed")
      .length,
    0,
  );

  const regen = await cb.request({
    type: "regenerate",
    conversationId,
    messageId: replyId,
    expectedVersion: incomplete["seq"],
  });
  assert.equal(regen.type, "accepted", JSON.stringify(regen));
  const done = await cb.waitFor(
    (f) => f.type === "event" && (f["event"] as Ev).type === "reply.completed",
    20_000,
    "regenerated reply",
  );
  assert.equal((done["event"] as Ev).data["content"], expectedReply("tell me a long story"));

  const msgs = (await (
    await fetch(`${b.url}/v1/conversations/${conversationId}/messages`, {
      headers: { authorization: `Bearer ${token}` },
    })
  ).json()) as {
    messages: {
      messageId: string;
      role: string;
      status: string;
      regenerateOf: string | null;
      parentId: string;
    }[];
  };
  const replies = msgs.messages.filter((m) => m.role === "assistant");
  assert.deepEqual(
    replies.map((m) => m.status),
    ["incomplete", "complete"],
  );
  assert.equal(replies[1]?.regenerateOf, replyId);
  assert.equal(replies[0]!.parentId, replies[1].parentId);
});
