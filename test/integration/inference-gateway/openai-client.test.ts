/**
 * The official `openai` npm client works against the gateway unmodified: completion, streamed
 * completion, embeddings, model list, and its error handling on 4xx.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { newTenant, routing, startGateway } from "./helpers.ts";

void test("official openai client: completion, stream, embeddings, models and APIError on 4xx", async (t) => {
  const up = await startTestUpstream({ models: ["upstream-llm"] });
  t.after(() => up.close());
  const tenant = newTenant("oai");
  const gw = await startGateway(
    routing({
      backends: [{ name: "test", provider: "openai", baseURL: `${up.url}/v1` }],
      models: [
        {
          name: "chat-model",
          aliases: ["chat-alias"],
          routes: [{ backend: "test", upstreamModel: "upstream-llm" }],
        },
        { name: "embed-model", type: "embedding", routes: [{ backend: "test" }] },
        { name: "secret-model", routes: [{ backend: "test" }] },
      ],
      tenants: [
        {
          id: tenant.id,
          apiKeys: [{ id: "k1", sha256: tenant.hash }],
          models: ["chat-model", "embed-model"],
          limits: { rpm: 1000, tpm: 1_000_000, tokenBudget: { tokens: 1_000_000 } },
        },
      ],
    }),
  );
  t.after(() => gw.close());
  const client = new OpenAI({ apiKey: tenant.key, baseURL: `${gw.url}/v1`, maxRetries: 0 });

  const c = await client.chat.completions.create({
    model: "chat-model",
    messages: [{ role: "user", content: "hello" }],
    max_completion_tokens: 5,
  });
  assert.equal(c.object, "chat.completion");
  assert.equal(c.choices[0]?.message.content?.split(" ").length, 5);
  assert.equal(c.usage?.completion_tokens, 5);
  assert.equal(c.choices[0].finish_reason, "length");

  const stream = await client.chat.completions.create({
    model: "chat-alias",
    messages: [{ role: "user", content: "hello" }],
    max_completion_tokens: 4,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    usage = chunk.usage ?? usage;
  }
  assert.equal(
    text,
    c.choices[0].message.content.split(" ").slice(0, 4).join(" "),
    "stream text equals the deterministic reply",
  );
  assert.equal(usage?.completion_tokens, 4);

  const e = await client.embeddings.create({ model: "embed-model", input: ["a", "b"] });
  assert.equal(e.data.length, 2);
  assert.equal(e.data[0]?.embedding.length, 8);
  const e2 = await client.embeddings.create({
    model: "embed-model",
    input: "a",
    dimensions: 16,
    encoding_format: "float",
  });
  assert.equal(e2.data[0]?.embedding.length, 16);

  const models = await client.models.list();
  const ids = models.data.map((m) => m.id).sort();
  assert.deepEqual(ids, ["chat-alias", "chat-model", "embed-model"]);

  await assert.rejects(
    () =>
      client.chat.completions.create({
        model: "no-such-model",
        messages: [{ role: "user", content: "x" }],
      }),
    (err: unknown) =>
      err instanceof OpenAI.APIError &&
      err.status === 404 &&
      err.code === "GW_ERR_MODEL_NOT_FOUND" &&
      err.type === "invalid_request_error",
  );
  await assert.rejects(
    () =>
      client.chat.completions.create({
        model: "secret-model",
        messages: [{ role: "user", content: "x" }],
      }),
    (err: unknown) =>
      err instanceof OpenAI.PermissionDeniedError && err.code === "GW_ERR_MODEL_FORBIDDEN",
  );
  const bad = new OpenAI({ apiKey: "sk-wrong", baseURL: `${gw.url}/v1`, maxRetries: 0 });
  await assert.rejects(
    () => bad.models.list(),
    (err: unknown) =>
      err instanceof OpenAI.AuthenticationError && err.code === "GW_ERR_INVALID_API_KEY",
  );
});
