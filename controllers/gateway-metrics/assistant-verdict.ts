// What the gateway's per-version measurements mean for one Assistant: the VariantsHealthy and
// RolledBack conditions, the variants actually routed, the stable version, and — when
// spec.rollback.auto is on and a routed version's error rate over the window (with at least the
// minimum sample) passes spec.rollback.errorRateThreshold — an automatic rollback: all traffic to
// rollback.toVersion (or status.stableVersion). gateway-config renders status.activeVariants while
// RolledBack is True. Recovery is a human decision: any spec change (a new generation) resumes
// spec.variants. Pure.
import type { Assistant, AssistantStatus } from "../../crds/assistant/v1alpha1/index.ts";
import {
  AssistantConditionType as T,
  AssistantRolledBackReason as RolledBackReason,
  AssistantVariantsHealthyReason as HealthyReason,
} from "../../crds/assistant/v1alpha1/index.ts";
import type { Condition } from "../../operators/runtime/conditions.ts";
import { findCondition, setCondition } from "../../operators/runtime/conditions.ts";
import type { VersionWindow } from "./measure.ts";

/** The Routed condition gateway-config writes (the assistant's metrics are its only if True). */
const ROUTED = "Routed";

export interface AssistantObservation {
  processes: number;
  problem: string | undefined;
  /** Version name → its window, for this assistant's name in the gateway. */
  versions: ReadonlyMap<string, VersionWindow>;
}

export interface AssistantThresholds {
  minRequests: number;
  windowMs: number;
}

/** The status fields this controller owns. */
export type AssistantOwned = Pick<
  AssistantStatus,
  "activeVariants" | "stableVersion" | "lastRollback"
> & { conditions: Condition[] };

export interface AssistantDecision {
  status: AssistantOwned;
  /** Set when this pass rolls back (for the Event). */
  rollback?: { from: string; to: string; message: string };
}

type Verdict = Pick<Condition, "status" | "reason" | "message">;
type Variant = { version: string; weight: number };

const fmt = (r: number): string => r.toFixed(4);

interface Rate {
  version: string;
  requests: number;
  rate: number;
}

/** Error rates of the routed versions that had at least the minimum sample. */
function ratesOf(routed: readonly Variant[], o: AssistantObservation, min: number): Rate[] {
  const out: Rate[] = [];
  for (const v of routed) {
    const w = o.versions.get(v.version);
    if (w !== undefined && w.requests >= min)
      out.push({ version: v.version, requests: w.requests, rate: w.errors / w.requests });
  }
  return out;
}

const describe = (r: Rate, secs: number): string =>
  `${r.version}: error rate ${fmt(r.rate)} over ${r.requests} requests in the last ${secs}s`;

const unknown = (message: string): Verdict => ({
  status: "Unknown",
  reason: HealthyReason.MetricsUnavailable,
  message,
});

/** Why nothing can be judged: not routed, no gateway scraped, or too few requests. */
function unavailable(
  a: Assistant,
  o: AssistantObservation,
  rates: readonly Rate[],
  t: AssistantThresholds,
): Verdict | undefined {
  const routed = findCondition(a.status?.conditions, ROUTED);
  if (routed?.status !== "True")
    return unknown(`Not routed by the gateway: ${routed?.message ?? "no Routed condition yet"}`);
  if (o.processes === 0)
    return unknown(`No inference gateway process was scraped: ${o.problem ?? "none is ready"}`);
  if (rates.length === 0)
    return unknown(
      `No routed version had ${t.minRequests} requests in the last ${Math.round(t.windowMs / 1000)}s`,
    );
  return undefined;
}

function healthOf(
  a: Assistant,
  o: AssistantObservation,
  rates: readonly Rate[],
  t: AssistantThresholds,
): Verdict {
  const none = unavailable(a, o, rates, t);
  if (none !== undefined) return none;
  const secs = Math.round(t.windowMs / 1000);
  const limit = thresholdOf(a);
  const failing = rates.filter((r) => limit !== undefined && r.rate > limit);
  if (failing.length > 0)
    return {
      status: "False",
      reason: HealthyReason.ErrorRateExceeded,
      message: `${failing.map((r) => describe(r, secs)).join("; ")} (threshold ${fmt(limit ?? 0)})`,
    };
  const judged = limit === undefined ? "; no rollback.errorRateThreshold to judge them" : "";
  return {
    status: "True",
    reason: HealthyReason.AsExpected,
    message: `${rates.map((r) => describe(r, secs)).join("; ")}${judged}`,
  };
}

function thresholdOf(a: Assistant): number | undefined {
  const raw = a.spec.rollback?.errorRateThreshold;
  return raw === undefined ? undefined : Number(raw);
}

/** Rolled back for the current spec: RolledBack=True recorded at this generation. */
function rolledBack(a: Assistant): boolean {
  const c = findCondition(a.status?.conditions, T.RolledBack);
  return c?.status === "True" && c.observedGeneration === (a.metadata.generation ?? 0);
}

const specVariants = (a: Assistant): Variant[] =>
  a.spec.variants.map((v) => ({ version: v.version, weight: v.weight }));

/** The version that gets all traffic on rollback, if there is one that is not the failing one. */
function targetOf(a: Assistant, failing: string): string | undefined {
  const to = a.spec.rollback?.toVersion ?? a.status?.stableVersion;
  return to === undefined || to === failing ? undefined : to;
}

/** The routed version to roll back from, when auto rollback is on and one fails. */
function failingVersion(a: Assistant, rates: readonly Rate[]): Rate | undefined {
  const limit = thresholdOf(a);
  if (a.spec.rollback?.auto !== true || limit === undefined) return undefined;
  return rates.filter((r) => r.rate > limit).sort((x, y) => y.rate - x.rate)[0];
}

