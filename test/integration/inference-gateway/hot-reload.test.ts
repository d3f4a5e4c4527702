/**
 * Hot reload: the routing file is rewritten (atomically, as the kubelet does, and once with an
 * invalid file) while 300 requests run; no request fails and the new routes take effect.
 */
import { writeFile } from "node:fs/promises";
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import type { RoutingConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import { newTenant, post, routing, startGateway } from "./helpers.ts";

void test("rewriting the routing file under load drops no request and switches routes", async (t) => {
  const a = await startTestUpstream({ name: "a", tokensPerSecond: 200 });
  const b = await startTestUpstream({ name: "b", tokensPerSecond: 200 });
  t.after(() => Promise.all([a.close(), b.close()]));
  const tenant = newTenant("reload");
  const tenants = [
    { id: tenant.id, apiKeys: [{ sha256: tenant.hash }], models: ["*"], limits: { rpm: 100_000 } },
  ];
  const v1: RoutingConfig = routing({
    generation: 1,
    backends: [{ name: "a", provider: "openai", baseURL: `${a.url}/v1` }],
    models: [{ name: "m", routes: [{ backend: "a" }] }],
    tenants,
  });
  const v2: RoutingConfig = routing({
    generation: 2,
    backends: [
      { name: "a", provider: "openai", baseURL: `${a.url}/v1` },
      { name: "b", provider: "openai", baseURL: `${b.url}/v1` },
    ],
    models: [
      {
        name: "m",
        routes: [
          { backend: "a", weight: 1 },
          { backend: "b", weight: 1 },
        ],
      },
    ],
    tenants,
  });
  const v3: RoutingConfig = routing({
    generation: 3,
    backends: [{ name: "b", provider: "openai", baseURL: `${b.url}/v1` }],
    models: [
      { name: "m", routes: [{ backend: "b" }] },
      { name: "m2", routes: [{ backend: "b" }] },
    ],
    tenants,
  });
  const gw = await startGateway(v1, { configPollMs: 100 });
  t.after(() => gw.close());

  const total = 300;
  let next = 0;
  const results: { i: number; status: number; backend: string | null; text: string }[] = [];
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const r = await post(
        `${gw.url}/v1/chat/completions`,
        {
          model: "m",
          messages: [{ role: "user", content: `r${i}` }],
          max_tokens: 8,
          stream: i % 2 === 0,
        },
        tenant.key,
      );
      results.push({ i, status: r.status, backend: r.headers.get("x-igw-backend"), text: r.text });
    }
  };
  const reloader = async (): Promise<void> => {
    while (next < 60) await sleep(5);
    await gw.writeConfig(v2);
    while (next < 120) await sleep(5);
    await writeFile(
      gw.configPath,
      "apiVersion: gateway.librechat.io/v1alpha1\nkind: InferenceGatewayConfig\nbackends: [oops",
    ); // invalid, non-atomic
    while (next < 180) await sleep(5);
    await gw.writeConfig(v3);
  };
  await Promise.all([...Array.from({ length: 10 }, worker), reloader()]);

  const failed = results.filter(
    (r) => r.status !== 200 || (r.i % 2 === 0 && !r.text.includes("data: [DONE]")),
  );
  assert.equal(failed.length, 0, `failed: ${JSON.stringify(failed.slice(0, 3))}`);
  assert.equal(results.length, total);
  await sleep(300);
  assert.equal(gw.app.igwRouting.current?.generation, 3);
  const after = await post(
    `${gw.url}/v1/chat/completions`,
    { model: "m", messages: [{ role: "user", content: "after" }], max_tokens: 4 },
    tenant.key,
  );
  assert.equal(after.headers.get("x-igw-backend"), "b");
  const m2 = await post(
    `${gw.url}/v1/chat/completions`,
    { model: "m2", messages: [{ role: "user", content: "new" }], max_tokens: 4 },
    tenant.key,
  );
  assert.equal(m2.status, 200, "model added by the reload is served");
  assert.ok(results.some((r) => r.backend === "a") && results.some((r) => r.backend === "b"));
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.match(
    metrics,
    /inference_gateway_config_reloads_total\{result="error"\} [1-9]/,
    "the invalid file was rejected",
  );
});
