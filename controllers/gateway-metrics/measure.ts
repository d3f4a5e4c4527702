// What the inference gateway measured, as plain data: parse its Prometheus text, keep the series
// the loop needs (per backend: upstream attempt outcomes, latency histogram, health checks; per
// assistant version: outcomes), and compute a window as the difference of two scrapes
// (success rate, p50/p99 as histogram_quantile does, error rate with its sample size). Pure.

/** One sample of the text format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const unescape = (v: string): string =>
  v.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));

function labelsOf(raw: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const l of raw.matchAll(LABEL)) labels[l[1] ?? ""] = unescape(l[2] ?? "");
  return labels;
}

/** One line of the text format, or undefined for comments and malformed lines. */
function parseLine(line: string): Sample | undefined {
  const m = line.startsWith("#") ? null : LINE.exec(line);
  if (m === null) return undefined;
  const raw = m[3] ?? "";
  const value = Number(raw);
  if (!Number.isFinite(value) && raw !== "+Inf") return undefined;
  return { name: m[1] ?? "", labels: labelsOf(m[2] ?? ""), value };
}

/** Parses Prometheus text exposition (comments and malformed lines are skipped). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    const sample = parseLine(line);
    if (sample !== undefined) out.push(sample);
  }
  return out;
}

/** Cumulative counters of one backend in one gateway process. */
export interface BackendCounters {
  success: number;
  failure: number;
  /** Latency histogram: upper bound (seconds, Infinity last) → cumulative count. */
  buckets: [number, number][];
  healthUp: number | undefined;
  /** Unix seconds of the last health probe. */
  lastProbe: number | undefined;
  /** Circuit breaker: 0 closed, 1 half-open, 2 open. */
  breakerState: number | undefined;
}

/** Cumulative counters of one gateway process. */
export interface Snapshot {
  at: number;
  backends: Map<string, BackendCounters>;
  /** "assistant/version" → outcomes. */
  versions: Map<string, { success: number; error: number }>;
}

const P = "inference_gateway_";

function backend(map: Map<string, BackendCounters>, name: string): BackendCounters {
  let b = map.get(name);
  if (b === undefined) {
    b = {
      success: 0,
      failure: 0,
      buckets: [],
      healthUp: undefined,
      lastProbe: undefined,
      breakerState: undefined,
    };
    map.set(name, b);
  }
  return b;
}

type Handler = (snap: Snapshot, s: Sample, b: BackendCounters | undefined) => void;

/** What each series the loop reads adds to a snapshot (other series are ignored). */
const HANDLERS: Readonly<Record<string, Handler>> = {
  // Only attempts that reached the backend count: breaker_open and aborted say nothing of it.
  [`${P}upstream_attempts_total`]: (_snap, s, b) => {
    if (b === undefined) return;
    if (s.labels["outcome"] === "success") b.success += s.value;
    else if (s.labels["outcome"] === "retryable_error") b.failure += s.value;
  },
  [`${P}backend_request_duration_seconds_bucket`]: (_snap, s, b) => {
    const le = s.labels["le"];
    b?.buckets.push([le === "+Inf" ? Infinity : Number(le), s.value]);
  },
  [`${P}backend_health_up`]: (_snap, s, b) => {
    if (b !== undefined) b.healthUp = s.value;
  },
  [`${P}backend_health_last_probe_timestamp_seconds`]: (_snap, s, b) => {
    if (b !== undefined) b.lastProbe = s.value;
  },
  // An open breaker sends the backend no attempts at all, so the window may hold too few of them
  // to judge: the breaker's own state says the backend is failing.
  [`${P}backend_breaker_state`]: (_snap, s, b) => {
    if (b !== undefined) b.breakerState = s.value;
  },
  [`${P}assistant_requests_total`]: (snap, s) => {
    const k = `${s.labels["assistant"] ?? ""}/${s.labels["version"] ?? ""}`;
    const v = snap.versions.get(k) ?? { success: 0, error: 0 };
    if (s.labels["outcome"] === "error") v.error += s.value;
    else v.success += s.value;
    snap.versions.set(k, v);
  },
};

function addSample(snap: Snapshot, s: Sample): void {
  const handler = HANDLERS[s.name];
  if (handler === undefined) return;
  const name = s.labels["backend"];
  handler(snap, s, name === undefined || name === "" ? undefined : backend(snap.backends, name));
}

/** The loop's counters out of one scrape. */
export function snapshotOf(samples: readonly Sample[], at: number): Snapshot {
  const snap: Snapshot = { at, backends: new Map(), versions: new Map() };
  for (const s of samples) addSample(snap, s);
  for (const b of snap.backends.values()) b.buckets.sort((x, y) => x[0] - y[0]);
  return snap;
}

/** Measurements of one backend over a window. */
export interface BackendWindow {
  requests: number;
  /** successes / attempts that reached the backend; undefined without traffic. */
  successRate: number | undefined;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
  healthUp: boolean | undefined;
  lastProbe: Date | undefined;
  /** Gateway processes whose circuit breaker for the backend is open at the latest scrape. */
  breakerOpen: number;
}

/** Measurements of one assistant version over a window. */
export interface VersionWindow {
  requests: number;
  errors: number;
}

/** Everything measured over one window, summed over gateway processes. */
export interface Window {
  backends: Map<string, BackendWindow>;
  versions: Map<string, VersionWindow>;
}

/** A counter's increase; a smaller value means the process restarted (counts from zero). */
const inc = (now: number, before: number | undefined): number =>
  before === undefined || now < before ? now : now - before;

