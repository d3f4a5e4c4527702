/**
 * Rate and connection limits: the per-user message limit shared through Redis (with a local
 * fallback while Redis is unavailable), an in-memory token bucket (per-connection floods), keyed
 * buckets (per-user POST frames, typing, search on this replica) and the connection limiter
 * (in total and per user on this replica).
 */
import type { Redis } from "ioredis";
import type { Scope } from "./store/db.ts";

/** In-memory token bucket (pure apart from the clock). */
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
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Whether the bucket is full again (an idle key whose state can be forgotten). */
  full(now = Date.now()): boolean {
    this.#refill(now);
    return this.#tokens >= this.#burst;
  }

  /** Milliseconds until one token is available. */
  waitMs(): number {
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.#rate) * 1000);
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
  }
}

/**
 * Token buckets per key (tenant/user) on this replica. Memory is bounded: buckets that are full
 * again carry no state and are swept, and at most `maxKeys` keys are kept (beyond that a new key
 * is refused, which only happens under a flood of distinct authenticated users).
 */
export class KeyedRateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #rate: number;
  readonly #burst: number;
  readonly #maxKeys: number;

  constructor(ratePerSecond: number, burst: number, maxKeys = 100_000) {
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#maxKeys = maxKeys;
  }

  /** Takes one token for `key`; returns 0 if allowed, else the milliseconds to wait. */
  take(key: string, now = Date.now()): number {
    let b = this.#buckets.get(key);
    if (b === undefined) {
      if (this.#buckets.size >= this.#maxKeys) this.sweep(now);
      if (this.#buckets.size >= this.#maxKeys) return 1000;
      b = new TokenBucket(this.#rate, this.#burst, now);
      this.#buckets.set(key, b);
    }
    return b.take(now) ? 0 : Math.max(1, b.waitMs());
  }

  /** Forgets keys whose bucket is full again. */
  sweep(now = Date.now()): void {
    for (const [k, b] of this.#buckets) if (b.full(now)) this.#buckets.delete(k);
  }

  get size(): number {
    return this.#buckets.size;
  }
}

export const scopeKey = (s: Scope): string => `${s.tenantId}\u0000${s.userId}`;

/**
 * Fixed-window per-user message limit in Redis: INCR `cg:rl:<tenant>:<user>:<window>` with a
 * TTL of one window, shared by every replica. When Redis fails the limit is enforced locally
 * (`fallback`, the same budget per replica): fail open within a local bound, so a Redis outage
 * neither blocks chat nor lifts the limit.
 */
export async function allowMessage(
  redis: Redis,
  scope: Scope,
  limit: { messages: number; windowMs: number; fallback: KeyedRateLimiter },
  now = Date.now(),
): Promise<{ allowed: boolean; retryAfterMs: number; local: boolean }> {
  const { messages, windowMs, fallback } = limit;
  const window = Math.floor(now / windowMs);
  const key = `cg:rl:${scope.tenantId}:${scope.userId}:${window}`;
  try {
    const res = await redis.multi().incr(key).pexpire(key, windowMs).exec();
    const count = (res?.[0]?.[1] as number | undefined) ?? 0;
    return {
      allowed: count <= messages,
      retryAfterMs: (window + 1) * windowMs - now,
      local: false,
    };
  } catch {
    const wait = fallback.take(scopeKey(scope), now);
    return { allowed: wait === 0, retryAfterMs: wait, local: true };
  }
}

/**
 * Client connections on this replica, in total and per user. `acquire` reserves a slot before
 * the connection is accepted; `release` gives it back when it closes.
 */
export class ConnectionLimiter {
  readonly #max: number;
  readonly #perUser: number;
  readonly #byUser = new Map<string, number>();
  #total = 0;

  constructor(max: number, perUser: number) {
    this.#max = max;
    this.#perUser = perUser;
  }

  get total(): number {
    return this.#total;
  }

  get max(): number {
    return this.#max;
  }

  /** Reserves a slot; returns null if allowed, else which limit refused it. */
  acquire(s: Scope): "total" | "user" | null {
    if (this.#total >= this.#max) return "total";
    const k = scopeKey(s);
    const n = this.#byUser.get(k) ?? 0;
    if (n >= this.#perUser) return "user";
    this.#byUser.set(k, n + 1);
    this.#total++;
    return null;
  }

  release(s: Scope): void {
    const k = scopeKey(s);
    const n = this.#byUser.get(k) ?? 0;
    if (n <= 0) return;
    if (n === 1) this.#byUser.delete(k);
    else this.#byUser.set(k, n - 1);
    this.#total--;
  }
}
