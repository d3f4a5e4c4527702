// Outages of the real backing services during traffic, each stopped (or frozen) by its recorded PID
// and started again with the same command: the documented degradation holds, nothing hangs or
// crashes, and everything recovers without restarting the gateway.
//  * Redis stopped: messages are still accepted (the rate limit falls back to a local bound),
//    subscribers on another replica get them from PostgreSQL via the head poll, readiness stays
//    200 on every replica, tickets answer a coded 503; after the restart ephemeral frames and
//    tickets work again.
//  * PostgreSQL frozen (SIGSTOP: a stalled server) and stopped: writes fail within seconds with
//    CG_ERR_UNAVAILABLE, connections stay open, readiness stays 200; after thaw/restart writes are
//    accepted again and subscribers catch up.
//  * Keycloak stopped for longer than the signing-key cache age: tokens with known keys keep
//    working (stale-if-error), a token with an unknown key id gets 503, not 401; after the
//    restart unknown keys are 401 again and new tokens work.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPair, SignJWT } from "jose";
import { suffix, waitFor } from "./helpers/env.ts";
import { tenantRealm } from "./helpers/keycloak.ts";
import {
  replicaEnv,
  startChild,
  TestClient,
  type ChildReplica,
  type Frame,
} from "./helpers/gateway.ts";
import { serviceCtl, type Service } from "./helpers/services.ts";

/** Stops/freezes a service and guarantees it runs again at the end of the test. */
function outage(
  t: { after: (fn: () => Promise<void>) => void },
  service: Service,
): {
  stop(): Promise<void>;
  start(): Promise<void>;
  freeze(): Promise<void>;
  thaw(): Promise<void>;
} {
  let state: "up" | "stopped" | "frozen" = "up";
  t.after(async () => {
    if (state === "frozen") await serviceCtl("thaw", service);
    if (state === "stopped") await serviceCtl("start", service);
  });
  return {
    stop: async () => {
      await serviceCtl("stop", service);
      state = "stopped";
    },
    start: async () => {
      await serviceCtl("start", service);
      state = "up";
    },
    freeze: async () => {
      await serviceCtl("freeze", service);
      state = "frozen";
    },
    thaw: async () => {
      await serviceCtl("thaw", service);
      state = "up";
    },
  };
}

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const value = await p;
  return { value, ms: Date.now() - t0 };
}

async function readyz(
  r: ChildReplica,
): Promise<{ status: number; body: { dependencies?: Record<string, string> } }> {
  const res = await fetch(`${r.url}/readyz`, { signal: AbortSignal.timeout(5_000) });
  return {
    status: res.status,
    body: (await res.json()) as { dependencies?: Record<string, string> },
  };
}

function assertAlive(...rs: ChildReplica[]): void {
  for (const r of rs)
    assert.equal(r.proc.exitCode, null, `replica exited: ${r.logs.join("").slice(-2000)}`);
}

