/**
 * A local OIDC issuer for tests without Keycloak: discovery document and JWKS on 127.0.0.1,
 * keys from jose, rotation on demand.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import type { CryptoKey, JWK } from "jose";

/** A running local issuer. */
export interface LocalIssuer {
  issuer: string;
  /** Signs a token with the current key. */
  sign: (
    claims: Record<string, unknown>,
    opts?: { expiresIn?: string | number; audience?: string },
  ) => Promise<string>;
  /** Replaces the signing key (new kid); the old one leaves the JWKS. */
  rotate: () => Promise<void>;
  jwksFetches: () => number;
  close: () => Promise<void>;
}

async function newKey(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

/** Starts a local issuer on 127.0.0.1. */
export async function startLocalIssuer(): Promise<LocalIssuer> {
  let n = 1;
  let key = await newKey(`k${n}`);
  let fetches = 0;
  const server = createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/test`;
    if (req.url === "/realms/test/.well-known/openid-configuration") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/protocol/openid-connect/certs` }));
      return;
    }
    if (req.url === "/realms/test/protocol/openid-connect/certs") {
      fetches++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: [key.jwk] }));
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/test`;
  return {
    issuer,
    sign: (claims, opts = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: key.jwk.kid ?? "" })
        .setIssuer(issuer)
        .setAudience(opts.audience ?? "librechat")
        .setIssuedAt()
        .setExpirationTime(opts.expiresIn ?? "5m")
        .sign(key.privateKey),
    rotate: async () => {
      key = await newKey(`k${++n}`);
    },
    jwksFetches: () => fetches,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => {
          r();
        });
      }),
  };
}