/** histogram_quantile over cumulative buckets (linear inside the bucket, as Prometheus does). */
export function quantile(q: number, buckets: readonly [number, number][]): number | undefined {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Infinity) return prevBound;
      return (
        prevBound + ((bound - prevBound) * (rank - prevCount)) / Math.max(count - prevCount, 1e-9)
      );
    }
    prevBound = bound;
    prevCount = count;
  }
  return prevBound;
}

function backendDelta(
  now: BackendCounters,
  before: BackendCounters | undefined,
): { success: number; failure: number; buckets: [number, number][] } {
  const old = new Map(before?.buckets ?? []);
  const reset =
    before !== undefined && (now.success < before.success || now.failure < before.failure);
  const base = reset ? undefined : before;
  return {
    success: inc(now.success, base?.success),
    failure: inc(now.failure, base?.failure),
    buckets: now.buckets.map(([le, c]) => [le, reset ? c : inc(c, old.get(le))]),
  };
}

/** Adds one process's window (from `before` to `now`) into `into`. */
function accumulate(into: Acc, now: Snapshot, before: Snapshot | undefined): void {
  for (const [name, b] of now.backends) {
    const d = backendDelta(b, before?.backends.get(name));
    const acc = into.get(name) ?? {
      success: 0,
      failure: 0,
      buckets: new Map<number, number>(),
      health: b,
      breakerOpen: 0,
    };
    acc.success += d.success;
    acc.failure += d.failure;
    for (const [le, c] of d.buckets) acc.buckets.set(le, (acc.buckets.get(le) ?? 0) + c);
    if ((b.lastProbe ?? 0) >= (acc.health.lastProbe ?? 0)) acc.health = b;
    if (b.breakerState === 2) acc.breakerOpen++;
    into.set(name, acc);
  }
}

type Acc = Map<
  string,
  {
    success: number;
    failure: number;
    buckets: Map<number, number>;
    health: BackendCounters;
    breakerOpen: number;
  }
>;

/** Adds one process's assistant-version outcomes (from `before` to `now`) into `into`. */
function accumulateVersions(
  into: Map<string, VersionWindow>,
  now: Snapshot,
  before: Snapshot | undefined,
): void {
  for (const [k, v] of now.versions) {
    const old = before?.versions.get(k);
    const reset = old !== undefined && (v.success < old.success || v.error < old.error);
    const base = reset ? undefined : old;
    const e = inc(v.error, base?.error);
    const s = inc(v.success, base?.success);
    const w = into.get(k) ?? { requests: 0, errors: 0 };
    into.set(k, { requests: w.requests + e + s, errors: w.errors + e });
  }
}

const ms = (seconds: number | undefined): number | undefined =>
  seconds === undefined ? undefined : Math.round(seconds * 1000);

/** One backend's window out of its accumulated counters. */
function backendWindow(a: Acc extends Map<string, infer V> ? V : never): BackendWindow {
  const buckets = [...a.buckets].sort((x, y) => x[0] - y[0]);
  const attempts = a.success + a.failure;
  const { healthUp, lastProbe } = a.health;
  return {
    requests: attempts,
    successRate: attempts > 0 ? a.success / attempts : undefined,
    p50Ms: ms(quantile(0.5, buckets)),
    p99Ms: ms(quantile(0.99, buckets)),
    healthUp: healthUp === undefined ? undefined : healthUp === 1,
    lastProbe: lastProbe === undefined ? undefined : new Date(lastProbe * 1000),
    breakerOpen: a.breakerOpen,
  };
}

/**
 * The window between an older and a newer scrape of each gateway process (keyed by endpoint).
 * A process seen only once counts from its start.
 */
export function windowOf(
  pairs: readonly { now: Snapshot; before: Snapshot | undefined }[],
): Window {
  const acc: Acc = new Map();
  const versions = new Map<string, VersionWindow>();
  for (const { now, before } of pairs) {
    accumulate(acc, now, before);
    accumulateVersions(versions, now, before);
  }
  const backends = new Map<string, BackendWindow>();
  for (const [name, a] of acc) backends.set(name, backendWindow(a));
  return { backends, versions };
}

/** Scrapes of each gateway process over time, enough to difference a window. */
export class History {
  readonly #byEndpoint = new Map<string, Snapshot[]>();
  readonly #keepMs: number;

  constructor(keepMs: number) {
    this.#keepMs = keepMs;
  }

  /** Records a scrape of `endpoint`; forgets endpoints not in `live` (gone replicas). */
  add(endpoint: string, snap: Snapshot, live: ReadonlySet<string>): void {
    const list = [...(this.#byEndpoint.get(endpoint) ?? []), snap].filter(
      (s) => s.at >= snap.at - this.#keepMs * 2,
    );
    this.#byEndpoint.set(endpoint, list);
    for (const k of this.#byEndpoint.keys()) if (!live.has(k)) this.#byEndpoint.delete(k);
  }

  /** For each process: the latest scrape and the newest one at least `windowMs` older (or the oldest). */
  pairs(windowMs: number): { now: Snapshot; before: Snapshot | undefined }[] {
    const out: { now: Snapshot; before: Snapshot | undefined }[] = [];
    for (const list of this.#byEndpoint.values()) {
      const now = list.at(-1);
      if (now === undefined) continue;
      const older = list.filter((s) => s.at <= now.at - windowMs);
      out.push({ now, before: older.at(-1) ?? (list.length > 1 ? list[0] : undefined) });
    }
    return out;
  }
}
