/**
 * The limiter's batching against a real Redis: what is queued for a tenant in one turn goes out
 * as one script call, settlements before admissions, and a settlement resolves only once written.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Redis } from "ioredis";
import { Limiter } from "../../../workloads/inference-gateway/src/limits/limiter.ts";
import type { TenantConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import { GatewayError } from "../../../workloads/inference-gateway/src/errors.ts";
import { newTenant, redisClient } from "./helpers.ts";

function tenant(budget: number): TenantConfig {
  const t = newTenant("batch");
  return {
    id: t.id,
    apiKeys: [{ sha256: t.hash }],
    models: ["*"],
    limits: { rpm: 1000, tokenBudget: { tokens: budget, periodSeconds: 86_400 } },
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

const log = (): void => undefined;

void test("admissions queued in one turn leave as one script call and are decided in order", async (t) => {
  const redis = redisClient();
  t.after(() => redis.quit());
  const limiter = new Limiter(redis);
  const tn = tenant(250);
  await limiter.admit(tn, 1).then((r) => limiter.settle(r, 0, log, true)); // loads the script
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
    "first come, first served within the batch",
  );
  const refused = (results[2] as PromiseRejectedResult).reason as unknown;
  assert.ok(refused instanceof GatewayError && refused.code === "GW_ERR_BUDGET_EXCEEDED");
  await limiter.close();
});

void test("a settlement queued before an admission frees budget for it in the same call", async (t) => {
  const redis = redisClient();
  t.after(() => redis.quit());
  const limiter = new Limiter(redis, { settleDelayMs: 60_000 });
  const tn = tenant(100);
  const first = await limiter.admit(tn, 100);
  assert.ok(first !== undefined);
  // Without the settlement the budget is fully reserved; settled at 40, 60 are left.
  const settled = limiter.settle(first, 40, log);
  const second = await limiter.admit(tn, 60);
  assert.ok(second !== undefined, "admitted because the settlement ran first");
  await settled;
  const [key] = await redis.keys(`igw:{${tn.id}}:budget:*`);
  assert.deepEqual(await redis.hgetall(key!), { reserved: "60", spent: "40" });
  await limiter.close();
});

void test("a lone settlement is written after its delay, and close() writes what is queued", async (t) => {
  const redis = redisClient();
  t.after(() => redis.quit());
  const tn = tenant(1000);
  const key = async (): Promise<string> => (await redis.keys(`igw:{${tn.id}}:budget:*`))[0]!;

  const delayed = new Limiter(redis, { settleDelayMs: 300 });
  const r1 = await delayed.admit(tn, 100);
  const p = delayed.settle(r1, 30, log);
  assert.deepEqual(
    await redis.hgetall(await key()),
    { reserved: "100" },
    "not written before its delay (nothing else to ride along with)",
  );
  await p;
  assert.deepEqual(await redis.hgetall(await key()), { reserved: "0", spent: "30" });

  const slow = new Limiter(redis, { settleDelayMs: 60_000 });
  const r2 = await slow.admit(tn, 100);
  void slow.settle(r2, 50, log);
  await slow.close();
  assert.deepEqual(await redis.hgetall(await key()), { reserved: "0", spent: "80" });
});
