// Deterministic JSON: object keys sorted at every level, so equal values compare equal as strings.

/** JSON with sorted keys; `undefined` fields are dropped as in JSON.stringify. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortDeep(value));
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v !== null && typeof v === "object" && !(v instanceof Date)) {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .filter((k) => o[k] !== undefined)
        .map((k) => [k, sortDeep(o[k])]),
    );
  }
  return v;
}

/** True when `owned`'s fields equal the same fields of `current` (other fields are ignored). */
export function sameOwnedFields(
  owned: Record<string, unknown>,
  current: Record<string, unknown> | undefined,
): boolean {
  const picked = Object.fromEntries(Object.keys(owned).map((k) => [k, current?.[k]]));
  return stableStringify(owned) === stableStringify(picked);
}
