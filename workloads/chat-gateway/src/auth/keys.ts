/**
 * Signing keys of one OIDC issuer with stale-if-error: the JWKS is found by discovery, cached and
 * refreshed after `maxAgeMs`; when Keycloak is unreachable the cached keys keep verifying tokens
 * for up to `maxStaleMs` more (a Keycloak outage must not log everyone out). A token whose key id
 * is unknown triggers a refresh (key rotation, with a cooldown); if that refresh fails the answer
 * is "unavailable" (503), not "invalid" (401), because the key may well be genuine.
 */
import {
  createLocalJWKSet,
  errors as joseErrors,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from "jose";

/** Thrown when keys cannot be obtained and nothing cached can answer. */
export class KeysUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KeysUnavailableError";
  }
}

/** How keys are fetched (a seam for unit tests; production uses fetchIssuerKeys). */
export type FetchKeys = (issuer: string) => Promise<JSONWebKeySet>;

/** OIDC discovery, then the JWKS document; each request bounded by `timeoutMs`. */
export async function fetchIssuerKeys(issuer: string, timeoutMs = 5000): Promise<JSONWebKeySet> {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`OIDC discovery for ${issuer} answered ${res.status}`);
  const doc = (await res.json()) as { jwks_uri?: unknown; issuer?: unknown };
  if (typeof doc.jwks_uri !== "string" || doc.issuer !== issuer)
    throw new Error(`bad discovery document for ${issuer}`);
  const jr = await fetch(doc.jwks_uri, { signal: AbortSignal.timeout(timeoutMs) });
  if (!jr.ok) throw new Error(`JWKS of ${issuer} answered ${jr.status}`);
  const jwks = (await jr.json()) as { keys?: unknown };
  if (!Array.isArray(jwks.keys)) throw new Error(`JWKS of ${issuer} has no keys array`);
  return jwks as JSONWebKeySet;
}

export interface KeyCacheOptions {
  maxAgeMs: number;
  maxStaleMs: number;
  /** Least time between refreshes caused by unknown key ids. */
  cooldownMs: number;
  fetchKeys: FetchKeys;
  now?: () => number;
  /** Called when stale keys are used because a refresh failed. */
  onStale?: (issuer: string, err: unknown) => void;
}

interface Cached {
  getKey: JWTVerifyGetKey;
  fetchedAt: number;
}

/** The key cache of one issuer. */
export class IssuerKeys {
  readonly #issuer: string;
  readonly #o: KeyCacheOptions;
  #cached: Cached | null = null;
  #refreshing: Promise<Cached> | null = null;
  #lastAttempt = -Infinity;
  /** The last refresh failed (the issuer is unreachable as far as we know). */
  #lastFailed = false;

  constructor(issuer: string, opts: KeyCacheOptions) {
    this.#issuer = issuer;
    this.#o = opts;
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  #refresh(): Promise<Cached> {
    this.#refreshing ??= (async () => {
      this.#lastAttempt = this.#now();
      try {
        let jwks: JSONWebKeySet;
        try {
          jwks = await this.#o.fetchKeys(this.#issuer);
        } catch (err) {
          this.#lastFailed = true;
          throw err;
        }
        this.#lastFailed = false;
        const c = { getKey: createLocalJWKSet(jwks), fetchedAt: this.#now() };
        this.#cached = c;
        return c;
      } finally {
        this.#refreshing = null;
      }
    })();
    return this.#refreshing;
  }

  /**
   * Keys usable now. Fresh keys as they are; stale keys (within maxStaleMs) answer at once while
   * a refresh runs in the background (at most once per cooldown), so an unreachable or slow
   * Keycloak never delays a request; past that window a refresh must succeed.
   */
  async #current(): Promise<Cached> {
    const c = this.#cached;
    const now = this.#now();
    const age = c === null ? Infinity : now - c.fetchedAt;
    if (c !== null && age <= this.#o.maxAgeMs) return c;
    if (c !== null && age <= this.#o.maxAgeMs + this.#o.maxStaleMs) {
      if (this.#refreshing === null && now - this.#lastAttempt >= this.#o.cooldownMs) {
        this.#refresh().catch((err: unknown) => {
          this.#o.onStale?.(this.#issuer, err);
        });
      }
      return c;
    }
    try {
      return await this.#refresh();
    } catch (err) {
      throw new KeysUnavailableError(`signing keys of ${this.#issuer} are unavailable`, {
        cause: err,
      });
    }
  }

  /** A jose key resolver for jwtVerify. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const c = await this.#current();
    try {
      return await c.getKey(header, token);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey)) throw err;
      // Unknown key id: maybe rotated. Refresh (at most once per cooldown) and look again.
      if (this.#now() - this.#lastAttempt < this.#o.cooldownMs && this.#refreshing === null) {
        // Within the cooldown: the answer of the last attempt stands.
        if (this.#lastFailed)
          throw new KeysUnavailableError(`cannot check an unknown signing key of ${this.#issuer}`, {
            cause: err,
          });
        throw err;
      }
      let fresh: Cached;
      try {
        fresh = await this.#refresh();
      } catch (refreshErr) {
        throw new KeysUnavailableError(`cannot check an unknown signing key of ${this.#issuer}`, {
          cause: refreshErr,
        });
      }
      return fresh.getKey(header, token);
    }
  };
}