void test("Redis stopped during traffic: writes accepted, delivery by polling, pods stay ready, full recovery", async (t) => {
  const acme = await tenantRealm(`cg-out-r-${suffix()}`, `acme-${suffix()}`);
  const env = replicaEnv([{ issuer: acme.issuer, tenant: acme.tenant, audience: "chat-gateway" }], {
    CHAT_HEAD_POLL_MS: "500",
    CHAT_REDIS_COMMAND_TIMEOUT_MS: "500",
  });
  const a = await startChild(env, "out-redis-a");
  t.after(() => a.kill("SIGKILL"));
  const b = await startChild(env, "out-redis-b");
  t.after(() => b.kill("SIGKILL"));
  const token = await acme.token();
  const ca = new TestClient(a.wsUrl, token);
  const cb = new TestClient(b.wsUrl, token);
  t.after(() => ca.close());
  t.after(() => cb.close());
  await Promise.all([ca.opened, cb.opened]);
  const first = await cb.request({ type: "send", content: "before the outage", reply: false });
  const conversationId = first["conversationId"] as string;
  await ca.request({ type: "subscribe", conversationId, after: 0 });
  await cb.request({ type: "subscribe", conversationId, after: 1 });

  const redis = outage(t, "redis");
  await redis.stop();
  const accepted: Frame[] = [];
  for (let i = 0; i < 10; i++) {
    const { value, ms } = await timed(
      cb.request({ type: "send", conversationId, content: `during ${i}`, reply: false }),
    );
    assert.equal(value.type, "accepted", JSON.stringify(value));
    assert.ok(ms < 3_000, `send took ${ms} ms while Redis was down`);
    accepted.push(value);
  }
  const lastSeq = accepted.at(-1)?.["seq"] as number;
  await ca.waitFor(
    (f) => f.type === "event" && f["conversationId"] === conversationId && f["seq"] === lastSeq,
    15_000,
    "events via the head poll",
  );
  const seqs = ca.events(conversationId).map((f) => f["seq"] as number);
  assert.deepEqual(
    seqs,
    Array.from({ length: lastSeq }, (_, i) => i + 1),
    "in order, no gap, no duplicate",
  );
  for (const r of [a, b]) {
    const rz = await readyz(r);
    assert.equal(rz.status, 200, "readiness does not follow a shared dependency");
    assert.equal(rz.body.dependencies?.["redis"], "down");
  }
  const tk = await timed(
    fetch(`${a.url}/v1/tickets`, { method: "POST", headers: { authorization: `Bearer ${token}` } }),
  );
  assert.equal(tk.value.status, 503);
  assert.equal(((await tk.value.json()) as { code: string }).code, "CG_ERR_UNAVAILABLE");
  assert.ok(tk.ms < 3_000);
  const late = new TestClient(a.wsUrl, token); // a new connection needs no Redis
  t.after(() => late.close());
  await late.opened;
  assert.equal(
    (await late.request({ type: "subscribe", conversationId, after: lastSeq })).type,
    "live",
  );
  assertAlive(a, b);

  await redis.start();
  await waitFor(
    "tickets again",
    async () =>
      (
        await fetch(`${a.url}/v1/tickets`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
        })
      ).status === 200,
    20_000,
    250,
  );
  // Ephemeral frames travel only through Redis: typing from B reaching A proves pub/sub is back.
  await waitFor(
    "typing across replicas",
    async () => {
      cb.send({ type: "typing", conversationId, typing: true });
      await new Promise((r) => setTimeout(r, 300));
      return ca.frames.some((f) => f.type === "typing");
    },
    20_000,
    600,
  );
  const after = await cb.request({
    type: "send",
    conversationId,
    content: "after the outage",
    reply: false,
  });
  await ca.waitFor(
    (f) => f.type === "event" && f["seq"] === after["seq"],
    10_000,
    "event after recovery",
  );
  assert.equal((await readyz(a)).body.dependencies?.["redis"], "up");
  assertAlive(a, b);
});

