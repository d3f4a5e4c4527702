// Reconnect backoff for watches: client-go's reflector uses 800 ms doubling to 30 s with full
// jitter and resets after 2 minutes without a backoff, so one blip does not slow later recoveries.
import { realClock } from "./clock.ts";
import type { Clock } from "./clock.ts";

/** Options for `Backoff`. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Adds up to `jitter * delay` of random extra delay. */
  jitter: number;
  /** Back to `initialMs` when no backoff happened for this long. */
  resetAfterMs: number;
}

/** client-go reflector defaults. */
export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 800,
  maxMs: 30_000,
  factor: 2,
  jitter: 1,
  resetAfterMs: 120_000,
};

/** Exponential backoff with jitter and idle reset. */
export class Backoff {
  readonly #opts: BackoffOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  #current: number;
  #lastAt: number | undefined;

  constructor(
    opts: Partial<BackoffOptions> = {},
    clock: Clock = realClock,
    random: () => number = Math.random,
  ) {
    this.#opts = { ...DEFAULT_BACKOFF, ...opts };
    this.#clock = clock;
    this.#random = random;
    this.#current = this.#opts.initialMs;
  }

  /** Delay before the next attempt, in ms. */
  next(): number {
    const now = this.#clock.monotonic();
    if (this.#lastAt !== undefined && now - this.#lastAt > this.#opts.resetAfterMs)
      this.#current = this.#opts.initialMs;
    this.#lastAt = now;
    const base = this.#current;
    this.#current = Math.min(this.#current * this.#opts.factor, this.#opts.maxMs);
    return base + this.#random() * this.#opts.jitter * base;
  }

  /** Forgets previous failures. */
  reset(): void {
    this.#current = this.#opts.initialMs;
    this.#lastAt = undefined;
  }
}
