// A Tenant, applied to the real control plane, gets its namespaces with quota, limits, isolation
// and owners' RBAC, and a Keycloak realm that — read back over the admin API — has exactly the
// declared settings, roles, groups, clients and identity providers; a user of that realm logs in
// with the declared client; step-up keeps password-only logins of admin-role members out; an idle
// resync makes only reads; and no secret value shows up in logs, Events or status.
import { test } from "node:test";
import assert from "node:assert/strict";
import type {
  V1LimitRange,
  V1Namespace,
  V1NetworkPolicy,
  V1ResourceQuota,
  V1RoleBinding,
} from "@kubernetes/client-node";
import {
  LIMIT_RANGE,
  NETWORK_POLICY,
  RESOURCE_QUOTA,
  ROLE_BINDING,
  CLUSTER_ROLE,
} from "../../../controllers/tenant/gvks.ts";
import { createUser, decodeJwtPayload, issuerUrl, passwordGrant } from "../../helpers/keycloak.ts";
import { waitFor } from "../../helpers/testenv.ts";
import {
  NAMESPACE,
  SECRET,
  adminFetch,
  applyTenant,
  conditionOf,
  getTenant,
  identity,
  newSecret,
  putSecret,
  realmGet,
  tenantEvents,
  tenantFile,
  waitCondition,
} from "./fixtures.ts";

const f = tenantFile("tenant-prov");
const PASSWORD = "Corr3ct-Horse-Battery!";

function manifest(name: string): Record<string, unknown> {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: {
      displayName: "Provisioned",
      owners: [
        { kind: "Group", name: `${name}-admins` },
        { kind: "User", name: "alice@prov.test" },
      ],
      namespaces: {
        maxCount: 3,
        prefix: "Enforced",
        items: [{ name: `${name}-chat`, labels: { team: "support" } }, { name: `${name}-models` }],
      },
      quota: {
        perNamespace: { hard: { "requests.cpu": "4", "requests.memory": "8Gi", pods: "20" } },
        limitRange: {
          default: { cpu: "1", memory: "1Gi" },
          defaultRequest: { cpu: "100m", memory: "128Mi" },
        },
      },
      network: { isolation: "DenyAllExceptSameTenant", allowFrom: ["ingress", "monitoring"] },
      models: { allowed: ["llama-3.1-8b", "gpt-4o-mini"] },
      identity: identity(f, name, {
        realm: {
          name,
          displayName: "Prov Chat",
          passwordPolicy: {
            minLength: 14,
            upperCase: 1,
            lowerCase: 1,
            digits: 1,
            specialChars: 1,
            notUsername: true,
            passwordHistory: 3,
          },
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
          otp: {
            policy: "Optional",
            type: "totp",
            algorithm: "HmacSHA256",
            digits: 6,
            period: 30,
            lookAheadWindow: 1,
          },
          tokenSettings: {
            accessTokenLifespan: "5m",
            ssoSessionIdleTimeout: "30m",
            ssoSessionMaxLifespan: "10h",
            revokeRefreshToken: true,
          },
        },
        roles: [
          { name: "chat-user", description: "May chat" },
          { name: "chat-admin", description: "Manages assistants", composites: ["chat-user"] },
        ],
        groups: [
          { name: "staff", realmRoles: ["chat-user"], models: ["llama-3.1-8b"] },
          { name: "admins", realmRoles: ["chat-admin"] },
        ],
        clients: [
          {
            clientId: "librechat",
            type: "confidential",
            directAccessGrants: true,
            redirectUris: ["https://chat.prov.test/oauth/openid/callback"],
            webOrigins: ["https://chat.prov.test"],
            secretRef: { name: "librechat-oidc", namespace: f.sys, key: "client-secret" },
          },
          { clientId: "cli", type: "confidential", directAccessGrants: true },
          { clientId: "spa", type: "public", redirectUris: ["https://chat.prov.test/*"] },
        ],
        identityProviders: [
          {
            alias: "github",
            type: "github",
            clientId: "gh-client",
            clientSecretRef: { name: "idp-github", namespace: f.sys, key: "client-secret" },
            mappers: [
              { name: "default-role", type: "HardcodedRole", config: { role: "chat-user" } },
            ],
          },
          {
            alias: "corp",
            type: "oidc",
            clientId: "corp-client",
            clientSecretRef: { name: "idp-corp", namespace: f.sys, key: "client-secret" },
            oidc: {
              authorizationUrl: "https://sso.corp.test/authorize",
              tokenUrl: "https://sso.corp.test/token",
              issuer: "https://sso.corp.test",
            },
          },
        ],
        stepUp: { factor: "otp", roles: ["chat-admin"], acrLevel: 2 },
      }),
      deletionPolicy: "Delete",
    },
  };
}

