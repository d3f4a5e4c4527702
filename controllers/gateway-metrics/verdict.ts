// What the gateway's measurements say about one AIModel, as the status fields this controller owns
// (latency, successRate, lastHealthCheckTime and the TrafficHealthy condition), and whether they
// are worth a write now. Pure: the window comes from measure.ts, the clock from the caller.
import type { AIModel, AIModelStatus } from "../../crds/aimodel/v1alpha1/index.ts";
import {
  AIModelConditionType,
  AIModelTrafficHealthyReason as Reason,
} from "../../crds/aimodel/v1alpha1/index.ts";
import type { Condition } from "../../operators/runtime/conditions.ts";
import { findCondition, setCondition } from "../../operators/runtime/conditions.ts";
import type { BackendWindow } from "./measure.ts";

/** Thresholds of the verdict (module flags). */
export interface Thresholds {
  /** Success rate under which a window with enough requests is unhealthy, in [0, 1]. */
  minSuccessRate: number;
  /** Requests a window needs before its success rate is judged. */
  minRequests: number;
  /** Length of the window, for messages. */
  windowMs: number;
}

/** What was measured for one backend, as seen by this controller right now. */
export interface Observation {
  /** The backend's name in the gateway (the AIModel's "namespace/name"). */
  backendName: string;
  /** Gateway processes scraped in the last round (0: none ready, or none answered). */
  processes: number;
  /** Why no process was scraped, when processes is 0 (names the Service or the failures). */
  problem?: string | undefined;
  /** The backend's window, undefined when no scraped process reports it. */
  backend: BackendWindow | undefined;
}

/** The status fields owned by the gateway-metrics controller. */
export type TrafficStatus = Pick<
  AIModelStatus,
  "latency" | "successRate" | "lastHealthCheckTime"
> & {
  conditions: Condition[];
};

type Verdict = Pick<Condition, "status" | "reason" | "message">;

const rate = (r: number): string => r.toFixed(4);

/** RFC 3339 without fractions, as metav1.Time serialises. */
const time = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, "Z");

/** No verdict possible: no process scraped, or none reports the backend. */
function unmeasured(o: Observation): Verdict {
  if (o.processes === 0) {
    return {
      status: "Unknown",
      reason: Reason.NotMeasured,
      message: `No inference gateway process was scraped: ${o.problem ?? "none is ready"}`,
    };
  }
  return {
    status: "Unknown",
    reason: Reason.NotMeasured,
    message: `None of ${o.processes} inference gateway processes reports backend ${o.backendName} (not routed yet?)`,
  };
}

/** The verdict of a window with enough requests to judge its success rate. */
function judged(b: BackendWindow, rate4: string, t: Thresholds): Verdict {
  const secs = Math.round(t.windowMs / 1000);
  if ((b.successRate ?? 1) < t.minSuccessRate) {
    return {
      status: "False",
      reason: Reason.SuccessRateLow,
      message: `Success rate ${rate4} over ${b.requests} requests in the last ${secs}s is below ${rate(t.minSuccessRate)}`,
    };
  }
  return {
    status: "True",
    reason: Reason.AsExpected,
    message: `Success rate ${rate4} over ${b.requests} requests in the last ${secs}s; p99 ${b.p99Ms ?? 0} ms`,
  };
}

/** The verdict of a window too small to judge: the health check decides, if there is one. */
function unjudged(b: BackendWindow, t: Thresholds): Verdict {
  const secs = Math.round(t.windowMs / 1000);
  if (b.healthUp === true) {
    return {
      status: "True",
      reason: Reason.AsExpected,
      message: `Health check passing; ${b.requests} requests in the last ${secs}s (fewer than ${t.minRequests} to judge the success rate)`,
    };
  }
  return {
    status: "Unknown",
    reason: Reason.NotEnoughTraffic,
    message: `${b.requests} requests in the last ${secs}s (fewer than ${t.minRequests}) and no health check configured`,
  };
}

