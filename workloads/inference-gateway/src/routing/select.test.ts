import { test } from "node:test";
import assert from "node:assert/strict";
import { selectAttempts, weightedOrder } from "./select.ts";
import type { Candidate, Strategy } from "./select.ts";

const c = (backend: string, over: Partial<Candidate> = {}): Candidate => ({
  backend,
  upstreamModel: "m",
  weight: 1,
  priority: 0,
  available: true,
  cost: 0,
  latencyMs: undefined,
  ...over,
});

/** Deterministic sequence of random numbers. */
const seq = (...xs: number[]) => {
  let i = 0;
  return () => xs[i++ % xs.length] ?? 0;
};

const scoring = { costWeight: 1, latencyWeight: 1 };

const cases: {
  name: string;
  cands: Candidate[];
  strategy: Strategy;
  random: () => number;
  want: string[];
}[] = [
  {
    name: "priority orders fallbacks",
    cands: [c("b", { priority: 1 }), c("a", { priority: 0 })],
    strategy: "weighted",
    random: seq(0),
    want: ["a", "b"],
  },
  {
    name: "unavailable backends are dropped",
    cands: [c("a", { available: false }), c("b", { priority: 1 })],
    strategy: "weighted",
    random: seq(0),
    want: ["b"],
  },
  {
    name: "all unavailable gives no attempts",
    cands: [c("a", { available: false })],
    strategy: "weighted",
    random: seq(0),
    want: [],
  },
  {
    name: "weighted draw low r picks first",
    cands: [c("a", { weight: 90 }), c("b", { weight: 10 })],
    strategy: "weighted",
    random: seq(0.5),
    want: ["a", "b"],
  },
  {
    name: "weighted draw high r picks second",
    cands: [c("a", { weight: 90 }), c("b", { weight: 10 })],
    strategy: "weighted",
    random: seq(0.95),
    want: ["b", "a"],
  },
  {
    name: "weight 0 only as in-group fallback",
    cands: [c("z", { weight: 0 }), c("a")],
    strategy: "weighted",
    random: seq(0.99),
    want: ["a", "z"],
  },
  {
    name: "cheapest first",
    cands: [c("dear", { cost: 10 }), c("cheap", { cost: 1 })],
    strategy: "cost-latency",
    random: seq(0),
    want: ["cheap", "dear"],
  },
  {
    name: "fastest first at equal cost",
    cands: [c("slow", { latencyMs: 900 }), c("fast", { latencyMs: 100 })],
    strategy: "cost-latency",
    random: seq(0),
    want: ["fast", "slow"],
  },
  {
    name: "unmeasured explored first",
    cands: [c("known", { latencyMs: 50 }), c("new")],
    strategy: "cost-latency",
    random: seq(0),
    want: ["new", "known"],
  },
  {
    name: "score beats priority only within priority",
    cands: [c("p1-cheap", { priority: 1, cost: 0 }), c("p0-dear", { priority: 0, cost: 100 })],
    strategy: "cost-latency",
    random: seq(0),
    want: ["p0-dear", "p1-cheap"],
  },
];

for (const tc of cases) {
  void test(`selectAttempts: ${tc.name}`, () => {
    assert.deepEqual(
      selectAttempts(tc.cands, tc.strategy, scoring, tc.random).map((x) => x.backend),
      tc.want,
    );
  });
}

void test("weightedOrder approximates the A/B split", () => {
  let state = 42;
  const rnd = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  let a = 0;
  for (let i = 0; i < 10_000; i++)
    if (weightedOrder([c("a", { weight: 80 }), c("b", { weight: 20 })], rnd)[0]?.backend === "a")
      a++;
  assert.ok(a > 7700 && a < 8300, `a chosen ${a}/10000`);
});
