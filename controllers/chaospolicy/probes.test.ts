// Table tests of probe comparison, Prometheus parsing, scheduling and failure counting; runProbe
// against a real local HTTP server.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import type { ChaosComparator, ChaosProbe } from "../../crds/chaospolicy/v1alpha1/index.ts";
import { parseDurationMs } from "./duration.ts";
import {
  applyResults,
  compare,
  dueProbes,
  failedProbe,
  nextProbeAt,
  promValue,
  runProbe,
} from "./probes.ts";

const cmp: [number, ChaosComparator, number, boolean][] = [
  [1, "<", 2, true],
  [2, "<", 2, false],
  [2, "<=", 2, true],
  [200, "==", 200, true],
  [503, "==", 200, false],
  [503, "!=", 200, true],
  [0.05, ">=", 0.05, true],
  [0.04, ">", 0.05, false],
  [Number.NaN, "!=", 1, false],
];
for (const [o, c, t, want] of cmp) {
  test(`compare ${o} ${c} ${t} = ${want}`, () => {
    assert.equal(compare(o, c, t), want);
  });
}

const prom: [string, unknown, number | RegExp][] = [
  ["scalar", { status: "success", data: { resultType: "scalar", result: [1, "0.25"] } }, 0.25],
  [
    "one sample",
    {
      status: "success",
      data: { resultType: "vector", result: [{ metric: {}, value: [1, "3"] }] },
    },
    3,
  ],
  ["empty vector", { status: "success", data: { resultType: "vector", result: [] } }, /0 series/],
  [
    "two samples",
    {
      status: "success",
      data: { resultType: "vector", result: [{ value: [1, "1"] }, { value: [1, "2"] }] },
    },
    /2 series/,
  ],
  ["error", { status: "error", error: "parse error" }, /parse error/],
  ["matrix", { status: "success", data: { resultType: "matrix", result: [] } }, /unsupported/],
];
for (const [name, body, want] of prom) {
  test(`promValue: ${name}`, () => {
    const got = promValue(body);
    if (typeof want === "number") assert.equal(got, want);
    else assert.match(String(got), want);
  });
}

const probe = (name: string, interval: string, failureThreshold = 1): ChaosProbe => ({
  name,
  type: "HTTP",
  url: "http://127.0.0.1:1/",
  comparator: "==",
  threshold: "200",
  interval,
  failureThreshold,
});
const t0 = new Date("2026-01-01T00:00:00Z");
const at = (s: number): Date => new Date(t0.getTime() + s * 1000);

test("dueProbes and nextProbeAt follow each probe's interval", () => {
  const ps = [probe("a", "2s"), probe("b", "10s")];
  assert.deepEqual(
    dueProbes(ps, undefined, t0).map((p) => p.name),
    ["a", "b"],
  );
  const state = applyResults(
    ps,
    undefined,
    [
      { name: "a", ok: true, value: "200" },
      { name: "b", ok: true, value: "200" },
    ],
    t0,
  );
  assert.deepEqual(
    dueProbes(ps, state, at(1)).map((p) => p.name),
    [],
  );
  assert.deepEqual(
    dueProbes(ps, state, at(2)).map((p) => p.name),
    ["a"],
  );
  assert.equal(nextProbeAt(ps, state, at(1))?.toISOString(), at(2).toISOString());
  assert.equal(nextProbeAt([], state, at(1)), undefined);
});

test("applyResults counts consecutive failures; failedProbe honours failureThreshold", () => {
  const ps = [probe("a", "1s", 2)];
  let s = applyResults(ps, undefined, [{ name: "a", ok: false, value: "503" }], t0);
  assert.equal(s[0]?.consecutiveFailures, 1);
  assert.equal(failedProbe(ps, s), undefined);
  s = applyResults(ps, s, [{ name: "a", ok: false, value: "503" }], at(1));
  assert.equal(failedProbe(ps, s)?.probe.name, "a");
  s = applyResults(ps, s, [{ name: "a", ok: true, value: "200" }], at(2));
  assert.equal(s[0]?.consecutiveFailures, 0);
  assert.equal(failedProbe(ps, s), undefined);
});

test("parseDurationMs", () => {
  assert.equal(parseDurationMs("1h30m"), 5_400_000);
  assert.equal(parseDurationMs("250ms"), 250);
  assert.equal(parseDurationMs("1.5s"), 1500);
  assert.equal(parseDurationMs("5"), undefined);
  assert.equal(parseDurationMs(undefined), undefined);
});

let url = "";
const server = createServer((req, res) => {
  if (req.url?.startsWith("/api/v1/query") === true) {
    const q = new URL(req.url, "http://x").searchParams.get("query");
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        status: "success",
        data: { resultType: "scalar", result: [1, q === "up" ? "1" : "0.5"] },
      }),
    );
    return;
  }
  res.statusCode = req.url === "/ok" ? 200 : 503;
  res.end();
});
before(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test("runProbe: HTTP status codes, Prometheus values, errors as failed checks", async () => {
  const http = (path: string): ChaosProbe => ({ ...probe("h", "1s"), url: `${url}${path}` });
  assert.deepEqual(await runProbe(http("/ok"), undefined, fetch, 2000), {
    name: "h",
    ok: true,
    value: "200",
  });
  assert.deepEqual(await runProbe(http("/bad"), undefined, fetch, 2000), {
    name: "h",
    ok: false,
    value: "503",
  });
  const down = await runProbe(
    { ...probe("h", "1s"), url: "http://127.0.0.1:1/" },
    undefined,
    fetch,
    2000,
  );
  assert.equal(down.ok, false);
  assert.match(down.value, /^error: /);
  const pq = (query: string): ChaosProbe => ({
    name: "p",
    type: "Prometheus",
    query,
    comparator: "<",
    threshold: "0.6",
    interval: "1s",
    failureThreshold: 1,
  });
  assert.deepEqual(await runProbe(pq("rate"), url, fetch, 2000), {
    name: "p",
    ok: true,
    value: "0.5",
  });
  assert.deepEqual(await runProbe(pq("up"), url, fetch, 2000), {
    name: "p",
    ok: false,
    value: "1",
  });
  assert.equal((await runProbe(pq("up"), undefined, fetch, 2000)).ok, false);
});
