// Tests of the reconnect backoff: growth, cap, jitter and reset.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Backoff } from "./backoff.ts";
import { FakeClock } from "./clock.ts";

void describe("Backoff", () => {
  void it("doubles from 0.8 s to a 30 s cap without jitter", () => {
    const b = new Backoff({}, new FakeClock(), () => 0);
    const got = Array.from({ length: 8 }, () => b.next());
    assert.deepEqual(got, [800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000]);
  });

  void it("adds up to 100 % jitter", () => {
    const b = new Backoff({}, new FakeClock(), () => 0.5);
    assert.equal(b.next(), 1200);
    const max = new Backoff({}, new FakeClock(), () => 0.999_999);
    assert.ok(max.next() < 1600);
  });

  void it("resets after 2 minutes without backoff", () => {
    const clock = new FakeClock();
    const b = new Backoff({}, clock, () => 0);
    b.next();
    b.next();
    clock.advance(60_000);
    assert.equal(b.next(), 3200, "1 min is not enough to reset");
    clock.advance(120_001);
    assert.equal(b.next(), 800);
  });
});
