/**
 * Budgets bound what is actually spent, against a real Redis and the TEST UPSTREAM in its
 * misbehaving mode (it answers three times the tokens it was asked for, like a provider that
 * ignores max_tokens): 50 concurrent callers, unary and streaming, never get the tenant charged
 * beyond its budget; every field that adds cost is covered by the reservation; what cannot be
 * bounded is refused with a coded 400; a money budget (costBudget) admits exactly as many
 * requests as it pays for.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { chatBound, microUnits } from "../../../workloads/inference-gateway/src/limits/bound.ts";
import { estimateMessagesTokens } from "../../../workloads/inference-gateway/src/tokens.ts";
import type { TenantConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import {
  budgetState,
  eventually,
  metricValue,
  newTenant,
  post,
  redisClient,
  routing,
  startGateway,
} from "./helpers.ts";

const DEFAULT_MAX = 8;

/** What the gateway reserves for a body sent by post() (limits/bound.ts). */
function reservation(body: Record<string, unknown>): {
  tokens: number;
  input: number;
  output: number;
} {
  const b = chatBound(body, Buffer.byteLength(JSON.stringify(body)), DEFAULT_MAX);
  return { tokens: b.inputTokens + b.outputTokens, input: b.inputTokens, output: b.outputTokens };
}

type Err = { error: { code: string; param: string | null } };

void test("an upstream answering 3× what it was asked: 50 concurrent callers never overspend the budget", async (t) => {
  const up = await startTestUpstream({ overrunFactor: 3, latencyMs: 100 });
  t.after(() => up.close());
  const redis = redisClient();
  t.after(() => redis.quit());
  const tenant = newTenant("overrun");
  const messages = [{ role: "user", content: "spend it all" }];
  const unary = { model: "m", messages, max_tokens: 100 };
  const stream = { ...unary, stream: true };
  const budget = 6 * Math.max(reservation(unary).tokens, reservation(stream).tokens);
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
      post(`${gw.url}/v1/chat/completions`, i % 2 === 0 ? unary : stream, tenant.key),
    ),
  );
  const ok = results.filter((r) => r.status === 200);
  assert.ok(ok.length >= 1, "some requests were served");
  for (const r of results.filter((x) => x.status !== 200)) {
    assert.equal(r.status, 429, r.text);
    assert.equal((r.json as Err).error.code, "GW_ERR_BUDGET_EXCEEDED");
  }
  // Streams are ended by the gateway after the reserved output, with finish_reason "length".
  for (const r of ok.filter((x) =>
    x.headers.get("content-type")?.startsWith("text/event-stream"),
  )) {
    const data = r.text
      .split("\n")
      .filter((l) => l.startsWith("data: ") && l !== "data: [DONE]")
      .map(
        (l) =>
          JSON.parse(l.slice(6)) as {
            choices: { delta: { content?: string }; finish_reason: string | null }[];
          },
      );
    const pieces = data.filter((c) => (c.choices[0]?.delta.content ?? "") !== "").length;
    assert.ok(pieces <= 100, `${pieces} content pieces passed for max_tokens 100`);
    assert.equal(data.at(-1)?.choices[0]?.finish_reason, "length");
    assert.ok(r.text.endsWith("data: [DONE]\n\n"));
  }
  assert.equal(up.stats.lastMaxTokens, 100, "the upstream was sent the reserved max_tokens");
  const [key] = await redis.keys(`igw:{${tenant.id}}:budget:*`);
  const c = await eventually(
    () => budgetState(redis, key!),
    (v) => v["reserved"] === "0",
  );
  assert.ok(Number(c["spent"]) <= budget, `spent ${c["spent"]} within the budget ${budget}`);
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.ok(
    (metricValue(metrics, "inference_gateway_usage_over_reservation_tokens_total", {
      tenant: tenant.id,
    }) ?? 0) > 0,
    "the overrun is visible to operators",
  );
  assert.ok(
    (metricValue(metrics, "inference_gateway_streams_cut_total", { backend: "b" }) ?? 0) > 0,
  );
});

