// Tests of AIModel defaulting: the model-name label from spec.modelName.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { modelNameLabelValue } from "../crds/aimodel/v1alpha1/rules.ts";
import { defaultAIModel } from "./aimodel.ts";
import type { KubeObject } from "./review.ts";

describe("AIModel defaulting", () => {
  const cases: {
    name: string;
    metadata: Record<string, unknown>;
    modelName: unknown;
    want: unknown;
  }[] = [
    {
      name: "no labels → add the map",
      metadata: { name: "m" },
      modelName: "llama-3.1-8b",
      want: [
        {
          op: "add",
          path: "/metadata/labels",
          value: { "librechat.io/model-name": "llama-3.1-8b" },
        },
      ],
    },
    {
      name: "other labels → add one key",
      metadata: { name: "m", labels: { team: "a" } },
      modelName: "gpt-4o",
      want: [{ op: "add", path: "/metadata/labels/librechat.io~1model-name", value: "gpt-4o" }],
    },
    {
      name: "already right → nothing",
      metadata: { name: "m", labels: { "librechat.io/model-name": "gpt-4o" } },
      modelName: "gpt-4o",
      want: [],
    },
    {
      name: "spoofed label → overwritten",
      metadata: { name: "m", labels: { "librechat.io/model-name": "other" } },
      modelName: "gpt-4o",
      want: [{ op: "add", path: "/metadata/labels/librechat.io~1model-name", value: "gpt-4o" }],
    },
    {
      name: "slashes and colons sanitized",
      metadata: { name: "m" },
      modelName: "meta-llama/Llama-3.1-8B:q4",
      want: [
        {
          op: "add",
          path: "/metadata/labels",
          value: { "librechat.io/model-name": "meta-llama-Llama-3.1-8B-q4" },
        },
      ],
    },
    { name: "no modelName → nothing", metadata: { name: "m" }, modelName: undefined, want: [] },
    { name: "non-string modelName → nothing", metadata: { name: "m" }, modelName: 7, want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const object: KubeObject = { metadata: c.metadata, spec: { modelName: c.modelName } };
      assert.deepEqual(defaultAIModel({ operation: "CREATE", object, oldObject: null }), c.want);
    });
  }

  it("label values are valid and bounded", () => {
    assert.equal(modelNameLabelValue("x".repeat(100))?.length, 63);
    assert.equal(modelNameLabelValue("///"), undefined);
    assert.equal(modelNameLabelValue("-a-"), "a");
  });

  it("does nothing without metadata", () => {
    assert.deepEqual(
      defaultAIModel({
        operation: "CREATE",
        object: { spec: { modelName: "x" } },
        oldObject: null,
      }),
      [],
    );
  });
});
