// Builders of AIModel objects for the table tests (test-only; not shipped logic).
import type { AIModel, AIModelSpec } from "../../crds/aimodel/v1alpha1/index.ts";
import { AIMODEL_KIND } from "../../crds/aimodel/v1alpha1/index.ts";

export function model(
  spec: Partial<AIModelSpec> & Pick<AIModelSpec, "provider">,
  meta: Partial<AIModel["metadata"]> = {},
): AIModel {
  return {
    apiVersion: AIMODEL_KIND.apiVersion,
    kind: AIMODEL_KIND.kind,
    metadata: { name: "llama", namespace: "team-a", uid: "uid-1", generation: 3, ...meta },
    spec: { modelName: "llama-3.1-8b", replicas: 1, minReplicas: 1, ...spec },
  };
}

export const vllm = (extra: Partial<AIModelSpec> = {}): AIModel =>
  model({ provider: "vllm", engine: { image: "vllm/vllm-openai:v0.10.1", port: 8000 }, ...extra });

export const openai = (extra: Partial<AIModelSpec> = {}): AIModel =>
  model({
    provider: "openai",
    modelName: "gpt-4o",
    external: { credentialsSecretRef: { name: "openai", key: "apiKey" } },
    ...extra,
  });
