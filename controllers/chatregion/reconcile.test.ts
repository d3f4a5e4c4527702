// Tests of the ChatRegion reconcile with fake caches and client: children applied, scaling with
// pod-deletion-cost before a scale-down, health and failover in status, missing Secrets as conditions.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Namespace, V1Pod, V1Secret } from "@kubernetes/client-node";
import type { ChatRegion, ChatRegionStatus } from "../../crds/chatregion/v1alpha1/index.ts";
import type {
  Informer,
  KubernetesObject,
  ReconcileContext,
} from "../../operators/runtime/index.ts";
import { silentLogger } from "../../operators/runtime/index.ts";
import { chatRegion, tenant } from "./fixtures.test-helpers.ts";
import { DEFAULT_CONFIG } from "./desired/meta.ts";
import { chatRegionReconciler, DELETION_COST, missingSecrets } from "./reconcile.ts";
import type { ChatRegionDeps } from "./reconcile.ts";

function informer<T extends KubernetesObject>(objs: T[] = []): Informer<T> {
  const key = (o: T): string =>
    o.metadata?.namespace === undefined
      ? (o.metadata?.name ?? "")
      : `${o.metadata.namespace}/${o.metadata.name ?? ""}`;
  const m = new Map(objs.map((o) => [key(o), o]));
  return {
    get: (k) => m.get(k),
    list: (ns) => [...m.values()].filter((o) => ns === undefined || o.metadata?.namespace === ns),
    hasSynced: () => true,
  };
}

function pod(name: string, ready = true): V1Pod {
  return {
    metadata: { name, namespace: "acme-chat", labels: {} },
    status: {
      phase: "Running",
      podIP: "10.0.0.1",
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    },
  };
}

const secrets: V1Secret[] = [
  {
    metadata: { name: "eu-postgres", namespace: "acme-chat" },
    data: { url: "cG9zdGdyZXM6Ly91OnNlY3JldEBkYi9jaGF0" },
  },
  { metadata: { name: "eu-redis", namespace: "acme-chat" }, data: { url: "cmVkaXM6Ly9yZWRpcw==" } },
];

interface World {
  deps: ChatRegionDeps;
  calls: { op: string; obj: KubernetesObject }[];
  statuses: ChatRegionStatus[];
}

function world(
  region: ChatRegion,
  pods: V1Pod[],
  loads: Record<string, number>,
  opts: { tenant?: boolean; nowMs?: () => number } = {},
): World {
  const calls: World["calls"] = [];
  const statuses: ChatRegionStatus[] = [];
  const ns: V1Namespace = {
    metadata: { name: "acme-chat", labels: { "librechat.io/tenant": "acme" } },
  };
  const deps: ChatRegionDeps = {
    client: {
      apply: <T extends KubernetesObject>(obj: T): Promise<T> => {
        calls.push({ op: "apply", obj });
        return Promise.resolve(obj);
      },
      applyStatus: <T extends KubernetesObject>(obj: T): Promise<T> => {
        statuses.push((obj as unknown as { status: ChatRegionStatus }).status);
        return Promise.resolve(obj);
      },
      delete: () => Promise.resolve(true),
      event: () => Promise.resolve(),
      list: <T>(): Promise<T[]> => Promise.resolve(pods as unknown as T[]),
    },
    regions: informer([region]),
    deployments: informer(),
    services: informer(),
    pdbs: informer(),
    configMaps: informer(),
    secrets: informer(secrets),
    namespaces: informer([ns]),
    tenants: informer(opts.tenant === false ? [] : [tenant("acme", { realm: "acme" })]),
    config: DEFAULT_CONFIG,
    readLoad: (p) => Promise.resolve(loads[p.metadata?.name ?? ""]),
    now: () => new Date(opts.nowMs?.() ?? 1_700_000_000_000),
    syncPeriodMs: 5000,
  };
  return { deps, calls, statuses };
}

const ctx: ReconcileContext = { log: silentLogger(), signal: new AbortController().signal };

test("reconcile: applies the four children and writes status with the load it read", async () => {
  const r = chatRegion("eu-a", { fleet: { replicas: 2, minReplicas: 1 } });
  const w = world(r, [pod("p1"), pod("p2")], { p1: 1000, p2: 1000 });
  const res = await chatRegionReconciler(w.deps)("acme-chat/eu-a", ctx);
  assert.equal(res?.requeueAfterMs, 5000);
  assert.deepEqual(w.calls.map((c) => c.obj.kind).sort(), [
    "ConfigMap",
    "Deployment",
    "PodDisruptionBudget",
    "Service",
  ]);
  const dep = w.calls.find((c) => c.obj.kind === "Deployment")?.obj as {
    spec: { replicas: number };
  };
  assert.equal(dep.spec.replicas, 4, "2,000 connections at 500 per pod");
  const s = w.statuses.at(-1);
  assert.equal(s?.desiredReplicas, 4);
  assert.deepEqual(s?.connections, { open: 2000, capacity: 8000 });
  assert.equal(s?.conditions?.find((c) => c.type === "IdentityResolved")?.status, "True");
});

test("reconcile: a missing Tenant is a condition, not an error", async () => {
  const w = world(chatRegion("eu-a"), [pod("p1"), pod("p2")], { p1: 0, p2: 0 }, { tenant: false });
  await chatRegionReconciler(w.deps)("acme-chat/eu-a", ctx);
  const c = w.statuses.at(-1)?.conditions?.find((x) => x.type === "IdentityResolved");
  assert.equal(c?.reason, "TenantNotFound");
});

