// A ChatRegion becomes a running chat-gateway fleet: Deployment, Service, PDB and regions ConfigMap
// owned by it; the pod template the operator rendered runs as real processes (honest bridge) that
// serve WebSocket clients with real Keycloak tokens of the Tenant's realm; the operator reads their
// connection counts from the gateways' /metrics into status. About 10–20 s (after the shared set-up).
import { test } from "node:test";
import assert from "node:assert/strict";
import type {
  V1ConfigMap,
  V1Deployment,
  V1PodDisruptionBudget,
  V1Service,
} from "@kubernetes/client-node";
import {
  CONFIG_MAP as CONFIGMAP,
  DEPLOYMENT,
  POD_DISRUPTION_BUDGET as PDB,
  SERVICE,
} from "../../../operators/runtime/core-kinds.ts";
import { waitFor } from "../../helpers/testenv.ts";
import { TestClient } from "../chat-gateway/helpers/gateway.ts";
import { applyRegion, condition, perFile, region, waitRegion } from "./harness.ts";

const h = perFile("fleet");

test("ChatRegion -> owned children, real gateway processes serving Keycloak-authenticated WebSockets, status from their metrics", async () => {
  await applyRegion(
    h,
    region(h, "eu-west", {
      replicas: 2,
      minReplicas: 2,
      endpoint: "wss://eu-west.chat.example/v1/ws",
    }),
  );
  const r = await waitRegion(
    h,
    "eu-west",
    "Ready with 2 ready pods",
    (x) => condition(x, "Ready")?.status === "True" && x.status?.readyReplicas === 2,
  );
  assert.equal(r.status?.observedGeneration, r.metadata.generation);
  assert.equal(condition(r, "Ready")?.observedGeneration, r.metadata.generation);
  assert.equal(condition(r, "IdentityResolved")?.status, "True");
  assert.equal(r.status?.health?.state !== undefined, true);

  const dep = await h.client.get<V1Deployment>(DEPLOYMENT, h.ns, "eu-west");
  const svc = await h.client.get<V1Service>(SERVICE, h.ns, "eu-west");
  const pdb = await h.client.get<V1PodDisruptionBudget>(PDB, h.ns, "eu-west");
  const cm = await h.client.get<V1ConfigMap>(CONFIGMAP, h.ns, "eu-west-regions");
  for (const child of [dep, svc, pdb, cm]) {
    assert.equal(child?.metadata?.ownerReferences?.[0]?.uid, r.metadata.uid);
    assert.equal(child?.metadata?.labels?.["app.kubernetes.io/managed-by"], "librechat-operator");
  }
  assert.equal(pdb?.spec?.minAvailable, 2);
  const table = JSON.parse(cm?.data?.["regions.json"] ?? "") as {
    self: string;
    regions: { name: string }[];
  };
  assert.equal(table.self, "eu-west");

  // The processes are the rendered pods: their replica id is the pod name (downward API).
  const pods = h.bridge.readyPods("eu-west-");
  assert.equal(pods.length, 2);

  // The fleet serves the web client (the rendered CHAT_WEB_* found the client built in the
  // checkout, as the image finds it under /app), signing in with the owning Tenant's realm.
  const page = await fetch(`${pods[0]?.url ?? ""}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /text\/html/);
  assert.match(
    page.headers.get("content-security-policy") ?? "",
    /connect-src [^;]*wss:\/\/eu-west\.chat\.example/,
  );
  const web = (await (await fetch(`${pods[0]?.url ?? ""}/web-config.json`)).json()) as Record<
    string,
    unknown
  >;
  assert.equal(web["issuer"], h.realm.issuer.replace(/\/$/, ""));
  assert.equal(web["clientId"], "chat-web");
  assert.deepEqual(web["endpoints"], ["https://eu-west.chat.example"]);
  const token = await h.realm.token();
  const clients = pods.map((p) => new TestClient(`ws://${new URL(p.url).host}/v1/ws`, token));
  try {
    for (const [i, c] of clients.entries()) {
      await c.opened;
      const welcome = await c.waitFor((f) => f.type === "welcome");
      assert.equal(welcome["replica"], pods[i]?.name);
      assert.equal(welcome["tenantId"], h.tenant);
    }
    const first = clients[0];
    assert.ok(first);
    const acc = await first.request({
      type: "send",
      content: "hello from the fleet",
      reply: false,
    });
    assert.equal(acc.type, "accepted");
    // A token of another realm is refused before the upgrade.
    const stranger = new TestClient(
      `ws://${new URL(pods[0]?.url ?? "").host}/v1/ws`,
      "not-a-token",
    );
    await assert.rejects(stranger.opened, /HTTP 401/);

    // The operator counted the two connections from the gateways' own /metrics.
    await waitRegion(
      h,
      "eu-west",
      "2 open connections",
      (x) => x.status?.connections?.open === 2,
      30_000,
    );
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  await waitRegion(
    h,
    "eu-west",
    "0 open connections",
    (x) => x.status?.connections?.open === 0,
    30_000,
  );
});

test("status and the rendered objects carry no secret values", async () => {
  const dep = await h.client.get<V1Deployment>(DEPLOYMENT, h.ns, "eu-west");
  const r = await waitRegion(h, "eu-west", "exists", () => true);
  const text = JSON.stringify([dep, r]);
  const env = await import("../../helpers/testenv.ts");
  for (const secret of [env.databaseUrl(), env.redisUrl()])
    assert.ok(!text.includes(secret), "secret URL leaked");
  await waitFor(
    "operator log without secret URLs",
    1000,
    () => !(h.op?.output() ?? "").includes(env.databaseUrl()),
  );
});
