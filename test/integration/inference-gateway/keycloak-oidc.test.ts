/**
 * A real Keycloak access token (password grant in a fresh realm) authenticates a tenant whose
 * routing entry names that realm as OIDC issuer: JWKS discovered via
 * .well-known/openid-configuration, model permissions enforced, tampered tokens refused.
 * Needs KEYCLOAK_URL (and the other Keycloak env of test/helpers/testenv.ts) and REDIS_URL.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import {
  createClient,
  createTestRealm,
  createUser,
  issuerUrl,
  passwordGrantToken,
} from "../../helpers/keycloak.ts";
import { newTenant, post, routing, startGateway } from "./helpers.ts";

void test("a Keycloak realm token authenticates its tenant; other models 403; tampered token 401", async (t) => {
  const realm = await createTestRealm("igw", t);
  await createClient(realm, {
    clientId: "librechat",
    publicClient: true,
    audience: "inference-gateway",
  });
  await createUser(realm, { username: "alice", password: "alice-password" });
  const token = await passwordGrantToken(realm, "librechat", "alice", "alice-password");

  const up = await startTestUpstream();
  t.after(() => up.close());
  const tenant = newTenant("kc");
  const gw = await startGateway(
    routing({
      backends: [{ name: "b", provider: "openai", baseURL: `${up.url}/v1` }],
      models: [
        { name: "allowed", routes: [{ backend: "b" }] },
        { name: "denied", routes: [{ backend: "b" }] },
      ],
      tenants: [
        {
          id: tenant.id,
          oidc: [{ issuer: issuerUrl(realm), audience: "inference-gateway" }],
          models: ["allowed"],
        },
      ],
    }),
  );
  t.after(() => gw.close());
  const url = `${gw.url}/v1/chat/completions`;
  const body = { model: "allowed", messages: [{ role: "user", content: "hi" }], max_tokens: 2 };

  const ok = await post(url, body, token);
  assert.equal(ok.status, 200, ok.text);
  const denied = await post(url, { ...body, model: "denied" }, token);
  assert.equal(denied.status, 403);
  assert.equal((denied.json as { error: { code: string } }).error.code, "GW_ERR_MODEL_FORBIDDEN");
  const [h, p, s] = token.split(".");
  const tampered = `${h}.${p}.${s!.slice(0, -4)}${s!.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
  const bad = await post(url, body, tampered);
  assert.equal(bad.status, 401);
  assert.equal((bad.json as { error: { code: string } }).error.code, "GW_ERR_INVALID_TOKEN");
  const models = await fetch(`${gw.url}/v1/models`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.deepEqual(
    ((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id),
    ["allowed"],
  );
});
