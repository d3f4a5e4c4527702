import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1ConfigMap, V1Secret } from "@kubernetes/client-node";
import type {
  Informer,
  KubernetesObject,
  ReconcileContext,
} from "../../operators/runtime/index.ts";
import { createLogger, dropDataValues } from "../../operators/runtime/index.ts";
import { external, OPTIONS, tenant, vllm } from "./desired/fixtures.test-helpers.ts";
import { CONFIG_KEY, GENERATION_ANNOTATION, HASH_ANNOTATION } from "./desired/configmap.ts";
import { gatewayConfigReconciler, routingKey } from "./reconcile.ts";
import type { GatewayConfigDeps } from "./reconcile.ts";
import { ValueReader } from "./values.ts";

const k = (o: KubernetesObject): string =>
  o.metadata?.namespace === undefined
    ? (o.metadata?.name ?? "")
    : `${o.metadata.namespace}/${o.metadata.name ?? ""}`;

/**
 * An informer over a mutable map, keyed like the real cache. With `server`, it caches like the
 * manager does for Secrets and ConfigMaps (key names only) and keeps the full object in `server`.
 */
function fakeInformer<T extends KubernetesObject>(
  items: T[] = [],
  server?: Map<string, KubernetesObject>,
): Informer<T> & { put: (o: T) => void } {
  const store = new Map<string, T>();
  let rv = 0;
  const put = (o: T): void => {
    const full = { ...o, metadata: { ...o.metadata, resourceVersion: String(++rv) } } as T;
    server?.set(`${full.kind ?? ""}/${k(full)}`, full);
    store.set(k(full), server === undefined ? full : (dropDataValues(full) as T));
  };
  for (const o of items) put(o);
  return {
    get: (key: string) => store.get(key),
    list: (ns?: string) =>
      [...store.values()].filter((o) => ns === undefined || o.metadata?.namespace === ns),
    hasSynced: () => true,
    addHandlers: () => undefined,
    put,
  } as unknown as Informer<T> & { put: (o: T) => void };
}

function world() {
  const applied: KubernetesObject[] = [];
  const statuses: KubernetesObject[] = [];
  const server = new Map<string, KubernetesObject>();
  const gets: string[] = [];
  const configmaps = fakeInformer<V1ConfigMap>([], server);
  const secrets = fakeInformer<V1Secret>(
    [
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: "openai",
          namespace: "team",
          labels: { "librechat.io/model-secret": "true" },
        },
        data: { "api-key": Buffer.from("sk-provider-SECRET").toString("base64") },
      },
    ],
    server,
  );
  const aimodels = fakeInformer([vllm("llama"), external("gpt")]);
  const tenants = fakeInformer([
    tenant("acme", {
      namespaces: { maxCount: 2, prefix: "Enforced", items: [{ name: "acme-chat" }] },
      models: { allowed: ["llama", "gpt"] },
    }),
  ]);
  const deps: GatewayConfigDeps = {
    client: {
      apply: (obj) => {
        applied.push(obj);
        // The cache follows the write, as the watch would.
        if (obj.kind === "ConfigMap") configmaps.put(obj as V1ConfigMap);
        if (obj.kind === "Secret") secrets.put(obj as V1Secret);
        return Promise.resolve(obj);
      },
      applyStatus: (obj) => {
        statuses.push(obj);
        return Promise.resolve(obj);
      },
      event: () => Promise.resolve(),
      get: <T>(gvk: { kind: string }, ns: string | undefined, name: string) =>
        Promise.resolve(server.get(`${gvk.kind}/${ns ?? ""}/${name}`) as T | undefined),
    },
    aimodels,
    tenants,
    assistants: fakeInformer(),
    chaospolicies: fakeInformer(),
    secrets,
    configmaps,
    values: new ValueReader((gvk, ns, name) => {
      gets.push(`${gvk.kind}/${ns ?? ""}/${name}`);
      return Promise.resolve(server.get(`${gvk.kind}/${ns ?? ""}/${name}`));
    }),
    namespace: "librechat-system",
    options: OPTIONS,
    now: () => new Date("2026-06-01T00:00:00Z"),
  };
  return { deps, applied, statuses, aimodels, gets };
}

const logs: string[] = [];
const ctx: ReconcileContext = {
  log: createLogger({
    level: "info",
    destination: { write: (line: string) => void logs.push(line) },
  }),
  signal: new AbortController().signal,
};
/** A world after its first reconcile, with what it wrote. */
async function firstRun() {
  const w = world();
  const reconcile = gatewayConfigReconciler(w.deps);
  const key = routingKey("librechat-system");
  await reconcile(key, ctx);
  const cm = w.applied.find((o) => o.kind === "ConfigMap") as V1ConfigMap;
  const keySecret = w.applied.find(
    (o) => o.metadata?.name === "inference-gateway-api-key",
  ) as V1Secret;
  const apiKey = Buffer.from(keySecret.data?.["api-key"] ?? "", "base64").toString();
  return { w, reconcile, key, cm, apiKey };
}

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
