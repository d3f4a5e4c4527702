/**
 * Response cache: deterministic requests (temperature 0) are answered from Redis per tenant with a
 * TTL, identical in-flight requests share one upstream call, streaming requests replay a cached
 * answer, and other requests are never cached.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import {
  eventually,
  metricValue,
  newTenant,
  post,
  redisClient,
  routing,
  startGateway,
} from "./helpers.ts";

void test("temperature-0 requests are cached per tenant and coalesced while in flight", async (t) => {
  const up = await startTestUpstream({ latencyMs: 200 });
  t.after(() => up.close());
  const redis = redisClient();
  t.after(() => redis.quit());
  const a = newTenant("cache-a");
  const b = newTenant("cache-b");
  const gw = await startGateway(
    routing({
      backends: [{ name: "b", provider: "openai", baseURL: `${up.url}/v1` }],
      models: [{ name: "m", cache: { ttlSeconds: 60 }, routes: [{ backend: "b" }] }],
      tenants: [
        {
          id: a.id,
          apiKeys: [{ sha256: a.hash }],
          models: ["m"],
          limits: { tokenBudget: { tokens: 100_000 } },
        },
        { id: b.id, apiKeys: [{ sha256: b.hash }], models: ["m"] },
      ],
    }),
  );
  t.after(() => gw.close());
  const url = `${gw.url}/v1/chat/completions`;
  const body = {
    model: "m",
    messages: [{ role: "user", content: "cache me" }],
    temperature: 0,
    max_tokens: 4,
  };

  const burst = await Promise.all(Array.from({ length: 10 }, () => post(url, body, a.key)));
  assert.ok(burst.every((r) => r.status === 200));
  assert.equal(up.stats.chat, 1, "10 identical in-flight requests made one upstream call");
  assert.equal(burst.filter((r) => r.headers.get("x-igw-cache") === "miss").length, 1);
  assert.equal(burst.filter((r) => r.headers.get("x-igw-cache") === "coalesced").length, 9);
  assert.ok(burst.every((r) => r.text === burst[0]!.text));

  const hit = await post(url, { ...body, user: "someone" }, a.key);
  assert.equal(hit.headers.get("x-igw-cache"), "hit");
  assert.equal(hit.text, burst[0]!.text);
  assert.equal(up.stats.chat, 1);

  const keys = await redis.keys(`igw:{${a.id}}:cache:*`);
  assert.equal(keys.length, 1);
  const ttl = await redis.ttl(keys[0]!);
  assert.ok(ttl > 0 && ttl <= 60, `ttl ${ttl}`);
  const [budgetKey] = await redis.keys(`igw:{${a.id}}:budget:*`);
  const spent = Number(
    await eventually(
      () => redis.hget(budgetKey!, "reserved"),
      (r) => r === "0",
    ).then(() => redis.hget(budgetKey!, "spent")),
  );
  assert.equal(
    spent,
    (JSON.parse(burst[0]!.text) as { usage: { total_tokens: number } }).usage.total_tokens,
    "only the one upstream call is charged",
  );

  const other = await post(url, body, b.key);
  assert.equal(other.headers.get("x-igw-cache"), "miss", "cache is per tenant");
  assert.equal(up.stats.chat, 2);

  const replay = await post(url, { ...body, stream: true }, a.key);
  assert.equal(replay.headers.get("x-igw-cache"), "hit");
  assert.match(replay.text, /data: \[DONE\]/);
  const content = (JSON.parse(burst[0]!.text) as { choices: { message: { content: string } }[] })
    .choices[0]!.message.content;
  assert.ok(replay.text.includes(JSON.stringify(content).slice(1, -1)));
  assert.equal(up.stats.stream, 0, "stream served from cache");

  await post(url, { ...body, temperature: 0.7 }, a.key);
  await post(url, { ...body, temperature: 0.7 }, a.key);
  assert.equal(up.stats.chat, 4, "non-deterministic requests always go upstream");

  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.equal(
    metricValue(metrics, "inference_gateway_cache_requests_total", {
      tenant: a.id,
      result: "coalesced",
    }),
    9,
  );
  assert.equal(
    metricValue(metrics, "inference_gateway_cache_requests_total", { tenant: a.id, result: "hit" }),
    2,
  );
});
