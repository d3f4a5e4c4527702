// Benchmark (not a test): converge 50 Tenants, each with a realm of 3 roles, 2 groups, 2 clients and
// 2 identity providers, through the operator against the real Keycloak, next to the floor: the same
// realms created directly by one admin client (create realm + one partial import each, same
// concurrency as the operator's workers). Then one idle resync: admin API calls per Tenant.
// Targets: time ratio ≤ 2; idle resync ≤ 5 reads and 0 writes per Tenant.
// Needs $KUBECONFIG and $KEYCLOAK_URL (hack/bench.sh starts both). BENCH_TENANTS overrides 50.
import { randomBytes } from "node:crypto";
import type { Tenant } from "../crds/tenant/v1alpha1/index.ts";
import { DEFAULT_TOKEN_AUDIENCE, desiredRealm } from "../controllers/tenant/keycloak/desired.ts";
import { TENANT } from "../controllers/tenant/gvks.ts";
import { KubeClient } from "../operators/clients/kube.ts";
import { loadKubeConfig } from "../operators/clients/kubeconfig.ts";
import { installCrds } from "../test/helpers/crds.ts";
import { adminFetch, deleteRealm } from "../test/helpers/keycloak.ts";
import { startOperator } from "../test/helpers/operator.ts";
import { createOperatorClient } from "../test/integration/tenant/keycloak-setup.ts";

const N = Number(process.env["BENCH_TENANTS"] ?? 50);
const WORKERS = 4; // the operator's default --tenant-concurrency
const RUN = Date.now().toString(36).slice(-5);
const kubeconfigPath = process.env["KUBECONFIG"];
if (kubeconfigPath === undefined || process.env["KEYCLOAK_URL"] === undefined)
  throw new Error("KUBECONFIG and KEYCLOAK_URL must be set (hack/bench.sh sets them)");
const kc = await loadKubeConfig(kubeconfigPath);
const client = new KubeClient(kc);
const SYS = `bench-tenant-${RUN}`;
const T0 = performance.now();

function progress(msg: string): void {
  process.stderr.write(`[${((performance.now() - T0) / 1000).toFixed(0).padStart(5)} s] ${msg}\n`);
}

async function pool<T>(
  items: readonly T[],
  n: number,
  fn: (t: T) => Promise<unknown>,
): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++] as T);
    }),
  );
}

function tenant(name: string, operatorClient: string): Tenant {
  const ref = (n: string): { name: string; namespace: string; key: string } => ({
    name: n,
    namespace: SYS,
    key: "client-secret",
  });
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: {
      displayName: name,
      owners: [{ kind: "User", name: "bench" }],
      deletionPolicy: "Delete",
      models: { allowed: ["m1", "m2"] },
      identity: {
        keycloak: { clientId: operatorClient, credentialsSecretRef: ref("keycloak-operator") },
        realm: {
          name,
          displayName: name,
          bruteForce: {
            enabled: true,
            failureFactor: 5,
            waitIncrementSeconds: 60,
            maxFailureWaitSeconds: 900,
            quickLoginCheckMilliSeconds: 1000,
            minimumQuickLoginWaitSeconds: 60,
            maxDeltaTimeSeconds: 43200,
            permanentLockout: false,
          },
        },
        roles: [
          { name: "chat-user" },
          { name: "chat-admin", composites: ["chat-user"] },
          { name: "auditor" },
        ],
        groups: [
          { name: "staff", realmRoles: ["chat-user"], models: ["m1"] },
          { name: "admins", realmRoles: ["chat-admin"] },
        ],
        clients: [
          {
            clientId: "web",
            type: "confidential",
            directAccessGrants: false,
            redirectUris: ["https://chat.bench.test/cb"],
            secretRef: ref("client-web"),
          },
          {
            clientId: "spa",
            type: "public",
            directAccessGrants: false,
            redirectUris: ["https://spa.bench.test/*"],
          },
        ],
        identityProviders: [
          {
            alias: "github",
            type: "github",
            enabled: true,
            trustEmail: false,
            clientId: "gh",
            clientSecretRef: ref("idp"),
          },
          {
            alias: "google",
            type: "google",
            enabled: true,
            trustEmail: true,
            clientId: "go",
            clientSecretRef: ref("idp"),
          },
        ],
        sync: { mode: "Enforce", resyncInterval: "60s", adoptExisting: false },
      },
    },
  };
}

/** The floor: create the realm and import its content in one partial import, as one admin client. */
async function floorRealm(t: Tenant): Promise<void> {
  const d = desiredRealm(
    t,
    { clients: { web: "web-secret" }, idps: { github: "x", google: "y" } },
    { tokenAudience: DEFAULT_TOKEN_AUDIENCE },
  );
  if (d === undefined) throw new Error("no identity");
  await adminFetch("POST", "", {
    realm: d.name,
    enabled: true,
    ...d.settings,
    attributes: d.attributes,
  });
  await adminFetch("POST", `/${d.name}/partialImport`, {
    ifResourceExists: "OVERWRITE",
    roles: {
      realm: d.roles.map((r) => ({
        name: r.name,
        description: r.description,
        composite: r.composites.length > 0,
        ...(r.composites.length > 0 ? { composites: { realm: r.composites } } : {}),
      })),
    },
    groups: d.groups.map((g) => ({
      name: g.name,
      path: `/${g.name}`,
      attributes: g.attributes,
      realmRoles: g.realmRoles,
    })),
    clients: d.clients.map((c) => ({
      clientId: c.clientId,
      ...c.rep,
      ...(c.secret !== undefined ? { secret: c.secret } : {}),
    })),
    identityProviders: d.idps.map((p) => ({
      ...p.rep,
      config: { ...p.rep.config, clientSecret: p.clientSecret ?? "" },
    })),
  });
}

