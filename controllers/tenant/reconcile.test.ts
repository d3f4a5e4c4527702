// reconcile with fake dependencies: recording client, static caches, a fake Keycloak connector.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubernetesObject } from "@kubernetes/client-node";
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";
import { KeycloakUnreachableError } from "../../operators/clients/keycloak.ts";
import type { Informer } from "../../operators/runtime/index.ts";
import type { EventSpec } from "../../operators/runtime/index.ts";
import { silentLogger } from "../../operators/runtime/index.ts";
import { tenant } from "./fixtures.test-helpers.ts";
import { desired, matching } from "./keycloak/fixtures.test-helpers.ts";
import type { KeycloakConnector } from "./keycloak/connector.ts";
import type { RealmState } from "./keycloak/state.ts";
import { FINALIZER, tenantReconciler } from "./reconcile.ts";
import type { TenantDeps } from "./reconcile.ts";
import { IdentitySchedule } from "./schedule.ts";

function informer<T>(items: T[] = []): Informer<T> {
  const key = (o: T): string => {
    const m = (o as KubernetesObject).metadata;
    return m?.namespace !== undefined ? `${m.namespace}/${m.name ?? ""}` : (m?.name ?? "");
  };
  return {
    get: (k) => items.find((o) => key(o) === k),
    list: (ns) =>
      items.filter((o) => ns === undefined || (o as KubernetesObject).metadata?.namespace === ns),
    hasSynced: () => true,
  };
}

interface Recorded {
  calls: string[];
  statuses: Record<string, unknown>[];
  events: { reason: string; message: string }[];
  keycloakReads: number;
}

function setup(
  t: Tenant,
  opts: {
    realm?: () => RealmState | undefined;
    fail?: boolean;
    secrets?: boolean;
    now?: Date;
    namespaces?: KubernetesObject[];
  } = {},
): { deps: TenantDeps; rec: Recorded } {
  const rec: Recorded = { calls: [], statuses: [], events: [], keycloakReads: 0 };
  const secret = {
    data: {
      "client-secret": Buffer.from("op-secret").toString("base64"),
      k: Buffer.from("v").toString("base64"),
    },
  };
  const connector: KeycloakConnector = () => ({
    api: {
      read: () => {
        rec.keycloakReads++;
        if (opts.fail === true)
          return Promise.reject(
            new KeycloakUnreachableError(
              "Keycloak at http://kc is unreachable: connect ECONNREFUSED",
            ),
          );
        return Promise.resolve(opts.realm?.());
      },
      request: (m, p) => {
        rec.calls.push(`kc ${m} ${p}`);
        return Promise.resolve({ status: 200, body: undefined, location: undefined });
      },
    },
    deleteOwnedRealm: () =>
      opts.fail === true
        ? Promise.reject(new KeycloakUnreachableError("unreachable"))
        : Promise.resolve("deleted"),
  });
  const deps: TenantDeps = {
    client: {
      apply: (o: KubernetesObject) => {
        rec.calls.push(
          `apply ${o.kind ?? ""} ${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`,
        );
        return Promise.resolve(o);
      },
      applyStatus: (o: KubernetesObject & { status?: Record<string, unknown> }) => {
        rec.statuses.push(o.status ?? {});
        return Promise.resolve(o);
      },
      delete: (_g: unknown, ns: string | undefined, name: string) => {
        rec.calls.push(`delete ${ns ?? ""}/${name}`);
        return Promise.resolve(true);
      },
      event: (_o: unknown, e: EventSpec) => {
        rec.events.push({ reason: e.reason, message: e.message });
        return Promise.resolve();
      },
      get: () => Promise.resolve(opts.secrets === false ? undefined : secret),
      addFinalizer: () => {
        rec.calls.push("addFinalizer");
        return Promise.resolve();
      },
      removeFinalizer: () => {
        rec.calls.push("removeFinalizer");
        return Promise.resolve();
      },
    } as unknown as TenantDeps["client"],
    tenants: informer([t]),
    namespaces: informer(opts.namespaces ?? []),
    quotas: informer(),
    limitRanges: informer(),
    networkPolicies: informer(),
    roleBindings: informer(),
    clusterRoles: informer(),
    clusterRoleBindings: informer(),
    keycloak: connector,
    config: {
      keycloakUrl: "http://kc",
      operatorNamespace: "librechat-system",
      deletionTimeoutMs: 60_000,
      tokenAudience: "chat-gateway",
    },
    now: () => opts.now ?? new Date("2026-12-02T12:00:00Z"),
    schedule: new IdentitySchedule(),
  };
  return { deps, rec };
}

