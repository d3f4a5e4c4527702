/**
 * Authentication: per-tenant API keys (compared by SHA-256, never stored in clear) and OIDC
 * bearer JWTs from the tenant's Keycloak realm. JWKS are discovered from
 * `<issuer>/.well-known/openid-configuration` once per issuer and cached by plugins/jwks.ts:
 * refetched on an unknown `kid` (key rotation) and in the background when old, and kept working
 * while the issuer is unreachable. A token that cannot be checked because the issuer is down is
 * answered 503 GW_ERR_IDENTITY_PROVIDER_UNAVAILABLE, not 401.
 */
import { createHash } from "node:crypto";
import fp from "fastify-plugin";
import { decodeJwt, errors as joseErrors, jwtVerify } from "jose";
import type { JWTPayload } from "jose";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { TenantConfig } from "../config/schema.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import { GatewayError } from "../errors.ts";
import { IssuerKeys } from "./jwks.ts";

/** Who is calling. */
export interface Principal {
  tenant: TenantConfig;
  method: "api-key" | "oidc";
  /** Key id or JWT subject; safe to log. */
  subject: string;
}

declare module "fastify" {
  interface FastifyInstance {
    igwAuthenticate: (req: FastifyRequest, cfg: RuntimeConfig) => Promise<Principal>;
  }
}

const ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
];
const JWT_SHAPE = /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/;

/** SHA-256 hex of an API key, as stored in the routing config. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Presented keys already hashed (bounded: cleared when full, so junk keys cannot grow it). */
const hashed = new Map<string, string>();
const HASHED_MAX = 10_000;

function cachedHash(key: string): string {
  let h = hashed.get(key);
  if (h === undefined) {
    if (hashed.size >= HASHED_MAX) hashed.clear();
    h = hashApiKey(key);
    hashed.set(key, h);
  }
  return h;
}

/** The presented credential: `Authorization: Bearer`, or the `api-key` / `x-api-key` header. */
export function credentialOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h === "string") {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    return m?.[1];
  }
  const k = req.headers["api-key"] ?? req.headers["x-api-key"];
  return typeof k === "string" && k !== "" ? k : undefined;
}

function audiences(payload: JWTPayload): string[] {
  const aud =
    payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const azp = (payload as { azp?: unknown }).azp;
  return typeof azp === "string" ? [...aud, azp] : aud;
}

/** Options of the auth plugin. */
export interface AuthOptions {
  /** Timeout of the discovery request (ms). */
  discoveryTimeoutMs?: number;
  /** Minimum time between JWKS refetches on an unknown `kid` (default 30 s). */
  jwksCooldownMs?: number;
  /** Age after which keys are refreshed in the background (default 10 min). */
  jwksMaxAgeMs?: number;
  /** How long cached keys keep working while the issuer is unreachable (default 24 h). */
  jwksMaxStaleMs?: number;
}

function authPlugin(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  const jwks = new Map<string, IssuerKeys>();
  const timeout = opts.discoveryTimeoutMs ?? 5_000;

  async function discover(issuer: string): Promise<string> {
    const res = await fetch(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(timeout),
    });
    if (!res.ok) throw new Error(`OIDC discovery for ${issuer} answered ${res.status}`);
    const doc = (await res.json()) as { jwks_uri?: unknown };
    if (typeof doc.jwks_uri !== "string")
      throw new Error(`OIDC discovery for ${issuer} has no jwks_uri`);
    return doc.jwks_uri;
  }

  function keySet(issuer: string, jwksURL: string | undefined): IssuerKeys {
    const k = `${issuer} ${jwksURL ?? ""}`;
    let keys = jwks.get(k);
    if (keys === undefined) {
      // The discovered URL is kept once known: discovery is not repeated while the issuer is down.
      let uri = jwksURL;
      keys = new IssuerKeys(async () => (uri ??= await discover(issuer)), {
        timeoutMs: timeout,
        cooldownMs: opts.jwksCooldownMs ?? 30_000,
        maxAgeMs: opts.jwksMaxAgeMs ?? 600_000,
        maxStaleMs: opts.jwksMaxStaleMs ?? 86_400_000,
        onError: (err) => {
          app.log.warn(
            { issuer, err: { message: (err as Error).message } },
            "Failed to fetch OIDC signing keys",
          );
        },
      });
      jwks.set(k, keys);
    }
    return keys;
  }

  async function verifyJwt(token: string, cfg: RuntimeConfig): Promise<Principal> {
    let iss: string | undefined;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new GatewayError("GW_ERR_INVALID_TOKEN", { message: "Malformed token" });
    }
    const tenants = iss === undefined ? undefined : cfg.tenantsByIssuer.get(iss);
    if (iss === undefined || tenants === undefined)
      throw new GatewayError("GW_ERR_INVALID_TOKEN", { message: "Token issuer is not trusted" });
    const entry = tenants
      .flatMap((t) => (t.oidc ?? []).filter((o) => o.issuer === iss))
      .find((o) => o.jwksURL !== undefined);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet(iss, entry?.jwksURL).getKey, {
        issuer: iss,
        algorithms: ALGORITHMS,
        clockTolerance: 5,
      }));
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      if (err instanceof joseErrors.JWTExpired)
        throw new GatewayError("GW_ERR_INVALID_TOKEN", { message: "Token expired" });
      if (err instanceof joseErrors.JOSEError)
        throw new GatewayError("GW_ERR_INVALID_TOKEN", { message: "Token verification failed" });
      throw new GatewayError("GW_ERR_IDENTITY_PROVIDER_UNAVAILABLE", { cause: err, retryAfter: 5 });
    }
    const aud = audiences(payload);
    const tenant = tenants.find((t) =>
      (t.oidc ?? []).some(
        (o) =>
          o.issuer === iss &&
          (Array.isArray(o.audience) ? o.audience : [o.audience]).some((a) => aud.includes(a)),
      ),
    );
    if (tenant === undefined)
      throw new GatewayError("GW_ERR_INVALID_TOKEN", { message: "Token audience is not accepted" });
    return { tenant, method: "oidc", subject: payload.sub ?? "unknown" };
  }

  app.decorate(
    "igwAuthenticate",
    async (req: FastifyRequest, cfg: RuntimeConfig): Promise<Principal> => {
      const cred = credentialOf(req);
      if (cred === undefined) throw new GatewayError("GW_ERR_UNAUTHENTICATED");
      if (JWT_SHAPE.test(cred)) return verifyJwt(cred, cfg);
      const hash = cachedHash(cred);
      const tenant = cfg.tenantByKeyHash.get(hash);
      if (tenant === undefined) throw new GatewayError("GW_ERR_INVALID_API_KEY");
      const key = (tenant.apiKeys ?? []).find((k) => k.sha256 === hash);
      return { tenant, method: "api-key", subject: key?.id ?? hash.slice(0, 8) };
    },
  );
  return Promise.resolve();
}

export default fp(authPlugin, { name: "igw-auth", fastify: "5.x" });