/** The version that served all traffic within the threshold this window, if any. */
function stableOf(
  a: Assistant,
  routed: readonly Variant[],
  rates: readonly Rate[],
): string | undefined {
  const serving = routed.filter((v) => v.weight > 0);
  const only = serving.length === 1 ? serving[0] : undefined;
  const r = rates.find((x) => x.version === only?.version);
  const limit = thresholdOf(a) ?? 0;
  return r !== undefined && r.rate <= limit ? r.version : a.status?.stableVersion;
}

interface Plan {
  variants: Variant[];
  rolled: Verdict;
  lastRollback: AssistantStatus["lastRollback"];
  rollback?: AssistantDecision["rollback"];
}

/** The rollback recorded for the current generation, kept as it is. */
function keptRollback(a: Assistant): Plan {
  const c = findCondition(a.status?.conditions, T.RolledBack);
  return {
    variants: (a.status?.activeVariants ?? []).map((v) => ({
      version: v.version,
      weight: v.weight,
    })),
    rolled: {
      status: "True",
      reason: c?.reason ?? RolledBackReason.AutomaticRollback,
      message: c?.message ?? "",
    },
    lastRollback: a.status?.lastRollback,
  };
}

/** A rollback this pass decides, or undefined when none is due (or there is no target). */
function newRollback(
  a: Assistant,
  rates: readonly Rate[],
  t: AssistantThresholds,
  now: Date,
): Plan | undefined {
  const bad = failingVersion(a, rates);
  const to = bad === undefined ? undefined : targetOf(a, bad.version);
  if (bad === undefined || to === undefined) return undefined;
  const message = `${describe(bad, Math.round(t.windowMs / 1000))} passed ${a.spec.rollback?.errorRateThreshold ?? ""}: all traffic to ${to}; change the spec to resume spec.variants`;
  return {
    variants: [{ version: to, weight: 100 }],
    rolled: { status: "True", reason: RolledBackReason.AutomaticRollback, message },
    lastRollback: {
      from: bad.version,
      to,
      reason: HealthyReason.ErrorRateExceeded,
      at: now.toISOString().replace(/\.\d+Z$/, "Z"),
    },
    rollback: { from: bad.version, to, message },
  };
}

/** Which variants are routed and why: kept rollback, a new rollback, or spec.variants. */
function planOf(a: Assistant, rates: readonly Rate[], t: AssistantThresholds, now: Date): Plan {
  if (rolledBack(a)) return keptRollback(a);
  return (
    newRollback(a, rates, t, now) ?? {
      variants: specVariants(a),
      rolled: {
        status: "False",
        reason: RolledBackReason.NotRolledBack,
        message: "Traffic follows spec.variants",
      },
      lastRollback: a.status?.lastRollback,
    }
  );
}

/** The owned status of `a` for this window, and whether this pass rolls it back. */
export function assistantStatus(
  a: Assistant,
  o: AssistantObservation,
  t: AssistantThresholds,
  now: Date,
): AssistantDecision {
  const generation = a.metadata.generation ?? 0;
  const routedNow = rolledBack(a) ? (a.status?.activeVariants ?? []) : specVariants(a);
  const rates = ratesOf(routedNow, o, t.minRequests);
  const plan = planOf(a, rates, t, now);
  const health = healthOf(a, o, ratesOf(plan.variants, o, t.minRequests), t);
  const keep = (type: string): Condition | undefined => findCondition(a.status?.conditions, type);
  let conditions: Condition[] = [keep(T.VariantsHealthy), keep(T.RolledBack)].filter(
    (c): c is Condition => c !== undefined,
  );
  conditions = setCondition(
    conditions,
    { type: T.VariantsHealthy, ...health, observedGeneration: generation },
    now,
  );
  conditions = setCondition(
    conditions,
    { type: T.RolledBack, ...plan.rolled, observedGeneration: generation },
    now,
  );
  const status: AssistantOwned = { activeVariants: plan.variants, conditions };
  const stable =
    plan.rollback === undefined ? stableOf(a, plan.variants, rates) : a.status?.stableVersion;
  if (stable !== undefined) status.stableVersion = stable;
  if (plan.lastRollback !== undefined) status.lastRollback = plan.lastRollback;
  return plan.rollback === undefined ? { status } : { status, rollback: plan.rollback };
}

const owned = (s: Partial<AssistantOwned> | undefined, messages: boolean): string =>
  JSON.stringify([
    s?.activeVariants?.map((v) => [v.version, v.weight]),
    s?.stableVersion,
    s?.lastRollback,
    [T.VariantsHealthy, T.RolledBack].map((type) => {
      const c = findCondition(s?.conditions, type);
      return [c?.status, c?.reason, c?.observedGeneration, messages ? c?.message : ""];
    }),
  ]);

/**
 * Whether to write `desired` over `current` now: routed variants, rollbacks and verdicts at once;
 * changed messages (the rates move with every scrape) at most once per `minIntervalMs`.
 */
export function assistantShouldWrite(
  current: AssistantStatus | undefined,
  desired: AssistantOwned,
  timing: { lastWriteMs: number | undefined; nowMs: number; minIntervalMs: number },
): boolean {
  const have = current as Partial<AssistantOwned> | undefined;
  if (owned(have, false) !== owned(desired, false)) return true;
  if (owned(have, true) === owned(desired, true)) return false;
  return (
    timing.lastWriteMs === undefined || timing.nowMs - timing.lastWriteMs >= timing.minIntervalMs
  );
}
