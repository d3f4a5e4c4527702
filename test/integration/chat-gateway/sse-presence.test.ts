// The SSE + POST fallback speaks the same frames (resume with Last-Event-ID); presence and
// typing indicators reach the other subscribers across replicas.
import { test } from "node:test";
import assert from "node:assert/strict";
import { suffix } from "./helpers/env.ts";
import { tenantRealm } from "./helpers/keycloak.ts";
import { replicaEnv, startInProcess, TestClient, type Frame } from "./helpers/gateway.ts";

async function readSse(
  url: string,
  headers: Record<string, string>,
  until: (frames: { id: string | null; frame: Frame }[]) => boolean,
): Promise<{ id: string | null; frame: Frame }[]> {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
  const out: { id: string | null; frame: Frame }[] = [];
  const dec = new TextDecoder();
  let buf = "";
  const timer = setTimeout(() => {
    ac.abort();
  }, 15_000);
  try {
    for await (const chunk of res.body!) {
      buf += dec.decode(chunk as Uint8Array, { stream: true });
      let i: number;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const id = /^id: (.*)$/m.exec(block)?.[1] ?? null;
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data !== undefined) out.push({ id, frame: JSON.parse(data) as Frame });
      }
      if (until(out)) break;
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return out;
}

void test("SSE + POST fallback, presence and typing across replicas", async (t) => {
  const acme = await tenantRealm(`cg-sse-${suffix()}`, `acme-${suffix()}`);
  const env = replicaEnv([{ issuer: acme.issuer, tenant: acme.tenant, audience: "chat-gateway" }], {
    CHAT_PRESENCE_TTL_MS: "3000",
  });
  const a = await startInProcess(env);
  t.after(() => a.close());
  const b = await startInProcess(env);
  t.after(() => b.close());
  const token = await acme.token();
  const auth = { authorization: `Bearer ${token}` };
  const post = async (base: string, frame: Record<string, unknown>): Promise<Frame> => {
    const r = await fetch(`${base}/v1/frames`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ v: 1, ...frame }),
    });
    return (await r.json()) as Frame;
  };

  const created = await post(a.url, { type: "send", id: "c1", content: "via POST", reply: false });
  assert.equal(created.type, "accepted");
  assert.equal(created["ref"], "c1");
  const conversationId = created["conversationId"] as string;
  for (let i = 0; i < 3; i++)
    assert.equal(
      (await post(b.url, { type: "send", conversationId, content: `more ${i}`, reply: false }))
        .type,
      "accepted",
    );
  const bad = await fetch(`${a.url}/v1/frames`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ v: 1, type: "nope" }),
  });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as Frame)["code"], "CG_ERR_UNKNOWN_TYPE");

  // Full replay over SSE: ids are the sequence numbers.
  const all = await readSse(`${a.url}/v1/stream?conversationId=${conversationId}`, auth, (fs) =>
    fs.some((f) => f.frame.type === "live"),
  );
  const events = all.filter((f) => f.frame.type === "event");
  assert.deepEqual(
    events.map((f) => f.id),
    ["1", "2", "3", "4", "5"],
  );
  assert.deepEqual(
    events.map((f) => f.frame["seq"]),
    [1, 2, 3, 4, 5],
  );

  // Resume with Last-Event-ID: only what came after, then live events posted to the other replica.
  const resumed = readSse(
    `${b.url}/v1/stream?conversationId=${conversationId}`,
    { ...auth, "last-event-id": "3" },
    (fs) => fs.filter((f) => f.frame.type === "event").length >= 3,
  );
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(
    (await post(a.url, { type: "send", conversationId, content: "live one", reply: false })).type,
    "accepted",
  );
  const got = (await resumed).filter((f) => f.frame.type === "event");
  assert.deepEqual(
    got.map((f) => f.frame["seq"]),
    [4, 5, 6],
  );

  // Presence and typing between a WebSocket client on A and one on B.
  const ca = new TestClient(a.wsUrl, token);
  const cb = new TestClient(b.wsUrl, token);
  t.after(() => Promise.all([ca.close(), cb.close()]));
  await Promise.all([ca.opened, cb.opened]);
  await ca.request({ type: "subscribe", conversationId, after: 6 });
  const idA = (await ca.waitFor((f) => f.type === "welcome"))["connectionId"];
  const idB = (await cb.waitFor((f) => f.type === "welcome"))["connectionId"];
  await cb.request({ type: "subscribe", conversationId, after: 6 });
  const snapshot = await cb.waitFor((f) => f.type === "presence" && Array.isArray(f["members"]));
  const members = (snapshot["members"] as { connectionId: string }[]).map((m) => m.connectionId);
  assert.ok(
    members.includes(idA as string) && members.includes(idB as string),
    JSON.stringify(snapshot),
  );
  await ca.waitFor(
    (f) =>
      f.type === "presence" &&
      ((f["joined"] as { connectionId: string }[] | undefined) ?? []).some(
        (m) => m.connectionId === idB,
      ),
    5_000,
    "B joined",
  );
  cb.send({ type: "typing", conversationId, typing: true });
  const typing = await ca.waitFor((f) => f.type === "typing", 5_000, "typing");
  assert.equal(typing["connectionId"], idB);
  assert.equal(typing["typing"], true);
  await cb.close();
  await ca.waitFor(
    (f) =>
      f.type === "presence" &&
      ((f["left"] as { connectionId: string }[] | undefined) ?? []).some(
        (m) => m.connectionId === idB,
      ),
    5_000,
    "B left",
  );
});
