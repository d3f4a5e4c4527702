import type { Redis } from "ioredis";
import type { Scope } from "./store/db.ts";

/**
 * Fixed-window per-user message limit in Redis: INCR `cg:rl:<tenant>:<user>:<window>` with a
 * TTL of one window. Shared by every replica. Returns whether the message may proceed.
 */
export async function allowMessage(
  redis: Redis,
  scope: Scope,
  limit: number,
  windowMs: number,
  now = Date.now(),
): Promise<{ allowed: boolean; retryAfterMs: number }> {
  const window = Math.floor(now / windowMs);
  const key = `cg:rl:${scope.tenantId}:${scope.userId}:${window}`;
  const res = await redis.multi().incr(key).pexpire(key, windowMs).exec();
  const count = (res?.[0]?.[1] as number | undefined) ?? 0;
  return { allowed: count <= limit, retryAfterMs: (window + 1) * windowMs - now };
}

/** In-memory token bucket for per-connection frame floods (pure apart from the clock). */
export class TokenBucket {
  #tokens: number;
  #last: number;
  readonly #rate: number;
  readonly #burst: number;

  constructor(ratePerSecond: number, burst: number, now = Date.now()) {
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#tokens = burst;
    this.#last = now;
  }

  take(now = Date.now()): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
