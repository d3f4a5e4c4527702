/**
 * Pure backend selection: given a model's routes and each backend's health, cost and observed
 * latency, returns the ordered list of attempts (first = chosen, the rest = fallbacks).
 *
 * - Unavailable backends (breaker open, or half-open with no probe slot) are dropped.
 * - Routes are grouped by priority, lowest first; a higher priority is only a fallback.
 * - Within a priority, `weighted` draws by weight without replacement (A/B split; weight 0 routes
 *   only as in-group fallbacks), `cost-latency` sorts by a score of normalised cost and latency.
 */

/** One route of a model with what the selector needs to know about its backend. */
export interface Candidate {
  backend: string;
  upstreamModel: string;
  weight: number;
  priority: number;
  available: boolean;
  /** USD per million tokens (input + output) — relative values matter only. */
  cost: number;
  /** Observed latency (EWMA, ms); undefined when not yet measured. */
  latencyMs: number | undefined;
}

/** Selection strategy within one priority. */
export type Strategy = "weighted" | "cost-latency";

/** Weights of the cost-latency score. */
export interface Scoring {
  costWeight: number;
  latencyWeight: number;
}

/** Orders candidates into attempts. `random` returns [0,1). */
export function selectAttempts(
  candidates: readonly Candidate[],
  strategy: Strategy,
  scoring: Scoring,
  random: () => number,
): Candidate[] {
  const groups = new Map<number, Candidate[]>();
  for (const c of candidates) {
    if (!c.available) continue;
    const g = groups.get(c.priority);
    if (g === undefined) groups.set(c.priority, [c]);
    else g.push(c);
  }
  const priorities = [...groups.keys()].sort((a, b) => a - b);
  const out: Candidate[] = [];
  for (const p of priorities) {
    const g = groups.get(p) ?? [];
    out.push(...(strategy === "weighted" ? weightedOrder(g, random) : scoredOrder(g, scoring)));
  }
  return out;
}

/** Weighted random order without replacement; weight-0 routes go last in input order. */
export function weightedOrder(group: readonly Candidate[], random: () => number): Candidate[] {
  const pool = group.filter((c) => c.weight > 0);
  const out: Candidate[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((s, c) => s + c.weight, 0);
    let r = random() * total;
    let idx = pool.length - 1;
    for (let i = 0; i < pool.length; i++) {
      r -= pool[i]?.weight ?? 0;
      if (r < 0) {
        idx = i;
        break;
      }
    }
    const [picked] = pool.splice(idx, 1);
    if (picked !== undefined) out.push(picked);
  }
  out.push(...group.filter((c) => c.weight <= 0));
  return out;
}

/** Score = costWeight·cost/maxCost + latencyWeight·latency/maxLatency; lower is better. Unmeasured latency scores 0 (explored first). */
export function score(c: Candidate, maxCost: number, maxLatency: number, s: Scoring): number {
  const cost = maxCost > 0 ? c.cost / maxCost : 0;
  const lat = maxLatency > 0 && c.latencyMs !== undefined ? c.latencyMs / maxLatency : 0;
  return s.costWeight * cost + s.latencyWeight * lat;
}

function scoredOrder(group: readonly Candidate[], s: Scoring): Candidate[] {
  const maxCost = Math.max(0, ...group.map((c) => c.cost));
  const maxLatency = Math.max(0, ...group.map((c) => c.latencyMs ?? 0));
  return [...group].sort(
    (a, b) =>
      score(a, maxCost, maxLatency, s) - score(b, maxCost, maxLatency, s) || b.weight - a.weight,
  );
}
