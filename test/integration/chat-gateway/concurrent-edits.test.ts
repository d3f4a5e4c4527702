// Two concurrent edits against the same conversation version: one wins, the other gets
// CG_ERR_VERSION_CONFLICT, retries against the new version and succeeds; both edits are kept
// as sibling branches of the original message (no overwrite, nothing lost).
import { test } from "node:test";
import assert from "node:assert/strict";
import { suffix } from "./helpers/env.ts";
import { tenantRealm } from "./helpers/keycloak.ts";
import { replicaEnv, startInProcess, TestClient } from "./helpers/gateway.ts";

void test("concurrent edits of one version: one wins, the loser gets a retryable conflict, no event is lost", async (t) => {
  const acme = await tenantRealm(`cg-edit-${suffix()}`, `acme-${suffix()}`);
  const env = replicaEnv([{ issuer: acme.issuer, tenant: acme.tenant, audience: "chat-gateway" }]);
  const a = await startInProcess(env);
  t.after(() => a.close());
  const b = await startInProcess(env);
  t.after(() => b.close());
  const token = await acme.token();
  const ca = new TestClient(a.wsUrl, token);
  const cb = new TestClient(b.wsUrl, token);
  t.after(() => Promise.all([ca.close(), cb.close()]));
  await Promise.all([ca.opened, cb.opened]);

  const first = await ca.request({ type: "send", content: "original question", reply: false });
  const conversationId = first["conversationId"] as string;
  const original = first["messageId"] as string;
  const version = first["seq"] as number;

  for (let round = 0; round < 5; round++) {
    const base = version + round * 2;
    const [ra, rb] = await Promise.all([
      ca.request({
        type: "edit",
        conversationId,
        messageId: original,
        content: `edit A${round}`,
        expectedVersion: base,
        reply: false,
      }),
      cb.request({
        type: "edit",
        conversationId,
        messageId: original,
        content: `edit B${round}`,
        expectedVersion: base,
        reply: false,
      }),
    ]);
    const outcomes = [ra, rb].map((f) => (f.type === "accepted" ? "ok" : String(f["code"])));
    assert.deepEqual(outcomes.sort(), ["CG_ERR_VERSION_CONFLICT", "ok"], JSON.stringify([ra, rb]));
    const loser =
      ra.type === "accepted"
        ? { c: cb, f: rb, text: `edit B${round}` }
        : { c: ca, f: ra, text: `edit A${round}` };
    assert.equal(loser.f["retryable"], true);
    const current = (loser.f["details"] as { currentVersion: number }).currentVersion;
    assert.equal(current, base + 1);
    const retry = await loser.c.request({
      type: "edit",
      conversationId,
      messageId: original,
      content: loser.text,
      expectedVersion: current,
      reply: false,
    });
    assert.equal(retry.type, "accepted", JSON.stringify(retry));
  }

  const res = await fetch(`${a.url}/v1/conversations/${conversationId}/messages`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as {
    messages: { messageId: string; content: string; editOf: string | null; siblingIndex: number }[];
  };
  assert.equal(body.messages.length, 11);
  const edits = body.messages.filter((m) => m.editOf === original);
  assert.equal(edits.length, 10);
  assert.deepEqual(
    edits.map((m) => m.content).sort(),
    [0, 1, 2, 3, 4].flatMap((r) => [`edit A${r}`, `edit B${r}`]).sort(),
  );
  assert.deepEqual(
    body.messages.map((m) => m.siblingIndex).sort((x, y) => x - y),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  const original0 = body.messages.find((m) => m.messageId === original);
  assert.equal(original0?.content, "original question"); // never overwritten
  const forks = (await (
    await fetch(`${a.url}/v1/conversations/${conversationId}/branches`, {
      headers: { authorization: `Bearer ${token}` },
    })
  ).json()) as {
    forks: { parentId: string | null; children: string[] }[];
  };
  assert.equal(forks.forks.length, 1);
  assert.equal(forks.forks[0]?.children.length, 11);
});
