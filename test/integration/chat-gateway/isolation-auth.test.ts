// Tenant isolation and token checks against real Keycloak realms: a token of tenant A cannot
// read, subscribe to or search tenant B's conversations (and RLS hides the rows even without
// the WHERE clauses); expired, forged, wrong-audience and wrong-realm tokens are rejected; a
// rotated realm key is picked up from JWKS.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPair, SignJWT, decodeProtectedHeader } from "jose";
import pg from "pg";
import { requireEnv, suffix, waitFor } from "./helpers/env.ts";
import {
  createClient,
  createUser,
  issuerOf,
  passwordGrantToken,
  rotateSigningKey,
  tenantRealm,
  createRealm,
} from "./helpers/keycloak.ts";
import { APP_DB_PASSWORD, replicaEnv, startInProcess, TestClient } from "./helpers/gateway.ts";
import { startTestUpstream } from "./helpers/upstream.ts";

void test("tenants are isolated and bad tokens are rejected", async (t) => {
  const s = suffix();
  const upstream = await startTestUpstream();
  const acme = await tenantRealm(`cg-iso-a-${s}`, `acme-${s}`);
  const globex = await tenantRealm(`cg-iso-b-${s}`, `globex-${s}`);
  const short = await tenantRealm(`cg-iso-short-${s}`, `short-${s}`, 2);
  await createClient(acme.realm, "other-app"); // no audience mapper: wrong audience
  const stranger = `cg-iso-x-${s}`; // a realm the gateway does not trust
  await createRealm(stranger);
  await createClient(stranger, "chat-gateway", "chat-gateway");
  await createUser(stranger, "mallory", "pw");

  const gw = await startInProcess(
    replicaEnv(
      [acme, globex, short].map((r) => ({
        issuer: r.issuer,
        tenant: r.tenant,
        audience: "chat-gateway",
      })),
      { INFERENCE_URL: upstream.url, CHAT_INDEXER_INTERVAL_MS: "200" },
    ),
  );
  t.after(async () => {
    await gw.close();
    await upstream.close();
  });

  // Tenant A writes a conversation with a unique word.
  const tokA = await acme.token();
  const ca = new TestClient(gw.wsUrl, tokA);
  t.after(() => ca.close());
  await ca.opened;
  const sent = await ca.request({
    type: "send",
    content: "the secret word is zanzibar",
    reply: false,
  });
  const convA = sent["conversationId"] as string;
  await waitFor(
    "A's message indexed",
    async () => {
      const r = (await (
        await fetch(`${gw.url}/v1/search?q=zanzibar`, {
          headers: { authorization: `Bearer ${tokA}` },
        })
      ).json()) as { hits: { sources: string[] }[] };
      return r.hits.some((h) => h.sources.includes("vector"));
    },
    15_000,
  );

  // Tenant B: cannot subscribe, read, write, stream or find it.
  const tokB = await globex.token();
  const cb = new TestClient(gw.wsUrl, tokB);
  t.after(() => cb.close());
  await cb.opened;
  const sub = await cb.request({ type: "subscribe", conversationId: convA, after: 0 });
  assert.equal(sub["code"], "CG_ERR_CONVERSATION_NOT_FOUND");
  const write = await cb.request({
    type: "send",
    conversationId: convA,
    content: "intrude",
    reply: false,
  });
  assert.equal(write["code"], "CG_ERR_CONVERSATION_NOT_FOUND");
  const edit = await cb.request({
    type: "edit",
    conversationId: convA,
    messageId: sent["messageId"],
    content: "x",
    expectedVersion: 2,
  });
  assert.equal(edit["code"], "CG_ERR_CONVERSATION_NOT_FOUND");
  assert.equal(cb.events(convA).length, 0);
  const authB = { authorization: `Bearer ${tokB}` };
  assert.equal(
    (await fetch(`${gw.url}/v1/conversations/${convA}/messages`, { headers: authB })).status,
    404,
  );
  assert.equal(
    (await fetch(`${gw.url}/v1/stream?conversationId=${convA}`, { headers: authB })).status,
    404,
  );
  const listB = (await (await fetch(`${gw.url}/v1/conversations`, { headers: authB })).json()) as {
    conversations: unknown[];
  };
  assert.equal(listB.conversations.length, 0);
  const searchB = (await (
    await fetch(`${gw.url}/v1/search?q=zanzibar`, { headers: authB })
  ).json()) as { hits: unknown[] };
  assert.deepEqual(searchB.hits, []);
  const searchVecB = (await (
    await fetch(`${gw.url}/v1/search?q=secret%20word%20zanzibar%20is%20the`, { headers: authB })
  ).json()) as { hits: unknown[] };
  assert.deepEqual(searchVecB.hits, []);

  // Second line: as the app role with tenant B's RLS context, A's rows are invisible even
  // without any WHERE clause on tenant or user.
  const admin = new pg.Client({ connectionString: requireEnv("DATABASE_URL") });
  await admin.connect();
  t.after(() => admin.end());
  const role = await admin.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
    "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'chat_gateway_app'",
  );
  assert.deepEqual(role.rows[0], { rolsuper: false, rolbypassrls: false });
  const app = new pg.Client({
    connectionString: (() => {
      const u = new URL(requireEnv("DATABASE_URL"));
      u.username = "chat_gateway_app";
      u.password = APP_DB_PASSWORD;
      return u.toString();
    })(),
  });
  await app.connect();
  t.after(() => app.end());
  await app.query("BEGIN");
  await app.query(
    "SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)",
    [globex.tenant, globex.userId],
  );
  for (const table of [
    "events",
    "streams",
    "conversations",
    "messages",
    "branches",
    "message_embeddings",
  ]) {
    const r = await app.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM chat.${table} WHERE ${table === "events" || table === "streams" ? "stream_id" : "conversation_id"} = $1`,
      [convA],
    );
    assert.equal(r.rows[0]?.n, 0, `RLS hides chat.${table}`);
  }
  await app.query("ROLLBACK");
  const owner = await admin.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM chat.messages WHERE conversation_id = $1",
    [convA],
  );
  assert.equal(owner.rows[0]?.n, 1);

  // Bad tokens: every one is refused before the WebSocket upgrade (HTTP 401).
  const reject = async (token: string, what: string): Promise<void> => {
    const c = new TestClient(gw.wsUrl, token);
    await assert.rejects(c.opened, /HTTP 401/, what);
    const r = await fetch(`${gw.url}/v1/conversations`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(r.status, 401, what);
  };
  const [h, p, sig] = tokA.split(".") as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
  await reject(
    `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: globex.userId })).toString("base64url")}.${sig}`,
    "tampered payload",
  );
  const { privateKey } = await generateKeyPair("RS256");
  const forged = await new SignJWT({ ...payload })
    .setProtectedHeader({ alg: "RS256", kid: decodeProtectedHeader(tokA).kid ?? "x" })
    .sign(privateKey);
  await reject(forged, "signed by a foreign key");
  await reject(`${Buffer.from('{"alg":"none"}').toString("base64url")}.${p}.`, "alg none");
  await reject(
    await passwordGrantToken(acme.realm, "other-app", acme.username, acme.password),
    "wrong audience",
  );
  await reject(
    await passwordGrantToken(stranger, "chat-gateway", "mallory", "pw"),
    "untrusted realm",
  );
  assert.equal(issuerOf(stranger).includes(stranger), true);
  const noToken = new TestClient(gw.wsUrl, null);
  await assert.rejects(noToken.opened, /HTTP 401/);

  // Expired: a token from the 2-second realm is accepted, then refused once expired.
  const shortTok = await short.token();
  assert.equal(
    (
      await fetch(`${gw.url}/v1/conversations`, {
        headers: { authorization: `Bearer ${shortTok}` },
      })
    ).status,
    200,
  );
  await new Promise((r) => setTimeout(r, 8_000));
  const expired = await fetch(`${gw.url}/v1/conversations`, {
    headers: { authorization: `Bearer ${shortTok}` },
  });
  assert.equal(expired.status, 401);
  assert.equal(((await expired.json()) as { code: string }).code, "CG_ERR_TOKEN_EXPIRED");

  // Key rotation: a token signed with a new realm key (new kid) is accepted after a JWKS refetch.
  const oldKid = decodeProtectedHeader(tokA).kid;
  await rotateSigningKey(acme.realm);
  const rotated = await acme.token();
  assert.notEqual(decodeProtectedHeader(rotated).kid, oldKid);
  await waitFor(
    "rotated token accepted",
    async () =>
      (
        await fetch(`${gw.url}/v1/conversations`, {
          headers: { authorization: `Bearer ${rotated}` },
        })
      ).status === 200,
    15_000,
    1000,
  );
});
