// The LibreChat ConfigMaps in the gateway-config reconcile, with fake caches and client: written
// for a Tenant with an API key, from the routing just rendered, never holding the key; quiet in
// the steady state; rewritten when the Tenant changes or a hand edit drifts; off without options.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { parse } from "yaml";
import { createLogger } from "../../operators/runtime/index.ts";
import type { KubernetesObject, ReconcileContext } from "../../operators/runtime/index.ts";
import { tenant } from "./desired/fixtures.test-helpers.ts";
import { LIBRECHAT_CONFIG_KEY, LIBRECHAT_CONFIGMAP } from "./desired/librechat-configmap.ts";
import { defaultGatewayURL } from "./librechat.ts";
import { firstRunWith } from "./reconcile.test-helpers.ts";

const ctx: ReconcileContext = {
  log: createLogger({ level: "silent", destination: { write: () => undefined } }),
  signal: new AbortController().signal,
};
const URL = defaultGatewayURL("librechat-system", "cluster.local");
const isLibreChat = (o: KubernetesObject): boolean => o.metadata?.name === LIBRECHAT_CONFIGMAP;

function modelsOf(cm: V1ConfigMap | undefined): unknown {
  const doc = parse(cm?.data?.[LIBRECHAT_CONFIG_KEY] ?? "") as {
    endpoints: { custom: { baseURL: string; models: { default: string[] } }[] };
  };
  return doc.endpoints.custom[0]?.models.default;
}

void test("defaultGatewayURL: the shipped Service in the operator namespace, port 80", () => {
  assert.equal(URL, "http://inference-gateway.librechat-system.svc.cluster.local/v1");
});

void test("a Tenant with an API key gets its LibreChat ConfigMap, without the key", async () => {
  const { w, apiKey } = await firstRunWith(ctx, { gatewayURL: URL });
  const cms = w.applied.filter(isLibreChat) as V1ConfigMap[];
  assert.equal(cms.length, 1);
  assert.equal(cms[0]?.metadata?.namespace, "acme-chat");
  assert.deepEqual(modelsOf(cms[0]), ["gpt", "llama"]);
  const text = JSON.stringify(cms);
  assert.ok(!text.includes(apiKey) && !text.includes(Buffer.from(apiKey).toString("base64")));
  const secret = w.applied.find(
    (o) => o.kind === "Secret" && o.metadata?.namespace === "acme-chat",
  );
  assert.equal(secret?.metadata?.name, "inference-gateway-api-key");
});

void test("steady state writes nothing; a Tenant change and a hand edit are written back", async () => {
  const { w, reconcile, key } = await firstRunWith(ctx, { gatewayURL: URL });
  await reconcile(key, ctx);
  const before = w.applied.length;
  await reconcile(key, ctx);
  assert.equal(w.applied.length, before, "nothing changed, nothing applied");

  w.tenants.put(
    tenant("acme", {
      namespaces: { maxCount: 2, prefix: "Enforced", items: [{ name: "acme-chat" }] },
      models: { allowed: ["llama"] },
    }),
  );
  await reconcile(key, ctx);
  assert.deepEqual(modelsOf(w.applied.filter(isLibreChat).at(-1) as V1ConfigMap), ["llama"]);

  const applied = w.applied.filter(isLibreChat).length;
  const edited = w.applied.filter(isLibreChat).at(-1) as V1ConfigMap;
  w.configmaps.put(
    Object.assign(structuredClone(edited), { data: { [LIBRECHAT_CONFIG_KEY]: "v" } }),
  );
  await reconcile(key, ctx);
  assert.equal(w.applied.filter(isLibreChat).length, applied + 1, "the hand edit is reverted");
});

void test("without LibreChat options no LibreChat ConfigMap is written", async () => {
  const { w } = await firstRunWith(ctx, undefined);
  assert.equal(w.applied.filter(isLibreChat).length, 0);
});