function verdictOf(o: Observation, t: Thresholds): Verdict {
  const b = o.backend;
  if (o.processes === 0 || b === undefined) return unmeasured(o);
  if (b.healthUp === false) {
    const at = b.lastProbe === undefined ? "" : ` (last probe ${time(b.lastProbe)})`;
    return {
      status: "False",
      reason: Reason.HealthCheckFailing,
      message: `The gateway's health check of the backend fails${at}`,
    };
  }
  if (b.breakerOpen > 0) {
    return {
      status: "False",
      reason: Reason.BreakerOpen,
      message: `The circuit breaker for the backend is open in ${b.breakerOpen} of ${o.processes} gateway processes (recent attempts failed; ${b.requests} reached it in the last ${Math.round(t.windowMs / 1000)}s)`,
    };
  }
  if (b.requests >= t.minRequests && b.successRate !== undefined) {
    return judged(b, rate(b.successRate), t);
  }
  return unjudged(b, t);
}

type Numbers = Omit<TrafficStatus, "conditions">;

/** Numbers measured in the window: only when it saw requests (and a probe, for the time). */
function measuredNumbers(b: BackendWindow | undefined): Numbers {
  const out: Numbers = {};
  if (b === undefined) return out;
  if (b.requests > 0 && b.p50Ms !== undefined && b.p99Ms !== undefined)
    out.latency = { p50Ms: b.p50Ms, p99Ms: b.p99Ms };
  if (b.requests > 0 && b.successRate !== undefined) out.successRate = rate(b.successRate);
  if (b.lastProbe !== undefined) out.lastHealthCheckTime = time(b.lastProbe);
  return out;
}

/** Numbers from a window that saw requests; otherwise the last measured ones stay. */
function numbersOf(b: BackendWindow | undefined, current: AIModelStatus | undefined): Numbers {
  const kept: Numbers = {};
  if (current?.latency !== undefined) kept.latency = current.latency;
  if (current?.successRate !== undefined) kept.successRate = current.successRate;
  if (current?.lastHealthCheckTime !== undefined)
    kept.lastHealthCheckTime = current.lastHealthCheckTime;
  return { ...kept, ...measuredNumbers(b) };
}

/**
 * The owned status fields for `model`. Numbers come from the window when it saw requests; without
 * traffic the last measured values stay (the condition then says why there is no verdict).
 */
export function trafficStatus(
  model: AIModel,
  o: Observation,
  t: Thresholds,
  now: Date,
): TrafficStatus {
  const current = model.status;
  const previous = findCondition(current?.conditions, AIModelConditionType.TrafficHealthy);
  const conditions = setCondition(
    previous === undefined ? [] : [previous],
    {
      type: AIModelConditionType.TrafficHealthy,
      ...verdictOf(o, t),
      observedGeneration: model.metadata.generation ?? 0,
    },
    now,
  );
  return { ...numbersOf(o.backend, current), conditions };
}

const verdictKey = (c: Condition | undefined): string => `${c?.status ?? ""}/${c?.reason ?? ""}`;

const fieldsKey = (s: Partial<TrafficStatus>, c: Condition | undefined): string =>
  JSON.stringify([
    s.latency,
    s.successRate,
    s.lastHealthCheckTime,
    c?.message,
    c?.observedGeneration,
  ]);

/**
 * Whether to write `desired` over `current` now: a changed verdict (condition status or reason) is
 * written at once; changed numbers or messages at most once per `minIntervalMs` per object (so
 * 1,000 models under traffic do not flood the API server); nothing changed, no write.
 */
export function shouldWrite(
  current: AIModelStatus | undefined,
  desired: TrafficStatus,
  timing: { lastWriteMs: number | undefined; nowMs: number; minIntervalMs: number },
): boolean {
  const type = AIModelConditionType.TrafficHealthy;
  const was = findCondition(current?.conditions, type);
  const want = findCondition(desired.conditions, type);
  if (verdictKey(was) !== verdictKey(want)) return true;
  if (fieldsKey(current ?? {}, was) === fieldsKey(desired, want)) return false;
  return (
    timing.lastWriteMs === undefined || timing.nowMs - timing.lastWriteMs >= timing.minIntervalMs
  );
}
