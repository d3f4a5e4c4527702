// chaos_active_faults counts only non-dry runs with a fault in force; chaos_runs_total by verdict.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import type { ChaosPolicy, ChaosRunState } from "../../crds/chaospolicy/v1alpha1/index.ts";
import { activeFaultCounts, chaosMetrics } from "./metrics.ts";

const p = (state: ChaosRunState, type: "PodDelete" | "CPUHog", dryRun = false): ChaosPolicy => ({
  apiVersion: "librechat.io/v1alpha1",
  kind: "ChaosPolicy",
  metadata: { name: "p", namespace: "n" },
  spec: {
    fault: type === "CPUHog" ? { type, cpuHog: { cores: 1 } } : { type },
    target: { kind: "AIModel", name: "m" },
    duration: "1m",
    dryRun,
    suspend: false,
  },
  status: { run: { id: "r", state, dryRun } },
});

test("activeFaultCounts", () => {
  const got = activeFaultCounts([
    p("Running", "PodDelete"),
    p("Injecting", "CPUHog"),
    p("Recovering", "PodDelete"),
    p("Running", "PodDelete", true),
    p("Finished", "CPUHog"),
  ]);
  assert.equal(got["PodDelete"], 1);
  assert.equal(got["CPUHog"], 1);
  assert.equal(got["StreamCut"], 0);
});

test("metrics appear in the registry", async () => {
  const reg = new Registry();
  const m = chaosMetrics(reg, () => [p("Running", "PodDelete")]);
  m.runFinished("Aborted");
  const text = await reg.metrics();
  assert.match(text, /chaos_runs_total\{verdict="Aborted"\} 1/);
  assert.match(text, /chaos_runs_total\{verdict="Passed"\} 0/);
  assert.match(text, /chaos_active_faults\{fault="PodDelete"\} 1/);
});