let name = "";

test("a Tenant gets namespaces, quota, limits, isolation and owners' RBAC", async () => {
  name = `prov-${f.id}`;
  await putSecret(f, "librechat-oidc", { "client-secret": newSecret() });
  await putSecret(f, "idp-github", { "client-secret": newSecret() });
  await putSecret(f, "idp-corp", { "client-secret": newSecret() });
  await applyTenant(f, manifest(name));
  const t = await waitCondition(f, name, "Ready", "True", 240_000);
  assert.equal(t.status?.phase, "Ready");
  assert.equal(t.status?.observedGeneration, t.metadata.generation);
  for (const c of t.status?.conditions ?? [])
    assert.equal(c.observedGeneration, t.metadata.generation, `${c.type} observedGeneration`);
  assert.deepEqual(
    t.status?.namespaces?.map((n) => [n.name, n.ready]),
    [
      [`${name}-chat`, true],
      [`${name}-models`, true],
    ],
  );
  assert.equal(t.status?.identity?.realm, name);
  assert.ok(t.status?.identity?.lastSyncTime);

  for (const nsName of [`${name}-chat`, `${name}-models`]) {
    const ns = await f.client.get<V1Namespace>(NAMESPACE, undefined, nsName);
    assert.equal(ns?.metadata?.labels?.["librechat.io/tenant"], name);
    assert.equal(ns?.metadata?.ownerReferences?.[0]?.uid, t.metadata.uid);
    const q = await f.client.get<V1ResourceQuota>(RESOURCE_QUOTA, nsName, "tenant-quota");
    assert.deepEqual(q?.spec?.hard, { pods: "20", "requests.cpu": "4", "requests.memory": "8Gi" });
    const lr = await f.client.get<V1LimitRange>(LIMIT_RANGE, nsName, "tenant-limits");
    assert.deepEqual(lr?.spec?.limits[0]?.defaultRequest, { cpu: "100m", memory: "128Mi" });
    const pols = (await f.client.list<V1NetworkPolicy>(NETWORK_POLICY, nsName))
      .map((p) => p.metadata?.name)
      .sort();
    assert.deepEqual(pols, [
      "tenant-allow-ingress",
      "tenant-allow-monitoring",
      "tenant-allow-same-tenant",
      "tenant-default-deny",
    ]);
    const rb = await f.client.get<V1RoleBinding>(ROLE_BINDING, nsName, "tenant-owners");
    assert.equal(rb?.roleRef.name, "librechat-tenant-admin");
    // Every child is controlled by the Tenant (garbage-collected with it, never adopted by others).
    const netpols = await f.client.list<V1NetworkPolicy>(NETWORK_POLICY, nsName);
    for (const child of [q, lr, rb, ...netpols]) {
      const owner = child?.metadata?.ownerReferences?.find((r) => r.controller === true);
      assert.equal(
        owner?.uid,
        t.metadata.uid,
        `${child?.metadata?.name ?? "?"} in ${nsName} is controlled by the Tenant`,
      );
    }
    assert.deepEqual(
      rb?.subjects?.map((s) => `${s.kind}:${s.name}`),
      [`Group:${name}-admins`, "User:alice@prov.test"],
    );
  }
  assert.equal(
    (await f.client.get<V1Namespace>(NAMESPACE, undefined, `${name}-chat`))?.metadata?.labels?.[
      "team"
    ],
    "support",
  );
  const viewer = await f.client.get<{ rules: { resourceNames?: string[] }[] }>(
    CLUSTER_ROLE,
    undefined,
    `librechat-tenant-viewer:${name}`,
  );
  assert.deepEqual(viewer?.rules[0]?.resourceNames, [name]);
  // Tenant-wide quota: hard summed over the two namespaces (used is what the API server reports).
  await waitFor(
    "quota summary in status",
    60_000,
    async () => (await getTenant(f, name))?.status?.quota?.hard?.["requests.cpu"] === "8",
  );
  assert.equal((await getTenant(f, name))?.status?.quota?.hard?.["requests.memory"], "16Gi");
});

