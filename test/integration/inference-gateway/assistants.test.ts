/**
 * Assistants at the gateway: a model name whose requests get the version's instructions as the
 * first system message (the test upstream echoes what it received), split by weight and sticky
 * per conversation; the official `openai` client calls one by name; per-version outcomes are in
 * /metrics.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { metricValue, newTenant, post, routing, startGateway } from "./helpers.ts";

void test("an assistant applies its version's instructions, splits by weight and sticks per conversation", async (t) => {
  const up = await startTestUpstream({ name: "echo", echo: true });
  t.after(() => up.close());
  const tenant = newTenant("asst");
  const gw = await startGateway(
    routing({
      backends: [{ name: "ns/m", provider: "openai", baseURL: `${up.url}/v1` }],
      models: [{ name: "m", routes: [{ backend: "ns/m" }], cache: { enabled: false } }],
      assistants: [
        {
          name: "helper",
          versions: [
            { name: "v1", model: "m", instructions: "You are v1." },
            { name: "v2", model: "m", instructions: "You are v2.", parameters: { maxTokens: 7 } },
          ],
          variants: [
            { version: "v1", weight: 25 },
            { version: "v2", weight: 75 },
          ],
        },
      ],
      tenants: [
        {
          id: tenant.id,
          apiKeys: [{ sha256: tenant.hash }],
          models: ["helper"],
          limits: { rpm: 1_000_000 },
        },
      ],
    }),
  );
  t.after(() => gw.close());

  // The tenant may call the assistant, not the model behind it directly.
  const direct = await post(
    `${gw.url}/v1/chat/completions`,
    { model: "m", messages: [{ role: "user", content: "x" }] },
    tenant.key,
  );
  assert.equal(direct.status, 403, direct.text);

  const conversations = 2_000;
  const seen = new Map<string, string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < conversations) {
      const id = `conv-${next++}`;
      const r = await post(
        `${gw.url}/v1/chat/completions`,
        { model: "helper", messages: [{ role: "user", content: "hello" }] },
        tenant.key,
        { "x-conversation-id": id },
      );
      assert.equal(r.status, 200, r.text);
      const version = r.headers.get("x-igw-assistant-version") ?? "";
      const content =
        (r.json as { choices: { message: { content: string } }[] }).choices[0]?.message.content ??
        "";
      const received = JSON.parse(content.slice("echo:".length)) as {
        role: string;
        content: string;
      }[];
      assert.deepEqual(received[0], { role: "system", content: `You are ${version}.` });
      assert.deepEqual(received[1], { role: "user", content: "hello" });
      seen.set(id, version);
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  const v2 = [...seen.values()].filter((v) => v === "v2").length / conversations;
  assert.ok(Math.abs(v2 - 0.75) <= 0.05, `v2 share ${v2} not within ±5 % of 75 %`);

  // Every later request of a conversation goes to the version it started on.
  for (let i = 0; i < 200; i++) {
    const id = `conv-${i * 7}`;
    const r = await post(
      `${gw.url}/v1/chat/completions`,
      { model: "helper", messages: [{ role: "user", content: "again" }] },
      tenant.key,
      { "x-conversation-id": id },
    );
    assert.equal(r.headers.get("x-igw-assistant-version"), seen.get(id), id);
  }

  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  const ok1 =
    metricValue(metrics, "inference_gateway_assistant_requests_total", {
      assistant: "helper",
      version: "v1",
      outcome: "success",
    }) ?? 0;
  const ok2 =
    metricValue(metrics, "inference_gateway_assistant_requests_total", {
      assistant: "helper",
      version: "v2",
      outcome: "success",
    }) ?? 0;
  assert.equal(ok1 + ok2, conversations + 200);

  // The official client, by assistant name; v2's parameters cap the output at 7 tokens.
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: tenant.key, maxRetries: 0 });
  const out = await client.chat.completions.create(
    { model: "helper", messages: [{ role: "user", content: "hi" }], max_completion_tokens: 500 },
    { headers: { "x-conversation-id": [...seen].find(([, v]) => v === "v2")?.[0] ?? "" } },
  );
  assert.match(
    out.choices[0]?.message.content ?? "",
    /^echo:\[\{"role":"system","content":"You are v2\."\}/,
  );
  assert.equal(out.usage?.completion_tokens, 7);
  const stream = await client.chat.completions.create({
    model: "helper",
    messages: [{ role: "user", content: "hi" }],
    stream: true,
  });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  assert.match(text, /^echo:\[\{"role":"system","content":"You are v[12]\."\}/);
});
