// Tokens from a Tenant's own realm at the inference gateway (issue 13), every link real: the
// Tenant controller (its own manager process, as the identity operator runs) creates two realms in
// the test Keycloak, each with a declared client that allows the password grant; gateway-config
// (the loop's manager, given --gateway-keycloak-url, as the Tenants name no Keycloak URL) renders
// each realm's issuer for its Tenant; the shipped gateway Deployment, run by the pod bridge
// (bridged-gateway.ts), serves that routing config. A realm user's token is then answered as its
// own Tenant (its models, its metrics series), another Tenant's model is refused, and a token the
// gateway must not trust (tampered, re-labelled to the other realm, issued to a client the Tenant
// did not declare, expired) is a 401 that never reaches the provider.
//
// Audience: the gateway accepts a realm token when its `aud` or `azp` names one of the Tenant's
// declared clients (desired/routing.ts oidcOf); the Tenant controller's audience mapper adds the
// chat fleets' audience (`chat-gateway`) on top. The test checks a real token carries both (azp =
// the declared client, aud ∋ chat-gateway), so the two controllers' notions agree on real tokens.
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { V1ConfigMap } from "@kubernetes/client-node";
import {
  CONFIG_KEY,
  CONFIGMAP_NAME,
} from "../../../controllers/gateway-config/desired/configmap.ts";
import { DEFAULT_TOKEN_AUDIENCE } from "../../../controllers/tenant/keycloak/desired.ts";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import { TENANT_KIND } from "../../../crds/tenant/v1alpha1/index.ts";
import { CONFIG_MAP } from "../../../operators/runtime/core-kinds.ts";
import { validateRoutingConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import type { RoutingConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import { decodeConfigFile } from "../../../workloads/inference-gateway/src/plugins/config-watcher.ts";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import type { TestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import {
  createUser,
  decodeJwtPayload,
  deleteRealm,
  issuerUrl,
  passwordGrantToken,
} from "../../helpers/keycloak.ts";
import { startOperator, sumSamples } from "../../helpers/operator.ts";
import type { OperatorProcess } from "../../helpers/operator.ts";
import { testEnv, waitFor } from "../../helpers/testenv.ts";
import { post } from "../inference-gateway/helpers.ts";
import { createOperatorClient, deleteOperatorClient } from "../tenant/keycloak-setup.ts";
import type { OperatorClient } from "../tenant/keycloak-setup.ts";
import { BridgedLoop, externalModel, providerSecret } from "./bridged-gateway.ts";

const suffix = randomBytes(3).toString("hex");
const PROVIDER_KEY = `sk-provider-${randomBytes(12).toString("hex")}`;
const PASSWORD = `Pw-${randomBytes(12).toString("base64url")}`;
/** Served models: tenant A may call only ALPHA, tenant B only BETA. */
const ALPHA = `alpha-${suffix}`;
const BETA = `beta-${suffix}`;
/** Tenant names, also their realm names. */
const TA = `rt-a-${suffix}`;
const TB = `rt-b-${suffix}`;
/** The client both Tenants declare (same id in both realms: the issuer alone tells them apart). */
const CLIENT = "librechat";
/** Tenant B's access token lifetime (s), short so that the expiry case waits only this long. */
const B_TOKEN_SECONDS = 8;
/** The gateway's clock tolerance on exp (plugins/auth.ts). */
const GATEWAY_CLOCK_TOLERANCE_S = 5;

const s: {
  loop?: BridgedLoop;
  up?: TestUpstream;
  tenantOp?: OperatorProcess;
  kc?: OperatorClient;
  url: string;
  clientSecret: Record<string, string>;
} = { url: "", clientSecret: {} };

function loop(): BridgedLoop {
  assert.ok(s.loop !== undefined);
  return s.loop;
}

function upstream(): TestUpstream {
  assert.ok(s.up !== undefined);
  return s.up;
}

/**
 * A Tenant with a realm of its own name and one confidential client allowing the password grant
 * (directAccessGrants is off by default; a CLI or a test needs it). No namespaces, so no API key:
 * realm tokens are the only way in. No keycloak.url: the controllers' flags supply it.
 */
function realmTenant(
  name: string,
  allowed: string[],
  realm: Record<string, unknown> = {},
): Record<string, unknown> {
  const ns = loop().ns;
  assert.ok(s.kc !== undefined);
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: {
      displayName: name,
      owners: [{ kind: "User", name: "realm-token@test.example" }],
      models: { allowed },
      identity: {
        keycloak: {
          clientId: s.kc.clientId,
          credentialsSecretRef: { name: "keycloak-operator", namespace: ns, key: "client-secret" },
        },
        realm: { name, ...realm },
        clients: [
          {
            clientId: CLIENT,
            type: "confidential",
            directAccessGrants: true,
            secretRef: { name: `${name}-oidc`, namespace: ns, key: "client-secret" },
          },
        ],
      },
      // The realm goes with the Tenant (the shared Keycloak keeps no test realms).
      deletionPolicy: "Delete",
    },
  };
}

async function putSecret(name: string, value: string): Promise<void> {
  await loop().apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: loop().ns },
    stringData: { "client-secret": value },
  });
}

