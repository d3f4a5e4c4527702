import { test } from "node:test";
import assert from "node:assert/strict";
import { GatewayError } from "../errors.ts";
import { budgetWindow, refusal } from "./limiter.ts";

const NOW = Date.UTC(2026, 10, 27, 12, 0, 30); // 30 s into a minute

void test("budgetWindow aligns to the period and reports the seconds left", () => {
  assert.deepEqual(budgetWindow("acme", 86_400, NOW), {
    key: `igw:{acme}:budget:${Date.UTC(2026, 10, 27) / 1000}`,
    resetIn: 12 * 3600 - 30,
  });
});

const cases: { name: string; res: [number, number]; code: string | null; retryAfter?: number }[] = [
  { name: "admitted", res: [0, 0], code: null },
  { name: "rpm", res: [1, 0], code: "GW_ERR_RATE_LIMITED", retryAfter: 30 },
  { name: "tpm", res: [2, 0], code: "GW_ERR_TOKEN_RATE_LIMITED", retryAfter: 30 },
  {
    name: "budget held by in-flight reservations",
    res: [3, 1],
    code: "GW_ERR_BUDGET_EXCEEDED",
    retryAfter: 1,
  },
  { name: "budget spent", res: [3, 2], code: "GW_ERR_BUDGET_EXCEEDED", retryAfter: 777 },
];

for (const tc of cases) {
  void test(`refusal: ${tc.name}`, () => {
    if (tc.code === null) {
      assert.doesNotThrow(() => {
        refusal(tc.res, NOW, 777);
      });
      return;
    }
    assert.throws(
      () => {
        refusal(tc.res, NOW, 777);
      },
      (e: unknown) =>
        e instanceof GatewayError &&
        e.code === tc.code &&
        e.statusCode === 429 &&
        e.retryAfter === tc.retryAfter,
    );
  });
}
