// Kubernetes resource quantities: parse to numbers and sum (for the tenant-wide quota summary).
// Exact enough for reporting; the API server remains the authority on enforcement.

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Value of a quantity string in base units; NaN when it is not a quantity. */
export function parseQuantity(q: string): number {
  const m = /^([+-]?[0-9.]+)(?:[eE]([+-]?[0-9]+))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(
    q.trim(),
  );
  if (m === null) return Number.NaN;
  const n = Number(m[1]) * (m[2] !== undefined ? 10 ** Number(m[2]) : 1);
  const suffix = m[3] ?? "";
  return n * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

/** Canonical-ish string of a base-unit value: binary suffix when exact, else integer, else milli. */
export function formatQuantity(v: number): string {
  for (const s of ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"]) {
    const f = BINARY[s] ?? 1;
    if (v >= f && Number.isInteger(v / f)) return `${v / f}${s}`;
  }
  if (Number.isInteger(v)) return String(v);
  return `${Math.round(v * 1000)}m`;
}

/** Sums resource lists key by key (unparseable values are skipped). */
export function sumResourceLists(
  lists: readonly (Record<string, string> | undefined)[],
): Record<string, string> {
  const total = new Map<string, number>();
  for (const l of lists) {
    for (const [k, q] of Object.entries(l ?? {})) {
      const v = parseQuantity(q);
      if (Number.isNaN(v)) continue;
      total.set(k, (total.get(k) ?? 0) + v);
    }
  }
  return Object.fromEntries(
    [...total.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, formatQuantity(v)]),
  );
}
