/**
 * Tests of the limits: token buckets, keyed buckets with bounded memory, the connection limiter,
 * and the message limit's local fallback when Redis fails.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Redis } from "ioredis";
import { allowMessage, ConnectionLimiter, KeyedRateLimiter, TokenBucket } from "./ratelimit.ts";

void test("TokenBucket: burst, then the rate", () => {
  const b = new TokenBucket(2, 2, 0);
  assert.equal(b.take(0), true);
  assert.equal(b.take(0), true);
  assert.equal(b.take(0), false);
  assert.equal(b.waitMs(), 500);
  assert.equal(b.take(500), true);
  assert.equal(b.full(10_000), true);
});

void test("KeyedRateLimiter: per key, swept when idle, bounded key count", () => {
  const l = new KeyedRateLimiter(1, 1, 2);
  assert.equal(l.take("a", 0), 0);
  assert.ok(l.take("a", 0) > 0);
  assert.equal(l.take("b", 0), 0, "another key has its own bucket");
  assert.ok(l.take("c", 0) > 0, "a third key is refused while two are active");
  assert.equal(l.take("c", 5_000), 0, "after a sweep of full buckets it is accepted");
  l.sweep(10_000);
  assert.equal(l.size, 0);
});

void test("ConnectionLimiter: total and per user, released on close", () => {
  const l = new ConnectionLimiter(3, 2);
  const a = { tenantId: "t", userId: "a" };
  const b = { tenantId: "t", userId: "b" };
  assert.equal(l.acquire(a), null);
  assert.equal(l.acquire(a), null);
  assert.equal(l.acquire(a), "user");
  assert.equal(l.acquire(b), null);
  assert.equal(l.acquire(b), "total");
  l.release(a);
  assert.equal(l.total, 2);
  assert.equal(l.acquire(b), null);
  l.release({ tenantId: "t", userId: "nobody" });
  assert.equal(l.total, 3);
});

void test("allowMessage falls back to a local bound when Redis fails", async () => {
  const failing = {
    multi: () => ({
      incr: () => ({
        pexpire: () => ({ exec: () => Promise.reject(new Error("Command timed out")) }),
      }),
    }),
  } as unknown as Redis;
  const fallback = new KeyedRateLimiter(1, 2);
  const scope = { tenantId: "t", userId: "u" };
  const limit = { messages: 2, windowMs: 2000, fallback };
  const r1 = await allowMessage(failing, scope, limit, 0);
  const r2 = await allowMessage(failing, scope, limit, 0);
  const r3 = await allowMessage(failing, scope, limit, 0);
  assert.deepEqual([r1.allowed, r2.allowed, r3.allowed], [true, true, false]);
  assert.equal(r3.local, true);
});
