// SIGTERM drains a replica: in-flight writes finish (each gets an answer and every accepted
// one is stored), clients get a `reconnect` frame and close code 1012, the process exits 0.
import { test } from "node:test";
import assert from "node:assert/strict";
import { suffix } from "./helpers/env.ts";
import { tenantRealm } from "./helpers/keycloak.ts";
import {
  replicaEnv,
  startChild,
  startInProcess,
  TestClient,
  type Frame,
} from "./helpers/gateway.ts";

void test("SIGTERM sends reconnect frames with close 1012 after in-flight writes finish", async (t) => {
  const acme = await tenantRealm(`cg-drain-${suffix()}`, `acme-${suffix()}`);
  const env = replicaEnv([{ issuer: acme.issuer, tenant: acme.tenant, audience: "chat-gateway" }]);
  const a = await startChild(env, "drain-a");
  t.after(() => a.kill("SIGKILL"));
  const other = await startInProcess(env);
  t.after(() => other.close());
  const token = await acme.token();
  const c = new TestClient(a.wsUrl, token);
  await c.opened;
  const first = await c.request({ type: "send", content: "before drain", reply: false });
  const conversationId = first["conversationId"] as string;
  await c.request({ type: "subscribe", conversationId, after: 0 });

  const answers: Promise<Frame>[] = [];
  for (let i = 0; i < 30; i++)
    answers.push(
      c
        .request({ type: "send", conversationId, content: `in flight ${i}`, reply: false }, 20_000)
        .catch(() => ({ type: "lost" })),
    );
  const exited = a.kill("SIGTERM");
  const code = await c.closedP;
  assert.equal(code, 1012);
  assert.ok(
    c.frames.some((f) => f.type === "reconnect"),
    "reconnect frame before close",
  );
  assert.equal(await exited, 0);
  const results = await Promise.all(answers);
  const accepted = results.filter((f) => f.type === "accepted");
  const refused = results.filter((f) => f.type === "error");
  // Every write got an answer before the close: accepted, or refused as draining (retryable).
  assert.equal(
    accepted.length + refused.length,
    30,
    JSON.stringify(results.filter((f) => f.type !== "accepted" && f.type !== "error")),
  );
  assert.ok(refused.every((f) => f["code"] === "CG_ERR_DRAINING"));

  // Everything accepted is durable: the client resumes on the other replica and sees it.
  const r = new TestClient(other.wsUrl, token);
  t.after(() => r.close());
  await r.opened;
  await r.request({ type: "subscribe", conversationId, after: 0 });
  const stored = new Set(
    r
      .events(conversationId)
      .map((f) => (f["event"] as { data: { messageId?: string } }).data.messageId),
  );
  for (const f of accepted) assert.ok(stored.has(f["messageId"] as string));
});
