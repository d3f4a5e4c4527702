/**
 * Token budget reservation under concurrency: 50 concurrent requests against a budget for exactly
 * 10 spend exactly the budget (Redis counters), and the other 40 get 429 with Retry-After.
 * Also: failed requests are refunded, and rpm / tpm limits answer 429 with Retry-After.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { estimateMessagesTokens } from "../../../workloads/inference-gateway/src/tokens.ts";
import { eventually, newTenant, post, redisClient, routing, startGateway } from "./helpers.ts";

void test("50 concurrent requests against a budget for 10: exactly the budget is spent, 40 get 429", async (t) => {
  const up = await startTestUpstream({ latencyMs: 300 });
  t.after(() => up.close());
  const redis = redisClient();
  t.after(() => redis.quit());
  const tenant = newTenant("race");
  const messages = [{ role: "user", content: "race" }];
  const perRequest = estimateMessagesTokens(messages) + 5;
  const budget = perRequest * 10;
  const gw = await startGateway(
    routing({
      backends: [{ name: "b", provider: "openai", baseURL: `${up.url}/v1` }],
      models: [{ name: "m", cache: { enabled: false }, routes: [{ backend: "b" }] }],
      tenants: [
        {
          id: tenant.id,
          apiKeys: [{ sha256: tenant.hash }],
          models: ["m"],
          limits: { tokenBudget: { tokens: budget, periodSeconds: 86_400 } },
        },
      ],
    }),
  );
  t.after(() => gw.close());

  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      post(
        `${gw.url}/v1/chat/completions`,
        { model: "m", messages, max_tokens: 5, user: `u${i}` },
        tenant.key,
      ),
    ),
  );
  const ok = results.filter((r) => r.status === 200);
  const limited = results.filter((r) => r.status === 429);
  assert.equal(ok.length, 10, `statuses: ${results.map((r) => r.status).join(",")}`);
  assert.equal(limited.length, 40);
  for (const r of limited) {
    assert.equal((r.json as { error: { code: string } }).error.code, "GW_ERR_BUDGET_EXCEEDED");
    assert.equal((r.json as { error: { type: string } }).error.type, "insufficient_quota");
    assert.ok(Number(r.headers.get("retry-after")) >= 1, "Retry-After present");
  }
  assert.equal(up.stats.chat, 10, "only admitted requests reached the upstream");
  const keys = await redis.keys(`igw:{${tenant.id}}:budget:*`);
  assert.equal(keys.length, 1);
  // Settlements are local at once and reach Redis within the limiter's lease window.
  const counters = await eventually(
    () => redis.hgetall(keys[0]!),
    (c) => Number(c["reserved"]) === 0,
  );
  assert.equal(Number(counters["spent"]), budget, "exactly the budget is spent");
  assert.equal(Number(counters["reserved"]), 0, "no reservation left behind");
  const again = await post(
    `${gw.url}/v1/chat/completions`,
    { model: "m", messages, max_tokens: 5 },
    tenant.key,
  );
  assert.equal(again.status, 429);
  assert.ok(
    Number(again.headers.get("retry-after")) > 60,
    "exhausted budget: retry after the period ends",
  );
});

void test("failed requests are refunded; rpm and tpm limits answer 429 with Retry-After", async (t) => {
  const up = await startTestUpstream({ errorRate: 1, errorStatus: 500 });
  t.after(() => up.close());
  const redis = redisClient();
  t.after(() => redis.quit());
  const a = newTenant("refund");
  const b = newTenant("rpm");
  const c = newTenant("tpm");
  const gw = await startGateway(
    routing({
      defaults: { retry: { maxAttempts: 1 } },
      backends: [{ name: "b", provider: "openai", baseURL: `${up.url}/v1` }],
      models: [{ name: "m", routes: [{ backend: "b" }] }],
      tenants: [
        {
          id: a.id,
          apiKeys: [{ sha256: a.hash }],
          models: ["m"],
          limits: { tokenBudget: { tokens: 1000 } },
        },
        { id: b.id, apiKeys: [{ sha256: b.hash }], models: ["m"], limits: { rpm: 3 } },
        { id: c.id, apiKeys: [{ sha256: c.hash }], models: ["m"], limits: { tpm: 40 } },
      ],
    }),
  );
  t.after(() => gw.close());
  const body = { model: "m", messages: [{ role: "user", content: "x" }], max_tokens: 10 };
  const failed = await post(`${gw.url}/v1/chat/completions`, body, a.key);
  assert.equal(failed.status, 502);
  const [key] = await redis.keys(`igw:{${a.id}}:budget:*`);
  // The refund is local at once and reaches Redis within the limiter's lease window (100 ms).
  const counters = await eventually(
    () => redis.hgetall(key!),
    (c) => Number(c["reserved"]) === 0,
  );
  assert.equal(Number(counters["reserved"]), 0);
  assert.equal(Number(counters["spent"] ?? 0), 0);

  up.set({ errorRate: 0 });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await post(`${gw.url}/v1/chat/completions`, body, b.key);
    statuses.push(r.status);
    if (r.status === 429) {
      assert.equal((r.json as { error: { code: string } }).error.code, "GW_ERR_RATE_LIMITED");
      assert.ok(
        Number(r.headers.get("retry-after")) >= 1 && Number(r.headers.get("retry-after")) <= 60,
      );
    }
  }
  assert.deepEqual(statuses, [200, 200, 200, 429]);

  const first = await post(`${gw.url}/v1/chat/completions`, body, c.key);
  const second = await post(`${gw.url}/v1/chat/completions`, body, c.key);
  const third = await post(`${gw.url}/v1/chat/completions`, body, c.key);
  assert.equal(first.status, 200);
  assert.equal(second.status, 200);
  assert.equal(third.status, 429);
  assert.equal((third.json as { error: { code: string } }).error.code, "GW_ERR_TOKEN_RATE_LIMITED");
  assert.ok(third.headers.get("retry-after") !== null);
});
