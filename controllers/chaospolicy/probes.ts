// Steady-state probes. Pure parts (comparison, Prometheus response parsing, which probes are due,
// how a result updates the probe's state) are table-tested; `runProbe` does the one HTTP call.
// HTTP probes compare the response status code; Prometheus probes compare the scalar result of an
// instant query. Anything that yields no number (connection error, empty vector, NaN) is a failed
// check: a steady state we cannot see is not a steady state.
import type {
  ChaosComparator,
  ChaosProbe,
  ChaosProbeStatus,
} from "../../crds/chaospolicy/v1alpha1/index.ts";
import { parseDurationMs } from "./duration.ts";

/** Outcome of one check. */
export interface ProbeResult {
  name: string;
  ok: boolean;
  /** Observed value or error text (bounded, no secrets: URLs are never echoed). */
  value: string;
}

/** observed <comparator> threshold. */
export function compare(observed: number, comparator: ChaosComparator, threshold: number): boolean {
  if (!Number.isFinite(observed)) return false;
  switch (comparator) {
    case "<":
      return observed < threshold;
    case "<=":
      return observed <= threshold;
    case "==":
      return observed === threshold;
    case "!=":
      return observed !== threshold;
    case ">=":
      return observed >= threshold;
    case ">":
      return observed > threshold;
  }
}

/** The number in a Prometheus /api/v1/query response: a scalar, or a vector of exactly one sample. */
export function promValue(body: unknown): number | string {
  const b = body as {
    status?: string;
    error?: string;
    data?: { resultType?: string; result?: unknown };
  };
  if (b.status !== "success") return `query failed: ${b.error ?? "no status"}`.slice(0, 200);
  const type = b.data?.resultType;
  const r = b.data?.result;
  if (!Array.isArray(r)) return `unsupported result type ${String(type)}`;
  if (type === "scalar") return Number(r[1]);
  if (type === "vector") return vectorValue(r);
  return `unsupported result type ${String(type)}`;
}

function vectorValue(r: unknown[]): number | string {
  if (r.length !== 1) return `query returned ${r.length} series, want 1`;
  const v = (r[0] as { value?: unknown[] }).value;
  return Array.isArray(v) ? Number(v[1]) : "sample without value";
}

export function intervalMs(p: ChaosProbe): number {
  return parseDurationMs(p.interval) ?? 10_000;
}

/** Probes whose interval has passed since their last check (or never checked). */
export function dueProbes(
  probes: readonly ChaosProbe[],
  state: readonly ChaosProbeStatus[] | undefined,
  now: Date,
): ChaosProbe[] {
  return probes.filter((p) => {
    const last = state?.find((s) => s.name === p.name)?.lastCheckTime;
    return last === undefined || Date.parse(last) + intervalMs(p) <= now.getTime();
  });
}

/** When the next probe is due, if there are probes. */
export function nextProbeAt(
  probes: readonly ChaosProbe[],
  state: readonly ChaosProbeStatus[] | undefined,
  now: Date,
): Date | undefined {
  let next: number | undefined;
  for (const p of probes) {
    const last = state?.find((s) => s.name === p.name)?.lastCheckTime;
    const at = last === undefined ? now.getTime() : Date.parse(last) + intervalMs(p);
    next = next === undefined ? at : Math.min(next, at);
  }
  return next === undefined ? undefined : new Date(next);
}

/** Probe state after `results` (probes without a result keep their state), in spec order. */
export function applyResults(
  probes: readonly ChaosProbe[],
  state: readonly ChaosProbeStatus[] | undefined,
  results: readonly ProbeResult[],
  now: Date,
): ChaosProbeStatus[] {
  return probes.map((p) => {
    const prev = state?.find((s) => s.name === p.name) ?? {
      name: p.name,
      ok: true,
      consecutiveFailures: 0,
    };
    const r = results.find((x) => x.name === p.name);
    if (r === undefined) return prev;
    return {
      name: p.name,
      ok: r.ok,
      consecutiveFailures: r.ok ? 0 : prev.consecutiveFailures + 1,
      lastValue: r.value.slice(0, 256),
      lastCheckTime: now.toISOString().replace(/\.\d+Z$/, "Z"),
    };
  });
}

/** The first probe that has failed failureThreshold times in a row, if any. */
export function failedProbe(
  probes: readonly ChaosProbe[],
  state: readonly ChaosProbeStatus[] | undefined,
): { probe: ChaosProbe; status: ChaosProbeStatus } | undefined {
  for (const p of probes) {
    const s = state?.find((x) => x.name === p.name);
    if (s !== undefined && s.consecutiveFailures >= p.failureThreshold)
      return { probe: p, status: s };
  }
  return undefined;
}

export type Fetch = (url: string, init: { signal: AbortSignal }) => Promise<Response>;

/** Runs one check. Never throws: errors are failed checks. */
export async function runProbe(
  p: ChaosProbe,
  prometheusUrl: string | undefined,
  fetchFn: Fetch,
  timeoutMs: number,
): Promise<ProbeResult> {
  const threshold = Number(p.threshold);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    if (p.type === "HTTP") {
      const res = await fetchFn(p.url ?? "", { signal });
      await res.body?.cancel();
      return {
        name: p.name,
        ok: compare(res.status, p.comparator, threshold),
        value: String(res.status),
      };
    }
    if (prometheusUrl === undefined)
      return {
        name: p.name,
        ok: false,
        value: "no Prometheus URL configured (--chaos-prometheus-url)",
      };
    const url = `${prometheusUrl.replace(/\/$/, "")}/api/v1/query?query=${encodeURIComponent(p.query ?? "")}`;
    const res = await fetchFn(url, { signal });
    const v = promValue(await res.json());
    if (typeof v === "string") return { name: p.name, ok: false, value: v };
    return { name: p.name, ok: compare(v, p.comparator, threshold), value: String(v) };
  } catch (err) {
    const msg =
      err instanceof Error
        ? err.name === "TimeoutError"
          ? "timed out"
          : err.message
        : String(err);
    return { name: p.name, ok: false, value: `error: ${msg}`.slice(0, 256) };
  }
}
