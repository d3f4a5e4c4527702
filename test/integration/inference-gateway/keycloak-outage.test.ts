/**
 * Keycloak unreachable during traffic: the real Keycloak of the test environment is frozen
 * (SIGSTOP to its recorded process group, so connections hang like a dead host) for longer than
 * the gateway's signing-key cache age. Tokens signed with cached keys keep working
 * (stale-if-error); a token signed with a key the gateway has not seen (Keycloak rotated before
 * it froze) gets 503 GW_ERR_IDENTITY_PROVIDER_UNAVAILABLE, not 401; a tampered token still gets
 * 401; after SIGCONT the new key is fetched and accepted without restarting the gateway.
 * Needs KEYCLOAK_URL and TESTENV_DIR (its `pids` file names the keycloak process) and REDIS_URL.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import {
  adminFetch,
  createClient,
  createTestRealm,
  createUser,
  issuerUrl,
  passwordGrantToken,
} from "../../helpers/keycloak.ts";
import { requireEnv } from "../../helpers/testenv.ts";
import { newTenant, post, routing, startGateway } from "./helpers.ts";

/** The recorded PID (a process-group leader) of the environment's Keycloak. */
function keycloakPid(): number {
  const lines = readFileSync(join(requireEnv("TESTENV_DIR"), "pids"), "utf8").split("\n");
  const entry = lines.map((l) => l.split(" ")).findLast((f) => f[1] === "keycloak");
  const pid = Number(entry?.[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error("no keycloak entry in $TESTENV_DIR/pids");
  return pid;
}

function kidOf(jwt: string): string {
  const header = JSON.parse(Buffer.from(jwt.split(".")[0] ?? "", "base64url").toString()) as {
    kid?: string;
  };
  return header.kid ?? "";
}

type Err = { error: { code: string } };

void test("Keycloak frozen past the key cache age: cached keys keep working, unknown keys 503, recovery after", async (t) => {
  const pid = keycloakPid();
  const realm = await createTestRealm("igwout", t);
  await createClient(realm, { clientId: "librechat", publicClient: true, audience: "gateway" });
  await createUser(realm, { username: "bob", password: "bob-password" });
  const token = await passwordGrantToken(realm, "librechat", "bob", "bob-password");

  const up = await startTestUpstream();
  t.after(() => up.close());
  const tenant = newTenant("kcout");
  const gw = await startGateway(
    routing({
      backends: [{ name: "b", provider: "openai", baseURL: `${up.url}/v1` }],
      models: [{ name: "m", routes: [{ backend: "b" }] }],
      tenants: [
        {
          id: tenant.id,
          oidc: [{ issuer: issuerUrl(realm), audience: "gateway" }],
          models: ["m"],
        },
      ],
    }),
    { jwksMaxAgeMs: 1_000, jwksCooldownMs: 500, jwksTimeoutMs: 1_000 },
  );
  t.after(() => gw.close());
  const url = `${gw.url}/v1/chat/completions`;
  const body = { model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 2 };
  const first = await post(url, body, token);
  assert.equal(first.status, 200, first.text);

  // Keycloak rotates: a new RSA key with a higher priority signs new tokens.
  const realmRep = (await (await adminFetch("GET", `/${realm}`)).json()) as { id: string };
  await adminFetch("POST", `/${realm}/components`, {
    name: "rotated",
    providerId: "rsa-generated",
    providerType: "org.keycloak.keys.KeyProvider",
    parentId: realmRep.id,
    config: { priority: ["500"], enabled: ["true"], active: ["true"] },
  });
  const rotated = await passwordGrantToken(realm, "librechat", "bob", "bob-password");
  assert.notEqual(kidOf(rotated), kidOf(token), "new tokens carry the new key id");

  process.kill(-pid, "SIGSTOP");
  let frozen = true;
  const thaw = (): void => {
    if (frozen) process.kill(-pid, "SIGCONT");
    frozen = false;
  };
  t.after(thaw);
  try {
    // Longer than the cache age (1 s): background refreshes fail, cached keys keep verifying.
    const frozenAt = Date.now();
    let served = 0;
    while (Date.now() - frozenAt < 3_500) {
      const t0 = Date.now();
      const r = await post(url, body, token);
      assert.equal(r.status, 200, `cached key during the outage: ${r.text}`);
      assert.ok(Date.now() - t0 < 2_000, "no waiting on the frozen Keycloak");
      served++;
    }
    assert.ok(served > 5);
    const t0 = Date.now();
    const unknown = await post(url, body, rotated);
    assert.equal(unknown.status, 503, unknown.text);
    assert.equal((unknown.json as Err).error.code, "GW_ERR_IDENTITY_PROVIDER_UNAVAILABLE");
    assert.ok(unknown.headers.get("retry-after") !== null);
    assert.ok(Date.now() - t0 < 3_000, "answered within the fetch timeout");
    const [h, p, s] = token.split(".");
    const tampered = `${h}.${p}.${s!.slice(0, -4)}${s!.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    const bad = await post(url, body, tampered);
    assert.equal(bad.status, 401, "a bad signature on a known key is still 401");
  } finally {
    thaw();
  }

  // Back: the rotated key is fetched and accepted, no restart.
  let status = 0;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    status = (await post(url, body, rotated)).status;
    if (status === 200) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(status, 200, "new key accepted after Keycloak returned");
});
