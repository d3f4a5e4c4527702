// Table tests of the AIModel rules shared by the controller and the webhooks: self-hosted,
// effective replicas (clamping while autoscaling, API defaults, external providers), model-name label.
import { test } from "node:test";
import assert from "node:assert/strict";
import { effectiveReplicas, isSelfHosted, modelNameLabelValue } from "./rules.ts";
import type { ReplicaSpec } from "./rules.ts";

const on = { enabled: true };
const replicaCases: { name: string; spec: ReplicaSpec; want: number }[] = [
  {
    name: "autoscaling off uses replicas",
    spec: { provider: "vllm", replicas: 2, minReplicas: 1, maxReplicas: 3 },
    want: 2,
  },
  {
    name: "autoscaling off ignores bounds",
    spec: { provider: "vllm", replicas: 5, minReplicas: 1, maxReplicas: 3 },
    want: 5,
  },
  {
    name: "autoscaling clamps up to min",
    spec: { provider: "vllm", replicas: 0, minReplicas: 2, maxReplicas: 4, autoscaling: on },
    want: 2,
  },
  {
    name: "autoscaling clamps down to max",
    spec: { provider: "ollama", replicas: 9, minReplicas: 1, maxReplicas: 4, autoscaling: on },
    want: 4,
  },
  {
    name: "zero replicas allowed",
    spec: { provider: "vllm", replicas: 0, minReplicas: 0, maxReplicas: 1 },
    want: 0,
  },
  {
    name: "no maxReplicas: replicas as given",
    spec: { provider: "vllm", replicas: 5, minReplicas: 1 },
    want: 5,
  },
  {
    name: "no maxReplicas while autoscaling: only clamped up",
    spec: { provider: "vllm", replicas: 0, minReplicas: 2, autoscaling: on },
    want: 2,
  },
  { name: "absent fields take the API defaults", spec: { provider: "vllm" }, want: 1 },
  { name: "external providers run nothing", spec: { provider: "openai", replicas: 3 }, want: 0 },
];
for (const c of replicaCases) {
  test(`effectiveReplicas: ${c.name}`, () => {
    assert.equal(effectiveReplicas({ spec: c.spec }), c.want);
  });
}

test("isSelfHosted: vllm and ollama only", () => {
  assert.deepEqual(
    ["vllm", "ollama", "openai", "anthropic", "google", "azure", ""].map((provider) =>
      isSelfHosted({ spec: { provider } }),
    ),
    [true, true, false, false, false, false, false],
  );
});

test("modelNameLabelValue: sanitised, undefined when nothing is left", () => {
  assert.equal(modelNameLabelValue("meta-llama/Llama-3.1-8B"), "meta-llama-Llama-3.1-8B");
  assert.equal(modelNameLabelValue("//"), undefined);
});
