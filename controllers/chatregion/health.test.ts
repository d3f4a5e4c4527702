// Table tests of region health with a grace period before Unhealthy and a hold-down before Healthy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fleetLooksHealthy, nextHealth } from "./health.ts";
import type { Health } from "./health.ts";

const t0 = "2026-01-01T00:00:00.000Z";
const at = (s: number): Date => new Date(Date.parse(t0) + s * 1000);
const healthy: Health = { state: "Healthy", since: t0 };
const unhealthy: Health = { state: "Unhealthy", since: t0 };

const cases: {
  name: string;
  previous: Health | undefined;
  ok: boolean;
  now: number;
  want: Partial<Record<keyof Health, string | undefined>>;
  recheck?: number;
}[] = [
  {
    name: "first sight takes the observation",
    previous: undefined,
    ok: false,
    now: 5,
    want: { state: "Unhealthy", since: at(5).toISOString() },
  },
  {
    name: "healthy stays healthy",
    previous: healthy,
    ok: true,
    now: 5,
    want: { state: "Healthy", since: t0, pendingSince: undefined },
  },
  {
    name: "bad within the grace period: still healthy, clock starts",
    previous: healthy,
    ok: false,
    now: 100,
    want: { state: "Healthy", pendingSince: at(100).toISOString() },
    recheck: 10_000,
  },
  {
    name: "bad through the grace period: unhealthy",
    previous: { ...healthy, pendingSince: at(100).toISOString() },
    ok: false,
    now: 110,
    want: { state: "Unhealthy", since: at(110).toISOString(), pendingSince: undefined },
  },
  {
    name: "good again inside the grace period clears the clock",
    previous: { ...healthy, pendingSince: at(100).toISOString() },
    ok: true,
    now: 105,
    want: { state: "Healthy", pendingSince: undefined },
  },
  {
    name: "unhealthy and good: hold-down starts",
    previous: unhealthy,
    ok: true,
    now: 200,
    want: { state: "Unhealthy", pendingSince: at(200).toISOString() },
    recheck: 30_000,
  },
  {
    name: "good during part of the hold-down: still unhealthy",
    previous: { ...unhealthy, pendingSince: at(200).toISOString() },
    ok: true,
    now: 229,
    want: { state: "Unhealthy" },
    recheck: 1_000,
  },
  {
    name: "good through the hold-down: healthy",
    previous: { ...unhealthy, pendingSince: at(200).toISOString() },
    ok: true,
    now: 230,
    want: { state: "Healthy", since: at(230).toISOString() },
  },
  {
    name: "a relapse during hold-down restarts it",
    previous: { ...unhealthy, pendingSince: at(200).toISOString() },
    ok: false,
    now: 220,
    want: { state: "Unhealthy", pendingSince: undefined },
  },
];

for (const c of cases) {
  test(`health: ${c.name}`, () => {
    const step = nextHealth({
      previous: c.previous,
      observedHealthy: c.ok,
      message: "m",
      now: at(c.now),
      graceSeconds: 10,
      holdDownSeconds: 30,
    });
    for (const [k, v] of Object.entries(c.want)) assert.equal(step.health[k as keyof Health], v, k);
    assert.equal(step.recheckAfterMs, c.recheck);
  });
}

test("health: flapping faster than the grace period never turns a region unhealthy", () => {
  let h: Health | undefined = healthy;
  for (let s = 0; s < 120; s += 3) {
    h = nextHealth({
      previous: h,
      observedHealthy: s % 6 === 0,
      message: "",
      now: at(s),
      graceSeconds: 10,
      holdDownSeconds: 30,
    }).health;
    assert.equal(h.state, "Healthy", `at ${s}s`);
  }
});

const fleetCases = [
  { ready: 2, min: 2, want: true },
  { ready: 1, min: 2, want: false },
  { ready: 0, min: 0, want: false },
  { ready: 1, min: 0, want: true },
];
for (const c of fleetCases) {
  test(`fleetLooksHealthy(${c.ready} ready, min ${c.min}) = ${c.want}`, () => {
    assert.equal(fleetLooksHealthy(c.ready, c.min), c.want);
  });
}
