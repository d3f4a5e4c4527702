// Table tests of the measured verdict: which TrafficHealthy condition and numbers a window gives,
// and when they are written (a changed verdict at once, changed numbers at most once per interval).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import { vllm } from "../aimodel/fixtures.test-helpers.ts";
import type { BackendWindow } from "./measure.ts";
import { shouldWrite, trafficStatus } from "./verdict.ts";
import type { Observation } from "./verdict.ts";

const T = { minSuccessRate: 0.95, minRequests: 20, windowMs: 60_000 };
const now = new Date("2026-01-01T00:10:00Z");
const win = (b: Partial<BackendWindow>): BackendWindow => ({
  requests: 0,
  successRate: undefined,
  p50Ms: undefined,
  p99Ms: undefined,
  healthUp: undefined,
  breakerOpen: 0,
  lastProbe: undefined,
  ...b,
});
const seen = (backend: BackendWindow | undefined, processes = 2): Observation => ({
  backendName: "ns/m",
  processes,
  backend,
});

void test("the verdict of a window", () => {
  const rows: { name: string; o: Observation; status: string; reason: string; msg: RegExp }[] = [
    {
      name: "enough requests, all fine",
      o: seen(win({ requests: 100, successRate: 0.99, p50Ms: 12, p99Ms: 80 })),
      status: "True",
      reason: "AsExpected",
      msg: /Success rate 0\.9900 over 100 requests in the last 60s; p99 80 ms/,
    },
    {
      name: "enough requests, too many fail",
      o: seen(win({ requests: 50, successRate: 0.4, p50Ms: 5, p99Ms: 9 })),
      status: "False",
      reason: "SuccessRateLow",
      msg: /Success rate 0\.4000 over 50 requests in the last 60s is below 0\.9500/,
    },
    {
      name: "health check fails, even with good traffic",
      o: seen(
        win({
          requests: 100,
          successRate: 1,
          healthUp: false,
          lastProbe: new Date(now.getTime() - 5000),
        }),
      ),
      status: "False",
      reason: "HealthCheckFailing",
      msg: /health check .* fails \(last probe 2026-01-01T00:09:55Z\)/,
    },
    {
      name: "breaker open: failing even when few attempts reached the backend",
      o: seen(win({ requests: 2, successRate: 0, breakerOpen: 1 })),
      status: "False",
      reason: "BreakerOpen",
      msg: /circuit breaker .* open in 1 of 2 gateway processes .* 2 reached it in the last 60s/,
    },
    {
      name: "few requests, failing ones are not judged",
      o: seen(win({ requests: 5, successRate: 0 })),
      status: "Unknown",
      reason: "NotEnoughTraffic",
      msg: /5 requests in the last 60s \(fewer than 20\)/,
    },
    {
      name: "few requests, health check passing",
      o: seen(win({ requests: 3, successRate: 1, healthUp: true })),
      status: "True",
      reason: "AsExpected",
      msg: /Health check passing; 3 requests/,
    },
    {
      name: "no gateway scraped",
      o: {
        backendName: "ns/m",
        processes: 0,
        problem: 'Service "x" not found',
        backend: undefined,
      },
      status: "Unknown",
      reason: "NotMeasured",
      msg: /No inference gateway process was scraped: Service "x" not found/,
    },
    {
      name: "gateways do not know the backend",
      o: seen(undefined, 3),
      status: "Unknown",
      reason: "NotMeasured",
      msg: /None of 3 inference gateway processes reports backend ns\/m/,
    },
  ];
  for (const r of rows) {
    const s = trafficStatus(vllm(), r.o, T, now);
    assert.equal(s.conditions.length, 1, r.name);
    const c = s.conditions[0];
    assert.equal(c?.type, "TrafficHealthy", r.name);
    assert.equal(c?.status, r.status, r.name);
    assert.equal(c?.reason, r.reason, r.name);
    assert.match(c?.message ?? "", r.msg, r.name);
    assert.equal(c?.observedGeneration, 3, r.name);
  }
});

