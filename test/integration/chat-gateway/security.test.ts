// Credentials never leak and least privilege holds, on a real run: browsers open WebSocket and
// SSE connections with single-use tickets (valid once, for a short time), a token in the URL is
// refused, and no log line of the replica (info and debug, across the run) contains a token, a
// ticket or the database password. The database side: the migrations run as a one-shot
// `server.ts migrate` step, a replica then serves with only the app role's URL, RLS is forced
// on every tenant table, and no definer function hands message text to the app role.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import pg from "pg";
import { requireEnv, suffix } from "./helpers/env.ts";
import { tenantRealm } from "./helpers/keycloak.ts";
import {
  APP_DB_PASSWORD,
  replicaEnv,
  SERVER_TS,
  startChild,
  startInProcess,
  TestClient,
} from "./helpers/gateway.ts";
import { runtimeConfig } from "../../../workloads/chat-gateway/src/app.ts";
import { loadConfig } from "../../../workloads/chat-gateway/src/config.ts";

/** The app role's URL for the test database. */
function appUrl(): string {
  const u = new URL(requireEnv("DATABASE_URL"));
  u.username = "chat_gateway_app";
  u.password = APP_DB_PASSWORD;
  return u.toString();
}

/** Runs `node server.ts migrate` and returns its exit code and output. */
function runMigrate(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [SERVER_TS, "migrate"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (out += d.toString()));
    p.on("exit", (code) => {
      resolve({ code, out });
    });
  });
}

async function ticket(base: string, token: string): Promise<string> {
  const r = await fetch(`${base}/v1/tickets`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(r.status, 200);
  const body = (await r.json()) as { ticket: string; expiresInMs: number };
  assert.ok(body.expiresInMs > 0 && body.expiresInMs <= 30_000);
  return body.ticket;
}

void test("tickets instead of tokens in URLs, and no credential in any log line", async (t) => {
  const acme = await tenantRealm(`cg-sec-${suffix()}`, `acme-${suffix()}`);
  const { DATABASE_URL: _admin, ...withoutAdmin } = replicaEnv(
    [{ issuer: acme.issuer, tenant: acme.tenant, audience: "chat-gateway" }],
    {
      CHAT_TICKET_TTL_MS: "1500",
    },
  );
  // One-shot migration step, then a replica that never sees the admin URL.
  const migrated = await runMigrate({
    DATABASE_URL: requireEnv("DATABASE_URL"),
    CHAT_APP_DB_PASSWORD: APP_DB_PASSWORD,
    REDIS_URL: requireEnv("REDIS_URL"),
  });
  assert.equal(migrated.code, 0, migrated.out);
  // DATABASE_URL "" overrides the test process's own (the child inherits process.env).
  const env = {
    ...withoutAdmin,
    DATABASE_URL: "",
    CHAT_APP_DATABASE_URL: appUrl(),
    LOG_LEVEL: "debug",
  };
  const gw = await startChild(env, "sec-a");
  t.after(() => gw.kill("SIGKILL"));
  const token = await acme.token();
  const secrets = [token, APP_DB_PASSWORD];

  // WebSocket with a ticket; the same ticket a second time is refused.
  const t1 = await ticket(gw.url, token);
  secrets.push(t1);
  const ws = new TestClient(`${gw.wsUrl}?ticket=${encodeURIComponent(t1)}`, null);
  t.after(() => ws.close());
  await ws.opened;
  const welcome = await ws.waitFor((f) => f.type === "welcome");
  assert.equal(welcome["tenantId"], acme.tenant);
  const sent = await ws.request({ type: "send", content: "hello over a ticket", reply: false });
  assert.equal(sent.type, "accepted");
  const conversationId = sent["conversationId"] as string;
  const again = new TestClient(`${gw.wsUrl}?ticket=${encodeURIComponent(t1)}`, null);
  await assert.rejects(again.opened, /HTTP 401/, "a ticket opens one connection only");

  // SSE with a ticket.
  const t2 = await ticket(gw.url, token);
  secrets.push(t2);
  const ac = new AbortController();
  const sse = await fetch(
    `${gw.url}/v1/stream?conversationId=${conversationId}&ticket=${encodeURIComponent(t2)}`,
    { signal: ac.signal },
  );
  assert.equal(sse.status, 200);
  const reader = sse.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value as Uint8Array | undefined);
  assert.match(first, /"type":"welcome"/);
  ac.abort();

  // Expired ticket, token in the URL, ticket endpoint without credentials (whatever the body).
  const t3 = await ticket(gw.url, token);
  secrets.push(t3);
  await new Promise((r) => setTimeout(r, 2_000));
  await assert.rejects(
    new TestClient(`${gw.wsUrl}?ticket=${encodeURIComponent(t3)}`, null).opened,
    /HTTP 401/,
    "expired ticket",
  );
  await assert.rejects(
    new TestClient(`${gw.wsUrl}?access_token=${encodeURIComponent(token)}`, null).opened,
    /HTTP 401/,
    "token in the URL",
  );
  const viaQuery = await fetch(
    `${gw.url}/v1/stream?conversationId=${conversationId}&access_token=${encodeURIComponent(token)}`,
  );
  assert.equal(viaQuery.status, 401);
  const noAuth = await fetch(`${gw.url}/v1/tickets`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "x".repeat(200_000),
  });
  assert.equal(noAuth.status, 401, "credentials are checked before the body");
  const framesNoAuth = await fetch(`${gw.url}/v1/frames`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ v: 1, type: "send", content: "x".repeat(100_000) }),
  });
  assert.equal(framesNoAuth.status, 401);

  // Every log line of the run: requests with tickets and tokens in the URL were logged, redacted.
  await ws.close();
  await gw.kill("SIGTERM");
  const lines = gw.logs
    .join("")
    .split("\n")
    .filter((l) => l !== "");
  assert.ok(lines.length > 10, "the replica logged");
  assert.ok(
    lines.some((l) => l.includes("ticket=[REDACTED]") || l.includes("access_token=[REDACTED]")),
    "URLs were logged, redacted",
  );
  for (const line of lines) {
    for (const s of secrets)
      assert.ok(!line.includes(s), `a credential leaked into a log line: ${line.slice(0, 200)}`);
  }
});

