// Table test of the Assistant's Ready verdict: routed and every used version on a Ready AIModel,
// or the first reason why not, naming the versions and models concerned.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import { assistant, vllm } from "./desired/fixtures.test-helpers.ts";
import { assistantReady } from "./assistant-ready.ts";

const routed = {
  type: "Routed",
  status: "True" as const,
  reason: "Routed",
  message: "In the routing config",
  observedGeneration: 3,
};
const withReady = (m: AIModel, status: "True" | "False", reason = "Available"): AIModel => ({
  ...m,
  status: { conditions: [{ type: "Ready", status, reason, message: "", lastTransitionTime: "" }] },
});
const two = assistant("helper", {
  versions: [
    { name: "v1", modelRef: "llama", instructions: "a" },
    { name: "v2", modelRef: "gpt", instructions: "b" },
    { name: "v0", modelRef: "old", instructions: "c" },
  ],
  variants: [
    { version: "v1", weight: 50 },
    { version: "v2", weight: 50 },
  ],
});
two.metadata.generation = 4;

const cases: {
  name: string;
  routed?: typeof routed | (Omit<typeof routed, "status"> & { status: "False" });
  models: AIModel[];
  want: [string, string, RegExp];
}[] = [
  {
    name: "routed, both used versions on Ready models (the unused v0's model may be missing)",
    models: [withReady(vllm("llama"), "True"), withReady(vllm("gpt"), "True")],
    want: ["True", "VariantsRoutable", /versions v1, v2 on Ready AIModels/],
  },
  {
    name: "a used model not Ready",
    models: [withReady(vllm("llama"), "True"), withReady(vllm("gpt"), "False", "Progressing")],
    want: ["False", "ModelNotReady", /v2 → AIModel gpt not Ready \(Progressing\)/],
  },
  {
    name: "a used model without status yet",
    models: [withReady(vllm("llama"), "True"), vllm("gpt")],
    want: ["False", "ModelNotReady", /gpt not Ready \(no status yet\)/],
  },
  {
    name: "a used model missing wins over one not Ready",
    models: [withReady(vllm("gpt"), "False", "Progressing")],
    want: ["False", "ModelNotFound", /v1 → AIModel llama not found; v2 → AIModel gpt not Ready/],
  },
  {
    name: "not routed: the prompt does not resolve",
    routed: { ...routed, status: "False", reason: "PromptNotFound", message: "prompt p missing" },
    models: [withReady(vllm("llama"), "True"), withReady(vllm("gpt"), "True")],
    want: ["False", "PromptNotFound", /Not routed: prompt p missing/],
  },
  {
    name: "not routed for another reason",
    routed: { ...routed, status: "False", reason: "NameConflict", message: "name taken" },
    models: [],
    want: ["False", "NameConflict", /Not routed: name taken/],
  },
];

for (const c of cases) {
  test(`assistantReady: ${c.name}`, () => {
    const byName = new Map(c.models.map((m) => [m.metadata.name ?? "", m]));
    const r = assistantReady(two, c.routed ?? routed, (n) => byName.get(n));
    assert.deepEqual(
      [r.type, r.status, r.reason, r.observedGeneration],
      ["Ready", c.want[0], c.want[1], 4],
    );
    assert.match(r.message, c.want[2]);
  });
}