async function identityReady(name: string): Promise<void> {
  let t: Tenant | undefined;
  try {
    await waitFor(`Tenant ${name} IdentityReady=True`, 90_000, async () => {
      t = await loop().client.get<Tenant>(TENANT_KIND, undefined, name);
      const c = t?.status?.conditions?.find((x) => x.type === "IdentityReady");
      return c?.status === "True" && c.observedGeneration === t?.metadata.generation;
    });
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\nconditions: ${JSON.stringify(t?.status?.conditions)}\ntenant operator tail:\n${s.tenantOp?.output().slice(-3000) ?? ""}`,
      { cause: err },
    );
  }
}

before(async () => {
  const env = testEnv();
  s.up = await startTestUpstream({ name: "realm-token", requireApiKey: PROVIDER_KEY });
  s.loop = await BridgedLoop.start("realmtok", [
    "--controllers=aimodel,gateway-config",
    `--gateway-keycloak-url=${env.keycloakUrl}`,
  ]);
  const ns = s.loop.ns;
  // The Tenant controller's Keycloak identity: a master-realm client holding only create-realm.
  s.kc = await createOperatorClient();
  await loop().apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "keycloak-operator", namespace: ns },
    stringData: { "client-secret": s.kc.secret },
  });
  s.tenantOp = await startOperator({
    kubeconfig: env.kubeconfigPath,
    args: ["--leader-elect=false", "--controllers=tenant", `--keycloak-url=${env.keycloakUrl}`],
    env: { POD_NAMESPACE: ns },
  });
  await s.loop.apply(providerSecret(ns, PROVIDER_KEY));
  await s.loop.apply(externalModel(ns, "alpha", ALPHA, s.up.url));
  await s.loop.apply(externalModel(ns, "beta", BETA, s.up.url));
  for (const t of [TA, TB]) {
    s.clientSecret[t] = randomBytes(18).toString("base64url");
    await putSecret(`${t}-oidc`, s.clientSecret[t]);
  }
  await s.loop.apply(realmTenant(TA, [ALPHA]));
  await s.loop.apply(
    realmTenant(TB, [BETA], { tokenSettings: { accessTokenLifespan: `${B_TOKEN_SECONDS}s` } }),
  );
  await identityReady(TA);
  await identityReady(TB);
  // Users are not part of the Tenant spec: created the way an admin (or LibreChat's sign-up) would.
  await createUser(TA, { username: "alice", password: PASSWORD });
  await createUser(TB, { username: "bob", password: PASSWORD });
  s.url = await s.loop.startGateway(`${ns}.alpha`);
});

after(async () => {
  const client = s.loop?.client;
  if (client !== undefined) {
    for (const t of [TA, TB]) await client.delete(TENANT_KIND, undefined, t).catch(() => undefined);
    // The Tenant controller's finalizer deletes the realms (deletionPolicy Delete).
    await waitFor("test Tenants deleted", 60_000, async () => {
      const left = await client.list<Tenant>(TENANT_KIND);
      return !left.some((t) => t.metadata.name === TA || t.metadata.name === TB);
    }).catch(() => undefined);
  }
  await s.tenantOp?.stop();
  await s.loop?.stop();
  await s.up?.close();
  // Left behind only if the finalizer could not run; 404 is fine.
  for (const t of [TA, TB]) await deleteRealm(t).catch(() => undefined);
  if (s.kc !== undefined) await deleteOperatorClient(s.kc.clientId);
});

/** A realm user's access token from the declared client (password grant). */
function tokenOf(tenant: string, user: string): Promise<string> {
  return passwordGrantToken(tenant, CLIENT, user, PASSWORD, s.clientSecret[tenant]);
}

/** The routing ConfigMap's config once both Tenants carry an issuer, checked by the gateway's validator. */
async function routingWithIssuers(): Promise<RoutingConfig> {
  let config: RoutingConfig | undefined;
  await waitFor("routing config with both Tenants' issuers", 30_000, async () => {
    const cm = await loop().client.get<V1ConfigMap>(CONFIG_MAP, loop().ns, CONFIGMAP_NAME);
    const bin = cm?.binaryData?.[CONFIG_KEY];
    const text = cm?.data?.[CONFIG_KEY] ?? decodeConfigFile(Buffer.from(bin ?? "", "base64"));
    if (text === "") return false;
    const v = validateRoutingConfig(JSON.parse(text) as unknown);
    assert.ok(v.ok, v.ok ? "" : v.errors.join("\n"));
    config = v.config;
    const ours = v.config.tenants.filter((t) => t.id === TA || t.id === TB);
    return ours.length === 2 && ours.every((t) => (t.oidc ?? []).length > 0);
  });
  assert.ok(config !== undefined);
  return config;
}

/** Sum of the gateway's requests_total series with `labels` (from its own /metrics). */
async function requestsCounted(labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return sumSamples(text, "inference_gateway_requests_total", {
    endpoint: "chat",
    ...labels,
  });
}

/** The models the gateway lists for `token`, once it answers 200 (it loads new configs within seconds). */
async function modelsFor(token: string, want: string[]): Promise<string[]> {
  let ids: string[] = [];
  await waitFor(`gateway listing ${want.join(",")} for a realm token`, 30_000, async () => {
    const r = await fetch(`${s.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
    if (r.status !== 200) return false;
    ids = ((await r.json()) as { data: { id: string }[] }).data.map((m) => m.id).sort();
    return JSON.stringify(ids) === JSON.stringify(want);
  });
  return ids;
}

