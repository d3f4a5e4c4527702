/**
 * The routing file as the kubelet delivers a ConfigMap (a `..data` symlink swapped atomically):
 * many quick successive updates while requests run; no request fails and the last update wins.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import type { RoutingConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import { writeVolume } from "../../helpers/kubelet-volume.ts";
import { eventually, metricValue, newTenant, post, routing, startGateway } from "./helpers.ts";

void test("a burst of ..data symlink swaps: no request fails, the last config wins", async (t) => {
  const up = await startTestUpstream({ name: "a" });
  t.after(() => up.close());
  const tenant = newTenant("kubelet");
  const config = (gen: number): RoutingConfig =>
    routing({
      generation: gen,
      backends: [{ name: "ns/a", provider: "openai", baseURL: `${up.url}/v1` }],
      // "stable" is in every version; "only-<gen>" exists only in that generation.
      models: [
        { name: "stable", routes: [{ backend: "ns/a" }] },
        { name: `only-${gen}`, routes: [{ backend: "ns/a" }] },
      ],
      tenants: [
        {
          id: tenant.id,
          apiKeys: [{ sha256: tenant.hash }],
          models: ["*"],
          limits: { rpm: 1_000_000 },
        },
      ],
    });
  const dir = await mkdtemp(join(tmpdir(), "igw-kubelet-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeVolume(dir, { "routing.json": JSON.stringify(config(1)) });
  // Polling far slower than the burst: the file-system events of the swaps must carry the reload.
  const gw = await startGateway(config(1), {
    configPath: join(dir, "routing.json"),
    configPollMs: 60_000,
  });
  t.after(() => gw.close());

  let stop = false;
  const failures: string[] = [];
  let sent = 0;
  const load = async (): Promise<void> => {
    while (!stop) {
      const r = await post(
        `${gw.url}/v1/chat/completions`,
        { model: "stable", messages: [{ role: "user", content: "hi" }] },
        tenant.key,
      );
      sent++;
      if (r.status !== 200) failures.push(`${r.status} ${r.text}`);
    }
  };
  const loaders = Array.from({ length: 8 }, load);
  const last = 60;
  for (let gen = 2; gen <= last; gen++) {
    await writeVolume(dir, { "routing.json": JSON.stringify(config(gen)) });
    await sleep(gen % 5 === 0 ? 0 : 3); // some swaps back to back, some a few ms apart
  }
  const generation = await eventually(
    async () =>
      metricValue(
        await (await fetch(`${gw.url}/metrics`)).text(),
        "inference_gateway_config_generation",
        {},
      ),
    (g) => g === last,
    5_000,
  );
  await sleep(200);
  stop = true;
  await Promise.all(loaders);
  assert.equal(generation, last);
  assert.deepEqual(failures, [], `${failures.length} of ${sent} requests failed`);
  assert.ok(sent > 50, `only ${sent} requests ran during the burst`);
  const newest = await post(
    `${gw.url}/v1/chat/completions`,
    { model: `only-${last}`, messages: [{ role: "user", content: "x" }] },
    tenant.key,
  );
  assert.equal(newest.status, 200, newest.text);
  const older = await post(
    `${gw.url}/v1/chat/completions`,
    { model: `only-${last - 1}`, messages: [{ role: "user", content: "x" }] },
    tenant.key,
  );
  assert.equal(older.status, 404, older.text);
});
