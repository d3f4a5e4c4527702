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
import { createTestNamespace, kubectl, testEnv, waitFor } from "../../helpers/testenv.ts";

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

void test("CRDs, server-side apply, Leases and garbage collection work", async (t) => {
  const ns = await createTestNamespace("smoke-gc", t);
  const group = `smoke${ns.name.slice(-8)}.op-testenv.io`;
  const crd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
          },
        },
      ],
    },
  };
  await apply(crd);
  t.after(async () => {
    await kubectl(["delete", "crd", crd.metadata.name, "--ignore-not-found", "--wait=false"]);
  });
  const established = await kubectl([
    "wait",
    "--for=condition=Established",
    `crd/${crd.metadata.name}`,
    "--timeout=30s",
  ]);
  assert.equal(established.code, 0, established.stderr);

  await apply(
    { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "w1" }, size: 3 },
    ns.name,
  );
  const uid = (
    await kubectl([
      "get",
      `widgets.${group}`,
      "w1",
      "-n",
      ns.name,
      "-o",
      "jsonpath={.metadata.uid}",
    ])
  ).stdout;
  assert.match(uid, /^[0-9a-f-]{36}$/);
  const owner = { apiVersion: `${group}/v1`, kind: "Widget", name: "w1", uid, controller: true };
  await apply(
    [
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "owned", ownerReferences: [owner] },
        data: { a: "1" },
      },
      {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: "smoke-lease" },
        spec: { holderIdentity: "smoke", leaseDurationSeconds: 15 },
      },
    ],
    ns.name,
  );
  const holder = await kubectl([
    "get",
    "lease",
    "smoke-lease",
    "-n",
    ns.name,
    "-o",
    "jsonpath={.spec.holderIdentity}",
  ]);
  assert.equal(holder.stdout, "smoke");
  const managers = await kubectl([
    "get",
    "configmap",
    "owned",
    "-n",
    ns.name,
    "-o",
    "jsonpath={.metadata.managedFields[*].manager}",
  ]);
  assert.match(managers.stdout, /op-tests/);

  // Deleting the owner must make kube-controller-manager's garbage collector delete the ConfigMap.
  // For an owner of a just-installed CRD this takes up to ~30 s more: the garbage collector
  // re-discovers resources on a fixed 30 s period before it watches the new kind.
  const del = await kubectl(["delete", `widgets.${group}`, "w1", "-n", ns.name, "--wait=true"]);
  assert.equal(del.code, 0, del.stderr);
  await waitFor("the owned ConfigMap to be garbage-collected", 90_000, async () => {
    const r = await kubectl([
      "get",
      "configmap",
      "owned",
      "-n",
      ns.name,
      "--ignore-not-found",
      "-o",
      "name",
    ]);
    return r.code === 0 && r.stdout.trim() === "";
  });
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
