/**
 * Token budget reservation under concurrency: 50 concurrent requests against a budget for exactly
 * 10 reservations admit exactly 10 (Redis counters), which are charged their actual usage, and
 * the other 40 get 429 with Retry-After. Also: failed requests are refunded, and rpm / tpm limits
 * answer 429 with Retry-After.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { estimateMessagesTokens } from "../../../workloads/inference-gateway/src/tokens.ts";
import { chatBound } from "../../../workloads/inference-gateway/src/limits/bound.ts";
import {
  budgetState,
  eventually,
  newTenant,
  post,
  redisClient,
  routing,
  startGateway,
} from "./helpers.ts";

/** What the gateway reserves for a body (limits/bound.ts) as sent by post(). */
function reservation(body: Record<string, unknown>): number {
  const b = chatBound(body, Buffer.byteLength(JSON.stringify(body)), 1024);
  return b.inputTokens + b.outputTokens;
}

void test("50 concurrent requests against a budget for 10 reservations: exactly 10 admitted and charged, 40 get 429", async (t) => {
  // Slow enough that all 50 are decided before the first settles (settling frees what it did
  // not use of its reservation).
  const up = await startTestUpstream({ latencyMs: 1500 });
  t.after(() => up.close());
  const redis = redisClient();
  t.after(() => redis.quit());
  const tenant = newTenant("race");
  const messages = [{ role: "user", content: "race" }];
  // Same-size bodies (two-digit user ids), so every request reserves the same amount.
  const body = (i: number): Record<string, unknown> => ({
    model: "m",
    messages,
    max_tokens: 5,
    user: `u${String(i).padStart(2, "0")}`,
  });
  const perRequest = reservation(body(0));
  const actual = estimateMessagesTokens(messages) + 5; // what the test upstream reports
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
      post(`${gw.url}/v1/chat/completions`, body(i), tenant.key),
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
    () => budgetState(redis, keys[0]!),
    (c) => Number(c["reserved"]) === 0,
  );
  assert.equal(
    Number(counters["spent"]),
    actual * 10,
    "the 10 admitted are charged what they used",
  );
  assert.equal(Number(counters["reserved"]), 0, "no reservation left behind");
  // What is left (10 × (reservation − actual)) is less than one reservation; to see the
  // exhausted answer, ask for more than the whole budget.
  const again = await post(
    `${gw.url}/v1/chat/completions`,
    { ...body(0), max_tokens: budget },
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
  const body = { model: "m", messages: [{ role: "user", content: "x" }], max_tokens: 10 };
  // tpm room for one reservation plus one settled request: the third request does not fit.
  const tpm = reservation(body) + estimateMessagesTokens(body.messages) + 10;
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
        { id: c.id, apiKeys: [{ sha256: c.hash }], models: ["m"], limits: { tpm } },
      ],
    }),
  );
  t.after(() => gw.close());
  const failed = await post(`${gw.url}/v1/chat/completions`, body, a.key);
  assert.equal(failed.status, 502);
  const [key] = await redis.keys(`igw:{${a.id}}:budget:*`);
  // The refund is local at once and reaches Redis within the limiter's lease window (100 ms).
  const counters = await eventually(
    () => budgetState(redis, key!),
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
