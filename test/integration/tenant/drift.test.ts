// Drift in a Tenant's realm: changes made by hand through the admin API are reverted within one
// resync in Enforce mode (with an Event naming them), an edited Tenant converges, in Observe mode the
// same changes are only reported, and a realm the operator did not create is never adopted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRealm } from "../../helpers/keycloak.ts";
import { waitFor } from "../../helpers/testenv.ts";
import {
  adminFetch,
  applyTenant,
  conditionOf,
  deleteRealm,
  identity,
  realmGet,
  tenantEvents,
  tenantFile,
  waitCondition,
} from "./fixtures.ts";

const f = tenantFile("tenant-drift");
const REDIRECT = "https://chat.drift.test/callback";
let name = "";

function manifest(
  extra: { mode?: string; groups?: unknown[]; clients?: unknown[]; minLength?: number } = {},
): Record<string, unknown> {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: {
      displayName: "Drift",
      owners: [{ kind: "User", name: "d" }],
      identity: identity(f, name, {
        realm: {
          name,
          passwordPolicy: { minLength: extra.minLength ?? 12 },
          bruteForce: { enabled: true, failureFactor: 5 },
        },
        roles: [{ name: "chat-user" }, { name: "chat-admin", composites: ["chat-user"] }],
        groups: extra.groups ?? [{ name: "staff", realmRoles: ["chat-user"] }],
        clients: extra.clients ?? [
          { clientId: "web", type: "public", redirectUris: [REDIRECT] },
          { clientId: "old", type: "public", redirectUris: ["https://old.drift.test/*"] },
        ],
        sync: { mode: extra.mode ?? "Enforce", resyncInterval: "30s" },
      }),
      deletionPolicy: "Delete",
    },
  };
}

/** Changes brute force, deletes a role and adds a redirect URI, as an admin would by hand. */
async function driftByHand(): Promise<void> {
  await adminFetch("PUT", `/${name}`, { failureFactor: 30 });
  await adminFetch("DELETE", `/${name}/roles/chat-admin`);
  const clients = await realmGet<{ id: string; clientId: string; redirectUris: string[] }[]>(
    `/${name}/clients?clientId=web`,
  );
  const web = clients[0];
  assert.ok(web);
  await adminFetch("PUT", `/${name}/clients/${web.id}`, {
    clientId: "web",
    redirectUris: [REDIRECT, "https://evil.test/*"],
  });
}

async function observed(): Promise<{
  failureFactor: unknown;
  hasAdmin: boolean;
  redirects: string[];
}> {
  const realm = await realmGet(`/${name}`);
  const roles = await realmGet<{ name: string }[]>(`/${name}/roles`);
  const web = (await realmGet<{ redirectUris: string[] }[]>(`/${name}/clients?clientId=web`))[0];
  return {
    failureFactor: realm["failureFactor"],
    hasAdmin: roles.some((r) => r.name === "chat-admin"),
    redirects: [...(web?.redirectUris ?? [])].sort(),
  };
}

test("Enforce: hand-made changes are corrected within one resync and reported in an Event", async () => {
  name = `drift-${f.id}`;
  await applyTenant(f, manifest());
  await waitCondition(f, name, "Ready", "True", 240_000);
  await driftByHand();
  const t0 = Date.now();
  await waitFor(
    "drift reverted",
    75_000,
    async () => {
      const o = await observed();
      return o.failureFactor === 5 && o.hasAdmin && o.redirects.length === 1;
    },
    1000,
  );
  assert.ok(Date.now() - t0 <= 75_000);
  const composites = await realmGet<{ name: string }[]>(`/${name}/roles/chat-admin/composites`);
  assert.deepEqual(
    composites.map((c) => c.name),
    ["chat-user"],
    "recreated role has its composite again",
  );
  const t = await waitCondition(f, name, "IdentityDrifted", "False", 30_000, "DriftReverted");
  for (const field of ["realm.failureFactor", "roles[chat-admin]", "clients[web].redirectUris"])
    assert.ok(conditionOf(t, "IdentityDrifted")?.message.includes(field), field);
  const ev = (await tenantEvents(f, name)).find((e) => e.reason === "DriftReverted");
  assert.ok(
    ev?.message?.includes("realm.failureFactor"),
    `DriftReverted event: ${JSON.stringify(ev)}`,
  );
});

