// Smoke test of the local test environment (hack/testenv/up.sh --with all): the control plane
// schedules and "runs" pods on the kwok node, and Redis, PostgreSQL (+pgvector) and Keycloak answer.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Redis } from "ioredis";
import pg from "pg";
import {
  apply,
  deployment,
  waitForDeploymentAvailable,
  waitForReadyPods,
} from "../../helpers/kube.ts";
import {
  createClient,
  createTestRealm,
  createUser,
  decodeJwtPayload,
  issuerUrl,
  passwordGrantToken,
} from "../../helpers/keycloak.ts";
import { createTestNamespace, kubectl, testEnv } from "../../helpers/testenv.ts";

void test("a Deployment of 2 replicas gets 2 Running/Ready pods on the kwok node", async (t) => {
  const env = testEnv();
  const ns = await createTestNamespace("smoke", t);
  await apply(deployment("web", 2, { nodeName: env.nodeName }), ns.name);
  const pods = await waitForReadyPods(ns.name, "app=web", 2);
  assert.equal(pods.length, 2);
  for (const p of pods) assert.equal(p.spec?.nodeName, env.nodeName);
  await waitForDeploymentAvailable(ns.name, "web", 2);

  const r = await kubectl([
    "get",
    "node",
    env.nodeName,
    "-o",
    "jsonpath={.status.allocatable.nvidia\\.com/gpu}",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "8");
});

void test("Redis answers PING", async (t) => {
  const redis = new Redis(testEnv().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  t.after(() => {
    redis.disconnect();
  });
  await redis.connect();
  assert.equal(await redis.ping(), "PONG");
});

void test("PostgreSQL runs queries and has pgvector", async (t) => {
  const client = new pg.Client({ connectionString: testEnv().databaseUrl });
  await client.connect();
  t.after(() => client.end());
  const one = await client.query<{ one: number }>("SELECT 1 AS one");
  assert.equal(one.rows[0]?.one, 1);
  await client.query("CREATE EXTENSION IF NOT EXISTS vector");
  const d = await client.query<{ d: number }>(
    "SELECT '[1,2,3]'::vector <-> '[1,2,4]'::vector AS d",
  );
  assert.equal(d.rows[0]?.d, 1);
});

void test("Keycloak: realm, client, user and a password-grant token", async (t) => {
  const realm = await createTestRealm("smoke", t);
  const client = await createClient(realm, {
    clientId: "chat",
    publicClient: true,
    directAccessGrants: true,
    audience: "chat-gateway",
    userAttributeClaims: ["tenant"],
  });
  assert.ok(client.id);
  await createUser(realm, {
    username: "alice",
    password: "s3cret",
    attributes: { tenant: "acme" },
  });
  const token = await passwordGrantToken(realm, "chat", "alice", "s3cret");
  const claims = decodeJwtPayload(token);
  assert.equal(claims["iss"], issuerUrl(realm));
  assert.equal(claims["preferred_username"], "alice");
  assert.equal(claims["tenant"], "acme");
  const aud = claims["aud"];
  assert.ok(
    aud === "chat-gateway" || (Array.isArray(aud) && aud.includes("chat-gateway")),
    `aud: ${JSON.stringify(aud)}`,
  );
});
