// Tests of AIModel admission: the model-name label from spec.modelName (defaulting) and the engine
// image allowlist (validation, with the UPDATE ratchet).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { modelNameLabelValue } from "../crds/aimodel/v1alpha1/rules.ts";
import { defaultAIModel, validateAIModel } from "./aimodel.ts";
import type { KubeObject, Operation } from "./review.ts";
import { DEFAULT_POLICY } from "./types.ts";
import type { ValidateInput } from "./types.ts";
import { FakeLookup } from "./testing/fake-lookup.ts";
import { SECRET } from "../operators/runtime/core-kinds.ts";

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

describe("AIModel engine image policy", () => {
  const withImage = (image?: string): KubeObject => ({
    apiVersion: "librechat.io/v1alpha1",
    kind: "AIModel",
    metadata: { name: "m", namespace: "ns" },
    spec: {
      provider: image === undefined ? "openai" : "vllm",
      modelName: "m",
      ...(image === undefined ? {} : { engine: { image } }),
    },
  });
  const input = (
    operation: Operation,
    image?: string,
    oldImage?: string,
    prefixes = DEFAULT_POLICY.aimodel.imagePrefixes,
  ): ValidateInput => ({
    operation,
    object: withImage(image),
    oldObject: operation === "UPDATE" ? withImage(oldImage) : null,
    namespace: "ns",
    lookup: new FakeLookup(),
    policy: { ...DEFAULT_POLICY, aimodel: { imagePrefixes: prefixes } },
    signal: AbortSignal.timeout(1000),
  });
  const cases: { name: string; in: ValidateInput; denied: boolean }[] = [
    { name: "official vLLM image", in: input("CREATE", "vllm/vllm-openai:v0.10.1"), denied: false },
    { name: "arbitrary image", in: input("CREATE", "evil.io/miner:1"), denied: true },
    { name: "external model, no engine", in: input("CREATE"), denied: false },
    {
      name: "UPDATE keeping a now-disallowed image (ratchet)",
      in: input("UPDATE", "evil.io/miner:1", "evil.io/miner:1"),
      denied: false,
    },
    {
      name: "UPDATE changing to a disallowed image",
      in: input("UPDATE", "evil.io/miner:2", "vllm/vllm-openai:v0.10.1"),
      denied: true,
    },
    {
      name: "admin allowlist admits its registry",
      in: input("CREATE", "ghcr.io/acme/engine:1", undefined, ["ghcr.io/acme/"]),
      denied: false,
    },
    { name: '"*" admits any', in: input("CREATE", "x/y:1", undefined, ["*"]), denied: false },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const v = await validateAIModel(c.in);
      assert.equal(v.length > 0, c.denied);
      if (c.denied) {
        assert.equal(v[0]?.field, "spec.engine.image");
        assert.match(
          v[0]?.message ?? "",
          /not allowed by the cluster's engine image policy; allowed prefixes: /,
        );
      }
    });
  }
});

describe("AIModel Secret-reference policy", () => {
  const secret = (name: string, labelled: boolean): KubeObject => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name,
      namespace: "ns",
      ...(labelled ? { labels: { "librechat.io/model-secret": "true" } } : {}),
    },
  });
  const lookup = new FakeLookup()
    .add(SECRET, secret("ok", true))
    .add(SECRET, secret("admin", false));
  const model = (spec: Record<string, unknown>): ValidateInput => ({
    operation: "CREATE",
    object: {
      apiVersion: "librechat.io/v1alpha1",
      kind: "AIModel",
      metadata: { name: "m", namespace: "ns" },
      spec,
    },
    oldObject: null,
    namespace: "ns",
    lookup,
    policy: DEFAULT_POLICY,
    signal: AbortSignal.timeout(1000),
  });
  const ref = (name: string) => ({ credentialsSecretRef: { name, key: "k" } });
  const env = (...names: string[]) => ({
    image: "vllm/vllm-openai:v0.10.1",
    env: names.map((n) => ({ name: "E", valueFrom: { secretKeyRef: { name: n, key: "k" } } })),
  });
  const cases: { name: string; spec: Record<string, unknown>; fields: string[] }[] = [
    { name: "labelled credentials", spec: { provider: "openai", external: ref("ok") }, fields: [] },
    {
      name: "missing credentials Secret (later)",
      spec: { provider: "openai", external: ref("nope") },
      fields: [],
    },
    {
      name: "unlabelled credentials",
      spec: { provider: "openai", external: ref("admin") },
      fields: ["spec.external.credentialsSecretRef.name"],
    },
    {
      name: "env: one labelled, one not",
      spec: { provider: "vllm", engine: env("ok", "admin") },
      fields: ["spec.engine.env[1].valueFrom.secretKeyRef.name"],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const v = await validateAIModel(model(c.spec));
      assert.deepEqual(
        v.map((x) => x.field),
        c.fields,
      );
      for (const x of v) assert.match(x.message, /librechat.io\/model-secret=true/);
    });
  }
});