const ctx = { log: silentLogger(), signal: new AbortController().signal };
const withIdentity = (): Tenant => {
  const t = tenant({
    identity: {
      keycloak: {
        clientId: "op",
        credentialsSecretRef: { name: "kc", namespace: "librechat-system", key: "client-secret" },
      },
      realm: { name: "acme" },
      sync: { mode: "Enforce", resyncInterval: "5m", adoptExisting: false },
    },
  });
  return t;
};
const cond = (
  s: Record<string, unknown> | undefined,
  type: string,
): { status: string; reason: string } | undefined =>
  (s?.["conditions"] as { type: string; status: string; reason: string }[] | undefined)?.find(
    (c) => c.type === type,
  );

test("a new Tenant gets its finalizer, namespaces before their contents, and a Ready status", async () => {
  const t = withIdentity();
  const d = desired({ ...t, spec: { ...t.spec } });
  const { deps, rec } = setup(t, {
    realm: () => matching({ ...d, roles: [], groups: [], clients: [], idps: [] }),
  });
  const res = await tenantReconciler(deps)("acme", ctx);
  assert.equal(rec.calls[0], "addFinalizer");
  const applies = rec.calls.filter((c) => c.startsWith("apply "));
  assert.ok(
    applies.findIndex((c) => c.startsWith("apply Namespace")) <
      applies.findIndex((c) => c.startsWith("apply NetworkPolicy")),
    "namespaces first",
  );
  assert.ok(applies.includes("apply RoleBinding acme-chat/tenant-owners"));
  const status = rec.statuses.at(-1);
  assert.equal(cond(status, "Ready")?.status, "True");
  assert.equal(status?.["phase"], "Ready");
  assert.equal(res?.requeueAfterMs, 300_000, "next resync after the interval");
});

test("Keycloak unreachable: Degraded with the reason, error returned to the queue, no crash", async () => {
  const { deps, rec } = setup(withIdentity(), { fail: true });
  await assert.rejects(tenantReconciler(deps)("acme", ctx), /syncing the Keycloak realm/);
  const status = rec.statuses.at(-1);
  assert.deepEqual(cond(status, "Degraded"), {
    ...cond(status, "Degraded"),
    status: "True",
    reason: "KeycloakUnreachable",
  });
  assert.equal(cond(status, "Ready")?.status, "False");
  assert.equal(status?.["phase"], "Degraded");
});

test("a status-only update (same generation, resync not due) makes no Keycloak call", async () => {
  const t = withIdentity();
  const { deps, rec } = setup(t, { realm: () => matching(desired(t)) });
  const reconcile = tenantReconciler(deps);
  await reconcile("acme", ctx);
  assert.equal(rec.keycloakReads, 1);
  await reconcile("acme", ctx);
  assert.equal(rec.keycloakReads, 1, "second pass skipped Keycloak");
});

