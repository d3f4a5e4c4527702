// A Keycloak user connects with a real token, sends a message and gets the streamed reply;
// the conversation list, messages and search read models reflect it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { suffix, waitFor } from "./helpers/env.ts";
import { tenantRealm } from "./helpers/keycloak.ts";
import { replicaEnv, startInProcess, TestClient } from "./helpers/gateway.ts";
import { expectedReply, startTestUpstream } from "./helpers/upstream.ts";

void test("a Keycloak user chats over WebSocket and gets a streamed, stored assistant reply", async (t) => {
  const upstream = await startTestUpstream();
  const acme = await tenantRealm(`cg-msg-${suffix()}`, `acme-${suffix()}`);
  const gw = await startInProcess(
    replicaEnv([{ issuer: acme.issuer, tenant: acme.tenant, audience: "chat-gateway" }], {
      INFERENCE_URL: upstream.url,
      CHAT_INDEXER_INTERVAL_MS: "200",
    }),
  );
  t.after(async () => {
    await gw.close();
    await upstream.close();
  });
  const token = await acme.token();
  const c = new TestClient(gw.wsUrl, token);
  t.after(() => c.close());
  await c.opened;
  const welcome = await c.waitFor((f) => f.type === "welcome");
  assert.equal(welcome["userId"], acme.userId);
  assert.equal(welcome["tenantId"], acme.tenant);

  const acc = await c.request({ type: "send", content: "hello pelican world", title: "Birds" });
  assert.equal(acc.type, "accepted", JSON.stringify(acc));
  const conversationId = acc["conversationId"] as string;
  assert.equal(acc["seq"], 3); // conversation.started, message.added, reply.started

  await c.request({ type: "subscribe", conversationId, after: 0 });
  const completed = await c.waitFor(
    (f) => f.type === "event" && (f["event"] as { type: string }).type === "reply.completed",
  );
  const data = (completed["event"] as { data: { content: string } }).data;
  assert.equal(data.content, expectedReply("hello pelican world"));
  const seqs = c.events(conversationId).map((f) => f["seq"]);
  assert.deepEqual(seqs, [1, 2, 3, 4]);

  const auth = { authorization: `Bearer ${token}` };
  const list = (await (await fetch(`${gw.url}/v1/conversations`, { headers: auth })).json()) as {
    conversations: { conversationId: string; title: string; version: number }[];
  };
  assert.deepEqual(
    list.conversations.map((x) => [x.conversationId, x.title, x.version]),
    [[conversationId, "Birds", 4]],
  );
  const msgs = (await (
    await fetch(`${gw.url}/v1/conversations/${conversationId}/messages`, { headers: auth })
  ).json()) as {
    messages: { role: string; content: string; status: string }[];
  };
  assert.deepEqual(
    msgs.messages.map((m) => [m.role, m.content, m.status]),
    [
      ["user", "hello pelican world", "complete"],
      ["assistant", expectedReply("hello pelican world"), "complete"],
    ],
  );
  const hits = await waitFor(
    "search hits from both retrievers",
    async () => {
      const r = (await (
        await fetch(`${gw.url}/v1/search?q=pelican`, { headers: auth })
      ).json()) as {
        hits: { content: string; sources: string[] }[];
      };
      return r.hits.some((h) => h.sources.includes("vector")) ? r.hits : undefined;
    },
    15_000,
  );
  assert.ok(hits.some((h) => h.content === "hello pelican world" && h.sources.includes("text")));
});
