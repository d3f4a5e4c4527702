// Reconnect delays: exponential with full jitter, capped, so a fleet of pages that lost the same
// replica does not come back in one wave. Pure: the random source is passed in.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 15_000 };

/** Delay before reconnect attempt `attempt` (1-based): uniform in [cap/2, cap], cap = base·2^(n-1). */
export function reconnectDelayMs(
  attempt: number,
  random: () => number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
): number {
  const n = Math.max(1, Math.floor(attempt));
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(n - 1, 30));
  return Math.round(cap / 2 + (random() * cap) / 2);
}
