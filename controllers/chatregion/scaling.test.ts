// Table tests of connection-aware scaling: target per pod, tolerance, bounds, failover reserve,
// stabilization window, and pod-deletion-cost from connection counts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decideReplicas, ownCapacity, podDeletionCosts } from "./scaling.ts";
import type { ScaleInput } from "./scaling.ts";

const base: ScaleInput = {
  current: 2,
  podConnections: [0, 0],
  minReplicas: 1,
  maxReplicas: 10,
  targetPerPod: 500,
  maxConnections: 10000,
  reservedPercent: 0,
  receivingFailover: false,
  history: [],
  nowMs: 1_000_000,
  scaleDownWindowSeconds: 30,
};

const cases: { name: string; input: Partial<ScaleInput>; want: number }[] = [
  {
    name: "2,000 connections at 500 per pod: 4 pods",
    input: { podConnections: [1000, 1000] },
    want: 4,
  },
  {
    name: "within 10 % of the target: no change",
    input: { current: 4, podConnections: [520, 520, 520, 520] },
    want: 4,
  },
  {
    name: "bounded by maxReplicas",
    input: { podConnections: [5000, 5000], maxReplicas: 6 },
    want: 6,
  },
  {
    name: "bounded by minReplicas",
    input: { current: 4, podConnections: [0, 0, 0, 0], minReplicas: 3 },
    want: 3,
  },
  {
    name: "no metrics at all: hold",
    input: { current: 3, podConnections: [undefined, undefined, undefined] },
    want: 3,
  },
  { name: "no ready pods: hold", input: { current: 3, podConnections: [] }, want: 3 },
  {
    name: "an unreadable pod never causes a scale-down",
    input: { current: 3, podConnections: [10, undefined, 10] },
    want: 2,
  },
  {
    name: "an unreadable pod counts as empty for scale-up",
    input: { current: 2, podConnections: [1600, undefined] },
    want: 4,
  },
  {
    name: "capped by capacity outside the reserve",
    input: { podConnections: [4000, 4000], maxConnections: 5000, reservedPercent: 20 },
    want: 8,
  },
  {
    name: "the reserve is used while receiving failover traffic",
    input: {
      podConnections: [4000, 4000],
      maxConnections: 5000,
      reservedPercent: 20,
      receivingFailover: true,
    },
    want: 10,
  },
];

for (const c of cases) {
  test(`decideReplicas: ${c.name}`, () => {
    assert.equal(decideReplicas({ ...base, ...c.input }).replicas, c.want);
  });
}

test("decideReplicas: scale-down waits for the stabilization window, scale-up does not", () => {
  // 4 pods at 2,000 connections, then the clients leave.
  let d = decideReplicas({ ...base, current: 4, podConnections: [500, 500, 500, 500] });
  assert.equal(d.replicas, 4);
  let now = base.nowMs;
  for (let s = 5; s < 30; s += 5) {
    now += 5000;
    d = decideReplicas({
      ...base,
      current: d.replicas,
      podConnections: [0, 0, 0, 0],
      history: d.history,
      nowMs: now,
    });
    assert.equal(d.replicas, 4, `held at ${s}s`);
    assert.equal(d.recommended, 1);
  }
  now += 5000;
  d = decideReplicas({
    ...base,
    current: d.replicas,
    podConnections: [0, 0, 0, 0],
    history: d.history,
    nowMs: now,
  });
  assert.equal(d.replicas, 1, "down once the window has passed");
  d = decideReplicas({
    ...base,
    current: 1,
    podConnections: [2000],
    history: d.history,
    nowMs: now + 1000,
  });
  assert.equal(d.replicas, 4, "up at once");
});

test("decideReplicas: a brief dip does not shrink the fleet (no flapping)", () => {
  let d = decideReplicas({ ...base, current: 4, podConnections: [500, 500, 500, 500] });
  const loads = [500, 100, 500, 100, 500, 100, 500];
  let now = base.nowMs;
  for (const l of loads) {
    now += 5000;
    d = decideReplicas({
      ...base,
      current: d.replicas,
      podConnections: [l, l, l, l],
      history: d.history,
      nowMs: now,
    });
    assert.equal(d.replicas, 4);
  }
});

test("ownCapacity: maxConnections less the failover reserve", () => {
  assert.equal(ownCapacity(40000, 25), 30000);
  assert.equal(ownCapacity(999, 10), 899);
});

test("podDeletionCosts: connection counts; unknown pods are the most expensive", () => {
  const costs = podDeletionCosts([
    { name: "a", connections: 700 },
    { name: "b", connections: 0 },
    { name: "c", connections: undefined },
  ]);
  assert.deepEqual(
    [...costs],
    [
      ["a", "700"],
      ["b", "0"],
      ["c", "2147483647"],
    ],
  );
});