test("an edited Tenant converges: new group, removed client, changed password policy", async () => {
  await applyTenant(
    f,
    manifest({
      groups: [
        { name: "staff", realmRoles: ["chat-user"] },
        { name: "ops", realmRoles: ["chat-admin"] },
      ],
      clients: [{ clientId: "web", type: "public", redirectUris: [REDIRECT] }],
      minLength: 16,
    }),
  );
  await waitCondition(f, name, "IdentityReady", "True", 120_000);
  const groups = await realmGet<{ name: string }[]>(`/${name}/groups`);
  assert.deepEqual(groups.map((g) => g.name).sort(), ["ops", "staff"]);
  const clients = await realmGet<{ clientId: string }[]>(`/${name}/clients`);
  assert.ok(!clients.some((c) => c.clientId === "old"), "removed client deleted");
  assert.ok(
    clients.some((c) => c.clientId === "account"),
    "Keycloak's own clients untouched",
  );
  assert.match(String((await realmGet(`/${name}`))["passwordPolicy"]), /length\(16\)/);
});

test("Observe: the same changes are reported (condition + Event listing the fields) and left as they are", async () => {
  await applyTenant(
    f,
    manifest({
      mode: "Observe",
      groups: [
        { name: "staff", realmRoles: ["chat-user"] },
        { name: "ops", realmRoles: ["chat-admin"] },
      ],
      clients: [{ clientId: "web", type: "public", redirectUris: [REDIRECT] }],
      minLength: 16,
    }),
  );
  await waitCondition(f, name, "IdentityDrifted", "False", 60_000);
  await driftByHand();
  const t = await waitCondition(f, name, "IdentityDrifted", "True", 75_000, "DriftDetected");
  const msg = conditionOf(t, "IdentityDrifted")?.message ?? "";
  for (const field of ["realm.failureFactor", "roles[chat-admin]", "clients[web].redirectUris"])
    assert.ok(msg.includes(field), `${field} in ${msg}`);
  assert.equal(conditionOf(t, "IdentityReady")?.reason, "DriftObserved");
  assert.deepEqual(t.status?.identity?.drift?.detected, true);
  const ev = (await tenantEvents(f, name)).find((e) => e.reason === "DriftDetected");
  assert.ok(ev?.message?.includes("roles[chat-admin]"));
  const o = await observed();
  assert.deepEqual(
    o,
    { failureFactor: 30, hasAdmin: false, redirects: ["https://evil.test/*", REDIRECT].sort() },
    "Observe wrote nothing",
  );
});

test("a pre-existing realm the operator did not create is not adopted", async () => {
  const foreign = `foreign-${f.id}`;
  await createRealm(foreign, { displayName: "Someone else's", unmanagedAttributes: false });
  try {
    await applyTenant(f, {
      apiVersion: "librechat.io/v1alpha1",
      kind: "Tenant",
      metadata: { name: foreign },
      spec: {
        displayName: "F",
        owners: [{ kind: "User", name: "f" }],
        identity: identity(f, foreign, { realm: { name: foreign, displayName: "Mine now" } }),
        deletionPolicy: "Delete",
      },
    });
    const t = await waitCondition(
      f,
      foreign,
      "IdentityReady",
      "False",
      90_000,
      "RealmOwnedElsewhere",
    );
    assert.match(conditionOf(t, "IdentityReady")?.message ?? "", new RegExp(`realm "${foreign}"`));
    assert.equal(
      (await realmGet(`/${foreign}`))["displayName"],
      "Someone else's",
      "foreign realm untouched",
    );
  } finally {
    await deleteRealm(foreign);
  }
});