test("reconcile: scale-down marks pods with their connection counts before shrinking the Deployment", async () => {
  const r = chatRegion("eu-a", {
    fleet: { replicas: 4, minReplicas: 1, scaleDownStabilizationSeconds: 0 },
  });
  r.status = { desiredReplicas: 4 };
  const pods = [pod("a"), pod("b"), pod("c"), pod("d")];
  const w = world(r, pods, { a: 300, b: 0, c: 10, d: 0 });
  w.deps.deployments = informer([
    {
      metadata: {
        name: "eu-a",
        namespace: "acme-chat",
        ownerReferences: [
          {
            apiVersion: "librechat.io/v1alpha1",
            kind: "ChatRegion",
            name: "eu-a",
            uid: "uid-eu-a",
            controller: true,
          },
        ],
      },
      spec: { replicas: 4, selector: {}, template: {} },
    },
  ]);
  await chatRegionReconciler(w.deps)("acme-chat/eu-a", ctx);
  const kinds = w.calls.map((c) => c.obj.kind);
  assert.ok(kinds.lastIndexOf("Pod") < kinds.indexOf("Deployment"), "costs first");
  const costs: Record<string, string | undefined> = Object.fromEntries(
    w.calls
      .filter((c) => c.obj.kind === "Pod")
      .map(
        (c) => [c.obj.metadata?.name ?? "", c.obj.metadata?.annotations?.[DELETION_COST]] as const,
      ),
  );
  assert.deepEqual(costs, { a: "300", b: "0", c: "10", d: "0" });
  const dep = w.calls.find((c) => c.obj.kind === "Deployment")?.obj as {
    spec: { replicas: number };
  };
  assert.equal(dep.spec.replicas, 1);
});

test("reconcile: secret values never reach status or applied objects", async () => {
  const w = world(chatRegion("eu-a"), [pod("p1")], { p1: 1 });
  await chatRegionReconciler(w.deps)("acme-chat/eu-a", ctx);
  const text = JSON.stringify([w.calls, w.statuses]);
  assert.ok(!text.includes("cG9zdGdyZXM6Ly91OnNlY3JldEBkYi9jaGF0"));
  assert.ok(!text.includes("secret@db"));
});

test("reconcile: a region that lost its pods turns unhealthy after the grace period and fails over to a healthy fallback", async () => {
  let now = 1_700_000_000_000;
  const a = chatRegion("eu-a", {
    failover: {
      priority: 10,
      weight: 100,
      fallbackRegions: ["eu-b"],
      unhealthyAfterSeconds: 10,
      healthyAfterSeconds: 30,
    },
  });
  a.status = { health: { state: "Healthy", since: new Date(now - 60_000).toISOString() } };
  const b = chatRegion("eu-b");
  b.status = { health: { state: "Healthy", since: new Date(now - 60_000).toISOString() } };
  const w = world(a, [], {}, { nowMs: () => now });
  w.deps.regions = informer([a, b]);
  const rec = chatRegionReconciler(w.deps);
  const first = await rec("acme-chat/eu-a", ctx);
  assert.equal(w.statuses.at(-1)?.health?.state, "Healthy");
  assert.equal(first?.requeueAfterMs, 5000);
  a.status = w.statuses.at(-1) ?? {};
  now += 10_000;
  await rec("acme-chat/eu-a", ctx);
  const s = w.statuses.at(-1);
  assert.equal(s?.health?.state, "Unhealthy");
  assert.equal(s?.failover?.activeTarget, "eu-b");
  const cm = w.calls.filter((c) => c.obj.kind === "ConfigMap").at(-1)?.obj as {
    data: Record<string, string>;
  };
  const table = JSON.parse(cm.data["regions.json"] ?? "") as {
    regions: { name: string; healthy: boolean }[];
  };
  assert.deepEqual(
    table.regions.map((x) => [x.name, x.healthy]),
    [
      ["eu-a", false],
      ["eu-b", true],
    ],
  );
});

const secretsOf = (...names: [string, Record<string, string>][]) => ({
  get: (key: string): V1Secret | undefined => {
    const hit = names.find(([n]) => `acme-chat/${n}` === key);
    return hit === undefined ? undefined : { data: hit[1] };
  },
});
const missingCases: {
  name: string;
  secrets: ReturnType<typeof secretsOf>;
  inference: boolean;
  want: string[];
}[] = [
  {
    name: "all present, replies off: the Tenant key is not needed",
    secrets: secretsOf(["eu-postgres", { url: "x", appPassword: "y" }], ["eu-redis", { url: "z" }]),
    inference: false,
    want: [],
  },
  {
    name: "replies on and the Tenant key absent (region outside the Tenant's first namespace)",
    secrets: secretsOf(["eu-postgres", { url: "x", appPassword: "y" }], ["eu-redis", { url: "z" }]),
    inference: true,
    want: [`Secret "inference-gateway-api-key" not found (the Tenant's inference gateway key)`],
  },
  {
    name: "replies on, the key present; a Secret without the named key",
    secrets: secretsOf(
      ["eu-postgres", { url: "x" }],
      ["eu-redis", { url: "z" }],
      ["inference-gateway-api-key", { "api-key": "k" }],
    ),
    inference: true,
    want: [`Secret "eu-postgres" has no key "appPassword" (spec.database.appPasswordSecretRef)`],
  },
];
for (const c of missingCases) {
  test(`missingSecrets: ${c.name}`, () => {
    assert.deepEqual(missingSecrets(c.secrets, chatRegion("eu-west"), c.inference), c.want);
  });
}
