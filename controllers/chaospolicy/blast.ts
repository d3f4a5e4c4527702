// Blast radius, target selection and the per-target ledger arithmetic, as pure functions. The
// controller only executes what these return, so every limit is table-tested here:
// - the count a run may affect is the smallest of the mode's count, maxAffectedPercent of the
//   target's replicas, and what keeps minHealthyReplicas ready pods;
// - replicas are the AIModel's effective desired replicas (the one shared rule,
//   controllers/aimodel/desired.ts effectiveReplicas), never the number of pods that happen to
//   exist, so a degraded target does not widen the percentage;
// - two policies on one target never together exceed the stricter of their limits: the ledger
//   (a ConfigMap per target, ledger.ts) holds one claim per running policy.
import { createHash } from "node:crypto";
import type { ChaosBlastRadius } from "../../crds/chaospolicy/v1alpha1/index.ts";

/** Defaults of spec.blastRadius (crds/chaospolicy BlastRadiusSchema). */
export const BLAST_DEFAULTS: ChaosBlastRadius = {
  mode: "One",
  maxAffectedPercent: 25,
  minHealthyReplicas: 1,
};

/** The policy's limit before looking at other policies, and why it is what it is. */
export interface BlastLimit {
  count: number;
  /** The binding constraint, for status and Events. */
  reason: "mode" | "maxAffectedPercent" | "minHealthyReplicas";
}

/**
 * Targets a run may affect: min(mode count, floor(replicas × maxAffectedPercent / 100),
 * readyPods − minHealthyReplicas), never below 0.
 */
export function blastLimit(
  br: ChaosBlastRadius | undefined,
  replicas: number,
  readyPods: number,
): BlastLimit {
  const b = br ?? BLAST_DEFAULTS;
  const modeCount =
    b.mode === "One"
      ? 1
      : b.mode === "Fixed"
        ? (b.value ?? 0)
        : Math.floor((Math.max(0, replicas) * (b.value ?? 0)) / 100);
  const percentCap = Math.floor((Math.max(0, replicas) * b.maxAffectedPercent) / 100);
  const healthyCap = readyPods - b.minHealthyReplicas;
  const candidates: [number, BlastLimit["reason"]][] = [
    [modeCount, "mode"],
    [percentCap, "maxAffectedPercent"],
    [healthyCap, "minHealthyReplicas"],
  ];
  let best: [number, BlastLimit["reason"]] = candidates[0] ?? [0, "mode"];
  for (const c of candidates) if (c[0] < best[0]) best = c;
  return { count: Math.max(0, best[0]), reason: best[1] };
}

/** The facts about a pod that selection needs. */
export interface PodInfo {
  name: string;
  namespace: string;
  ready: boolean;
  terminating: boolean;
}

/**
 * Picks `count` ready, non-terminating pods. The order is a hash of run id and pod name: stable
 * for one run (a restarted operator picks the same pods) and different between runs.
 */
export function selectPods(pods: readonly PodInfo[], count: number, runId: string): PodInfo[] {
  const rank = (p: PodInfo): string =>
    createHash("sha256").update(`${runId}/${p.namespace}/${p.name}`).digest("hex");
  return pods
    .filter((p) => p.ready && !p.terminating)
    .map((p) => ({ p, r: rank(p) }))
    .sort((a, b) => (a.r < b.r ? -1 : a.r > b.r ? 1 : 0))
    .slice(0, Math.max(0, count))
    .map((x) => x.p);
}

/** What a ledger claim limits: pods of the target, or its gateway faults. */
export type LedgerDimension = "pods" | "gateway";

/** One running policy's share of a target. */
export interface Claim {
  /** "<namespace>/<name>" of the ChaosPolicy. */
  policy: string;
  uid: string;
  runId: string;
  dimension: LedgerDimension;
  /** Targets this run affects. */
  count: number;
  /** The policy's own limit (blastLimit before the ledger). */
  limit: number;
  /** The claim lapses after this time even if its operator died (RFC 3339). */
  expiresAt: string;
}

export interface Ledger {
  claims: Claim[];
}

function live(ledger: Ledger, now: Date): Claim[] {
  return ledger.claims.filter((c) => Date.parse(c.expiresAt) > now.getTime());
}

/**
 * How many targets `policy` may take now: the stricter of its limit and every other live claim's
 * limit, minus what the other claims already hold. A claim of the same policy is replaced.
 */
export function available(
  ledger: Ledger,
  me: { policy: string; dimension: LedgerDimension; limit: number },
  now: Date,
): { available: number; stricterLimit: number; heldByOthers: number; others: string[] } {
  const others = live(ledger, now).filter(
    (c) => c.policy !== me.policy && c.dimension === me.dimension,
  );
  const stricterLimit = Math.min(me.limit, ...others.map((c) => c.limit));
  const heldByOthers = others.reduce((n, c) => n + c.count, 0);
  return {
    available: Math.max(0, stricterLimit - heldByOthers),
    stricterLimit,
    heldByOthers,
    others: others.map((c) => c.policy),
  };
}

/** The ledger with `claim` in it (replacing the policy's earlier claim) and expired claims dropped. */
export function withClaim(ledger: Ledger, claim: Claim, now: Date): Ledger {
  const rest = live(ledger, now).filter(
    (c) => !(c.policy === claim.policy && c.dimension === claim.dimension),
  );
  return { claims: [...rest, claim].sort((a, b) => (a.policy < b.policy ? -1 : 1)) };
}

/** The ledger without the policy's claims (any run) and without expired claims. */
export function withoutClaims(ledger: Ledger, policy: string, now: Date): Ledger {
  return { claims: live(ledger, now).filter((c) => c.policy !== policy) };
}

/** Parses the ledger ConfigMap's data; bad or missing data is an empty ledger (claims expire anyway). */
export function parseLedger(text: string | undefined): Ledger {
  if (text === undefined) return { claims: [] };
  try {
    const v = JSON.parse(text) as { claims?: unknown };
    if (!Array.isArray(v.claims)) return { claims: [] };
    return {
      claims: v.claims.filter(
        (c): c is Claim =>
          typeof c === "object" &&
          c !== null &&
          typeof (c as Claim).policy === "string" &&
          typeof (c as Claim).count === "number" &&
          typeof (c as Claim).limit === "number" &&
          typeof (c as Claim).expiresAt === "string" &&
          ((c as Claim).dimension === "pods" || (c as Claim).dimension === "gateway"),
      ),
    };
  } catch {
    return { claims: [] };
  }
}
