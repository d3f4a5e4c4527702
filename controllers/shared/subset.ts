// Drift detection without a spec hash: a child has drifted when some field we apply differs from
// what the API server holds. Fields we never set (server defaults, other managers) are ignored.

/**
 * True when every field in `desired` is present with an equal value in `actual`. Arrays must have
 * the same length and match element-wise (we own the whole list for the lists we set).
 */
export function isSubset(desired: unknown, actual: unknown): boolean {
  if (desired === undefined) return true;
  if (desired === null || typeof desired !== "object") return scalarEqual(desired, actual);
  if (Array.isArray(desired)) {
    return (
      Array.isArray(actual) &&
      actual.length === desired.length &&
      desired.every((d, i) => isSubset(d, actual[i]))
    );
  }
  if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
  const a = actual as Record<string, unknown>;
  return Object.entries(desired as Record<string, unknown>).every(([k, v]) => isSubset(v, a[k]));
}

// The API server returns int-or-string fields as given, but numbers sent as strings in some
// places (ports, quantities like "1") come back numeric or canonicalized; compare loosely there.
function scalarEqual(d: unknown, a: unknown): boolean {
  if (d === a) return true;
  if (
    (typeof d === "number" || typeof d === "string") &&
    (typeof a === "number" || typeof a === "string")
  ) {
    return String(d) === String(a);
  }
  return false;
}
