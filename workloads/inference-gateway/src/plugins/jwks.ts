/**
 * Signing keys of one OIDC issuer, cached with stale-if-error semantics. jose's remote JWKS set
 * refetches once its cache is older than its max age and fails every verification while the
 * issuer is down; here the last good key set keeps verifying tokens while the issuer is
 * unreachable (up to `maxStaleMs`), refreshes happen in the background once keys are older than
 * `maxAgeMs`, and an unknown key id triggers a refetch (at most one per `cooldownMs`). When the
 * issuer cannot be reached and the key is not in the cache, the caller gets a 503 — the token may
 * well be valid — never a 401.
 */
import { createLocalJWKSet, errors as joseErrors } from "jose";
import type {
  CryptoKey,
  FlattenedJWSInput,
  JSONWebKeySet,
  JWTHeaderParameters,
  JWTVerifyGetKey,
} from "jose";
import { GatewayError } from "../errors.ts";

/** Timing of an {@link IssuerKeys}. */
export interface IssuerKeysOptions {
  /** Timeout of one fetch (ms). */
  timeoutMs: number;
  /** Least time between refetches caused by unknown key ids (ms). */
  cooldownMs: number;
  /** Age after which keys are refreshed in the background (ms). */
  maxAgeMs: number;
  /** Age after which keys are no longer used when they cannot be refreshed (ms). */
  maxStaleMs: number;
  /** Told about failed fetches (for the log). */
  onError?: (err: unknown) => void;
  now?: () => number;
}

function unavailable(cause: unknown): GatewayError {
  return new GatewayError("GW_ERR_IDENTITY_PROVIDER_UNAVAILABLE", { cause, retryAfter: 5 });
}

/** The cached key set of one issuer. */
export class IssuerKeys {
  readonly #jwksUri: () => Promise<string>;
  readonly #opts: IssuerKeysOptions;
  readonly #now: () => number;
  #local: JWTVerifyGetKey | undefined;
  #fetchedAt = -Infinity;
  #attemptAt = -Infinity;
  #lastFailed = false;
  #inflight: Promise<void> | undefined;

  /** `jwksUri` resolves the key set URL (discovery; it may fail like a fetch). */
  constructor(jwksUri: () => Promise<string>, opts: IssuerKeysOptions) {
    this.#jwksUri = jwksUri;
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  /** A jose key resolver over the cache. */
  readonly getKey = async (
    header: JWTHeaderParameters,
    token: FlattenedJWSInput,
  ): Promise<CryptoKey> => {
    const now = this.#now();
    const age = now - this.#fetchedAt;
    if (this.#local === undefined || age > this.#opts.maxStaleMs) {
      if (now - this.#attemptAt < this.#opts.cooldownMs && this.#lastFailed)
        throw unavailable(new Error("signing keys could not be fetched recently"));
      await this.#refresh();
    } else if (age > this.#opts.maxAgeMs && now - this.#attemptAt >= this.#opts.cooldownMs) {
      // Stale while revalidating: keep answering from the cache.
      this.#refresh().catch(() => undefined);
    }
    try {
      return await this.#resolve(header, token);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey)) throw err;
      // An unknown key id: the issuer may have rotated its keys. A refresh under way (e.g. the
      // background one) is waited for rather than answered from the keys it is replacing.
      const pending = this.#inflight;
      if (pending !== undefined) {
        await pending.catch(() => undefined);
        if (this.#lastFailed) throw unavailable(err);
        return this.#resolve(header, token);
      }
      if (this.#now() - this.#attemptAt >= this.#opts.cooldownMs) {
        await this.#refresh();
        return this.#resolve(header, token);
      }
      if (this.#lastFailed) throw unavailable(err);
      throw err;
    }
  };

  async #resolve(header: JWTHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    const local = this.#local;
    if (local === undefined) throw unavailable(new Error("no signing keys"));
    return (await local(header, token)) as CryptoKey;
  }

  /** Fetches the key set (one fetch at a time); throws 503 when it cannot. */
  #refresh(): Promise<void> {
    this.#inflight ??= this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetch(): Promise<void> {
    this.#attemptAt = this.#now();
    try {
      const uri = await this.#jwksUri();
      const res = await fetch(uri, {
        signal: AbortSignal.timeout(this.#opts.timeoutMs),
        headers: { accept: "application/json" },
      });
      if (!res.ok) throw new Error(`JWKS endpoint answered ${res.status}`);
      const jwks = (await res.json()) as JSONWebKeySet;
      if (!Array.isArray(jwks.keys)) throw new Error("JWKS has no keys array");
      this.#local = createLocalJWKSet(jwks);
      this.#fetchedAt = this.#now();
      this.#lastFailed = false;
    } catch (err) {
      this.#lastFailed = true;
      this.#opts.onError?.(err);
      throw unavailable(err);
    }
  }
}
