// Traffic follows the CRs, through the shipped gateway the pod bridge runs (bridged-gateway.ts):
// an Assistant's A/B variants split 2,000 conversations within ±5 % of their weights and keep each
// conversation on its version; the official `openai` client calls the Assistant by name; and a
// Tenant's budget in money, with an AIModel's costPerToken, admits exactly as many of 50
// concurrent requests as it pays for. Nothing here writes gateway config by hand: every number
// comes from the CRs through gateway-config.
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { TENANT_KIND } from "../../../crds/tenant/v1alpha1/index.ts";
import { chatBound, microUnits } from "../../../workloads/inference-gateway/src/limits/bound.ts";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import type { TestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { createTestNamespace } from "../../helpers/testenv.ts";
import { post } from "../inference-gateway/helpers.ts";
import { BridgedLoop, externalModel, providerSecret, tenantOwning } from "./bridged-gateway.ts";

const suffix = randomBytes(3).toString("hex");
const PROVIDER_KEY = `sk-provider-${randomBytes(12).toString("hex")}`;
const CHAT_MODEL = `chat-${suffix}`;
const PRICED_MODEL = `priced-${suffix}`;
const ASSISTANT = `ab-${suffix}`;
const AB_TENANT = `ab-${suffix}`;
const BUDGET_TENANT = `budget-${suffix}`;
/** USD per token, as the AIModel says: 3 and 12 per million. */
const PRICE = { input: "0.000003", output: "0.000012" };

const s: {
  loop?: BridgedLoop;
  fast?: TestUpstream;
  slow?: TestUpstream;
  budgetNs?: { name: string; cleanup: () => Promise<void> };
  url: string;
} = { url: "" };

function loop(): BridgedLoop {
  assert.ok(s.loop !== undefined);
  return s.loop;
}

const aimodel = (name: string, modelName: string, up: TestUpstream, extra = {}) =>
  externalModel(loop().ns, name, modelName, up.url, extra);

const tenant = tenantOwning;

/** Reservation of one budget request, from the CR prices (limits/bound.ts does the same). */
const BUDGET_BODY = {
  model: PRICED_MODEL,
  messages: [{ role: "user", content: "what does it cost" }],
  max_tokens: 20,
};
function perRequestMicroUSD(): number {
  const b = chatBound(BUDGET_BODY, Buffer.byteLength(JSON.stringify(BUDGET_BODY)), 16);
  return microUnits(b.inputTokens, b.outputTokens, {
    costIn: Number(PRICE.input) * 1e6,
    costOut: Number(PRICE.output) * 1e6,
  });
}
const AFFORDABLE = 7;

before(async () => {
  s.fast = await startTestUpstream({ name: "fast", echo: true, requireApiKey: PROVIDER_KEY });
  // Slow enough that all 50 budget requests are decided before the first one settles.
  s.slow = await startTestUpstream({ name: "slow", latencyMs: 1500, requireApiKey: PROVIDER_KEY });
  s.loop = await BridgedLoop.start("traffic", ["--controllers=aimodel,gateway-config"]);
  s.budgetNs = await createTestNamespace("traffic-budget");
  const ns = s.loop.ns;
  await s.loop.apply(providerSecret(ns, PROVIDER_KEY));
  await s.loop.apply(aimodel("chat", CHAT_MODEL, s.fast));
  await s.loop.apply(
    aimodel("priced", PRICED_MODEL, s.slow, {
      costPerToken: { ...PRICE, currency: "USD" },
    }),
  );
  await s.loop.apply({
    apiVersion: "librechat.io/v1alpha1",
    kind: "Assistant",
    metadata: { name: ASSISTANT, namespace: ns },
    spec: {
      versions: [
        { name: "v1", modelRef: "chat", instructions: "You are v1." },
        { name: "v2", modelRef: "chat", instructions: "You are v2." },
      ],
      variants: [
        { version: "v1", weight: 25 },
        { version: "v2", weight: 75 },
      ],
      stickiness: "Conversation",
      revisionHistoryLimit: 5,
    },
  });
  await s.loop.apply(tenant(AB_TENANT, ns, { allowed: [ASSISTANT, CHAT_MODEL] }));
  // The budget pays for AFFORDABLE requests and not one more (one micro-dollar short of the next).
  const budget = (AFFORDABLE + 1) * perRequestMicroUSD() - 1;
  await s.loop.apply(
    tenant(BUDGET_TENANT, s.budgetNs.name, {
      allowed: [PRICED_MODEL],
      budget: { amount: (budget / 1e6).toFixed(6), currency: "USD", period: "Daily" },
    }),
  );
  s.url = await s.loop.startGateway(`${ns}.chat`);
});

after(async () => {
  for (const t of [AB_TENANT, BUDGET_TENANT])
    await s.loop?.client.delete(TENANT_KIND, undefined, t).catch(() => undefined);
  await s.loop?.stop();
  await s.budgetNs?.cleanup();
  await s.fast?.close();
  await s.slow?.close();
});

void test("2,000 conversations split within ±5 % of the Assistant's weights, each kept on its version", async () => {
  const key = await loop().tenantKey(loop().ns);
  const ask = (conversation: string, content = "hello") =>
    post(
      `${s.url}/v1/chat/completions`,
      { model: ASSISTANT, messages: [{ role: "user", content }] },
      key,
      { "x-conversation-id": conversation },
    );
  // The gateway has the assistant once it answers with a version.
  for (let i = 0; i < 100 && !(await ask("probe")).headers.has("x-igw-assistant-version"); i++)
    await new Promise((r) => setTimeout(r, 200));
  const seen = new Map<string, string>();
  const conversations = 2000;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < conversations; i = next++) {
      const r = await ask(`conv-${i}`);
      assert.equal(r.status, 200, r.text);
      const version = r.headers.get("x-igw-assistant-version") ?? "";
      // The version's own instructions reached the provider (the test upstream echoes them).
      const content =
        (r.json as { choices: { message: { content: string } }[] }).choices[0]?.message.content ??
        "";
      assert.match(content, new RegExp(`You are ${version}\\.`));
      seen.set(`conv-${i}`, version);
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  const v2 = [...seen.values()].filter((v) => v === "v2").length / conversations;
  console.log(`# v2 share over ${conversations} conversations: ${v2.toFixed(3)} (weight 0.75)`);
  assert.ok(Math.abs(v2 - 0.75) <= 0.05, `v2 share ${v2} not within ±5 % of 75 %`);
  for (let i = 0; i < 200; i++) {
    const id = `conv-${i * 9}`;
    const r = await ask(id, "again");
    assert.equal(r.headers.get("x-igw-assistant-version"), seen.get(id), id);
  }
});

void test("the official openai client calls the Assistant by name", async () => {
  const openai = new OpenAI({
    baseURL: `${s.url}/v1`,
    apiKey: await loop().tenantKey(loop().ns),
    maxRetries: 0,
  });
  const res = await openai.chat.completions.create(
    { model: ASSISTANT, messages: [{ role: "user", content: "who are you?" }] },
    { headers: { "x-conversation-id": "sdk-1" } },
  );
  assert.match(res.choices[0]?.message.content ?? "", /You are v[12]\./);
  assert.equal(res.object, "chat.completion");
});

void test("a Tenant's budget in money admits exactly as many of 50 concurrent requests as it pays for", async () => {
  const key = await loop().tenantKey(s.budgetNs?.name ?? "");
  const results = await Promise.all(
    Array.from({ length: 50 }, () => post(`${s.url}/v1/chat/completions`, BUDGET_BODY, key)),
  );
  const ok = results.filter((r) => r.status === 200).length;
  assert.equal(ok, AFFORDABLE, `statuses: ${results.map((r) => r.status).join(",")}`);
  for (const r of results.filter((x) => x.status !== 200)) {
    assert.equal(r.status, 429, r.text);
    assert.equal((r.json as { error: { code: string } }).error.code, "GW_ERR_COST_BUDGET_EXCEEDED");
  }
});
