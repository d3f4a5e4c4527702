// Defensive readers for plain JSON objects. Admission input is untrusted (fuzzed in tests), so rule
// functions never cast: they read through these helpers, which return undefined on a type mismatch.

/** True for a plain JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads a nested value: `at(obj, "spec", "identity", "realm")`. */
export function at(v: unknown, ...path: (string | number)[]): unknown {
  let cur = v;
  for (const key of path) {
    if (typeof key === "number") {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[key];
    } else {
      if (!isRecord(cur)) return undefined;
      cur = cur[key];
    }
  }
  return cur;
}

/** The value as a record, or undefined. */
export function rec(v: unknown): Record<string, unknown> | undefined {
  return isRecord(v) ? v : undefined;
}

/** The value as an array, or undefined. */
export function arr(v: unknown): unknown[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

/** The value as a string, or undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** The value as a finite number, or undefined. */
export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** `metadata.name` of an object ("" if absent). */
export function nameOf(obj: unknown): string {
  return str(at(obj, "metadata", "name")) ?? "";
}

/** `metadata.namespace` of an object ("" if absent). */
export function namespaceOf(obj: unknown): string {
  return str(at(obj, "metadata", "namespace")) ?? "";
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(rec(v) ?? {})) {
    if (typeof x === "string") out[k] = x;
  }
  return out;
}

/** `metadata.labels` of an object (string values only). */
export function labelsOf(obj: unknown): Record<string, string> {
  return stringMap(at(obj, "metadata", "labels"));
}

/** `metadata.annotations` of an object (string values only). */
export function annotationsOf(obj: unknown): Record<string, string> {
  return stringMap(at(obj, "metadata", "annotations"));
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_RE = /^(?:[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h))+$/;
const DURATION_PART_RE = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

/**
 * Parses the CRDs' duration strings (`90s`, `5m`, `1h30m`, `250ms`; see crds/shared DURATION_PATTERN)
 * into milliseconds. Returns undefined for anything else.
 */
export function parseDurationMs(s: unknown): number | undefined {
  if (typeof s !== "string" || s.length > 64 || !DURATION_RE.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(DURATION_PART_RE)) {
    const value = Number(m[1]);
    const unit = UNIT_MS[m[2] ?? ""];
    if (unit === undefined) return undefined;
    total += value * unit;
  }
  return Number.isFinite(total) ? total : undefined;
}
