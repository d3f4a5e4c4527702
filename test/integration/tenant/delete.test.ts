// Deleting Tenants: deletionPolicy Delete removes the namespaces and the realm through the
// finalizer; Retain keeps both (ownership dropped) and says so in an Event; with Keycloak
// unreachable the finalizer waits (Degraded) and gives up after the deletion timeout.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Namespace } from "@kubernetes/client-node";
import { waitFor } from "../../helpers/testenv.ts";
import {
  NAMESPACE,
  TENANT,
  applyTenant,
  conditionOf,
  deleteRealm,
  getTenant,
  identity,
  realmExists,
  tenantEvents,
  tenantFile,
  waitCondition,
} from "./fixtures.ts";

const f = tenantFile("tenant-del", { TENANT_DELETION_TIMEOUT: "20s" });

function manifest(
  name: string,
  policy: "Delete" | "Retain",
  keycloakUrl?: string,
): Record<string, unknown> {
  const id = identity(f, name);
  if (keycloakUrl !== undefined) (id["keycloak"] as Record<string, unknown>)["url"] = keycloakUrl;
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: {
      displayName: name,
      owners: [{ kind: "User", name: "o" }],
      namespaces: { items: [{ name: `${name}-a` }] },
      identity: { ...id, roles: [{ name: "chat-user" }] },
      deletionPolicy: policy,
    },
  };
}

test("deletionPolicy Delete removes the namespaces and the realm", async () => {
  const name = `del-${f.id}`;
  await applyTenant(f, manifest(name, "Delete"));
  await waitCondition(f, name, "Ready", "True", 240_000);
  assert.ok(await realmExists(name));
  await f.client.delete(TENANT, undefined, name);
  await waitFor("Tenant gone", 90_000, async () => (await getTenant(f, name)) === undefined);
  assert.equal(await realmExists(name), false, "realm deleted");
  await waitFor("namespace deleted", 90_000, async () => {
    const ns = await f.client.get<V1Namespace>(NAMESPACE, undefined, `${name}-a`);
    return ns === undefined || ns.metadata?.deletionTimestamp !== undefined;
  });
});

test("deletionPolicy Retain keeps the namespaces (no longer owned) and the realm, and says so", async () => {
  const name = `ret-${f.id}`;
  await applyTenant(f, manifest(name, "Retain"));
  await waitCondition(f, name, "Ready", "True", 240_000);
  await f.client.delete(TENANT, undefined, name);
  await waitFor("Tenant gone", 90_000, async () => (await getTenant(f, name)) === undefined);
  try {
    assert.ok(await realmExists(name), "realm kept");
    await new Promise((r) => setTimeout(r, 3000)); // give the garbage collector a chance to act wrongly
    const ns = await f.client.get<V1Namespace>(NAMESPACE, undefined, `${name}-a`);
    assert.ok(ns !== undefined && ns.metadata?.deletionTimestamp === undefined, "namespace kept");
    assert.equal(ns.metadata?.ownerReferences, undefined, "no owner reference left");
    assert.equal(ns.metadata?.labels?.["librechat.io/tenant"], undefined, "tenant label removed");
    const ev = (await tenantEvents(f, name)).find((e) => e.reason === "Retained");
    assert.match(
      ev?.message ?? "",
      new RegExp(`Kept namespaces ${name}-a and Keycloak realm ${name}`),
    );
  } finally {
    await f.client.delete(NAMESPACE, undefined, `${name}-a`);
    await deleteRealm(name);
  }
});

test("deleting a Tenant whose Keycloak is unreachable waits, reports Degraded, and gives up after the timeout", async () => {
  const name = `unr-${f.id}`;
  await applyTenant(f, manifest(name, "Delete", "http://127.0.0.1:9"));
  const t = await waitCondition(f, name, "IdentityReady", "False", 90_000, "KeycloakUnreachable");
  assert.equal(conditionOf(t, "Degraded")?.reason, "KeycloakUnreachable");
  const started = Date.now();
  await f.client.delete(TENANT, undefined, name);
  await waitFor("Degraded while waiting for Keycloak", 30_000, async () => {
    const c = conditionOf(await getTenant(f, name), "Degraded");
    return c?.status === "True" && /Waiting to delete Keycloak realm/.test(c.message);
  });
  await waitFor(
    "Tenant gone after the deletion timeout",
    90_000,
    async () => (await getTenant(f, name)) === undefined,
    1000,
  );
  assert.ok(Date.now() - started >= 15_000, "did not give up before the timeout");
  const ev = (await tenantEvents(f, name)).find((e) => e.reason === "DeletionTimedOut");
  assert.match(ev?.message ?? "", /Gave up deleting Keycloak realm/);
});