void test("every field that adds cost is reserved: spend stays within the budget for each bypass attempt", async (t) => {
  const up = await startTestUpstream({ overrunFactor: 3, latencyMs: 50 });
  t.after(() => up.close());
  const redis = redisClient();
  t.after(() => redis.quit());
  const messages = [{ role: "user", content: "bypass" }];
  const image = {
    role: "user",
    content: [
      { type: "text", text: "look" },
      { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
    ],
  };
  const variants: Record<string, Record<string, unknown>> = {
    "max_tokens absent": { model: "m", messages },
    "max_tokens null": { model: "m", messages, max_tokens: null },
    max_completion_tokens: { model: "m", messages, max_completion_tokens: 5, max_tokens: 5000 },
    n: { model: "m", messages, max_tokens: 4, n: 3 },
    tools: {
      model: "m",
      messages,
      max_tokens: 4,
      tools: [
        {
          type: "function",
          function: { name: "f", description: "d".repeat(400), parameters: { type: "object" } },
        },
      ],
    },
    image: { model: "m", messages: [image], max_tokens: 4 },
    response_format: {
      model: "m",
      messages,
      max_tokens: 4,
      response_format: {
        type: "json_schema",
        json_schema: { name: "s", schema: { type: "object", description: "x".repeat(300) } },
      },
    },
    "stop and logit_bias": {
      model: "m",
      messages,
      max_tokens: 4,
      stop: ["a", "b", "c"],
      logit_bias: { "1": 5, "2": 5 },
    },
  };
  const tenants: {
    name: string;
    t: ReturnType<typeof newTenant>;
    body: Record<string, unknown>;
    budget: number;
  }[] = Object.entries(variants).map(([name, body]) => ({
    name,
    t: newTenant("bypass"),
    body,
    budget: 3 * reservation(body).tokens,
  }));
  const config: TenantConfig[] = tenants.map((x) => ({
    id: x.t.id,
    apiKeys: [{ sha256: x.t.hash }],
    models: ["m"],
    limits: { tokenBudget: { tokens: x.budget, periodSeconds: 86_400 } },
  }));
  const gw = await startGateway(
    routing({
      defaults: { defaultMaxTokens: DEFAULT_MAX },
      backends: [{ name: "b", provider: "openai", baseURL: `${up.url}/v1` }],
      models: [{ name: "m", cache: { enabled: false }, routes: [{ backend: "b" }] }],
      tenants: config,
    }),
  );
  t.after(() => gw.close());
  for (const x of tenants) {
    const rs = await Promise.all(
      Array.from({ length: 12 }, () => post(`${gw.url}/v1/chat/completions`, x.body, x.t.key)),
    );
    const ok = rs.filter((r) => r.status === 200).length;
    // Served ones settle below their reservation, so later ones may fit: the bound is on spend.
    assert.ok(ok >= 1, `${x.name}: served (${rs.map((r) => r.status).join(",")})`);
    if (x.name.startsWith("max_tokens"))
      assert.equal(up.stats.lastMaxTokens, DEFAULT_MAX, `${x.name}: the default was sent upstream`);
    if (x.name === "max_completion_tokens")
      assert.equal(up.stats.lastMaxTokens, 5, "the smaller limit was sent in both fields");
    const [key] = await redis.keys(`igw:{${x.t.id}}:budget:*`);
    const c = await eventually(
      () => budgetState(redis, key!),
      (v) => v["reserved"] === "0",
    );
    assert.ok(
      Number(c["spent"]) <= x.budget,
      `${x.name}: spent ${c["spent"]} ≤ budget ${x.budget}`,
    );
  }
});

void test("what cannot be bounded is refused with a coded 400", async (t) => {
  const up = await startTestUpstream();
  t.after(() => up.close());
  const tenant = newTenant("unbounded");
  const gw = await startGateway(
    routing({
      backends: [{ name: "b", provider: "openai", baseURL: `${up.url}/v1` }],
      models: [{ name: "m", routes: [{ backend: "b" }] }],
      tenants: [{ id: tenant.id, apiKeys: [{ sha256: tenant.hash }], models: ["m"] }],
    }),
    { bound: { maxChoices: 4 } },
  );
  t.after(() => gw.close());
  const base = { model: "m", messages: [{ role: "user", content: "x" }], max_tokens: 2 };
  for (const [extra, param] of [
    [{ n: 5 }, "n"],
    [{ web_search_options: {} }, "web_search_options"],
    [{ tools: [{ type: "web_search_preview" }] }, "tools"],
  ] as const) {
    const r = await post(`${gw.url}/v1/chat/completions`, { ...base, ...extra }, tenant.key);
    assert.equal(r.status, 400, r.text);
    assert.equal((r.json as Err).error.code, "GW_ERR_UNBOUNDED_REQUEST");
    assert.equal((r.json as Err).error.param, param);
  }
  assert.equal(up.stats.chat, 0, "nothing reached the upstream");
});

void test("a cost budget of N micro-units admits exactly as many requests as it pays for, under 50 concurrent callers", async (t) => {
  // Slow enough that all 50 are decided before the first settles.
  const up = await startTestUpstream({ latencyMs: 1500 });
  t.after(() => up.close());
  const redis = redisClient();
  t.after(() => redis.quit());
  const tenant = newTenant("money");
  const price = { costIn: 3, costOut: 12 }; // EUR per million tokens
  const messages = [{ role: "user", content: "what does it cost" }];
  const body = (i: number): Record<string, unknown> => ({
    model: "m",
    messages,
    max_tokens: 20,
    user: `u${String(i).padStart(2, "0")}`,
  });
  const r = reservation(body(0));
  const perRequest = microUnits(r.input, r.output, price);
  const affordable = 7;
  const budget = affordable * perRequest + perRequest - 1;
  const gw = await startGateway(
    routing({
      backends: [
        {
          name: "b",
          provider: "openai",
          baseURL: `${up.url}/v1`,
          cost: { inputPerMillion: price.costIn, outputPerMillion: price.costOut },
        },
      ],
      models: [{ name: "m", cache: { enabled: false }, routes: [{ backend: "b" }] }],
      tenants: [
        {
          id: tenant.id,
          apiKeys: [{ sha256: tenant.hash }],
          models: ["m"],
          limits: { costBudget: { microUnits: budget, currency: "EUR", periodSeconds: 86_400 } },
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
  const ok = results.filter((x) => x.status === 200);
  assert.equal(ok.length, affordable, `statuses: ${results.map((x) => x.status).join(",")}`);
  for (const x of results.filter((y) => y.status !== 200)) {
    assert.equal(x.status, 429);
    assert.equal((x.json as Err).error.code, "GW_ERR_COST_BUDGET_EXCEEDED");
    assert.ok(Number(x.headers.get("retry-after")) >= 1);
  }
  // Settled at the upstream's usage, at the price of the backend that served.
  const actual = microUnits(estimateMessagesTokens(messages), 20, price);
  const [key] = await redis.keys(`igw:{${tenant.id}}:cost:*`);
  const c = await eventually(
    () => budgetState(redis, key!),
    (v) => v["reserved"] === "0",
  );
  assert.equal(Number(c["spent"]), affordable * actual);
  const metrics = await eventually(
    async () => (await fetch(`${gw.url}/metrics`)).text(),
    (m) =>
      metricValue(m, "inference_gateway_budget_remaining", { tenant: tenant.id, kind: "cost" }) ===
      budget - affordable * actual,
  );
  assert.equal(
    metricValue(metrics, "inference_gateway_cost_spent_micro_units_total", {
      tenant: tenant.id,
      currency: "EUR",
    }),
    affordable * actual,
  );
  assert.equal(
    metricValue(metrics, "inference_gateway_budget_remaining", { tenant: tenant.id, kind: "cost" }),
    budget - affordable * actual,
  );
});
