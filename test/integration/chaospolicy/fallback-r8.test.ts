// R8, measured: a ChaosPolicy injects a 50 % ProviderFailure (HTTP 503) into an AIModel's gateway
// backend; a real inference gateway (in this process, routing file on disk, hot reload) carries it
// from status.activeFaults (bridge in gateway.ts) in front of the deterministic test upstream.
// With a fallback route at least 99 % of 2,000 requests through the official `openai` client
// succeed, while the gateway's own counters show the primary really failing about half its
// attempts. Without the fallback the same fault shows as a ~50 % client-side failure rate.
// Retries on the same backend are off (maxAttempts 1) and the breaker practically so (threshold
// 1000), so the fallback alone is what holds. AIModel.status.successRate is not measured here:
// no reporter writes it yet.
import assert from "node:assert/strict";
import { test } from "node:test";
import OpenAI from "openai";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import type { RoutingConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import { metricValue, newTenant, routing, startGateway } from "../inference-gateway/helpers.ts";
import type { TestGateway } from "../inference-gateway/helpers.ts";
import { waitFor } from "../../helpers/testenv.ts";
import { bridgeFaults } from "./gateway.ts";
import { externalModel, getPolicy, perFile, policy } from "./fixtures.ts";

const { client, ctx } = perFile("chaos-r8");
const REQUESTS = 2000;
const CONCURRENCY = 16;

interface Tally {
  ok: number;
  failed: number;
  byBackend: Map<string, number>;
  ms: number;
}

/** Sends `n` chat completions (distinct prompts: no cache hits) with the openai client. */
async function drive(oa: OpenAI, n: number): Promise<Tally> {
  const t: Tally = { ok: 0, failed: 0, byBackend: new Map(), ms: 0 };
  const t0 = Date.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      try {
        const { response } = await oa.chat.completions
          .create({
            model: "gpt",
            messages: [{ role: "user", content: `r8 question ${i}` }],
            max_completion_tokens: 3,
          })
          .withResponse();
        t.ok++;
        const b = response.headers.get("x-igw-backend") ?? "?";
        t.byBackend.set(b, (t.byBackend.get(b) ?? 0) + 1);
      } catch (err) {
        if (!(err instanceof OpenAI.APIError)) throw err;
        t.failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  t.ms = Date.now() - t0;
  return t;
}

/** Primary attempts by outcome, from the gateway's /metrics. */
async function primaryAttempts(
  gw: TestGateway,
  backend: string,
): Promise<{ success: number; failed: number }> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const v = (outcome: string): number =>
    metricValue(text, "inference_gateway_upstream_attempts_total", {
      backend,
      outcome,
      kind: "chat",
    }) ?? 0;
  return { success: v("success"), failed: v("retryable_error") };
}

test("R8: 50 % provider failure on a model with a fallback: ≥ 99 % of 2,000 openai-client requests succeed; without it ~50 % fail", async (t) => {
  const primaryUp = await startTestUpstream({ name: "primary" });
  const fallbackUp = await startTestUpstream({ name: "fallback" });
  t.after(() => Promise.all([primaryUp.close(), fallbackUp.close()]));
  const tenant = newTenant("r8");
  const primary = `${ctx.ns}/gpt`;
  const fallback = `${ctx.ns}/gpt-fallback`;
  const config = (withFallback: boolean): RoutingConfig =>
    routing({
      defaults: { retry: { maxAttempts: 1 }, breaker: { failureThreshold: 1000 } },
      backends: [
        { name: primary, provider: "openai", baseURL: `${primaryUp.url}/v1` },
        { name: fallback, provider: "openai", baseURL: `${fallbackUp.url}/v1` },
      ],
      models: [
        {
          name: "gpt",
          routes: [
            { backend: primary, priority: 0 },
            ...(withFallback ? [{ backend: fallback, priority: 1 }] : []),
          ],
        },
      ],
      tenants: [
        {
          id: tenant.id,
          apiKeys: [{ sha256: tenant.hash }],
          models: ["*"],
          limits: { rpm: 100_000, tpm: 100_000_000 },
        },
      ],
    });
  const gw = await startGateway(config(true));
  t.after(() => gw.close());
  let bridge = bridgeFaults(client, ctx.ns, config(true), gw.writeConfig);
  t.after(() => {
    bridge.stop();
  });
  const oa = new OpenAI({ apiKey: tenant.key, baseURL: `${gw.url}/v1`, maxRetries: 0 });

  await client.apply(externalModel(ctx.ns, "gpt", `${primaryUp.url}/v1`), {
    fieldManager: "integration-test",
  });
  await client.apply(
    policy(ctx.ns, "half", {
      fault: { type: "ProviderFailure", providerFailure: { errorRate: "0.5", statusCode: 503 } },
      target: { kind: "AIModel", name: "gpt" },
      duration: "10m",
    }),
    { fieldManager: "integration-test" },
  );
  await waitFor(
    "fault active",
    30_000,
    async () =>
      ((await getPolicy(client, ctx.ns, "half"))?.status?.activeFaults?.length ?? 0) === 1,
    100,
  );
  // The bridge wrote it and the gateway reloaded it: the primary starts failing.
  await waitFor(
    "gateway carries the fault",
    10_000,
    async () => {
      await oa.chat.completions.create({
        model: "gpt",
        messages: [{ role: "user", content: `warm ${Date.now()}` }],
        max_completion_tokens: 1,
      });
      return (await primaryAttempts(gw, primary)).failed > 0;
    },
    50,
  );

  // With the fallback.
  const before = await primaryAttempts(gw, primary);
  const a = await drive(oa, REQUESTS);
  const after = await primaryAttempts(gw, primary);
  const pFailed = after.failed - before.failed;
  const pTotal = pFailed + after.success - before.success;
  process.stdout.write(
    `# with fallback: ${a.ok}/${REQUESTS} succeeded (${((100 * a.ok) / REQUESTS).toFixed(2)} %) in ${a.ms} ms; ` +
      `served by primary ${a.byBackend.get(primary) ?? 0}, fallback ${a.byBackend.get(fallback) ?? 0}; ` +
      `primary attempts failed ${pFailed}/${pTotal} (${((100 * pFailed) / pTotal).toFixed(1)} %)\n`,
  );
  assert.ok(a.ok >= 0.99 * REQUESTS, `${a.ok} of ${REQUESTS} succeeded`);
  assert.ok(pTotal >= REQUESTS * 0.99, "every request tried the primary first");
  assert.ok(
    pFailed / pTotal > 0.4 && pFailed / pTotal < 0.6,
    `the fault hit ${pFailed} of ${pTotal} primary attempts`,
  );
  assert.equal(
    a.byBackend.get(fallback),
    pFailed,
    "each injected failure was served by the fallback",
  );

  // Without the fallback: the same fault is visible to clients.
  bridge.stop();
  bridge = bridgeFaults(client, ctx.ns, config(false), gw.writeConfig);
  await waitFor("routing without fallback written", 10_000, () => bridge.writes() > 0, 50);
  // The gateway polls its routing file every 200 ms.
  await new Promise((r) => setTimeout(r, 1000));
  const b = await drive(oa, REQUESTS);
  const failRate = b.failed / REQUESTS;
  process.stdout.write(
    `# without fallback: ${b.failed}/${REQUESTS} failed (${(100 * failRate).toFixed(1)} %) in ${b.ms} ms\n`,
  );
  assert.equal(b.byBackend.get(fallback), undefined, "no fallback route any more");
  assert.ok(failRate > 0.4 && failRate < 0.6, `failure rate ${failRate}`);
});
