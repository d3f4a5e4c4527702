// The gateway-config reconcile with fake caches and client: what the first pass writes, a quiet
// steady state, the next generation on a change, and no secret in ConfigMaps, status or logs.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1ConfigMap, V1Secret } from "@kubernetes/client-node";
import type { ReconcileContext } from "../../operators/runtime/index.ts";
import { createLogger } from "../../operators/runtime/index.ts";
import { tenant, vllm } from "./desired/fixtures.test-helpers.ts";
import { CONFIG_KEY, GENERATION_ANNOTATION, HASH_ANNOTATION } from "./desired/configmap.ts";
import { firstRunWith } from "./reconcile.test-helpers.ts";
import { KEY_RETRY_MS, RESYNC_MS } from "./reconcile.ts";

const logs: string[] = [];
const ctx: ReconcileContext = {
  log: createLogger({
    level: "info",
    destination: { write: (line: string) => void logs.push(line) },
  }),
  signal: new AbortController().signal,
};
const firstRun = () => firstRunWith(ctx);

void test("first reconcile writes the ConfigMap, credentials, tenant key and Routed", async () => {
  const { w, reconcile, cm, apiKey } = await firstRun();
  assert.equal(await reconcile("other/configmap", ctx), undefined, "other keys are ignored");
  const kinds = w.applied
    .map((o) => `${o.kind ?? ""}/${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`)
    .sort();
  assert.deepEqual(kinds, [
    "ConfigMap/librechat-system/inference-gateway-routing",
    "Secret/acme-chat/inference-gateway-api-key",
    "Secret/librechat-system/inference-gateway-credentials",
  ]);
  assert.equal(cm.metadata?.annotations?.[GENERATION_ANNOTATION], "1");
  const config = JSON.parse(cm.data?.[CONFIG_KEY] ?? "") as {
    generation: number;
    tenants: { apiKeys: { sha256: string }[] }[];
  };
  assert.equal(config.generation, 1);
  assert.match(apiKey, /^sk-lc-/);
  const { hashApiKey } = await import("../../workloads/inference-gateway/src/plugins/auth.ts");
  assert.equal(config.tenants[0]?.apiKeys[0]?.sha256, hashApiKey(apiKey));
  // Routed on all three objects.
  assert.equal(w.statuses.length, 3);
});

void test("reconcile writes nothing and reads no value when nothing changed, then the next generation", async () => {
  const { w, reconcile, key, cm } = await firstRun();
  const before = w.applied.length;
  await reconcile(key, ctx);
  const gets = w.gets.length;
  await reconcile(key, ctx);
  assert.equal(w.applied.length, before);
  assert.equal(w.gets.length, gets, "a steady-state reconcile makes no GET");

  // A change: next generation, same tenant key.
  w.aimodels.put(vllm("llama", { maxTokens: 100 }));
  await reconcile(key, ctx);
  const cm2 = w.applied.at(-1) as V1ConfigMap;
  assert.equal(cm2.kind, "ConfigMap");
  assert.equal(cm2.metadata?.annotations?.[GENERATION_ANNOTATION], "2");
  assert.notEqual(
    cm2.metadata?.annotations?.[HASH_ANNOTATION],
    cm.metadata?.annotations?.[HASH_ANNOTATION],
  );
  assert.equal(w.applied.filter((o) => o.metadata?.name === "inference-gateway-api-key").length, 1);
});

void test("the config just written is not read back; a ConfigMap someone else changed is", async () => {
  const { w, reconcile, key } = await firstRun();
  const routingGets = () =>
    w.gets.filter((g) => g === "ConfigMap/librechat-system/inference-gateway-routing").length;
  const before = routingGets();
  w.aimodels.put(vllm("llama", { maxTokens: 100 }));
  await reconcile(key, ctx); // writes generation 2
  await reconcile(key, ctx); // the watch's echo of that write
  assert.equal(routingGets(), before, "this process's own write is taken from memory");

  // Another writer (a kubectl edit, an old leader) changes the content: read back once.
  const edited = JSON.parse(JSON.stringify(w.configmaps.get(key))) as {
    metadata: { annotations: Record<string, string> };
  };
  edited.metadata.annotations[HASH_ANNOTATION] = "0";
  w.configmaps.put(edited);
  await reconcile(key, ctx);
  assert.equal(routingGets(), before + 1);
});