const chat = (model: string, token: string): ReturnType<typeof post> =>
  post(
    `${s.url}/v1/chat/completions`,
    { model, messages: [{ role: "user", content: `hello ${model}` }], max_tokens: 4 },
    token,
  );

function errorOf(r: { json: unknown }): { code: string; message: string } {
  const e = (r.json as { error?: { code: string; message: string } } | undefined)?.error;
  assert.ok(e !== undefined, "an OpenAI-shaped error body");
  return e;
}

void test("gateway-config renders each Tenant's realm as its issuer, and it is the iss Keycloak puts in the realm's tokens", async () => {
  const config = await routingWithIssuers();
  const keycloak = testEnv().keycloakUrl.replace(/\/+$/, "");
  for (const t of [TA, TB]) {
    const entry = config.tenants.find((x) => x.id === t);
    assert.deepEqual(entry?.oidc, [{ issuer: `${keycloak}/realms/${t}`, audience: [CLIENT] }]);
    // No namespace to hold one: realm tokens are the only credential.
    assert.equal(entry?.apiKeys, undefined);
  }
  const user = { [TA]: "alice", [TB]: "bob" };
  for (const t of [TA, TB]) {
    const claims = decodeJwtPayload(await tokenOf(t, user[t] ?? ""));
    assert.equal(claims["iss"], issuerUrl(t));
    assert.equal(claims["iss"], config.tenants.find((x) => x.id === t)?.oidc?.[0]?.issuer);
    // What the gateway matches (the declared client as azp) and what the Tenant controller's
    // audience mapper adds for the chat fleets, both in the same real token.
    assert.equal(claims["azp"], CLIENT);
    assert.ok(
      ([] as unknown[]).concat(claims["aud"]).includes(DEFAULT_TOKEN_AUDIENCE),
      `aud ${JSON.stringify(claims["aud"])}`,
    );
  }
});

void test("a token from tenant A's realm: its model answered 200 and counted for A; B's model 403", async () => {
  const token = await tokenOf(TA, "alice");
  assert.deepEqual(await modelsFor(token, [ALPHA]), [ALPHA]);
  const before = {
    chats: upstream().stats.chat,
    a: await requestsCounted({ tenant: TA, model: ALPHA, status: "200" }),
    b: await requestsCounted({ tenant: TB }),
  };
  const ok = await chat(ALPHA, token);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(upstream().stats.chat, before.chats + 1, "the request reached the provider");
  assert.equal(await requestsCounted({ tenant: TA, model: ALPHA, status: "200" }), before.a + 1);
  assert.equal(await requestsCounted({ tenant: TB }), before.b, "nothing counted for tenant B");

  // A refusal is counted for the tenant, by code (the model label stays empty until a model is
  // allowed: names callers make up do not become series).
  const refused = { tenant: TA, status: "403", code: "GW_ERR_MODEL_FORBIDDEN" };
  const refusedBefore = await requestsCounted(refused);
  const denied = await chat(BETA, token);
  assert.equal(denied.status, 403, denied.text);
  assert.equal(errorOf(denied).code, "GW_ERR_MODEL_FORBIDDEN");
  assert.equal(upstream().stats.chat, before.chats + 1, "the refused request never left");
  assert.equal(await requestsCounted(refused), refusedBefore + 1);
});

