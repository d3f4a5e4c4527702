/**
 * Fallback and circuit breaking: a failing or slow primary does not fail requests; the breaker
 * opens, half-opens and closes, and /metrics shows each state. When every backend fails the client
 * gets one clear OpenAI-shaped error.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { metricValue, newTenant, post, routing, startGateway } from "./helpers.ts";

const msg = (s: string) => ({
  model: "m",
  messages: [{ role: "user", content: s }],
  max_tokens: 3,
});

const OPEN_MS = 2500;

void test("primary returning 500s: requests succeed via fallback, breaker opens, half-opens and closes", async (t) => {
  const primary = await startTestUpstream({ name: "primary", errorRate: 1, errorStatus: 500 });
  const fallback = await startTestUpstream({ name: "fallback" });
  t.after(() => Promise.all([primary.close(), fallback.close()]));
  const tenant = newTenant("fb");
  const gw = await startGateway(
    routing({
      defaults: {
        retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
        // openMs must outlast the ten requests below on a loaded machine (with 500 ms the breaker
        // sometimes half-opened mid-loop and the primary saw a fourth attempt).
        breaker: { failureThreshold: 3, openMs: OPEN_MS, halfOpenRequests: 1 },
      },
      backends: [
        { name: "primary", provider: "openai", baseURL: `${primary.url}/v1` },
        { name: "fallback", provider: "openai", baseURL: `${fallback.url}/v1` },
      ],
      models: [
        {
          name: "m",
          routes: [
            { backend: "primary", priority: 0 },
            { backend: "fallback", priority: 1 },
          ],
        },
      ],
      tenants: [{ id: tenant.id, apiKeys: [{ sha256: tenant.hash }], models: ["*"] }],
    }),
  );
  t.after(() => gw.close());
  const chat = `${gw.url}/v1/chat/completions`;

  for (let i = 0; i < 10; i++) {
    const r = await post(chat, msg(`q${i}`), tenant.key);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get("x-igw-backend"), "fallback");
  }
  assert.equal(
    primary.stats.errors,
    3,
    "primary saw exactly failureThreshold attempts before the breaker opened",
  );
  let metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.equal(
    metricValue(metrics, "inference_gateway_backend_breaker_state", { backend: "primary" }),
    2,
    "open = 2",
  );
  assert.equal(
    metricValue(metrics, "inference_gateway_backend_breaker_state", { backend: "fallback" }),
    0,
  );
  assert.ok(
    (metricValue(metrics, "inference_gateway_upstream_attempts_total", {
      backend: "primary",
      outcome: "breaker_open",
    }) ?? 0) > 0,
  );

  // Still failing when half-open: the probe fails and the breaker reopens.
  await sleep(OPEN_MS + 50);
  let r = await post(chat, msg("probe-1"), tenant.key);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("x-igw-backend"), "fallback");
  assert.equal(primary.stats.errors, 4, "one half-open probe");
  metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.equal(
    metricValue(metrics, "inference_gateway_backend_breaker_state", { backend: "primary" }),
    2,
  );
  assert.equal(
    metricValue(metrics, "inference_gateway_backend_breaker_transitions_total", {
      backend: "primary",
      state: "half-open",
    }),
    1,
  );

  // Primary recovers: the next probe succeeds and closes the breaker.
  primary.set({ errorRate: 0 });
  await sleep(OPEN_MS + 50);
  r = await post(chat, msg("probe-2"), tenant.key);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("x-igw-backend"), "primary");
  metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.equal(
    metricValue(metrics, "inference_gateway_backend_breaker_state", { backend: "primary" }),
    0,
    "closed = 0",
  );
  assert.equal(
    metricValue(metrics, "inference_gateway_backend_breaker_transitions_total", {
      backend: "primary",
      state: "closed",
    }),
    1,
  );
  assert.equal(
    metricValue(metrics, "inference_gateway_backend_breaker_transitions_total", {
      backend: "primary",
      state: "open",
    }),
    2,
  );
  r = await post(chat, msg("after"), tenant.key);
  assert.equal(r.headers.get("x-igw-backend"), "primary");
});

void test("primary timing out (time to first token): requests succeed via fallback, streaming too", async (t) => {
  const primary = await startTestUpstream({ name: "slow", latencyMs: 3_000 });
  const fallback = await startTestUpstream({ name: "fallback" });
  t.after(() => Promise.all([primary.close(), fallback.close()]));
  const tenant = newTenant("to");
  const gw = await startGateway(
    routing({
      defaults: { retry: { maxAttempts: 1 }, breaker: { failureThreshold: 100 } },
      backends: [
        {
          name: "slow",
          provider: "openai",
          baseURL: `${primary.url}/v1`,
          timeouts: { firstTokenMs: 150 },
        },
        { name: "fallback", provider: "openai", baseURL: `${fallback.url}/v1` },
      ],
      models: [{ name: "m", routes: [{ backend: "slow" }, { backend: "fallback", priority: 1 }] }],
      tenants: [{ id: tenant.id, apiKeys: [{ sha256: tenant.hash }], models: ["m"] }],
    }),
  );
  t.after(() => gw.close());
  const t0 = Date.now();
  const r = await post(`${gw.url}/v1/chat/completions`, msg("slow"), tenant.key);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get("x-igw-backend"), "fallback");
  assert.ok(Date.now() - t0 < 1_500, `took ${Date.now() - t0} ms`);
  const s = await post(
    `${gw.url}/v1/chat/completions`,
    { ...msg("slow"), stream: true },
    tenant.key,
  );
  assert.equal(s.status, 200);
  assert.equal(s.headers.get("x-igw-backend"), "fallback");
  assert.match(s.text, /data: \[DONE\]/);
});

void test("all backends failing: one clear 502 in OpenAI's error shape", async (t) => {
  const a = await startTestUpstream({ errorRate: 1, errorStatus: 503 });
  t.after(() => a.close());
  const tenant = newTenant("af");
  const gw = await startGateway(
    routing({
      defaults: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
      backends: [
        { name: "a", provider: "openai", baseURL: `${a.url}/v1` },
        {
          name: "b",
          provider: "openai",
          baseURL: "http://127.0.0.1:1/v1",
          timeouts: { connectMs: 200 },
        },
      ],
      models: [{ name: "m", routes: [{ backend: "a" }, { backend: "b", priority: 1 }] }],
      tenants: [{ id: tenant.id, apiKeys: [{ sha256: tenant.hash }], models: ["m"] }],
    }),
  );
  t.after(() => gw.close());
  const r = await post(`${gw.url}/v1/chat/completions`, msg("x"), tenant.key);
  assert.equal(r.status, 502);
  assert.deepEqual(r.json, {
    error: {
      message: "All backends failed",
      type: "api_error",
      param: null,
      code: "GW_ERR_UPSTREAM_FAILED",
    },
  });
  assert.equal(a.stats.errors, 2, "retried on the same backend before falling back");
});