test("the realm read back over the admin API has exactly the declared settings, roles, groups, clients and IdPs", async () => {
  const r = await realmGet(`/${name}`);
  assert.equal(r["displayName"], "Prov Chat");
  assert.equal(r["enabled"], true);
  assert.equal(r["bruteForceProtected"], true);
  assert.equal(r["failureFactor"], 5);
  assert.equal(r["otpPolicyAlgorithm"], "HmacSHA256");
  assert.equal(r["accessTokenLifespan"], 300);
  assert.equal(r["ssoSessionMaxLifespan"], 36000);
  assert.equal(r["revokeRefreshToken"], true);
  assert.match(String(r["passwordPolicy"]), /length\(14\)/);
  assert.match(String(r["passwordPolicy"]), /passwordHistory\(3\)/);
  assert.equal((r["attributes"] as Record<string, string>)["librechat.io/tenant"], name);

  const roles = await realmGet<{ name: string; description?: string }[]>(
    `/${name}/roles?briefRepresentation=false`,
  );
  const declared = roles
    .filter((x) => x.name.startsWith("chat-") || x.name === "librechat-step-up")
    .map((x) => x.name)
    .sort();
  assert.deepEqual(declared, ["chat-admin", "chat-user", "librechat-step-up"]);
  const composites = await realmGet<{ name: string }[]>(`/${name}/roles/chat-admin/composites`);
  assert.deepEqual(composites.map((c) => c.name).sort(), ["chat-user", "librechat-step-up"]);

  const groups = await realmGet<
    { id: string; name: string; attributes?: Record<string, string[]> }[]
  >(`/${name}/groups?briefRepresentation=false`);
  assert.deepEqual(groups.map((g) => g.name).sort(), ["admins", "staff"]);
  const staff = groups.find((g) => g.name === "staff");
  assert.deepEqual(staff?.attributes?.["models"], ["llama-3.1-8b"]);
  assert.deepEqual(groups.find((g) => g.name === "admins")?.attributes?.["models"], [
    "gpt-4o-mini",
    "llama-3.1-8b",
  ]);
  const staffRoles = await realmGet<{ name: string }[]>(
    `/${name}/groups/${staff?.id ?? ""}/role-mappings/realm`,
  );
  assert.deepEqual(
    staffRoles.map((x) => x.name),
    ["chat-user"],
  );

  const clients = await realmGet<
    {
      id: string;
      clientId: string;
      publicClient: boolean;
      redirectUris: string[];
      webOrigins: string[];
    }[]
  >(`/${name}/clients`);
  const web = clients.find((c) => c.clientId === "librechat");
  assert.equal(web?.publicClient, false);
  assert.deepEqual(web?.redirectUris, ["https://chat.prov.test/oauth/openid/callback"]);
  assert.deepEqual(web?.webOrigins, ["https://chat.prov.test"]);
  assert.equal(clients.find((c) => c.clientId === "spa")?.publicClient, true);
  const webSecret = await realmGet<{ value: string }>(
    `/${name}/clients/${web?.id ?? ""}/client-secret`,
  );
  const declaredSecret = Buffer.from(
    (await f.client.get<{ data: Record<string, string> }>(SECRET, f.sys, "librechat-oidc"))?.data[
      "client-secret"
    ] ?? "",
    "base64",
  ).toString();
  assert.equal(
    webSecret.value,
    declaredSecret,
    "confidential client secret taken from the referenced Secret",
  );

  // "cli" has no secretRef: Keycloak generated its secret and the operator stored it, named in status.
  const cli = clients.find((c) => c.clientId === "cli");
  const generated = await realmGet<{ value: string }>(
    `/${name}/clients/${cli?.id ?? ""}/client-secret`,
  );
  const t = await getTenant(f, name);
  const ref = t?.status?.identity?.clientSecrets?.find((c) => c.clientId === "cli")?.secretRef;
  assert.ok(ref, "status names the Secret of the generated client secret");
  const stored = await f.client.get<{ data: Record<string, string> }>(
    SECRET,
    ref.namespace,
    ref.name,
  );
  assert.equal(Buffer.from(stored?.data[ref.key] ?? "", "base64").toString(), generated.value);
  f.secrets.push(generated.value);

  const idps = await realmGet<
    { alias: string; providerId: string; config: Record<string, string> }[]
  >(`/${name}/identity-provider/instances`);
  assert.deepEqual(idps.map((p) => `${p.alias}:${p.providerId}`).sort(), [
    "corp:oidc",
    "github:github",
  ]);
  assert.equal(
    idps.find((p) => p.alias === "corp")?.config["authorizationUrl"],
    "https://sso.corp.test/authorize",
  );
  assert.equal(idps.find((p) => p.alias === "github")?.config["clientId"], "gh-client");
  const mappers = await realmGet<
    { name: string; identityProviderMapper: string; config: Record<string, string> }[]
  >(`/${name}/identity-provider/instances/github/mappers`);
  assert.deepEqual(
    mappers.map((m) => [m.name, m.identityProviderMapper, m.config["role"]]),
    [["default-role", "hardcoded-role-idp-mapper", "chat-user"]],
  );
});

