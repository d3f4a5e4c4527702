/**
 * Tests of the signing-key cache: fresh keys, stale-if-error while the issuer is unreachable,
 * "unavailable" (not "invalid") for unknown keys during an outage and once the stale window ends,
 * and key rotation.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JSONWebKeySet } from "jose";
import { IssuerKeys, KeysUnavailableError } from "./keys.ts";

async function keyPair(
  kid: string,
): Promise<{ jwk: JSONWebKeySet["keys"][number]; sign: () => Promise<string> }> {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return {
    jwk,
    sign: () =>
      new SignJWT({}).setProtectedHeader({ alg: "RS256", kid }).setSubject("u").sign(privateKey),
  };
}

void test("stale-if-error, 'unavailable' for unknown keys while down, rotation once back", async () => {
  const k1 = await keyPair("k1");
  const k2 = await keyPair("k2");
  let now = 0;
  let up = true;
  let keys: JSONWebKeySet = { keys: [k1.jwk] };
  let fetches = 0;
  const cache = new IssuerKeys("https://kc/realms/a", {
    maxAgeMs: 1000,
    maxStaleMs: 10_000,
    cooldownMs: 100,
    now: () => now,
    fetchKeys: () => {
      fetches++;
      return up ? Promise.resolve(keys) : Promise.reject(new Error("ECONNREFUSED"));
    },
  });
  const t1 = await k1.sign();
  await jwtVerify(t1, cache.getKey);
  assert.equal(fetches, 1);

  up = false;
  now = 5_000; // past maxAge, within maxAge + maxStale
  await jwtVerify(t1, cache.getKey); // cached key still verifies
  const t2 = await k2.sign();
  await assert.rejects(jwtVerify(t2, cache.getKey), KeysUnavailableError);

  now = 20_000; // past the stale window: nothing can be trusted
  await assert.rejects(jwtVerify(t1, cache.getKey), KeysUnavailableError);

  up = true;
  keys = { keys: [k1.jwk, k2.jwk] };
  now = 21_000;
  await jwtVerify(t2, cache.getKey); // rotated key found after the refresh
  const forged = await (await keyPair("k3")).sign();
  await assert.rejects(
    jwtVerify(forged, cache.getKey),
    (e: Error) => !(e instanceof KeysUnavailableError),
  );
});
