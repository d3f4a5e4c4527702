// client-go `workqueue` rate limiters: per-item exponential failure backoff, an overall token
// bucket, and the max of both (DefaultTypedControllerRateLimiter).
import { realClock } from "./clock.ts";
import type { Clock } from "./clock.ts";

/** Decides how long an item waits before it is re-added. */
export interface RateLimiter {
  /** Delay in ms for the next retry of `item`; records one more failure. */
  when(item: string): number;
  /** Clears the item's failure history (after success). */
  forget(item: string): void;
  /** Failures recorded for `item` since the last forget. */
  numRequeues(item: string): number;
}

/** Per-item delay `base * 2^failures`, capped at `max` (client-go: 5 ms → 1000 s). */
export class ItemExponentialFailureRateLimiter implements RateLimiter {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #failures = new Map<string, number>();

  constructor(baseMs = 5, maxMs = 1_000_000) {
    this.#baseMs = baseMs;
    this.#maxMs = maxMs;
  }

  when(item: string): number {
    const exp = this.#failures.get(item) ?? 0;
    this.#failures.set(item, exp + 1);
    // 2^exp overflows to Infinity for large exp; Math.min keeps the cap exact.
    return Math.min(this.#baseMs * 2 ** exp, this.#maxMs);
  }

  forget(item: string): void {
    this.#failures.delete(item);
  }

  numRequeues(item: string): number {
    return this.#failures.get(item) ?? 0;
  }
}

/**
 * Overall token bucket (golang.org/x/time/rate Reserve semantics): tokens refill at `qps` up to
 * `burst`; each `when` takes one token and, when none is left, returns how long until it is paid.
 */
export class BucketRateLimiter implements RateLimiter {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(qps = 10, burst = 100, clock: Clock = realClock) {
    this.#qps = qps;
    this.#burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.monotonic();
  }

  when(_item: string): number {
    const now = this.#clock.monotonic();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#qps);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#qps) * 1000;
  }

  forget(_item: string): void {
    // The bucket is shared by all items; nothing per item to forget.
  }

  numRequeues(_item: string): number {
    return 0;
  }
}

/** Returns the longest delay of its limiters; forget/numRequeues combine all of them. */
export class MaxOfRateLimiter implements RateLimiter {
  readonly #limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.#limiters = limiters;
  }

  when(item: string): number {
    // Every limiter must observe the failure, so no short-circuit.
    return this.#limiters.reduce((max, l) => Math.max(max, l.when(item)), 0);
  }

  forget(item: string): void {
    for (const l of this.#limiters) l.forget(item);
  }

  numRequeues(item: string): number {
    return this.#limiters.reduce((max, l) => Math.max(max, l.numRequeues(item)), 0);
  }
}

/** controller-runtime's default: max(exponential 5 ms → 1000 s, bucket 10 qps / burst 100). */
export function defaultControllerRateLimiter(clock: Clock = realClock): RateLimiter {
  return new MaxOfRateLimiter(
    new ItemExponentialFailureRateLimiter(5, 1_000_000),
    new BucketRateLimiter(10, 100, clock),
  );
}
