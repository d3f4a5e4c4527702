// Shared set-up of the Tenant integration tests: CRDs, the shipped tenant-admin ClusterRole, a
// "system" namespace holding the Keycloak credentials Secret, an operator client in Keycloak with
// only create-realm, and the real operator process (all namespaces, so it sees tenant namespaces).
import { after, before } from "node:test";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { KubeClient } from "../../../operators/clients/kube.ts";
import { installCrds } from "../../helpers/crds.ts";
import { startOperator } from "../../helpers/operator.ts";
import type { OperatorProcess } from "../../helpers/operator.ts";
import { createTestNamespace, testEnv, waitFor } from "../../helpers/testenv.ts";
import { adminFetch, deleteRealm } from "../../helpers/keycloak.ts";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import { NAMESPACE, SECRET, TENANT } from "../../../controllers/tenant/gvks.ts";
import { createOperatorClient } from "./keycloak-setup.ts";
import type { OperatorClient } from "./keycloak-setup.ts";

export { NAMESPACE, SECRET, TENANT };

export interface TenantFile {
  client: KubeClient;
  /** Namespace with the credentials Secret (the operator's namespace). */
  sys: string;
  op: OperatorProcess;
  kc: OperatorClient;
  /** A short random suffix for Tenant and realm names of this file. */
  id: string;
  /** Every secret value this file handed out (for the no-leak checks). */
  secrets: string[];
}

const REPO = join(import.meta.dirname, "..", "..", "..");

/** Applies manifests/rbac/tenant-admin/tenant-admin-role.yaml (what `make install` / kustomize ships). */
async function applyTenantAdminRole(client: KubeClient): Promise<void> {
  const obj = parse(
    readFileSync(join(REPO, "manifests/rbac/tenant-admin/tenant-admin-role.yaml"), "utf8"),
  ) as Record<string, unknown>;
  await client.apply(obj, { fieldManager: "integration-test", force: true });
}

/** Registers before/after hooks; fields of the returned object are filled in `before`. */
export function tenantFile(prefix: string, operatorEnv: Record<string, string> = {}): TenantFile {
  const env = testEnv();
  const f = {
    client: new KubeClient(env.kubeConfig),
    secrets: [] as string[],
    id: randomBytes(3).toString("hex"),
  } as TenantFile;
  let cleanup: (() => Promise<void>) | undefined;
  const tenants: string[] = [];
  before(async () => {
    await installCrds(env.kubeConfig);
    await applyTenantAdminRole(f.client);
    const ns = await createTestNamespace(`${prefix}-sys`);
    f.sys = ns.name;
    cleanup = ns.cleanup;
    f.kc = await createOperatorClient();
    f.secrets.push(f.kc.secret);
    await putSecret(f, "keycloak-operator", { "client-secret": f.kc.secret });
    f.op = await startOperator({
      kubeconfig: env.kubeconfigPath,
      args: ["--leader-elect=false", "--controllers=tenant"],
      env: {
        KEYCLOAK_URL: env.keycloakUrl,
        POD_NAMESPACE: f.sys,
        LOG_LEVEL: "debug",
        ...operatorEnv,
      },
    });
  });
  after(async () => {
    for (const t of await f.client.list<Tenant>(TENANT)) {
      if ((t.metadata.name ?? "").endsWith(f.id)) tenants.push(t.metadata.name ?? "");
    }
    for (const name of tenants) await f.client.delete(TENANT, undefined, name);
    if (tenants.length > 0) {
      await waitFor("tenants of this file deleted", 60_000, async () =>
        (await f.client.list<Tenant>(TENANT)).every(
          (t) => !tenants.includes(t.metadata.name ?? ""),
        ),
      );
    }
    await f.op.stop();
    await cleanup?.();
  });
  return f;
}

/** Creates or replaces Secret `name` in the system namespace; values are remembered as secrets. */
export async function putSecret(
  f: TenantFile,
  name: string,
  data: Record<string, string>,
  namespace = f.sys,
): Promise<void> {
  for (const v of Object.values(data)) f.secrets.push(v);
  await f.client.apply(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace },
      type: "Opaque",
      data: Object.fromEntries(
        Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
      ),
    },
    { fieldManager: "integration-test", force: true },
  );
}

export function newSecret(): string {
  return `s3cr3t-${randomBytes(12).toString("hex")}`;
}

export async function applyTenant(f: TenantFile, t: Record<string, unknown>): Promise<void> {
  await f.client.apply(t, { fieldManager: "integration-test", force: true });
}

export async function getTenant(f: TenantFile, name: string): Promise<Tenant | undefined> {
  return f.client.get<Tenant>(TENANT, undefined, name);
}

export function conditionOf(
  t: Tenant | undefined,
  type: string,
): { status: string; reason: string; message: string; observedGeneration?: number } | undefined {
  return t?.status?.conditions?.find((c) => c.type === type);
}

/** Waits until condition `type` has `status` (and `reason` if given); returns the Tenant. */
export async function waitCondition(
  f: TenantFile,
  name: string,
  type: string,
  status: string,
  timeoutMs: number,
  reason?: string,
): Promise<Tenant> {
  let t: Tenant | undefined;
  try {
    await waitFor(
      `Tenant ${name} ${type}=${status}${reason !== undefined ? ` (${reason})` : ""}`,
      timeoutMs,
      async () => {
        t = await getTenant(f, name);
        const c = conditionOf(t, type);
        return (
          c?.status === status &&
          (reason === undefined || c.reason === reason) &&
          c.observedGeneration === t?.metadata.generation
        );
      },
    );
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\nconditions: ${JSON.stringify(t?.status?.conditions)}\noperator tail:\n${f.op.output().slice(-3000)}`,
      { cause: err },
    );
  }
  if (t === undefined) throw new Error("unreachable");
  return t;
}

/** The identity block of a test Tenant: credentials from the file's Secret, realm = Tenant name. */
export function identity(
  f: TenantFile,
  realm: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    keycloak: {
      clientId: f.kc.clientId,
      credentialsSecretRef: { name: "keycloak-operator", namespace: f.sys, key: "client-secret" },
    },
    realm: { name: realm },
    sync: { mode: "Enforce", resyncInterval: "30s" },
    ...extra,
  };
}

/** Reads a realm with the bootstrap admin (what a human would see in the admin console). */
export async function realmGet<T = Record<string, unknown>>(path: string): Promise<T> {
  return (await (await adminFetch("GET", path)).json()) as T;
}

export async function realmExists(realm: string): Promise<boolean> {
  try {
    await adminFetch("GET", `/${realm}`);
    return true;
  } catch (err) {
    if (/failed: 404/.test((err as Error).message)) return false;
    throw err;
  }
}

export { adminFetch, deleteRealm };

/** Events recorded against a Tenant (cluster-scoped objects' Events live in "default"). */
export async function tenantEvents(
  f: TenantFile,
  name: string,
): Promise<{ reason?: string; message?: string; type?: string }[]> {
  const all = await f.client.list<{
    reason?: string;
    message?: string;
    type?: string;
    involvedObject?: { kind?: string; name?: string };
  }>({ apiVersion: "v1", kind: "Event", plural: "events", namespaced: true });
  return all.filter((e) => e.involvedObject?.kind === "Tenant" && e.involvedObject.name === name);
}
