// Tests of the work-queue rate limiters (per-item exponential, bucket, max-of).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "./clock.ts";
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
} from "./ratelimiter.ts";

void describe("ItemExponentialFailureRateLimiter", () => {
  void it("doubles from 5 ms per failure and caps at 1000 s", () => {
    const rl = new ItemExponentialFailureRateLimiter(5, 1_000_000);
    const delays = Array.from({ length: 20 }, () => rl.when("a"));
    assert.deepEqual(delays.slice(0, 5), [5, 10, 20, 40, 80]);
    // 5 ms * 2^18 = 1310.72 s > 1000 s
    assert.equal(delays[17], 655_360);
    assert.equal(delays[18], 1_000_000);
    assert.equal(delays[19], 1_000_000);
  });

  void it("stays capped (no overflow to NaN/Infinity) after very many failures", () => {
    const rl = new ItemExponentialFailureRateLimiter(5, 1_000_000);
    let last = 0;
    for (let i = 0; i < 2000; i++) last = rl.when("a");
    assert.equal(last, 1_000_000);
  });

  void it("tracks items independently and forget resets one item", () => {
    const rl = new ItemExponentialFailureRateLimiter(5, 1_000_000);
    rl.when("a");
    rl.when("a");
    assert.equal(rl.when("b"), 5);
    assert.equal(rl.numRequeues("a"), 2);
    rl.forget("a");
    assert.equal(rl.numRequeues("a"), 0);
    assert.equal(rl.when("a"), 5);
    assert.equal(rl.numRequeues("b"), 1);
  });
});

void describe("BucketRateLimiter", () => {
  void it("allows a burst of 100 then spaces items at 10 qps", () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter(10, 100, clock);
    for (let i = 0; i < 100; i++) assert.equal(rl.when(`k${i}`), 0);
    assert.equal(Math.round(rl.when("x")), 100);
    assert.equal(Math.round(rl.when("y")), 200, "reservations accumulate");
  });

  void it("refills tokens over time, up to the burst", () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter(10, 100, clock);
    for (let i = 0; i < 100; i++) rl.when("k");
    clock.advance(1000); // +10 tokens
    for (let i = 0; i < 10; i++) assert.equal(rl.when("k"), 0);
    assert.ok(rl.when("k") > 0);
    clock.advance(3_600_000);
    for (let i = 0; i < 100; i++) assert.equal(rl.when("k"), 0, "refill is capped at burst");
    assert.ok(rl.when("k") > 0);
  });
});

void describe("MaxOfRateLimiter / defaultControllerRateLimiter", () => {
  void it("returns the larger of per-item backoff and the bucket delay", () => {
    const clock = new FakeClock();
    const rl = defaultControllerRateLimiter(clock);
    assert.equal(rl.when("a"), 5);
    assert.equal(rl.when("a"), 10);
    // exhaust the bucket with other items: the bucket delay dominates a fresh item's 5 ms
    for (let i = 0; i < 200; i++) rl.when(`k${i}`);
    assert.ok(rl.when("fresh") > 5);
  });

  void it("forgets in every limiter and reports the max requeues", () => {
    const a = new ItemExponentialFailureRateLimiter(1, 100);
    const b = new ItemExponentialFailureRateLimiter(1, 100);
    const rl = new MaxOfRateLimiter(a, b);
    rl.when("x");
    b.when("x");
    assert.equal(rl.numRequeues("x"), 2);
    rl.forget("x");
    assert.equal(a.numRequeues("x") + b.numRequeues("x"), 0);
  });
});
