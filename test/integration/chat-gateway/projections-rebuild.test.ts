// Read models rebuilt from the event log equal the live ones (conversations, messages, branches),
// after sends, edits, regenerations and completed replies.
import { test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { requireEnv, suffix } from "./helpers/env.ts";
import { tenantRealm } from "./helpers/keycloak.ts";
import { replicaEnv, startInProcess, TestClient } from "./helpers/gateway.ts";
import { startTestUpstream } from "./helpers/upstream.ts";
import { rebuildReadModels } from "../../../workloads/chat-gateway/src/store/projections.ts";

async function snapshot(c: pg.Client): Promise<string[]> {
  const out: string[] = [];
  for (const [table, order] of [
    ["conversations", "conversation_id"],
    ["messages", "conversation_id, message_id"],
    ["branches", "conversation_id, message_id"],
  ] as const) {
    const r = await c.query(`SELECT * FROM chat.${table} ORDER BY ${order}`);
    // A loop, not push(...rows): a database holding many events would overflow the call stack.
    for (const row of r.rows) out.push(`${table}:${JSON.stringify(row)}`);
  }
  return out;
}

void test("projections rebuilt from the event log equal the live read models", async (t) => {
  const upstream = await startTestUpstream();
  const acme = await tenantRealm(`cg-proj-${suffix()}`, `acme-${suffix()}`);
  const gw = await startInProcess(
    replicaEnv([{ issuer: acme.issuer, tenant: acme.tenant, audience: "chat-gateway" }], {
      INFERENCE_URL: upstream.url,
    }),
  );
  t.after(async () => {
    await gw.close();
    await upstream.close();
  });
  const c = new TestClient(gw.wsUrl, await acme.token());
  t.after(() => c.close());
  await c.opened;

  for (let conv = 0; conv < 3; conv++) {
    const first = await c.request({ type: "send", content: `conversation ${conv} question` });
    const conversationId = first["conversationId"] as string;
    await c.request({ type: "subscribe", conversationId, after: 0 });
    const done = async (n: number): Promise<void> => {
      await c.waitFor(
        () =>
          c
            .events(conversationId)
            .filter((f) => (f["event"] as { type: string }).type === "reply.completed").length >= n,
        15_000,
        "reply.completed",
      );
    };
    await done(1);
    const second = await c.request({ type: "send", conversationId, content: "follow up" });
    await done(2);
    const edit = await c.request({
      type: "edit",
      conversationId,
      messageId: second["messageId"],
      content: "follow up, edited",
      expectedVersion: (second["seq"] as number) + 1,
    });
    assert.equal(edit.type, "accepted", JSON.stringify(edit));
    await done(3);
    const regen = await c.request({
      type: "regenerate",
      conversationId,
      messageId: first["replyMessageId"],
      expectedVersion: (edit["seq"] as number) + 1,
    });
    assert.equal(regen.type, "accepted", JSON.stringify(regen));
    await done(4);
  }

  const admin = new pg.Client({ connectionString: requireEnv("DATABASE_URL") });
  await admin.connect();
  t.after(() => admin.end());
  const live = await snapshot(admin);
  const replayed = await rebuildReadModels(admin);
  assert.ok(replayed > 0);
  const rebuilt = await snapshot(admin);
  assert.equal(rebuilt.length, live.length);
  assert.deepEqual(rebuilt, live);
});
