/**
 * Valid and invalid AIModel objects with the error each must produce. Used by the offline tests
 * (crds/aimodel/v1alpha1/schema.test.ts) and by integration tests against a real API server.
 * Objects carry no namespace: the test chooses one.
 */
import { mergePatch, withSpec } from "../../shared/cases.ts";
import type { InvalidCase, JsonObject, ValidCase } from "../../shared/cases.ts";

const vllm: JsonObject = {
  apiVersion: "librechat.io/v1alpha1",
  kind: "AIModel",
  metadata: { name: "llama" },
  spec: {
    provider: "vllm",
    modelName: "llama-3.1-8b",
    engine: { image: "vllm/vllm-openai:v0.10.1" },
  },
};

const openai: JsonObject = {
  apiVersion: "librechat.io/v1alpha1",
  kind: "AIModel",
  metadata: { name: "gpt" },
  spec: {
    provider: "openai",
    modelName: "gpt-4o-mini",
    external: { credentialsSecretRef: { name: "openai-credentials", key: "api-key" } },
  },
};

const canary = {
  strategy: "Canary",
  canary: {
    steps: [
      { setWeight: 10 },
      { analysis: { metrics: ["error-rate"] } },
      { pause: { duration: "5m" } },
    ],
  },
  analysis: {
    metrics: [{ name: "error-rate", query: "vector(0)", successCondition: "result[0] < 0.05" }],
  },
};