test("a user of the realm logs in with the declared client and gets a token from the realm's issuer; step-up refuses admin members with a password alone", async () => {
  const secret = Buffer.from(
    (await f.client.get<{ data: Record<string, string> }>(SECRET, f.sys, "librechat-oidc"))?.data[
      "client-secret"
    ] ?? "",
    "base64",
  ).toString();
  const groups = await realmGet<{ id: string; name: string }[]>(`/${name}/groups`);
  const alice = await createUser(name, { username: "alice", password: PASSWORD });
  await adminFetch(
    "PUT",
    `/${name}/users/${alice}/groups/${groups.find((g) => g.name === "staff")?.id ?? ""}`,
  );
  const tok = await passwordGrant(name, "librechat", "alice", PASSWORD, secret);
  const claims = decodeJwtPayload(tok.access_token);
  assert.equal(claims["iss"], issuerUrl(name));
  // The operator's audience mapper: the chat fleets accept this token (their audience is in it).
  assert.ok(
    ([] as unknown[]).concat(claims["aud"]).includes("chat-gateway"),
    `aud ${JSON.stringify(claims["aud"])}`,
  );
  assert.ok((claims["realm_access"] as { roles: string[] }).roles.includes("chat-user"));

  // bob is in the admins group (role chat-admin → step-up) and has no OTP: password alone is
  // refused with a 401 (deny-access alternative), not a Keycloak server error.
  const bob = await createUser(name, { username: "bob", password: PASSWORD });
  await adminFetch(
    "PUT",
    `/${name}/users/${bob}/groups/${groups.find((g) => g.name === "admins")?.id ?? ""}`,
  );
  await assert.rejects(passwordGrant(name, "librechat", "bob", PASSWORD, secret), /failed: 401\b/);
  // The same password grant works for alice (no step-up role): the refusal is the step-up's.
  await passwordGrant(name, "librechat", "alice", PASSWORD, secret);
});

