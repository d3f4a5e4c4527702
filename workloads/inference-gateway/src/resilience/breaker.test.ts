import { test } from "node:test";
import assert from "node:assert/strict";
import { CircuitBreaker } from "./breaker.ts";
import type { BreakerState } from "./breaker.ts";

type Step =
  | ["fail" | "ok" | "acquire" | "release", number]
  | ["expect", number, BreakerState]
  | ["acquireIs", number, boolean];

const cases: { name: string; steps: Step[] }[] = [
  {
    name: "stays closed below threshold",
    steps: [
      ["fail", 0],
      ["fail", 0],
      ["expect", 0, "closed"],
    ],
  },
  {
    name: "success resets the failure count",
    steps: [
      ["fail", 0],
      ["fail", 0],
      ["ok", 0],
      ["fail", 0],
      ["fail", 0],
      ["expect", 0, "closed"],
    ],
  },
  {
    name: "opens at threshold and refuses",
    steps: [
      ["fail", 0],
      ["fail", 0],
      ["fail", 0],
      ["expect", 0, "open"],
      ["acquireIs", 999, false],
    ],
  },
  {
    name: "half-opens after openMs",
    steps: [
      ["fail", 0],
      ["fail", 0],
      ["fail", 0],
      ["expect", 1000, "half-open"],
    ],
  },
  {
    name: "half-open allows one probe only",
    steps: [
      ["fail", 0],
      ["fail", 0],
      ["fail", 0],
      ["acquireIs", 1000, true],
      ["acquireIs", 1000, false],
    ],
  },
  {
    name: "probe success closes",
    steps: [
      ["fail", 0],
      ["fail", 0],
      ["fail", 0],
      ["acquireIs", 1000, true],
      ["ok", 1000],
      ["expect", 1000, "closed"],
      ["acquireIs", 1000, true],
    ],
  },
  {
    name: "probe failure reopens",
    steps: [
      ["fail", 0],
      ["fail", 0],
      ["fail", 0],
      ["acquireIs", 1000, true],
      ["fail", 1000],
      ["expect", 1500, "open"],
      ["expect", 2000, "half-open"],
    ],
  },
  {
    name: "release frees the probe slot",
    steps: [
      ["fail", 0],
      ["fail", 0],
      ["fail", 0],
      ["acquireIs", 1000, true],
      ["release", 1000],
      ["acquireIs", 1000, true],
    ],
  },
];

for (const tc of cases) {
  void test(`breaker: ${tc.name}`, () => {
    const changes: BreakerState[] = [];
    const b = new CircuitBreaker({ failureThreshold: 3, openMs: 1000, halfOpenRequests: 1 }, (s) =>
      changes.push(s),
    );
    for (const step of tc.steps) {
      const [op, now] = step;
      if (op === "fail") b.onFailure(now);
      else if (op === "ok") b.onSuccess();
      else if (op === "release") b.release();
      else if (op === "acquire") b.tryAcquire(now);
      else if (op === "expect") assert.equal(b.state(now), step[2], JSON.stringify(step));
      else assert.equal(b.tryAcquire(now), step[2], JSON.stringify(step));
    }
  });
}

void test("breaker reports transitions", () => {
  const changes: BreakerState[] = [];
  const b = new CircuitBreaker({ failureThreshold: 1, openMs: 10, halfOpenRequests: 1 }, (s) =>
    changes.push(s),
  );
  b.onFailure(0);
  b.tryAcquire(10);
  b.onSuccess();
  assert.deepEqual(changes, ["open", "half-open", "closed"]);
});
