// Stale-if-error key cache: cached keys keep verifying while the JWKS endpoint is down, an unknown
// key id then gives 503 (not 401), and a rotated key is picked up once the endpoint is back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, errors as joseErrors } from "jose";
import type { CryptoKey, JWK } from "jose";
import { GatewayError } from "../errors.ts";
import { IssuerKeys } from "./jwks.ts";

async function key(kid: string): Promise<{ priv: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  return { priv: privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256" } };
}

const sign = (k: { priv: CryptoKey; jwk: JWK }): Promise<string> =>
  new SignJWT({ sub: "u" })
    .setProtectedHeader({ alg: "RS256", kid: k.jwk.kid ?? "" })
    .setExpirationTime("5m")
    .sign(k.priv);

void test("IssuerKeys: stale keys while the issuer is down, 503 for unknown keys, recovery", async (t) => {
  const k1 = await key("k1");
  const k2 = await key("k2");
  let keys = [k1.jwk];
  let up = true;
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches++;
    if (!up) {
      res.statusCode = 503;
      res.end();
      return;
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(
    () =>
      new Promise<void>((r) =>
        server.close(() => {
          r();
        }),
      ),
  );
  const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/certs`;
  let now = 1_000_000;
  const cache = new IssuerKeys(() => Promise.resolve(uri), {
    timeoutMs: 1_000,
    cooldownMs: 100,
    maxAgeMs: 1_000,
    maxStaleMs: 60_000,
    now: () => now,
  });
  const verify = async (jwt: string): Promise<string> => {
    try {
      await jwtVerify(jwt, cache.getKey);
      return "ok";
    } catch (err) {
      if (err instanceof GatewayError) return err.code;
      if (err instanceof joseErrors.JWKSNoMatchingKey) return "no-key";
      throw err;
    }
  };
  const t1 = await sign(k1);
  assert.equal(await verify(t1), "ok");
  assert.equal(fetches, 1);

  up = false;
  now += 5_000; // older than maxAge: refreshed in the background, which fails
  assert.equal(await verify(t1), "ok", "stale keys keep verifying");
  keys = [k1.jwk, k2.jwk];
  now += 200;
  assert.equal(await verify(await sign(k2)), "GW_ERR_IDENTITY_PROVIDER_UNAVAILABLE");
  now += 50;
  assert.equal(
    await verify(await sign(k2)),
    "GW_ERR_IDENTITY_PROVIDER_UNAVAILABLE",
    "within the cooldown, still unavailable (no refetch storm)",
  );

  up = true;
  now += 200;
  assert.equal(await verify(await sign(k2)), "ok", "rotated key fetched once the issuer is back");
  now += 200;
  assert.equal(
    await verify(await sign(await key("k3"))),
    "no-key",
    "unknown key with issuer up: 401",
  );

  up = false;
  now += 120_000; // past maxStale: the cache is no longer trusted
  assert.equal(await verify(t1), "GW_ERR_IDENTITY_PROVIDER_UNAVAILABLE");
});