test("an idle resync makes only reads (one export and one secret read per confidential client)", async () => {
  const metric = (method: string): Promise<number> =>
    f.op.metric("keycloak_requests_total", { method });
  const last = (await getTenant(f, name))?.status?.identity?.lastSyncTime;
  let synced = last;
  await waitFor("next resync", 90_000, async () => {
    synced = (await getTenant(f, name))?.status?.identity?.lastSyncTime;
    return synced !== last;
  });
  const before = {
    get: await metric("GET"),
    post: await metric("POST"),
    put: await metric("PUT"),
    del: await metric("DELETE"),
  };
  await waitFor(
    "one more resync",
    90_000,
    async () => (await getTenant(f, name))?.status?.identity?.lastSyncTime !== synced,
  );
  const after = {
    get: await metric("GET"),
    post: await metric("POST"),
    put: await metric("PUT"),
    del: await metric("DELETE"),
  };
  assert.deepEqual(
    { put: after.put - before.put, delete: after.del - before.del },
    { put: 0, delete: 0 },
    "no writes on an idle resync",
  );
  assert.equal(after.post - before.post, 1, "one partial export (POST, read-only)");
  assert.equal(after.get - before.get, 2, "secret reads of the two confidential clients");
  assert.equal(conditionOf(await getTenant(f, name), "IdentityDrifted")?.reason, "NoDrift");
});

test("a namespace that already exists and is not the Tenant's is not adopted", async () => {
  const other = `conf-${f.id}`;
  await f.client.apply(
    { apiVersion: "v1", kind: "Namespace", metadata: { name: `${other}-taken` } },
    { fieldManager: "integration-test" },
  );
  await applyTenant(f, {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    metadata: { name: other },
    spec: {
      displayName: "C",
      owners: [{ kind: "User", name: "c" }],
      namespaces: { items: [{ name: `${other}-taken` }] },
      deletionPolicy: "Delete",
    },
  });
  const t = await waitCondition(f, other, "NamespacesReady", "False", 60_000, "NamespaceConflict");
  assert.match(
    conditionOf(t, "NamespacesReady")?.message ?? "",
    new RegExp(`Namespace ${other}-taken already exists`),
  );
  assert.equal(conditionOf(t, "Degraded")?.status, "True");
  const ns = await f.client.get<V1Namespace>(NAMESPACE, undefined, `${other}-taken`);
  assert.equal(ns?.metadata?.ownerReferences, undefined);
  assert.equal(ns?.metadata?.labels?.["librechat.io/tenant"], undefined);
  assert.equal(
    (await f.client.list(NETWORK_POLICY, `${other}-taken`)).length,
    0,
    "nothing written into a foreign namespace",
  );
  await f.client.delete(NAMESPACE, undefined, `${other}-taken`);
});

test("no secret value appears in operator logs, Events or Tenant status", async () => {
  assert.ok(f.secrets.length >= 5);
  const haystacks: [string, string][] = [
    ["operator log", f.op.output()],
    [
      "events",
      JSON.stringify([
        ...(await tenantEvents(f, name)),
        ...(await tenantEvents(f, `conf-${f.id}`)),
      ]),
    ],
    ["status", JSON.stringify((await getTenant(f, name))?.status)],
  ];
  for (const [where, text] of haystacks) {
    assert.ok(text.length > 0, `${where} is not empty`);
    for (const s of f.secrets)
      assert.ok(!text.includes(s), `a secret value leaked into the ${where}`);
    assert.ok(
      !/eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/.test(text),
      `no JWT (access token) in the ${where}`,
    );
  }
});
