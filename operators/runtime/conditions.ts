// metav1.Condition helpers with apimachinery `meta.SetStatusCondition` semantics.

/** metav1.Condition. */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

const REASON_RE = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** True if `reason` is a valid metav1.Condition reason (non-empty CamelCase-ish token, ≤ 1024 chars). */
export function isValidReason(reason: string): boolean {
  return reason.length <= 1024 && REASON_RE.test(reason);
}

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function formatTime(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, "Z");
}

/**
 * Returns a new condition list with `c` set. `lastTransitionTime` is `now` for a new condition or
 * a status flip and is kept otherwise; reason, message and observedGeneration are always updated.
 * The result is sorted by type so repeated writes are byte-stable. Pure: inputs are not mutated.
 */
export function setCondition(
  conds: readonly Condition[] | undefined,
  c: Omit<Condition, "lastTransitionTime">,
  now: Date,
): Condition[] {
  const existing = findCondition(conds, c.type);
  const lastTransitionTime =
    existing !== undefined && existing.status === c.status
      ? existing.lastTransitionTime
      : formatTime(now);
  const next: Condition = {
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message,
    lastTransitionTime,
  };
  if (c.observedGeneration !== undefined) next.observedGeneration = c.observedGeneration;
  const rest = (conds ?? []).filter((x) => x.type !== c.type).map((x) => ({ ...x }));
  return [...rest, next].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

/** Returns a new list without the condition of `type`. */
export function removeCondition(
  conds: readonly Condition[] | undefined,
  type: string,
): Condition[] {
  return (conds ?? []).filter((x) => x.type !== type).map((x) => ({ ...x }));
}

/** The condition of `type`, if present. */
export function findCondition(
  conds: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conds?.find((x) => x.type === type);
}

/**
 * True when `have` already says what `want` says (status, reason, observedGeneration and, unless
 * `ignoreMessage`, message), so writing `want` would change nothing but timestamps. A caller
 * ignores the message when it carries measurements that move on every pass.
 */
export function sameCondition(
  have: Condition | undefined,
  want: Omit<Condition, "lastTransitionTime">,
  ignoreMessage = false,
): boolean {
  return (
    have !== undefined &&
    have.type === want.type &&
    have.status === want.status &&
    have.reason === want.reason &&
    have.observedGeneration === want.observedGeneration &&
    (ignoreMessage || have.message === want.message)
  );
}

/** True if the condition exists with status "True". */
export function isTrue(conds: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conds, type)?.status === "True";
}

/** True if the condition exists with status "False". */
export function isFalse(conds: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conds, type)?.status === "False";
}

/** True if the condition is missing or "Unknown" (a missing condition means Unknown). */
export function isUnknown(conds: readonly Condition[] | undefined, type: string): boolean {
  const c = findCondition(conds, type);
  return c === undefined || c.status === "Unknown";
}
