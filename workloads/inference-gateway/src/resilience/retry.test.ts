import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay, isRetryableStatus } from "./retry.ts";

for (const [status, want] of [
  [400, false],
  [401, false],
  [404, false],
  [408, true],
  [422, false],
  [429, true],
  [500, true],
  [502, true],
  [503, true],
  [504, true],
] as const) {
  void test(`isRetryableStatus(${status}) = ${want}`, () => {
    assert.equal(isRetryableStatus(status), want);
  });
}

for (const [attempt, r, want] of [
  [1, 0, 25],
  [1, 1, 100],
  [2, 1, 200],
  [3, 0.5, 250],
  [10, 1, 1000],
  [10, 0, 250],
] as const) {
  void test(`backoffDelay(attempt ${attempt}, r ${r}) = ${want}`, () => {
    assert.equal(
      backoffDelay(attempt, 100, 1000, () => r),
      want,
    );
  });
}
