import { test } from "node:test";
import assert from "node:assert/strict";
import { formatQuantity, parseQuantity, sumResourceLists } from "./quantity.ts";

const cases: { q: string; want: number }[] = [
  { q: "16", want: 16 },
  { q: "500m", want: 0.5 },
  { q: "64Gi", want: 64 * 2 ** 30 },
  { q: "1k", want: 1000 },
  { q: "1e3", want: 1000 },
  { q: "bogus", want: Number.NaN },
];
for (const c of cases) {
  test(`parseQuantity(${c.q})`, () => {
    assert.deepEqual(parseQuantity(c.q), c.want);
  });
}

test("sumResourceLists adds per key and keeps binary units", () => {
  assert.deepEqual(
    sumResourceLists([
      { "requests.cpu": "16", "requests.memory": "64Gi" },
      { "requests.cpu": "500m", "requests.memory": "64Gi" },
      undefined,
    ]),
    {
      "requests.cpu": "16500m",
      "requests.memory": "128Gi",
    },
  );
  assert.equal(formatQuantity(0), "0");
  assert.equal(formatQuantity(2), "2");
});