void test("the tenant key is copied into each of the Tenant's namespaces and follows a rotation", async () => {
  const { w, reconcile, key, apiKey } = await firstRun();
  const keySecrets = () =>
    w.applied.filter(
      (o) => o.kind === "Secret" && o.metadata?.name === "inference-gateway-api-key",
    );
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  w.tenants.put(
    tenant("acme", {
      namespaces: {
        maxCount: 3,
        prefix: "Enforced",
        items: [{ name: "acme-chat" }, { name: "acme-eu" }, { name: "acme-us" }],
      },
      models: { allowed: ["llama", "gpt"] },
    }),
  );
  await reconcile(key, ctx);
  const copies = keySecrets().slice(1);
  assert.deepEqual(
    copies.map((o) => o.metadata?.namespace),
    ["acme-eu", "acme-us"],
  );
  for (const c of copies)
    assert.equal((c as { data?: Record<string, string> }).data?.["api-key"], b64(apiKey));
  const written = w.applied.length;
  await reconcile(key, ctx);
  assert.equal(w.applied.length, written, "copies in place: nothing written");

  // The first namespace's key is replaced (rotation by deleting it): the copies follow.
  const rotated = JSON.parse(JSON.stringify(keySecrets()[0])) as V1Secret;
  rotated.data = { "api-key": b64("sk-lc-rotated") };
  w.secrets.put(rotated);
  await reconcile(key, ctx);
  const after = keySecrets().slice(copies.length + 1);
  assert.deepEqual(
    after.map((o) => [o.metadata?.namespace, (o as V1Secret).data?.["api-key"]]),
    [
      ["acme-eu", b64("sk-lc-rotated")],
      ["acme-us", b64("sk-lc-rotated")],
    ],
  );
});

void test("a key copy that cannot be written yet is a note on the Tenant and retried soon", async () => {
  const { w, reconcile, key } = await firstRun();
  w.tenants.put(
    tenant("acme", {
      namespaces: {
        maxCount: 2,
        prefix: "Enforced",
        items: [{ name: "acme-chat" }, { name: "acme-eu" }],
      },
      models: { allowed: ["llama", "gpt"] },
    }),
  );
  const apply = w.deps.client.apply;
  w.deps.client.apply = (obj, opts) =>
    obj.metadata?.namespace === "acme-eu"
      ? Promise.reject(new Error('namespaces "acme-eu" not found'))
      : apply(obj, opts);
  const r1 = await reconcile(key, ctx);
  assert.ok((r1?.requeueAfterMs ?? Infinity) <= KEY_RETRY_MS);
  type Written = {
    status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
  };
  const routed = () =>
    (
      w.statuses.filter((o) => o.kind === "Tenant").at(-1) as Written | undefined
    )?.status?.conditions?.find((c) => c.type === "Routed");
  assert.equal(routed()?.status, "True", "the Tenant is still routed");
  assert.equal(routed()?.reason, "ApiKeyPending");
  assert.match(routed()?.message ?? "", /not yet to acme-eu/);

  w.deps.client.apply = apply; // the namespace exists now
  const r2 = await reconcile(key, ctx);
  assert.equal(r2?.requeueAfterMs, RESYNC_MS);
  assert.equal(routed()?.reason, "Routed");
});

void test("secrets never reach the ConfigMap, status or logs", async () => {
  const { w, apiKey } = await firstRun();
  const visible = JSON.stringify([
    w.applied.filter((o) => o.kind === "ConfigMap"),
    w.statuses,
    logs,
  ]);
  assert.ok(!visible.includes("sk-provider-SECRET"));
  assert.ok(!visible.includes(Buffer.from("sk-provider-SECRET").toString("base64")));
  assert.ok(!visible.includes(apiKey));
});