void test("a token from tenant B's realm (same client id) is tenant B's: B's model 200 counted for B, A's model 403", async () => {
  const token = await tokenOf(TB, "bob");
  assert.deepEqual(await modelsFor(token, [BETA]), [BETA]);
  const before = {
    chats: upstream().stats.chat,
    a: await requestsCounted({ tenant: TA }),
    b: await requestsCounted({ tenant: TB, model: BETA, status: "200" }),
  };
  const ok = await chat(BETA, await tokenOf(TB, "bob"));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(upstream().stats.chat, before.chats + 1);
  assert.equal(await requestsCounted({ tenant: TB, model: BETA, status: "200" }), before.b + 1);
  assert.equal(await requestsCounted({ tenant: TA }), before.a, "nothing counted for tenant A");

  const refused = { tenant: TB, status: "403", code: "GW_ERR_MODEL_FORBIDDEN" };
  const refusedBefore = await requestsCounted(refused);
  const denied = await chat(ALPHA, await tokenOf(TB, "bob"));
  assert.equal(denied.status, 403, denied.text);
  assert.equal(errorOf(denied).code, "GW_ERR_MODEL_FORBIDDEN");
  assert.equal(upstream().stats.chat, before.chats + 1);
  assert.equal(await requestsCounted(refused), refusedBefore + 1);
  assert.equal(await requestsCounted({ tenant: TA }), before.a, "nor the refusal for tenant A");
});

void test("tampered, re-labelled, foreign-client and expired realm tokens: 401, nothing reaches the provider", async () => {
  const tokenA = await tokenOf(TA, "alice");
  // Warm: the gateway has tenant A's keys (a 401 below is then the token's fault, not a cold cache).
  assert.deepEqual(await modelsFor(tokenA, [ALPHA]), [ALPHA]);
  const expiring = await tokenOf(TB, "bob");
  const expiresAt = Number(decodeJwtPayload(expiring)["exp"]) * 1000;
  const before = {
    requests: upstream().stats.requests,
    a: await requestsCounted({ tenant: TA }),
    b: await requestsCounted({ tenant: TB }),
  };
  const [h, p, sig] = tokenA.split(".");
  assert.ok(h !== undefined && p !== undefined && sig !== undefined);

  // The signature no longer matches (last characters changed).
  const tampered = `${h}.${p}.${sig.slice(0, -4)}${sig.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
  // A's signed token with its iss rewritten to B's realm: B's keys do not verify A's signature.
  const claims = decodeJwtPayload(tokenA);
  const relabelled = `${h}.${Buffer.from(JSON.stringify({ ...claims, iss: issuerUrl(TB) })).toString("base64url")}.${sig}`;
  // A genuine token of A's realm, issued to Keycloak's own admin-cli client (public, password
  // grant on in every realm), which the Tenant did not declare: wrong audience, wrong azp.
  const foreign = await passwordGrantToken(TA, "admin-cli", "alice", PASSWORD);
  assert.equal(decodeJwtPayload(foreign)["azp"], "admin-cli");
  const cases: [string, string, string][] = [
    ["tampered signature", tampered, "Token verification failed"],
    ["iss relabelled to the other realm", relabelled, "Token verification failed"],
    ["client the Tenant did not declare", foreign, "Token audience is not accepted"],
  ];
  for (const [what, token, message] of cases) {
    const r = await chat(ALPHA, token);
    assert.equal(r.status, 401, `${what}: ${r.text}`);
    const e = errorOf(r);
    assert.equal(e.code, "GW_ERR_INVALID_TOKEN", what);
    assert.equal(e.message, message, what);
  }

  // Expired: B's realm issues 8 s tokens; past exp plus the gateway's clock tolerance.
  const wait = expiresAt + (GATEWAY_CLOCK_TOLERANCE_S + 1) * 1000 - Date.now();
  await new Promise((r) => setTimeout(r, Math.max(0, wait)));
  const expired = await chat(BETA, expiring);
  assert.equal(expired.status, 401, expired.text);
  assert.equal(errorOf(expired).code, "GW_ERR_INVALID_TOKEN");
  assert.equal(errorOf(expired).message, "Token expired");

  assert.equal(upstream().stats.requests, before.requests, "no refused token reached the provider");
  assert.equal(await requestsCounted({ tenant: TA }), before.a, "none was counted for tenant A");
  assert.equal(await requestsCounted({ tenant: TB }), before.b, "none was counted for tenant B");
});