export const validCases: readonly ValidCase[] = [
  { name: "minimal vllm", object: vllm },
  { name: "minimal openai", object: openai },
  {
    name: "ollama with gpu and env from secret",
    object: withSpec(vllm, "ollama", {
      provider: "ollama",
      engine: {
        gpu: { count: 1 },
        env: [
          { name: "A", value: "1" },
          { name: "B", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
        ],
      },
    }),
  },
  {
    name: "azure with baseURL and apiVersion",
    object: withSpec(openai, "azure", {
      provider: "azure",
      external: { baseURL: "https://acme.openai.azure.com", apiVersion: "2024-10-21" },
    }),
  },
  {
    name: "scale to zero with min 0",
    object: withSpec(vllm, "zero", { replicas: 0, minReplicas: 0 }),
  },
  {
    name: "replicas within bounds",
    object: withSpec(vllm, "bounded", { replicas: 3, minReplicas: 1, maxReplicas: 4 }),
  },
  {
    name: "replicas alone, no maxReplicas",
    object: withSpec(vllm, "three", { replicas: 3 }),
  },
  {
    name: "autoscaling owns replicas outside bounds",
    object: withSpec(vllm, "autoscaled", {
      replicas: 9,
      minReplicas: 1,
      maxReplicas: 4,
      autoscaling: { enabled: true },
    }),
  },
  {
    name: "min equals max",
    object: withSpec(vllm, "pinned", { replicas: 2, minReplicas: 2, maxReplicas: 2 }),
  },
  { name: "canary rollout", object: withSpec(vllm, "canary", { rollout: canary }) },
  {
    name: "blue-green rollout",
    object: withSpec(vllm, "bluegreen", {
      rollout: {
        strategy: "BlueGreen",
        blueGreen: { autoPromotion: true, autoPromotionSeconds: 60 },
      },
    }),
  },
  {
    name: "health check timeout equals interval",
    object: withSpec(vllm, "health", { healthCheck: { intervalSeconds: 5, timeoutSeconds: 5 } }),
  },
  {
    name: "fallbacks to other models",
    object: withSpec(openai, "fallbacks", {
      fallbacks: [
        { modelRef: "llama", triggers: ["RateLimited", "Timeout"] },
        { modelRef: "claude", triggers: ["ServerError"] },
      ],
    }),
  },
  {
    name: "external provider ignores replicas bounds",
    object: withSpec(openai, "external-replicas", { replicas: 5 }),
  },
  {
    name: "cost per token",
    object: withSpec(openai, "cost", {
      costPerToken: { input: "0.00000015", output: "0.0000006" },
    }),
  },
];

export const invalidCases: readonly InvalidCase[] = [
  {
    name: "vllm without engine",
    object: mergePatch(vllm, { metadata: { name: "no-engine" }, spec: { engine: null } }),
    expectFieldPath: "spec.engine",
    expectMessageIncludes: "engine is required when provider is vllm or ollama",
  },
  {
    name: "openai with engine",
    object: withSpec(openai, "engine-on-openai", { engine: { image: "x" } }),
    expectFieldPath: "spec.engine",
    expectMessageIncludes: "engine is forbidden when provider is openai",
  },
  {
    name: "openai without external",
    object: mergePatch(openai, { metadata: { name: "no-external" }, spec: { external: null } }),
    expectFieldPath: "spec.external",
    expectMessageIncludes: "external is required when provider is openai",
  },
  {
    name: "vllm with external",
    object: withSpec(vllm, "external-on-vllm", {
      external: { credentialsSecretRef: { name: "s", key: "k" } },
    }),
    expectFieldPath: "spec.external",
    expectMessageIncludes: "external is forbidden when provider is vllm or ollama",
  },
  {
    name: "minReplicas above maxReplicas",
    object: withSpec(vllm, "min-gt-max", { minReplicas: 3, maxReplicas: 2, replicas: 2 }),
    expectFieldPath: "spec.minReplicas",
    expectMessageIncludes: "minReplicas must be less than or equal to maxReplicas",
  },
  {
    name: "replicas above maxReplicas without autoscaling",
    object: withSpec(vllm, "too-many", { replicas: 3, maxReplicas: 2 }),
    expectFieldPath: "spec.replicas",
    expectMessageIncludes:
      "replicas must be at least minReplicas, and at most maxReplicas when it is set, while autoscaling is disabled",
  },
  {
    name: "replicas below minReplicas without autoscaling",
    object: withSpec(vllm, "too-few", { replicas: 0 }),
    expectFieldPath: "spec.replicas",
    expectMessageIncludes:
      "replicas must be at least minReplicas, and at most maxReplicas when it is set, while autoscaling is disabled",
  },
  {
    name: "autoscaling without maxReplicas",
    object: withSpec(vllm, "autoscale-unbounded", { autoscaling: { enabled: true } }),
    expectFieldPath: "spec.maxReplicas",
    expectMessageIncludes: "maxReplicas is required when autoscaling is enabled",
  },
  {
    name: "autoscaling on external provider",
    object: withSpec(openai, "autoscale-openai", { autoscaling: { enabled: true } }),
    expectFieldPath: "spec.autoscaling",
    expectMessageIncludes: "autoscaling applies only to self-hosted providers",
  },
  {
    name: "rollout on external provider",
    object: withSpec(openai, "rollout-openai", { rollout: canary }),
    expectFieldPath: "spec.rollout",
    expectMessageIncludes: "rollout applies only to self-hosted providers",
  },
  {
    name: "azure without apiVersion",
    object: withSpec(openai, "azure-no-version", {
      provider: "azure",
      external: { baseURL: "https://acme.openai.azure.com" },
    }),
    expectFieldPath: "spec.external",
    expectMessageIncludes:
      "external.baseURL and external.apiVersion are required when provider is azure",
  },
  {
    name: "apiVersion on openai",
    object: withSpec(openai, "openai-version", { external: { apiVersion: "2024-10-21" } }),
    expectFieldPath: "spec.external.apiVersion",
    expectMessageIncludes: "external.apiVersion is only allowed when provider is azure",
  },
  {
    name: "fallback to itself",
    object: withSpec(openai, "selfish", {
      fallbacks: [{ modelRef: "selfish", triggers: ["Timeout"] }],
    }),
    expectFieldPath: "spec.fallbacks",
    expectMessageIncludes: "spec.fallbacks must not reference the AIModel itself",
  },
  {
    name: "env with value and valueFrom",
    object: withSpec(vllm, "env-both", {
      engine: {
        env: [{ name: "A", value: "1", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }],
      },
    }),
    expectFieldPath: "spec.engine.env[0]",
    expectMessageIncludes: "exactly one of value or valueFrom must be set",
  },
  {
    name: "health timeout above interval",
    object: withSpec(vllm, "health-bad", {
      healthCheck: { intervalSeconds: 5, timeoutSeconds: 10 },
    }),
    expectFieldPath: "spec.healthCheck.timeoutSeconds",
    expectMessageIncludes: "timeoutSeconds must be less than or equal to intervalSeconds",
  },
  {
    name: "canary step with two actions",
    object: withSpec(vllm, "step-two", {
      rollout: { strategy: "Canary", canary: { steps: [{ setWeight: 10, pause: {} }] } },
    }),
    expectFieldPath: "spec.rollout.canary.steps[0]",
    expectMessageIncludes: "each canary step must set exactly one of setWeight, pause or analysis",
  },
  {
    name: "canary step with no action",
    object: withSpec(vllm, "step-none", {
      rollout: { strategy: "Canary", canary: { steps: [{}] } },
    }),
    expectFieldPath: "spec.rollout.canary.steps[0]",
    expectMessageIncludes: "each canary step must set exactly one of setWeight, pause or analysis",
  },
  {
    name: "setWeight above maxTrafficWeight",
    object: withSpec(vllm, "weight-cap", {
      rollout: { strategy: "Canary", canary: { maxTrafficWeight: 50, steps: [{ setWeight: 60 }] } },
    }),
    expectFieldPath: "spec.rollout.canary.steps",
    expectMessageIncludes: "setWeight must not exceed maxTrafficWeight",
  },
  {
    name: "Canary strategy without canary block",
    object: withSpec(vllm, "no-canary", { rollout: { strategy: "Canary" } }),
    expectFieldPath: "spec.rollout.canary",
    expectMessageIncludes: "canary must be set when strategy is Canary and only then",
  },
  {
    name: "BlueGreen strategy without blueGreen block",
    object: withSpec(vllm, "no-bluegreen", { rollout: { strategy: "BlueGreen" } }),
    expectFieldPath: "spec.rollout.blueGreen",
    expectMessageIncludes: "blueGreen must be set when strategy is BlueGreen and only then",
  },
  {
    name: "analysis step naming an undeclared metric",
    object: withSpec(vllm, "undeclared-metric", {
      rollout: { strategy: "Canary", canary: { steps: [{ analysis: { metrics: ["p95"] } }] } },
    }),
    expectFieldPath: "spec.rollout.canary.steps",
    expectMessageIncludes:
      "every canary analysis step must name metrics declared in analysis.metrics",
  },
  {
    name: "prePromotionAnalysis naming an undeclared metric",
    object: withSpec(vllm, "undeclared-prepromo", {
      rollout: { strategy: "BlueGreen", blueGreen: { prePromotionAnalysis: ["p95"] } },
    }),
    expectFieldPath: "spec.rollout.blueGreen.prePromotionAnalysis",
    expectMessageIncludes:
      "blueGreen.prePromotionAnalysis must name metrics declared in analysis.metrics",
  },
  {
    name: "autoPromotionSeconds without autoPromotion",
    object: withSpec(vllm, "autopromo", {
      rollout: { strategy: "BlueGreen", blueGreen: { autoPromotionSeconds: 30 } },
    }),
    expectFieldPath: "spec.rollout.blueGreen.autoPromotionSeconds",
    expectMessageIncludes: "autoPromotionSeconds requires autoPromotion: true",
  },
  // Schema (non-CEL) rules.
  {
    name: "unknown provider",
    object: withSpec(vllm, "bad-provider", { provider: "bedrock" }),
    expectFieldPath: "spec.provider",
    expectMessageIncludes: "Unsupported value",
  },
  {
    name: "missing modelName",
    object: mergePatch(vllm, { metadata: { name: "no-model-name" }, spec: { modelName: null } }),
    expectFieldPath: "spec.modelName",
    expectMessageIncludes: "Required value",
  },
  {
    name: "negative replicas",
    object: withSpec(vllm, "negative", { replicas: -1, minReplicas: 0 }),
    expectFieldPath: "spec.replicas",
    expectMessageIncludes: "should be greater than or equal to 0",
  },
  {
    name: "float price",
    object: withSpec(openai, "float-price", { costPerToken: { input: "1e-7", output: "0.1" } }),
    expectFieldPath: "spec.costPerToken.input",
    expectMessageIncludes: "should match",
  },
  {
    name: "duplicate fallback modelRef",
    object: withSpec(openai, "dup-fallback", {
      fallbacks: [
        { modelRef: "a", triggers: ["Timeout"] },
        { modelRef: "a", triggers: ["ServerError"] },
      ],
    }),
    expectFieldPath: "spec.fallbacks[1]",
    expectMessageIncludes: "Duplicate value",
  },
  {
    name: "unknown fallback trigger",
    object: withSpec(openai, "bad-trigger", {
      fallbacks: [{ modelRef: "a", triggers: ["Sometimes"] }],
    }),
    expectFieldPath: "spec.fallbacks[0].triggers[0]",
    expectMessageIncludes: "Unsupported value",
  },
];
