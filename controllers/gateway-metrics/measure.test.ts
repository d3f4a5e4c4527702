import { test } from "node:test";
import assert from "node:assert/strict";
import { History, parseMetrics, quantile, snapshotOf, windowOf } from "./measure.ts";

const text = (
  success: number,
  failure: number,
  fast: number,
  slow: number,
  v2errors: number,
): string => `
# HELP inference_gateway_upstream_attempts_total x
inference_gateway_upstream_attempts_total{backend="team/llama",kind="chat",outcome="success"} ${success}
inference_gateway_upstream_attempts_total{backend="team/llama",kind="chat",outcome="retryable_error"} ${failure}
inference_gateway_upstream_attempts_total{backend="team/llama",kind="chat",outcome="breaker_open"} 99
inference_gateway_backend_request_duration_seconds_bucket{le="0.01",backend="team/llama"} ${fast}
inference_gateway_backend_request_duration_seconds_bucket{le="0.1",backend="team/llama"} ${fast + slow}
inference_gateway_backend_request_duration_seconds_bucket{le="+Inf",backend="team/llama"} ${fast + slow}
inference_gateway_backend_health_up{backend="team/llama"} 1
inference_gateway_backend_health_last_probe_timestamp_seconds{backend="team/llama"} 1780000000
inference_gateway_assistant_requests_total{assistant="helper",version="v2",outcome="error"} ${v2errors}
inference_gateway_assistant_requests_total{assistant="helper",version="v2",outcome="success"} 10
inference_gateway_requests_total{endpoint="chat",model="a \\"quoted\\" name",backend="",tenant="t",status="200",code="OK"} 3
`;

void test("parseMetrics reads names, escaped labels and values; skips comments", () => {
  const s = parseMetrics(text(1, 2, 3, 4, 5));
  assert.equal(s.length, 11);
  assert.deepEqual(s.at(-1)?.labels["model"], 'a "quoted" name');
  assert.equal(s[0]?.value, 1);
});

void test("quantile interpolates inside buckets like histogram_quantile", () => {
  const b: [number, number][] = [
    [0.01, 50],
    [0.1, 100],
    [Infinity, 100],
  ];
  assert.equal(quantile(0.5, b), 0.01);
  assert.ok(Math.abs((quantile(0.99, b) ?? 0) - 0.0982) < 1e-9);
  assert.equal(quantile(0.5, [[Infinity, 0]]), undefined);
});

void test("windowOf: differences two scrapes; attempts that never reached the backend do not count", () => {
  const before = snapshotOf(parseMetrics(text(100, 0, 100, 0, 0)), 0);
  const now = snapshotOf(parseMetrics(text(190, 10, 100, 100, 5)), 60_000);
  const w = windowOf([{ now, before }]);
  const b = w.backends.get("team/llama");
  assert.equal(b?.requests, 100);
  assert.equal(b?.successRate, 0.9);
  // All 100 new requests fell in (0.01, 0.1]: rank 50 of 100 interpolates to 0.055 s.
  assert.equal(b?.p50Ms, 55);
  assert.equal(b?.p99Ms, 99);
  assert.equal(b?.healthUp, true);
  assert.deepEqual(w.versions.get("helper/v2"), { requests: 5, errors: 5 });
});

void test("windowOf: a restarted process counts from zero; two processes add up", () => {
  const before = snapshotOf(parseMetrics(text(1000, 0, 1000, 0, 0)), 0);
  const restarted = snapshotOf(parseMetrics(text(8, 2, 10, 0, 1)), 60_000);
  const other = snapshotOf(parseMetrics(text(10, 0, 10, 0, 0)), 60_000);
  const w = windowOf([
    { now: restarted, before },
    { now: other, before: undefined },
  ]);
  assert.equal(w.backends.get("team/llama")?.requests, 20);
  assert.equal(w.backends.get("team/llama")?.successRate, 0.9);
});

void test("History pairs the latest scrape with one a window older and forgets gone endpoints", () => {
  const h = new History(60_000);
  const live = new Set(["a"]);
  for (const at of [0, 30_000, 60_000, 90_000]) h.add("a", snapshotOf([], at), live);
  const [p] = h.pairs(60_000);
  assert.equal(p?.now.at, 90_000);
  assert.equal(p?.before?.at, 30_000);
  h.add("b", snapshotOf([], 95_000), new Set(["b"]));
  assert.deepEqual(
    h.pairs(60_000).map((x) => x.now.at),
    [95_000],
  );
});

void test("windowOf counts the processes whose breaker for a backend is open", () => {
  const breaker = (state: number): string =>
    `inference_gateway_backend_breaker_state{backend="team/llama"} ${state}\n${text(1, 0, 1, 0, 0)}`;
  const open = snapshotOf(parseMetrics(breaker(2)), 0);
  const half = snapshotOf(parseMetrics(breaker(1)), 0);
  const closed = snapshotOf(parseMetrics(breaker(0)), 0);
  const count = (...snaps: (typeof open)[]) =>
    windowOf(snaps.map((now) => ({ now, before: undefined }))).backends.get("team/llama")
      ?.breakerOpen;
  assert.equal(count(open, half, closed), 1);
  assert.equal(count(open, open), 2);
  assert.equal(count(half, closed), 0);
});