async function metric(
  op: { metric(n: string, l?: Record<string, string>): Promise<number> },
  method: string,
): Promise<number> {
  return op.metric("keycloak_requests_total", { method });
}

await installCrds(kc);
await client.apply(
  { apiVersion: "v1", kind: "Namespace", metadata: { name: SYS } },
  { fieldManager: "bench" },
);
const opClient = await createOperatorClient();
const secret = (name: string, value: string): Record<string, unknown> => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace: SYS },
  type: "Opaque",
  data: { "client-secret": Buffer.from(value).toString("base64") },
});
for (const s of [
  secret("keycloak-operator", opClient.secret),
  secret("client-web", randomBytes(16).toString("hex")),
  secret("idp", "idp-secret"),
])
  await client.apply(s, { fieldManager: "bench" });

// Floor.
const floorNames = Array.from({ length: N }, (_, i) => `bf-${RUN}-${i}`);
progress(`floor: ${N} realms by direct create + partial import`);
let t = performance.now();
await pool(floorNames, WORKERS, (n) => floorRealm(tenant(n, opClient.clientId)));
const floorS = (performance.now() - t) / 1000;
progress(`floor done in ${floorS.toFixed(1)} s`);
await pool(floorNames, WORKERS, (n) => deleteRealm(n));

// Operator.
const op = await startOperator({
  kubeconfig: kubeconfigPath,
  args: ["--leader-elect=false"],
  env: { KEYCLOAK_URL: process.env["KEYCLOAK_URL"] ?? "", POD_NAMESPACE: SYS, LOG_LEVEL: "warn" },
});
const names = Array.from({ length: N }, (_, i) => `bt-${RUN}-${i}`);
progress(`operator: ${N} Tenants`);
t = performance.now();
for (const n of names) await client.apply(tenant(n, opClient.clientId), { fieldManager: "bench" });
for (;;) {
  const all = await client.list<Tenant>(TENANT);
  const ready = all.filter(
    (x) =>
      names.includes(x.metadata.name ?? "") &&
      x.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  ).length;
  if (ready === N) break;
  if (performance.now() - t > 1_800_000)
    throw new Error(`only ${ready}/${N} Tenants Ready after 30 min`);
  await new Promise((r) => setTimeout(r, 1000));
}
const opS = (performance.now() - t) / 1000;
progress(`operator done in ${opS.toFixed(1)} s`);

// Idle resync: every Tenant syncs once per 60 s; measure a 60 s window after settling.
await new Promise((r) => setTimeout(r, 70_000));
const before = {
  get: await metric(op, "GET"),
  post: await metric(op, "POST"),
  put: await metric(op, "PUT"),
  del: await metric(op, "DELETE"),
};
await new Promise((r) => setTimeout(r, 60_000));
const after = {
  get: await metric(op, "GET"),
  post: await metric(op, "POST"),
  put: await metric(op, "PUT"),
  del: await metric(op, "DELETE"),
};
const reads = (after.get - before.get + (after.post - before.post)) / N;
const writes = (after.put - before.put + (after.del - before.del)) / N;

for (const n of names) await client.delete(TENANT, undefined, n);
for (;;) {
  const left = (await client.list<Tenant>(TENANT)).filter((x) =>
    names.includes(x.metadata.name ?? ""),
  ).length;
  if (left === 0 || performance.now() - t > 2_400_000) break;
  await new Promise((r) => setTimeout(r, 1000));
}
await op.stop();
await client.delete(
  { apiVersion: "v1", kind: "Namespace", plural: "namespaces", namespaced: false },
  undefined,
  SYS,
);

const ratio = opS / floorS;
process.stdout.write(
  [
    `| Tenant benchmark (${N} Tenants, 3 roles / 2 groups / 2 clients / 2 IdPs each) | Result | Target |`,
    "|---|---|---|",
    `| Time to all-Ready vs direct create + partial import (${WORKERS} workers each) | ${opS.toFixed(1)} s vs ${floorS.toFixed(1)} s, ratio **${ratio.toFixed(2)}** | ≤ 2 ${ratio <= 2 ? "— met" : "— NOT met"} |`,
    `| Admin API calls per Tenant on an idle resync | ${reads.toFixed(2)} reads (partial export + client secret), ${writes.toFixed(2)} writes | ≤ 5 reads, 0 writes ${reads <= 5 && writes === 0 ? "— met" : "— NOT met"} |`,
    "",
  ].join("\n"),
);