void test("PostgreSQL frozen and stopped during traffic: fast coded errors, open connections, recovery", async (t) => {
  const acme = await tenantRealm(`cg-out-p-${suffix()}`, `acme-${suffix()}`);
  const env = replicaEnv([{ issuer: acme.issuer, tenant: acme.tenant, audience: "chat-gateway" }], {
    CHAT_HEAD_POLL_MS: "500",
    CHAT_PG_CONNECT_TIMEOUT_MS: "1000",
    CHAT_PG_STATEMENT_TIMEOUT_MS: "1000",
  });
  const a = await startChild(env, "out-pg-a");
  t.after(() => a.kill("SIGKILL"));
  const token = await acme.token();
  const c = new TestClient(a.wsUrl, token);
  t.after(() => c.close());
  await c.opened;
  const first = await c.request({ type: "send", content: "before", reply: false });
  const conversationId = first["conversationId"] as string;
  await c.request({ type: "subscribe", conversationId, after: 0 });
  const pgs = outage(t, "postgres");

  const expectUnavailable = async (what: string): Promise<void> => {
    const { value, ms } = await timed(
      c.request({ type: "send", conversationId, content: what, reply: false }, 20_000),
    );
    assert.equal(value.type, "error", JSON.stringify(value));
    assert.equal(value["code"], "CG_ERR_UNAVAILABLE", JSON.stringify(value));
    assert.equal(value["retryable"], true);
    assert.ok(ms < 6_000, `${what}: answered after ${ms} ms`);
    const rest = await timed(
      fetch(`${a.url}/v1/conversations`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(15_000),
      }),
    );
    assert.equal(rest.value.status, 503);
    assert.ok(rest.ms < 6_000, `REST answered after ${rest.ms} ms`);
    const rz = await readyz(a);
    assert.equal(rz.status, 200);
    assert.notEqual(rz.body.dependencies?.["postgres"], "up");
  };
  const expectRecovered = async (what: string): Promise<void> => {
    const ok = await waitFor(
      `writes accepted after ${what}`,
      async () => {
        const f = await c.request(
          { type: "send", conversationId, content: `after ${what}`, reply: false },
          20_000,
        );
        return f.type === "accepted" ? f : undefined;
      },
      60_000,
      500,
    );
    await c.waitFor(
      (f) => f.type === "event" && f["seq"] === ok["seq"],
      10_000,
      `event after ${what}`,
    );
  };

  await pgs.freeze();
  await expectUnavailable("stalled");
  assert.equal(c.closeCode, null, "the WebSocket stays open");
  await pgs.thaw();
  await expectRecovered("thaw");

  await pgs.stop();
  await expectUnavailable("stopped");
  const other = new TestClient(a.wsUrl, token); // authentication needs no database
  t.after(() => other.close());
  await other.opened;
  await pgs.start();
  await expectRecovered("restart");
  const seqs = c.events(conversationId).map((f) => f["seq"] as number);
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => i + 1),
    "no gap, no duplicate",
  );
  assertAlive(a);
});

void test("Keycloak stopped past the key cache age: known keys keep working, unknown keys are 503", async (t) => {
  const acme = await tenantRealm(`cg-out-k-${suffix()}`, `acme-${suffix()}`, 900);
  const env = replicaEnv([{ issuer: acme.issuer, tenant: acme.tenant, audience: "chat-gateway" }], {
    CHAT_JWKS_CACHE_MS: "1000",
  });
  const a = await startChild(env, "out-kc-a");
  t.after(() => a.kill("SIGKILL"));
  const token = await acme.token();
  const get = (tok: string): Promise<Response> =>
    fetch(`${a.url}/v1/conversations`, {
      headers: { authorization: `Bearer ${tok}` },
      signal: AbortSignal.timeout(15_000),
    });
  assert.equal((await get(token)).status, 200);
  // A token the realm never signed, with a key id it does not have.
  const { privateKey } = await generateKeyPair("RS256");
  const unknownKid = await new SignJWT({})
    .setProtectedHeader({ alg: "RS256", kid: `unknown-${suffix()}` })
    .setIssuer(acme.issuer)
    .setAudience("chat-gateway")
    .setSubject(acme.userId)
    .setExpirationTime("10m")
    .sign(privateKey);
  assert.equal((await get(unknownKid)).status, 401);

  const kc = outage(t, "keycloak");
  await kc.stop();
  await new Promise((r) => setTimeout(r, 6_000)); // past the cache age and the refresh cooldown
  const known = await timed(get(token));
  assert.equal(known.value.status, 200, "cached keys keep verifying while Keycloak is down");
  const ws = new TestClient(a.wsUrl, token);
  t.after(() => ws.close());
  await ws.opened;
  const unknown = await timed(get(unknownKid));
  assert.equal(unknown.value.status, 503);
  assert.equal(((await unknown.value.json()) as { code: string }).code, "CG_ERR_AUTH_UNAVAILABLE");
  assert.ok(unknown.ms < 11_000, `answered after ${unknown.ms} ms`);
  await assert.rejects(new TestClient(a.wsUrl, unknownKid).opened, /HTTP 503/);
  assertAlive(a);

  await kc.start();
  await waitFor(
    "unknown key is 401 again",
    async () => (await get(unknownKid)).status === 401,
    30_000,
    1000,
  );
  assert.equal((await get(await acme.token())).status, 200, "a fresh token works");
  assertAlive(a);
});
