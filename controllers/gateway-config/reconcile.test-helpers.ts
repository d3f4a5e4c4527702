// Fakes of the gateway-config reconcile's tests: caches that keep key names only (as the manager's
// do for Secrets and ConfigMaps), a client that records what it applies, and a first reconcile.
import type { V1ConfigMap, V1Secret } from "@kubernetes/client-node";
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";
import type {
  Informer,
  KubernetesObject,
  ReconcileContext,
} from "../../operators/runtime/index.ts";
import { dropDataValues } from "../../operators/runtime/index.ts";
import { external, OPTIONS, tenant, vllm } from "./desired/fixtures.test-helpers.ts";
import { CONFIGMAP_NAME } from "./desired/configmap.ts";
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
export function fakeInformer<T extends KubernetesObject>(
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

/** The fakes of one test and what the reconcile did to them. */
export interface World {
  deps: GatewayConfigDeps;
  applied: KubernetesObject[];
  statuses: KubernetesObject[];
  aimodels: FakeInformer<AIModel>;
  tenants: FakeInformer<Tenant>;
  configmaps: FakeInformer<V1ConfigMap>;
  secrets: FakeInformer<V1Secret>;
  /** Values read from the "API server", as "<kind>/<namespace>/<name>". */
  gets: string[];
}

type FakeInformer<T extends KubernetesObject> = Informer<T> & { put: (o: T) => void };

export function world(libreChat?: GatewayConfigDeps["libreChat"]): World {
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
  if (libreChat !== undefined) deps.libreChat = libreChat;
  return { deps, applied, statuses, aimodels, tenants, configmaps, secrets, gets };
}

/** A world after its first reconcile, with what it wrote. */
export async function firstRunWith(
  ctx: ReconcileContext,
  libreChat?: GatewayConfigDeps["libreChat"],
): Promise<{
  w: World;
  reconcile: ReturnType<typeof gatewayConfigReconciler>;
  key: string;
  cm: V1ConfigMap;
  apiKey: string;
}> {
  const w = world(libreChat);
  const reconcile = gatewayConfigReconciler(w.deps);
  const key = routingKey("librechat-system");
  await reconcile(key, ctx);
  const cm = w.applied.find((o) => o.metadata?.name === CONFIGMAP_NAME) as V1ConfigMap;
  const keySecret = w.applied.find(
    (o) => o.metadata?.name === "inference-gateway-api-key",
  ) as V1Secret;
  const apiKey = Buffer.from(keySecret.data?.["api-key"] ?? "", "base64").toString();
  return { w, reconcile, key, cm, apiKey };
}
