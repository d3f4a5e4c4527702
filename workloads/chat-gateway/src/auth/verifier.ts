/**
 * Verifies OIDC access tokens from the configured issuers (one per tenant realm) and maps them to
 * a Principal (tenant from the issuer, user from `sub`). Wrong issuer, audience, signature or
 * expiry are 401 with stable codes; keys that cannot be obtained while Keycloak is down are 503
 * (CG_ERR_AUTH_UNAVAILABLE), never 401, so clients retry instead of logging the user out.
 */
import { decodeJwt, errors as joseErrors, jwtVerify } from "jose";
import type { IssuerConfig } from "../config.ts";
import { ChatError } from "../errors.ts";
import { fetchIssuerKeys, IssuerKeys, KeysUnavailableError, type FetchKeys } from "./keys.ts";

/** Who a request acts for, taken from a verified token. */
export interface Principal {
  tenantId: string;
  userId: string;
  issuer: string;
  /** Token expiry, epoch ms. */
  expiresAt: number;
}

const ALGS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"];

export interface VerifierOptions {
  jwksCacheMs: number;
  jwksMaxStaleMs: number;
  fetchKeys?: FetchKeys;
  onStale?: (issuer: string, err: unknown) => void;
}

export class TokenVerifier {
  readonly #issuers: Map<string, { cfg: IssuerConfig; keys: IssuerKeys }>;

  constructor(issuers: readonly IssuerConfig[], opts: VerifierOptions) {
    this.#issuers = new Map(
      issuers.map((cfg) => [
        cfg.issuer,
        {
          cfg,
          keys: new IssuerKeys(cfg.issuer, {
            maxAgeMs: opts.jwksCacheMs,
            maxStaleMs: opts.jwksMaxStaleMs,
            cooldownMs: 5_000,
            fetchKeys: opts.fetchKeys ?? ((iss) => fetchIssuerKeys(iss)),
            ...(opts.onStale === undefined ? {} : { onStale: opts.onStale }),
          }),
        },
      ]),
    );
  }

  async verify(token: string): Promise<Principal> {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new ChatError("CG_ERR_UNAUTHENTICATED", { reason: "malformed" });
    }
    const entry = typeof iss === "string" ? this.#issuers.get(iss) : undefined;
    if (entry === undefined)
      throw new ChatError("CG_ERR_UNAUTHENTICATED", { reason: "unknown issuer" });
    const { cfg, keys } = entry;
    try {
      const { payload } = await jwtVerify(token, keys.getKey, {
        issuer: cfg.issuer,
        audience: cfg.audience,
        algorithms: ALGS,
        clockTolerance: 5,
        requiredClaims: ["sub", "exp"],
      });
      return {
        tenantId: cfg.tenant,
        userId: payload.sub as string,
        issuer: cfg.issuer,
        expiresAt: (payload.exp as number) * 1000,
      };
    } catch (err) {
      if (err instanceof KeysUnavailableError)
        throw new ChatError("CG_ERR_AUTH_UNAVAILABLE", { issuer: cfg.issuer }, { cause: err });
      if (err instanceof joseErrors.JWTExpired) throw new ChatError("CG_ERR_TOKEN_EXPIRED");
      const reason = err instanceof joseErrors.JOSEError ? err.code : "invalid";
      throw new ChatError("CG_ERR_UNAUTHENTICATED", { reason }, { cause: err });
    }
  }
}
