// Table test of the per-model pass: a first verdict is written with its own field manager, an
// unchanged one is not, a deleted model is forgotten, and every pass comes back after one interval.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import type { KubernetesObject } from "../../operators/runtime/index.ts";
import { vllm } from "../aimodel/fixtures.test-helpers.ts";
import type { Measured } from "./scraper.ts";
import { CONTROLLER_NAME, gatewayMetricsReconciler } from "./reconcile.ts";

const measured = (ok: number): Measured => ({
  at: 0,
  processes: 1,
  problem: undefined,
  window: {
    backends: new Map([
      [
        "team-a/llama",
        {
          requests: 100,
          successRate: ok,
          p50Ms: 10,
          p99Ms: 90,
          healthUp: undefined,
          breakerOpen: 0,
          lastProbe: undefined,
        },
      ],
    ]),
    versions: new Map(),
  },
});

void test("writes a changed verdict, skips an unchanged one, forgets deleted models", async () => {
  let model: AIModel | undefined = vllm();
  let window = measured(1);
  const writes: { obj: KubernetesObject; manager: string }[] = [];
  const reconcile = gatewayMetricsReconciler({
    client: {
      applyStatus: <T extends KubernetesObject>(obj: T, o: { fieldManager: string }) => {
        writes.push({ obj, manager: o.fieldManager });
        return Promise.resolve(obj);
      },
    },
    models: { get: () => model },
    scraper: { current: () => Promise.resolve(window) },
    thresholds: { minSuccessRate: 0.95, minRequests: 20, windowMs: 60_000 },
    intervalMs: 15_000,
    statusIntervalMs: 60_000,
    now: () => new Date("2026-01-01T00:00:00Z"),
  });
  assert.deepEqual(await reconcile("team-a/llama"), { requeueAfterMs: 15_000 });
  assert.equal(writes.length, 1);
  assert.equal(writes[0]?.manager, CONTROLLER_NAME);
  const status = (writes[0]?.obj as AIModel).status;
  assert.equal(status?.successRate, "1.0000");
  assert.deepEqual(Object.keys(writes[0]?.obj.metadata ?? {}).sort(), ["name", "namespace"]);
  // The cache now holds what was written: the same window writes nothing.
  model = { ...vllm(), status: status ?? {} };
  await reconcile("team-a/llama");
  assert.equal(writes.length, 1);
  // A flipped verdict is written at once, although the numbers' interval has not passed.
  window = measured(0.5);
  await reconcile("team-a/llama");
  assert.equal(writes.length, 2);
  assert.equal(
    (writes[1]?.obj as AIModel).status?.conditions?.find((c) => c.type === "TrafficHealthy")
      ?.reason,
    "SuccessRateLow",
  );
  model = undefined;
  assert.deepEqual(await reconcile("team-a/llama"), {});
});
