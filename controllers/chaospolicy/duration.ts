// Go-style duration strings of the ChaosPolicy spec ("90s", "5m", "1h30m") in milliseconds.
// The CRD pattern already restricts the syntax; anything else is undefined, never NaN.
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const WHOLE = /^(\d+(?:\.\d+)?(ms|s|m|h))+$/;
const UNIT: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a duration string, or undefined if it is not one. */
export function parseDurationMs(s: string | undefined): number | undefined {
  if (s === undefined || s.length > 32 || !WHOLE.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(PART)) total += Number(m[1]) * (UNIT[m[2] ?? ""] ?? 0);
  return total;
}
