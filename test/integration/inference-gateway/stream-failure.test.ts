/**
 * A stream that fails after output began is not retried (no duplicated text): the client gets an
 * SSE error event and the stream ends. Fault injection from the routing file's `faults` section
 * (error rate, added latency, mid-stream drop, expiry) drives the same paths; nothing in the
 * public API can switch it on.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
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

void test("upstream dropping mid-stream: SSE error event, stream ends, no retry", async (t) => {
  const up = await startTestUpstream({ streamDropAfter: 4 });
  const spare = await startTestUpstream();
  t.after(() => Promise.all([up.close(), spare.close()]));
  const tenant = newTenant("drop");
  const gw = await startGateway(
    routing({
      defaults: { retry: { maxAttempts: 3, baseDelayMs: 1 } },
      backends: [
        { name: "flaky", provider: "openai", baseURL: `${up.url}/v1` },
        { name: "spare", provider: "openai", baseURL: `${spare.url}/v1` },
      ],
      models: [{ name: "m", routes: [{ backend: "flaky" }, { backend: "spare", priority: 1 }] }],
      tenants: [{ id: tenant.id, apiKeys: [{ sha256: tenant.hash }], models: ["m"] }],
    }),
  );
  t.after(() => gw.close());
  const r = await post(
    `${gw.url}/v1/chat/completions`,
    { model: "m", messages: [{ role: "user", content: "drop" }], max_tokens: 10, stream: true },
    tenant.key,
  );
  assert.equal(r.status, 200);
  const events = r.text.split("\n\n").filter((e) => e !== "");
  const dataEvents = events.filter((e) => e.startsWith("data: "));
  assert.equal(dataEvents.length, 4, "the pieces sent before the drop, once");
  assert.match(events.at(-1)!, /^event: error\ndata: .*"code":"GW_ERR_STREAM_INTERRUPTED"/);
  assert.ok(!r.text.includes("[DONE]"));
  assert.equal(up.stats.stream, 1, "not retried");
  assert.equal(spare.stats.stream, 0, "no fallback after output began");

  const client = new OpenAI({ apiKey: tenant.key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: "m",
    messages: [{ role: "user", content: "drop" }],
    max_completion_tokens: 10,
    stream: true,
  });
  let text = "";
  await assert.rejects(
    async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    },
    (err: unknown) => err instanceof OpenAI.APIError && err.code === "GW_ERR_STREAM_INTERRUPTED",
  );
  assert.ok(text.length > 0);
});

void test("faults from the routing file: error rate → fallback, latency added, mid-stream drop, expiry; headers cannot enable faults", async (t) => {
  const a = await startTestUpstream({ name: "a" });
  const b = await startTestUpstream({ name: "b" });
  t.after(() => Promise.all([a.close(), b.close()]));
  const tenant = newTenant("chaos");
  const base = {
    defaults: { retry: { maxAttempts: 1 }, breaker: { failureThreshold: 1000 } },
    backends: [
      { name: "a", provider: "openai" as const, baseURL: `${a.url}/v1` },
      { name: "b", provider: "openai" as const, baseURL: `${b.url}/v1` },
    ],
    models: [{ name: "m", routes: [{ backend: "a" }, { backend: "b", priority: 1 }] }],
    tenants: [{ id: tenant.id, apiKeys: [{ sha256: tenant.hash }], models: ["m"] }],
  };
  const gw = await startGateway(routing(base));
  t.after(() => gw.close());
  const url = `${gw.url}/v1/chat/completions`;
  const body = { model: "m", messages: [{ role: "user", content: "chaos" }], max_tokens: 6 };

  const plain = await post(url, body, tenant.key, {
    "x-fault": "error",
    "x-chaos-error-rate": "1",
  });
  assert.equal(
    plain.headers.get("x-igw-backend"),
    "a",
    "no fault without the faults section, whatever the headers",
  );

  const reload = async (
    faults: NonNullable<Parameters<typeof routing>[0]["faults"]>,
    generation: number,
  ): Promise<void> => {
    await gw.writeConfig(routing({ ...base, generation, faults }));
    while (gw.app.igwRouting.current?.generation !== generation)
      await new Promise((r) => setTimeout(r, 20));
  };
  await reload([{ backend: "a", errorRate: 1, errorStatus: 503 }], 1);
  for (let i = 0; i < 5; i++)
    assert.equal((await post(url, body, tenant.key)).headers.get("x-igw-backend"), "b");
  assert.equal(a.stats.chat, 1, "injected errors never reached backend a");

  await reload([{ backend: "a", addedLatencyMs: 300 }], 2);
  const t0 = Date.now();
  assert.equal((await post(url, body, tenant.key)).headers.get("x-igw-backend"), "a");
  assert.ok(Date.now() - t0 >= 300);

  await reload([{ backend: "a", midStreamDropRate: 1, dropAfterChunks: 2 }], 3);
  const s = await post(url, { ...body, stream: true }, tenant.key);
  assert.match(s.text, /event: error/);
  assert.equal(s.text.split("\n\n").filter((e) => e.startsWith("data: ")).length, 2);
  // A slow upstream (5 s for 100 tokens): the drop cuts the upstream call at once.
  a.set({ tokensPerSecond: 20 });
  const slow = await post(url, { ...body, max_tokens: 100, stream: true }, tenant.key);
  assert.match(slow.text, /event: error/);
  const cut = await eventually(
    () => Promise.resolve(a.stats.streamsCut),
    (n) => n === 1,
    1_000,
  );
  assert.equal(cut, 1, "the upstream saw its stream cut within a second");
  a.set({ tokensPerSecond: 0 });

  await reload(
    [{ backend: "a", errorRate: 1, expiresAt: new Date(Date.now() - 1000).toISOString() }],
    4,
  );
  assert.equal(
    (await post(url, body, tenant.key)).headers.get("x-igw-backend"),
    "a",
    "expired fault is off",
  );
});

void test("client going away mid-stream: upstream call aborted, reservation settled, nothing left in flight", async (t) => {
  const up = await startTestUpstream({ tokensPerSecond: 20 });
  t.after(() => up.close());
  const redis = redisClient();
  t.after(() => redis.quit());
  const tenant = newTenant("gone");
  const gw = await startGateway(
    routing({
      backends: [{ name: "b", provider: "openai", baseURL: `${up.url}/v1` }],
      models: [{ name: "m", routes: [{ backend: "b" }] }],
      tenants: [
        {
          id: tenant.id,
          apiKeys: [{ sha256: tenant.hash }],
          models: ["m"],
          limits: { tokenBudget: { tokens: 10_000 } },
        },
      ],
    }),
  );
  t.after(() => gw.close());
  const ac = new AbortController();
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${tenant.key}` },
    body: JSON.stringify({
      model: "m",
      messages: [{ role: "user", content: "long" }],
      max_tokens: 100,
      stream: true,
    }),
    signal: ac.signal,
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  await reader.read();
  ac.abort();
  const inflight = await eventually(
    () => Promise.resolve(gw.app.igwDrain.inflight),
    (n) => n === 0,
  );
  assert.equal(inflight, 0);
  const [key] = await redis.keys(`igw:{${tenant.id}}:budget:*`);
  const c = await eventually(
    () => budgetState(redis, key!),
    (v) => v["reserved"] === "0",
  );
  assert.equal(c["reserved"], "0");
  assert.ok(
    Number(c["spent"]) > 0 && Number(c["spent"]) < 100,
    `charged for what was generated: ${c["spent"]}`,
  );
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.equal(
    metricValue(metrics, "inference_gateway_upstream_attempts_total", {
      backend: "b",
      kind: "chat_stream",
      outcome: "aborted",
    }),
    1,
  );
});

void test("an upstream sending a corrupt event mid-stream: error event, upstream call cut at once, gateway keeps serving", async (t) => {
  // A misbehaving upstream (not the test upstream): two good chunks, a corrupt one, then it
  // would keep the connection open for 10 s.
  let closedAfterMs: number | undefined;
  const bad = createServer((req, res) => {
    req.resume();
    const t0 = Date.now();
    res.writeHead(200, { "content-type": "text/event-stream" });
    const chunk = (content: string): string =>
      `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 1, model: "bad", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    res.write(chunk("one ") + chunk("two "));
    setTimeout(() => res.write("data: {corrupt\n\n"), 50);
    const hold = setTimeout(() => res.end(), 10_000);
    res.on("close", () => {
      clearTimeout(hold);
      closedAfterMs = Date.now() - t0;
    });
  });
  await new Promise<void>((r) => bad.listen(0, "127.0.0.1", r));
  t.after(
    () =>
      new Promise<void>((r) =>
        bad.close(() => {
          r();
        }),
      ),
  );
  const port = (bad.address() as AddressInfo).port;
  const up = await startTestUpstream();
  t.after(() => up.close());
  const tenant = newTenant("corrupt");
  const gw = await startGateway(
    routing({
      backends: [
        { name: "bad", provider: "openai", baseURL: `http://127.0.0.1:${port}/v1` },
        { name: "good", provider: "openai", baseURL: `${up.url}/v1` },
      ],
      models: [
        { name: "m", routes: [{ backend: "bad" }] },
        { name: "ok", routes: [{ backend: "good" }] },
      ],
      tenants: [{ id: tenant.id, apiKeys: [{ sha256: tenant.hash }], models: ["m", "ok"] }],
    }),
  );
  t.after(() => gw.close());
  const r = await post(
    `${gw.url}/v1/chat/completions`,
    { model: "m", messages: [{ role: "user", content: "x" }], max_tokens: 10, stream: true },
    tenant.key,
  );
  assert.equal(r.status, 200);
  assert.match(r.text, /one .*two /s);
  assert.match(r.text, /event: error\ndata: .*"code":"GW_ERR_STREAM_INTERRUPTED"/);
  const closed = await eventually(
    () => Promise.resolve(closedAfterMs),
    (ms) => ms !== undefined,
    2_000,
  );
  assert.ok(
    closed !== undefined && closed < 2_000,
    `upstream connection closed after ${closed} ms`,
  );
  // Past the moment undici reports the cut body as aborted: the gateway still answers.
  await new Promise((res) => setTimeout(res, 100));
  const after = await post(
    `${gw.url}/v1/chat/completions`,
    { model: "ok", messages: [{ role: "user", content: "x" }], max_tokens: 3 },
    tenant.key,
  );
  assert.equal(after.status, 200);
});
