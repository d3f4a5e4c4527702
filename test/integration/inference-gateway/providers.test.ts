/**
 * Provider translation end to end: an Anthropic Messages backend (non-streaming and streaming,
 * through the official openai client) and an Azure OpenAI deployment with an api-key read from a
 * mounted-Secret-style file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import {
  replyTokens,
  startTestUpstream,
} from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { newTenant, post, routing, startGateway } from "./helpers.ts";

void test("Anthropic backend: OpenAI requests are translated both ways, streaming included", async (t) => {
  const up = await startTestUpstream({ requireApiKey: "anthropic-secret", defaultMaxTokens: 6 });
  t.after(() => up.close());
  process.env["IGW_TEST_ANTHROPIC_KEY"] = "anthropic-secret";
  const tenant = newTenant("anth");
  const gw = await startGateway(
    routing({
      backends: [
        {
          name: "claude",
          provider: "anthropic",
          baseURL: up.url,
          apiKey: { env: "IGW_TEST_ANTHROPIC_KEY" },
          cost: { inputPerMillion: 3, outputPerMillion: 15 },
        },
      ],
      models: [
        { name: "claude-test", routes: [{ backend: "claude", upstreamModel: "claude-upstream" }] },
      ],
      tenants: [{ id: tenant.id, apiKeys: [{ sha256: tenant.hash }], models: ["*"] }],
    }),
  );
  t.after(() => gw.close());
  const client = new OpenAI({ apiKey: tenant.key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const expected = replyTokens("hello claude", 6).join("");

  const c = await client.chat.completions.create({
    model: "claude-test",
    messages: [
      { role: "system", content: "be terse" },
      { role: "user", content: "hello claude" },
    ],
  });
  assert.equal(c.choices[0]?.message.content, expected);
  assert.equal(c.choices[0].finish_reason, "stop");
  assert.equal(c.usage?.completion_tokens, 6);
  assert.ok(c.usage.prompt_tokens > 0, "prompt tokens reported");
  assert.equal(c.object, "chat.completion");

  const limited = await client.chat.completions.create({
    model: "claude-test",
    messages: [{ role: "user", content: "hello claude" }],
    max_completion_tokens: 3,
  });
  assert.equal(limited.choices[0]?.finish_reason, "length");

  const stream = await client.chat.completions.create({
    model: "claude-test",
    messages: [{ role: "user", content: "hello claude" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let finish: string | null | undefined;
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
  }
  assert.equal(text, expected);
  assert.equal(finish, "stop");
  assert.equal(usage?.completion_tokens, 6);

  await assert.rejects(
    () =>
      client.chat.completions.create({
        model: "claude-test",
        messages: [{ role: "user", content: "x" }],
        n: 2,
      }),
    (err: unknown) =>
      err instanceof OpenAI.BadRequestError &&
      err.code === "GW_ERR_UNSUPPORTED_PARAMETER" &&
      err.param === "n",
  );
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.match(
    metrics,
    /inference_gateway_cost_usd_total\{model="claude-test",backend="claude",tenant="[^"]+"\} [0-9.e-]+/,
  );
  assert.match(
    metrics,
    /inference_gateway_time_to_first_token_seconds_count\{model="claude-test",backend="claude"/,
  );
});

void test("Azure OpenAI backend: deployment URL, api-version query and api-key header from a Secret file", async (t) => {
  const up = await startTestUpstream({ requireApiKey: "azure-secret" });
  t.after(() => up.close());
  const dir = await mkdtemp(join(tmpdir(), "igw-secret-"));
  const keyFile = join(dir, "api-key");
  await writeFile(keyFile, "azure-secret\n");
  const tenant = newTenant("azure");
  const gw = await startGateway(
    routing({
      backends: [
        {
          name: "azure",
          provider: "azure-openai",
          baseURL: `${up.url}/openai/deployments/gpt-4o`,
          apiVersion: "2024-10-21",
          apiKey: { file: keyFile },
        },
      ],
      models: [
        { name: "gpt-4o", routes: [{ backend: "azure" }] },
        { name: "emb", type: "embedding", routes: [{ backend: "azure" }] },
      ],
      tenants: [{ id: tenant.id, apiKeys: [{ sha256: tenant.hash }], models: ["*"] }],
    }),
  );
  t.after(() => gw.close());
  const r = await post(
    `${gw.url}/v1/chat/completions`,
    { model: "gpt-4o", messages: [{ role: "user", content: "hi" }], max_tokens: 2 },
    tenant.key,
  );
  assert.equal(r.status, 200, r.text);
  const e = await post(`${gw.url}/v1/embeddings`, { model: "emb", input: "hi" }, tenant.key);
  assert.equal(e.status, 200, e.text);
  assert.equal(up.stats.chat, 1);

  // Secret rotation: the upstream now wants a new key; rewriting the file is picked up without restart.
  up.set({ requireApiKey: "azure-secret-2" });
  await writeFile(keyFile, "azure-secret-2\n");
  const deadline = Date.now() + 5_000;
  let status = 0;
  while (Date.now() < deadline) {
    status = (
      await post(
        `${gw.url}/v1/chat/completions`,
        { model: "gpt-4o", messages: [{ role: "user", content: "again" }], max_tokens: 2 },
        tenant.key,
      )
    ).status;
    if (status === 200) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(status, 200, "rotated credential picked up");
});