void test("numbers come from a window with requests; without traffic the last ones stay", () => {
  const m = vllm();
  const s = trafficStatus(
    m,
    seen(win({ requests: 40, successRate: 0.975, p50Ms: 11, p99Ms: 230, lastProbe: now })),
    T,
    now,
  );
  assert.deepEqual(s.latency, { p50Ms: 11, p99Ms: 230 });
  assert.equal(s.successRate, "0.9750");
  assert.equal(s.lastHealthCheckTime, "2026-01-01T00:10:00Z");
  const later: AIModel = { ...m, status: { ...s } };
  const quiet = trafficStatus(later, seen(win({ requests: 0 })), T, now);
  assert.deepEqual(quiet.latency, { p50Ms: 11, p99Ms: 230 });
  assert.equal(quiet.successRate, "0.9750");
  assert.equal(quiet.lastHealthCheckTime, "2026-01-01T00:10:00Z");
  // The success-rate string matches the CRD's pattern at both ends.
  const all = trafficStatus(
    m,
    seen(win({ requests: 30, successRate: 1, p50Ms: 1, p99Ms: 2 })),
    T,
    now,
  );
  assert.match(all.successRate ?? "", /^(0(\.[0-9]+)?|1(\.0+)?)$/);
  const none = trafficStatus(
    m,
    seen(win({ requests: 30, successRate: 0, p50Ms: 1, p99Ms: 2 })),
    T,
    now,
  );
  assert.match(none.successRate ?? "", /^(0(\.[0-9]+)?|1(\.0+)?)$/);
});

void test("lastTransitionTime moves only when the verdict flips", () => {
  const m = vllm();
  const good = win({ requests: 100, successRate: 1, p50Ms: 1, p99Ms: 2 });
  const s1 = trafficStatus(m, seen(good), T, now);
  const later = new Date(now.getTime() + 60_000);
  const s2 = trafficStatus({ ...m, status: s1 }, seen({ ...good, p99Ms: 3 }), T, later);
  assert.equal(s2.conditions[0]?.lastTransitionTime, s1.conditions[0]?.lastTransitionTime);
  const s3 = trafficStatus({ ...m, status: s2 }, seen({ ...good, successRate: 0.1 }), T, later);
  assert.notEqual(s3.conditions[0]?.lastTransitionTime, s1.conditions[0]?.lastTransitionTime);
});

void test("shouldWrite: verdicts at once, numbers at most once per interval, nothing when equal", () => {
  const m = vllm();
  const good = win({ requests: 100, successRate: 1, p50Ms: 10, p99Ms: 20 });
  const s1 = trafficStatus(m, seen(good), T, now);
  const t = now.getTime();
  assert.equal(
    shouldWrite(undefined, s1, { lastWriteMs: undefined, nowMs: t, minIntervalMs: 60_000 }),
    true,
    "first verdict",
  );
  assert.equal(
    shouldWrite(s1, s1, { lastWriteMs: t, nowMs: t + 1, minIntervalMs: 60_000 }),
    false,
    "nothing changed",
  );
  const s2 = trafficStatus({ ...m, status: s1 }, seen({ ...good, p99Ms: 25 }), T, now);
  assert.equal(
    shouldWrite(s1, s2, { lastWriteMs: t, nowMs: t + 10_000, minIntervalMs: 60_000 }),
    false,
    "numbers, too soon",
  );
  assert.equal(
    shouldWrite(s1, s2, { lastWriteMs: t, nowMs: t + 60_000, minIntervalMs: 60_000 }),
    true,
    "numbers, interval passed",
  );
  assert.equal(
    shouldWrite(s1, s2, { lastWriteMs: undefined, nowMs: t, minIntervalMs: 60_000 }),
    true,
    "numbers, never written here",
  );
  const bad = trafficStatus({ ...m, status: s1 }, seen({ ...good, successRate: 0.5 }), T, now);
  assert.equal(
    shouldWrite(s1, bad, { lastWriteMs: t, nowMs: t + 1, minIntervalMs: 60_000 }),
    true,
    "verdict flipped",
  );
});