test("between passes the status keeps what the last pass found, even when the cached Tenant does not show it yet", async () => {
  const t = withIdentity();
  t.spec.identity = {
    ...t.spec.identity!,
    clients: [
      {
        clientId: "cli",
        type: "confidential",
        directAccessGrants: false,
        redirectUris: [],
        webOrigins: [],
      },
    ],
  };
  const d = desired(t);
  const realm = matching(d);
  realm.clientSecrets["cli"] = "generated-by-keycloak";
  const { deps, rec } = setup(t, { realm: () => realm });
  const reconcile = tenantReconciler(deps);
  await reconcile("acme", ctx);
  const first = rec.statuses.at(-1)?.["identity"] as
    { clientSecrets?: { clientId: string }[] } | undefined;
  assert.deepEqual(
    first?.clientSecrets?.map((c) => c.clientId),
    ["cli"],
  );
  // The cache still holds the Tenant without that status (our write not seen yet): a second pass
  // (not due for Keycloak) must not write a status without the client secret's Secret name.
  await reconcile("acme", ctx);
  assert.equal(rec.keycloakReads, 1, "second pass skipped Keycloak");
  for (const s of rec.statuses) {
    const id = s["identity"] as { clientSecrets?: { clientId: string }[] } | undefined;
    assert.deepEqual(
      id?.clientSecrets?.map((c) => c.clientId),
      ["cli"],
    );
    assert.equal(cond(s, "IdentityReady")?.status, "True");
  }
});

test("missing credentials Secret is a condition naming it, not a crash", async () => {
  const { deps, rec } = setup(withIdentity(), { secrets: false });
  await tenantReconciler(deps)("acme", ctx);
  const c = (
    rec.statuses.at(-1)?.["conditions"] as { type: string; reason: string; message: string }[]
  ).find((x) => x.type === "IdentityReady");
  assert.equal(c?.reason, "CredentialsMissing");
  assert.match(c?.message ?? "", /Secret librechat-system\/kc key client-secret/);
});

const owned = (t: Tenant): KubernetesObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: {
    name: "acme-chat",
    uid: "ns-uid",
    ownerReferences: [
      {
        apiVersion: "librechat.io/v1alpha1",
        kind: "Tenant",
        name: "acme",
        uid: t.metadata.uid ?? "",
        controller: true,
      },
    ],
  },
});

test("deletion with Retain orphans the namespaces, records an Event and removes the finalizer", async () => {
  const t = withIdentity();
  t.metadata.deletionTimestamp = "2026-12-02T11:59:00Z";
  t.metadata.finalizers = [FINALIZER];
  const { deps, rec } = setup(t, { namespaces: [owned(t)] });
  await tenantReconciler(deps)("acme", ctx);
  assert.deepEqual(rec.calls, ["apply Namespace /acme-chat", "removeFinalizer"]);
  assert.match(
    rec.events[0]?.message ?? "",
    /Kept namespaces acme-chat and Keycloak realm acme \(deletionPolicy Retain\)/,
  );
});

test("deletion with Delete waits for an unreachable Keycloak, then gives up after the timeout", async () => {
  const t = withIdentity();
  t.spec.deletionPolicy = "Delete";
  t.metadata.deletionTimestamp = "2026-12-02T11:59:30Z";
  t.metadata.finalizers = [FINALIZER];
  const early = setup(t, { fail: true, namespaces: [owned(t)] });
  await assert.rejects(tenantReconciler(early.deps)("acme", ctx), /deleting realm acme/);
  assert.ok(!early.rec.calls.includes("removeFinalizer"));
  assert.equal(cond(early.rec.statuses.at(-1), "Degraded")?.reason, "KeycloakUnreachable");

  const late = setup(t, {
    fail: true,
    namespaces: [owned(t)],
    now: new Date("2026-12-02T12:01:00Z"),
  });
  await tenantReconciler(late.deps)("acme", ctx);
  assert.equal(cond(late.rec.statuses.at(-1), "Degraded")?.reason, "DeletionTimedOut");
  assert.ok(late.rec.events.some((e) => e.reason === "DeletionTimedOut"));
  assert.deepEqual(late.rec.calls, ["delete /acme-chat", "removeFinalizer"]);
});
