import fp from "fastify-plugin";
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { IssuerConfig } from "../config.ts";
import { ChatError } from "../errors.ts";

/** Who a request acts for, taken from a verified token. */
export interface Principal {
  tenantId: string;
  userId: string;
  issuer: string;
  /** Token expiry, epoch ms. */
  expiresAt: number;
}

declare module "fastify" {
  interface FastifyInstance {
    verifier: TokenVerifier;
    authenticate(req: FastifyRequest): Promise<Principal>;
  }
}

const ALGS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"];

/**
 * Verifies OIDC access tokens from configured issuers (one per tenant realm). JWKS are found by
 * OIDC discovery and cached per issuer by jose's createRemoteJWKSet, which refetches on an
 * unknown `kid` (key rotation) with a cooldown. Wrong issuer, audience, signature or expiry
 * are rejected with stable codes.
 */
export class TokenVerifier {
  readonly #issuers: Map<string, IssuerConfig>;
  readonly #jwks = new Map<string, Promise<JWTVerifyGetKey>>();

  constructor(issuers: readonly IssuerConfig[]) {
    this.#issuers = new Map(issuers.map((i) => [i.issuer, i]));
  }

  #keys(issuer: string): Promise<JWTVerifyGetKey> {
    let p = this.#jwks.get(issuer);
    if (p === undefined) {
      p = (async () => {
        const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
        if (!res.ok) throw new Error(`OIDC discovery for ${issuer} answered ${res.status}`);
        const doc = (await res.json()) as { jwks_uri?: string; issuer?: string };
        if (typeof doc.jwks_uri !== "string" || doc.issuer !== issuer) throw new Error(`bad discovery document for ${issuer}`);
        return createRemoteJWKSet(new URL(doc.jwks_uri), { cooldownDuration: 5_000, cacheMaxAge: 600_000 });
      })();
      p.catch(() => this.#jwks.delete(issuer));
      this.#jwks.set(issuer, p);
    }
    return p;
  }

  async verify(token: string): Promise<Principal> {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new ChatError("CG_ERR_UNAUTHENTICATED", { reason: "malformed" });
    }
    const cfg = typeof iss === "string" ? this.#issuers.get(iss) : undefined;
    if (cfg === undefined) throw new ChatError("CG_ERR_UNAUTHENTICATED", { reason: "unknown issuer" });
    let keys: JWTVerifyGetKey;
    try {
      keys = await this.#keys(cfg.issuer);
    } catch (err) {
      throw new ChatError("CG_ERR_UNAUTHENTICATED", { reason: "issuer unavailable" }, { cause: err });
    }
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: cfg.issuer,
        audience: cfg.audience,
        algorithms: ALGS,
        clockTolerance: 5,
        requiredClaims: ["sub", "exp"],
      });
      return { tenantId: cfg.tenant, userId: payload.sub as string, issuer: cfg.issuer, expiresAt: (payload.exp as number) * 1000 };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new ChatError("CG_ERR_TOKEN_EXPIRED");
      const reason = err instanceof joseErrors.JOSEError ? err.code : "invalid";
      throw new ChatError("CG_ERR_UNAUTHENTICATED", { reason }, { cause: err });
    }
  }
}

/** Bearer token from the Authorization header, or `access_token` in the query (WS, SSE). */
export function tokenFrom(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h === "string" && h.toLowerCase().startsWith("bearer ")) return h.slice(7).trim();
  const q = (req.query as Record<string, unknown> | undefined)?.["access_token"];
  return typeof q === "string" && q !== "" ? q : null;
}

export default fp(
  function authPlugin(app: FastifyInstance, opts: { issuers: IssuerConfig[] }, done: (err?: Error) => void): void {
    const verifier = new TokenVerifier(opts.issuers);
    app.decorate("verifier", verifier);
    app.decorate("authenticate", async (req: FastifyRequest): Promise<Principal> => {
      const token = tokenFrom(req);
      if (token === null) throw new ChatError("CG_ERR_UNAUTHENTICATED", { reason: "missing token" });
      return verifier.verify(token);
    });
    done();
  },
  { name: "chat-auth" },
);