void test("least privilege in PostgreSQL: forced RLS, no message text from definer functions, no admin URL kept", async (t) => {
  const admin = new pg.Client({ connectionString: requireEnv("DATABASE_URL") });
  await admin.connect();
  t.after(() => admin.end());
  const gw = await startInProcess(replicaEnv([]));
  t.after(() => gw.close());

  const forced = await admin.query<{
    relname: string;
    relforcerowsecurity: boolean;
    relrowsecurity: boolean;
  }>(
    "SELECT c.relname, c.relforcerowsecurity, c.relrowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'chat' AND c.relkind = 'r' ORDER BY 1",
  );
  assert.ok(forced.rows.length >= 7);
  for (const r of forced.rows)
    assert.ok(r.relrowsecurity && r.relforcerowsecurity, `RLS forced on chat.${r.relname}`);

  // SECURITY DEFINER functions the app role may call: none returns message text.
  const definers = await admin.query<{ proname: string; result: string }>(
    `SELECT p.proname, pg_get_function_result(p.oid) AS result FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'chat' AND p.prosecdef AND has_function_privilege('chat_gateway_app', p.oid, 'EXECUTE')`,
  );
  assert.ok(definers.rows.some((r) => r.proname === "pending_embeddings"));
  for (const r of definers.rows)
    assert.doesNotMatch(r.result, /\b(content|data)\b/, `${r.proname} returns ${r.result}`);

  // What the app role can still read through them works (the indexer's queue).
  const app = new pg.Client({ connectionString: appUrl() });
  await app.connect();
  t.after(() => app.end());
  const cols = await app.query("SELECT * FROM chat.pending_embeddings(1)");
  assert.deepEqual(
    cols.fields.map((f) => f.name),
    ["conversation_id", "message_id", "tenant_id", "user_id"],
  );

  // The configuration the app keeps after the pg plugin has no database credentials (the first
  // test ran a replica that never had the admin URL at all).
  const kept = runtimeConfig(loadConfig(replicaEnv([])));
  assert.deepEqual(
    Object.keys(kept).filter((k) => /database|password/i.test(k)),
    [],
  );
  assert.ok(!JSON.stringify(kept).includes(APP_DB_PASSWORD));
});
