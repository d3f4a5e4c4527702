/**
 * Table tests of reciprocal rank fusion.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { reciprocalRankFusion } from "./rrf.ts";

void test("RRF ranks items found by both retrievers first", () => {
  const r = reciprocalRankFusion([
    ["a", "b", "c"],
    ["c", "d", "a"],
  ]);
  assert.deepEqual(
    r.map((x) => x.id),
    ["a", "c", "b", "d"],
  );
  assert.ok(Math.abs((r[0]?.score ?? 0) - (1 / 61 + 1 / 63)) < 1e-12);
});

void test("RRF handles empty rankings, limits and ties deterministically", () => {
  assert.deepEqual(reciprocalRankFusion([[], []]), []);
  assert.deepEqual(
    reciprocalRankFusion([["x"], ["y"]]).map((r) => r.id),
    ["x", "y"],
  );
  assert.equal(reciprocalRankFusion([["a", "b", "c"]], 60, 2).length, 2);
});
