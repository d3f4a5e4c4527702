/**
 * Response cache in Redis for deterministic requests, with single-flight: identical requests in
 * flight in this process share one upstream call.
 */
import type { Redis } from "ioredis";

/** Where a cached value came from. */
export type CacheSource = "hit" | "miss" | "coalesced";

/** A cached response: the JSON text sent to the client and the usage it represents. */
export interface CachedResponse {
  body: string;
  backend: string;
  promptTokens: number;
  completionTokens: number;
}

/** Redis response cache plus in-process single-flight. */
export class ResponseCache {
  readonly #redis: Redis;
  readonly #inflight = new Map<string, Promise<CachedResponse>>();
  readonly #onError: (err: unknown) => void;

  constructor(redis: Redis, onError: (err: unknown) => void) {
    this.#redis = redis;
    this.#onError = onError;
  }

  /**
   * Looks up a cached response only (used for streaming replay). While Redis is not connected the
   * cache is skipped at once rather than after a command timeout.
   */
  async get(key: string): Promise<CachedResponse | undefined> {
    if (this.#redis.status !== "ready") return undefined;
    try {
      const v = await this.#redis.get(key);
      return v === null ? undefined : (JSON.parse(v) as CachedResponse);
    } catch (err) {
      this.#onError(err);
      return undefined;
    }
  }

  /**
   * Returns the cached response, or joins an identical in-flight computation, or computes,
   * stores (with TTL) and returns it. Cache errors degrade to computing.
   */
  async getOrCompute(
    key: string,
    ttlSeconds: number,
    compute: () => Promise<CachedResponse>,
  ): Promise<{ value: CachedResponse; source: CacheSource }> {
    const pending = this.#inflight.get(key);
    if (pending !== undefined) return { value: await pending, source: "coalesced" };
    let source: CacheSource = "miss";
    const p = (async (): Promise<CachedResponse> => {
      const cached = await this.get(key);
      if (cached !== undefined) {
        source = "hit";
        return cached;
      }
      const value = await compute();
      if (this.#redis.status === "ready")
        this.#redis.set(key, JSON.stringify(value), "EX", ttlSeconds).catch(this.#onError);
      return value;
    })();
    this.#inflight.set(key, p);
    try {
      return { value: await p, source };
    } finally {
      this.#inflight.delete(key);
    }
  }
}
