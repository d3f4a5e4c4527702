// Two replicas (child processes). Clients on A and B see each other's messages in the same
// order; replica A is SIGKILLed in the middle of a 1,000-message conversation and its client
// resumes on B from its last sequence, receiving every missed event exactly once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { suffix, waitFor } from "./helpers/env.ts";
import { tenantRealm } from "./helpers/keycloak.ts";
import { replicaEnv, startChild, TestClient, type Frame } from "./helpers/gateway.ts";

const TOTAL = 1000;
const WINDOW = 16;

function seqsOf(frames: Frame[]): number[] {
  return frames.map((f) => f["seq"] as number);
}

void test("clients on two replicas agree on order, and a client of a SIGKILLed replica resumes on the other exactly once", async (t) => {
  const acme = await tenantRealm(`cg-resume-${suffix()}`, `acme-${suffix()}`);
  const env = replicaEnv([{ issuer: acme.issuer, tenant: acme.tenant, audience: "chat-gateway" }]);
  const a = await startChild(env, "replica-a");
  t.after(() => a.kill("SIGKILL"));
  const b = await startChild(env, "replica-b");
  t.after(() => b.kill("SIGTERM"));
  const token = await acme.token();

  const ca = new TestClient(a.wsUrl, token);
  const cb = new TestClient(b.wsUrl, token);
  t.after(() => cb.close());
  await Promise.all([ca.opened, cb.opened]);

  const created = await ca.request({ type: "send", content: "start", reply: false });
  assert.equal(created.type, "accepted", JSON.stringify(created));
  const conversationId = created["conversationId"] as string;
  await ca.request({ type: "subscribe", conversationId, after: 0 });
  await cb.request({ type: "subscribe", conversationId, after: 0 });

  // Phase 1: both clients write concurrently; both must see one identical order.
  const writes: Promise<Frame>[] = [];
  for (let i = 0; i < 40; i++) {
    writes.push(ca.request({ type: "send", conversationId, content: `a-${i}`, reply: false }));
    writes.push(cb.request({ type: "send", conversationId, content: `b-${i}`, reply: false }));
  }
  const answers = await Promise.all(writes);
  assert.ok(
    answers.every((f) => f.type === "accepted"),
    JSON.stringify(answers.find((f) => f.type !== "accepted")),
  );
  const head1 = Math.max(...answers.map((f) => f["seq"] as number));
  await waitFor(
    "both clients at the head",
    () => ca.events(conversationId).length === head1 && cb.events(conversationId).length === head1,
    15_000,
    50,
  );
  assert.deepEqual(
    seqsOf(ca.events(conversationId)),
    Array.from({ length: head1 }, (_, i) => i + 1),
  );
  assert.deepEqual(
    ca.events(conversationId).map((f) => JSON.stringify(f["event"])),
    cb.events(conversationId).map((f) => JSON.stringify(f["event"])),
  );

  // Phase 2: client A writes 1,000 messages (window of 16 in flight) while B keeps writing too;
  // replica A is SIGKILLed half-way.
  const ids = Array.from({ length: TOTAL }, () => randomUUID());
  const acked = new Set<string>();
  let client: TestClient = ca;
  const receivedA: Frame[] = [...ca.events(conversationId)];
  let lastSeqA = head1;
  const track = (c: TestClient): void => {
    c.ws.on("message", (d) => {
      const f = JSON.parse((d as Buffer).toString()) as Frame;
      if (f.type === "event" && f["conversationId"] === conversationId) {
        receivedA.push(f);
        lastSeqA = Math.max(lastSeqA, f["seq"] as number);
      }
    });
  };
  track(ca);
  const flags = { bWriting: true };
  const bWriter = (async () => {
    let i = 0;
    while (flags.bWriting) {
      const r = await cb.request({
        type: "send",
        conversationId,
        content: `b2-${i++}`,
        reply: false,
      });
      assert.equal(r.type, "accepted");
      await new Promise((res) => setTimeout(res, 5));
    }
    return i;
  })();

  // SIGKILL fires from inside the window, while requests to A are still in flight.
  const kill: { p: Promise<unknown> | null } = { p: null };
  let ackedBeforeKill = 0;
  for (let next = 0; next < TOTAL; next += WINDOW) {
    const c = client;
    await Promise.all(
      ids.slice(next, next + WINDOW).map((id, k) =>
        c
          .request(
            { type: "send", conversationId, messageId: id, content: `m-${next + k}`, reply: false },
            3_000,
          )
          .then(
            (f) => {
              if (f.type === "accepted") acked.add(id);
              if (kill.p === null && acked.size >= TOTAL / 2) {
                ackedBeforeKill = acked.size;
                kill.p = a.kill("SIGKILL");
              }
            },
            () => undefined, // in flight when A died: resent below with the same id
          ),
      ),
    );
    if (kill.p !== null && client === ca) {
      await kill.p;
      await ca.closedP;
      // Reconnect to B with the last sequence this client saw.
      const resumed = new TestClient(b.wsUrl, token);
      t.after(() => resumed.close());
      await resumed.opened;
      track(resumed);
      const live = await resumed.request({ type: "subscribe", conversationId, after: lastSeqA });
      assert.equal(live.type, "live", JSON.stringify(live));
      client = resumed;
    }
  }
  // Whatever was not acknowledged (lost with A, or sent to the dead socket) is resent on B;
  // the same message id makes a resend of an already-stored message a no-op.
  for (const id of ids) {
    if (acked.has(id)) continue;
    const f = await client.request({
      type: "send",
      conversationId,
      messageId: id,
      content: `m-${ids.indexOf(id)}`,
      reply: false,
    });
    assert.equal(f.type, "accepted", JSON.stringify(f));
    acked.add(id);
  }
  const killed = kill.p !== null;
  assert.ok(
    ackedBeforeKill >= TOTAL / 2 && ackedBeforeKill < TOTAL,
    `killed after ${ackedBeforeKill} acks`,
  );
  flags.bWriting = false;
  const bCount = await bWriter;
  assert.ok(killed, "replica A was killed");
  assert.ok(bCount > 0);

  const headRes = (await (
    await fetch(`${b.url}/v1/conversations`, { headers: { authorization: `Bearer ${token}` } })
  ).json()) as { conversations: { conversationId: string; version: number }[] };
  const head = headRes.conversations.find((c) => c.conversationId === conversationId)!.version;
  await waitFor("client A (resumed) at the head", () => lastSeqA >= head, 20_000, 50);
  await waitFor("client B at the head", () => cb.events(conversationId).length >= head, 20_000, 50);

  // Exactly once, in order, no gaps: for client A across both connections, and for client B.
  assert.deepEqual(
    seqsOf(receivedA),
    Array.from({ length: head }, (_, i) => i + 1),
  );
  assert.deepEqual(
    seqsOf(cb.events(conversationId)),
    Array.from({ length: head }, (_, i) => i + 1),
  );
  assert.deepEqual(
    receivedA.map((f) => JSON.stringify(f["event"])),
    cb.events(conversationId).map((f) => JSON.stringify(f["event"])),
  );
  // No message lost or duplicated: each of client A's 1,000 ids is in the log exactly once.
  const added = cb
    .events(conversationId)
    .map((f) => f["event"] as { type: string; data: { messageId?: string } })
    .filter((e) => e.type === "message.added")
    .map((e) => e.data.messageId);
  const counts = new Map<string, number>();
  for (const id of added) if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
  const mine = [...acked];
  assert.equal(mine.length, TOTAL);
  assert.ok(
    mine.every((id) => counts.get(id) === 1),
    "every acknowledged message stored exactly once",
  );
});
