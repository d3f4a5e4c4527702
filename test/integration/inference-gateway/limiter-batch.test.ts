/**
 * The limiter against a real Redis: requests queued for a tenant in one turn go out as one script
 * call and are decided in order; settlements and the lease given back are written before the
 * admissions they make room for; a busy tenant is admitted from a lease with a handful of calls;
 * two replicas sharing a budget never overspend it; everything is given back when idle or closed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Redis } from "ioredis";
import { Limiter } from "../../../workloads/inference-gateway/src/limits/limiter.ts";
import type { TenantConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import { GatewayError } from "../../../workloads/inference-gateway/src/errors.ts";
import { budgetState, eventually, newTenant, redisClient } from "./helpers.ts";

function tenant(budget: number, rpm = 1_000_000): TenantConfig {
  const t = newTenant("batch");
  return {
    id: t.id,
    apiKeys: [{ sha256: t.hash }],
    models: ["*"],
    limits: { rpm, tokenBudget: { tokens: budget, periodSeconds: 86_400 } },
  };
}

async function scriptCalls(redis: Redis): Promise<number> {
  const stats = (await redis.info("commandstats")).split("\n");
  let n = 0;
  for (const line of stats) {
    const m = /^cmdstat_(evalsha|eval):calls=(\d+)/.exec(line);
    if (m !== null) n += Number(m[2]);
  }
  return n;
}

async function budgetOf(redis: Redis, tn: TenantConfig): Promise<Record<string, string>> {
  const [key] = await redis.keys(`igw:{${tn.id}}:budget:*`);
  return key === undefined ? {} : budgetState(redis, key);
}

void test("admissions queued in one turn leave as one script call and are decided in order", async (t) => {
  const redis = redisClient();
  t.after(() => redis.quit());
  const limiter = new Limiter(redis, { leaseMs: 60_000 });
  const tn = tenant(250);
  limiter.settle(await limiter.admit(tn, 1), 0); // loads the script
  const before = await scriptCalls(redis);
  const results = await Promise.allSettled([
    limiter.admit(tn, 100),
    limiter.admit(tn, 100),
    limiter.admit(tn, 100),
  ]);
  assert.equal((await scriptCalls(redis)) - before, 1, "one script call for the three");
  assert.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "fulfilled", "rejected"],
    "first come, first served within the call",
  );
  const refused = (results[2] as PromiseRejectedResult).reason as unknown;
  assert.ok(refused instanceof GatewayError && refused.code === "GW_ERR_BUDGET_EXCEEDED");
  await limiter.close();
});

void test("a settlement queued before an admission frees budget for it in the same call", async (t) => {
  const redis = redisClient();
  t.after(() => redis.quit());
  const limiter = new Limiter(redis, { leaseMs: 60_000 });
  const tn = tenant(100);
  const first = await limiter.admit(tn, 100);
  assert.ok(first !== undefined);
  // Without the settlement the budget is fully reserved; settled at 40, 60 are left.
  limiter.settle(first, 40);
  assert.deepEqual(await budgetOf(redis, tn), { reserved: "100" }, "settled locally only");
  const second = await limiter.admit(tn, 60);
  assert.ok(second !== undefined, "admitted because the settlement was written first");
  assert.deepEqual(await budgetOf(redis, tn), { reserved: "60", spent: "40" });
  limiter.settle(second, 60);
  await limiter.close();
  assert.deepEqual(await budgetOf(redis, tn), { reserved: "0", spent: "100" });
});

void test("settlements reach Redis within a lease window without any other traffic", async (t) => {
  const redis = redisClient();
  t.after(() => redis.quit());
  const limiter = new Limiter(redis, { leaseMs: 50 });
  t.after(() => limiter.close());
  const tn = tenant(1000);
  limiter.settle(await limiter.admit(tn, 100), 30);
  const counters = await eventually(
    () => budgetOf(redis, tn),
    (c) => c["spent"] === "30",
  );
  assert.deepEqual(counters, { reserved: "0", spent: "30" });
});

void test("a busy tenant is admitted from a lease: few script calls, exact counters, all given back", async (t) => {
  const redis = redisClient();
  t.after(() => redis.quit());
  const limiter = new Limiter(redis, { leaseMs: 50 });
  const tn = tenant(10_000_000);
  limiter.settle(await limiter.admit(tn, 1), 1); // loads the script
  const before = await scriptCalls(redis);
  let admitted = 0;
  // 40 waves of 25 requests, 5 ms apart: 1,000 requests over about 0.2 s, each using 7 of 10.
  for (let wave = 0; wave < 40; wave++) {
    const rs = await Promise.all(Array.from({ length: 25 }, () => limiter.admit(tn, 10)));
    for (const r of rs) limiter.settle(r, 7);
    admitted += rs.length;
    await new Promise((r) => setTimeout(r, 5));
  }
  const calls = (await scriptCalls(redis)) - before;
  assert.equal(admitted, 1000);
  assert.ok(calls < 100, `${calls} script calls for 1,000 admissions`);
  const held = await budgetOf(redis, tn);
  assert.ok(Number(held["reserved"]) > 0, "a lease is held while the tenant is busy");
  const counters = await eventually(
    () => budgetOf(redis, tn),
    (c) => c["reserved"] === "0",
  );
  assert.equal(counters["spent"], String(1 + 1000 * 7), "every settlement counted once");
  const [rpmKey] = await redis.keys(`igw:{${tn.id}}:rpm:*`);
  assert.ok(rpmKey !== undefined);
  await limiter.close();
  // Requests across a minute boundary count in two keys; both together are the admissions.
  let rpm = 0;
  for (const k of await redis.keys(`igw:{${tn.id}}:rpm:*`)) rpm += Number(await redis.get(k));
  assert.equal(rpm, 1001, "unused request slots were given back");
});

void test("two replicas sharing a budget never overspend it, and nothing stays reserved", async (t) => {
  const redis = redisClient();
  t.after(() => redis.quit());
  const a = new Limiter(redis, { leaseMs: 20 });
  const b = new Limiter(redis, { leaseMs: 20 });
  const tn = tenant(5_000);
  let admitted = 0;
  let refused = 0;
  const replica = async (l: Limiter): Promise<void> => {
    for (let wave = 0; wave < 60; wave++) {
      const rs = await Promise.allSettled(Array.from({ length: 10 }, () => l.admit(tn, 10)));
      for (const r of rs) {
        if (r.status === "fulfilled") {
          admitted++;
          l.settle(r.value, 10);
        } else {
          assert.ok(r.reason instanceof GatewayError && r.reason.code === "GW_ERR_BUDGET_EXCEEDED");
          refused++;
        }
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  await Promise.all([replica(a), replica(b)]);
  await Promise.all([a.close(), b.close()]);
  assert.equal(admitted + refused, 1200);
  assert.ok(admitted <= 500, `${admitted} requests of 10 tokens admitted against 5,000`);
  assert.ok(admitted >= 450, `leases may refuse early but not much: ${admitted} admitted`);
  assert.deepEqual(await budgetOf(redis, tn), { reserved: "0", spent: String(admitted * 10) });
});
