// Small builders of AIModels, Tenants and Assistants for the renderer's tests.
import type { AIModel } from "../../../crds/aimodel/v1alpha1/index.ts";
import type { Assistant } from "../../../crds/assistant/v1alpha1/index.ts";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import type { RenderInput, RenderOptions } from "./routing.ts";

export const OPTIONS: RenderOptions = {
  clusterDomain: "cluster.local",
  credentialsDir: "/var/run/inference-gateway/credentials",
  keycloakURL: "http://keycloak.example",
  defaultAudience: "librechat",
};

/** Spec fields to override (loosely typed: tests also build shapes the API would default). */
type Spec = Record<string, unknown>;

export function vllm(
  name: string,
  spec: Spec = {},
  ns = "team",
  created = "2026-01-01T00:00:00Z",
): AIModel {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "AIModel",
    metadata: { name, namespace: ns, creationTimestamp: created },
    spec: {
      provider: "vllm",
      modelName: name,
      engine: { image: "vllm/vllm-openai:v0", port: 8000 },
      replicas: 1,
      minReplicas: 1,
      ...spec,
    },
  };
}

export function external(
  name: string,
  spec: Spec = {},
  ns = "team",
  created = "2026-01-01T00:00:00Z",
): AIModel {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "AIModel",
    metadata: { name, namespace: ns, creationTimestamp: created },
    spec: {
      provider: "openai",
      modelName: name,
      external: { credentialsSecretRef: { name: "openai", key: "api-key" } },
      replicas: 1,
      minReplicas: 1,
      ...spec,
    },
  };
}

export function tenant(name: string, spec: Spec = {}): Tenant {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    metadata: { name, uid: `uid-${name}` },
    spec: {
      displayName: name,
      owners: [{ kind: "User", name: "a" }],
      deletionPolicy: "Retain",
      ...spec,
    },
  };
}

export function assistant(
  name: string,
  spec: Spec = {},
  ns = "team",
  created = "2026-01-02T00:00:00Z",
): Assistant {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Assistant",
    metadata: { name, namespace: ns, creationTimestamp: created },
    spec: {
      versions: [{ name: "v1", modelRef: "llama", instructions: "Be kind." }],
      variants: [{ version: "v1", weight: 100 }],
      stickiness: "Conversation",
      revisionHistoryLimit: 10,
      ...spec,
    },
  };
}

export function input(over: Partial<RenderInput> = {}): RenderInput {
  return {
    aimodels: [],
    tenants: [],
    assistants: [],
    activeFaults: [],
    credentials: new Set(),
    tenantKeys: new Map(),
    prompts: new Map(),
    previous: undefined,
    now: new Date("2026-06-01T00:00:00Z"),
    generation: 1,
    ...over,
  };
}

/** 1,000 AIModels (half external with fallbacks and prices), 100 Assistants, 200 Tenants. */
export function bigInput(): RenderInput {
  const aimodels = Array.from({ length: 1000 }, (_, i) =>
    i % 2 === 0
      ? vllm(
          `model-${i}`,
          {
            costPerToken: { input: "0.0000002", output: "0.0000006", currency: "USD" },
            maxTokens: 8192,
          },
          `ns-${i % 50}`,
        )
      : external(
          `model-${i}`,
          {
            external: {
              providerModel: `provider-model-${i}`,
              credentialsSecretRef: { name: "s", key: "k" },
            },
            fallbacks: [{ modelRef: `model-${i - 1}`, triggers: ["ServerError"] }],
          },
          `ns-${(i - 1) % 50}`,
        ),
  );
  const assistants = Array.from({ length: 100 }, (_, i) =>
    assistant(
      `assistant-${i}`,
      {
        versions: [
          {
            name: "v1",
            modelRef: `model-${i * 10}`,
            instructions: "You are a helpful support assistant. ".repeat(20),
          },
          {
            name: "v2",
            modelRef: `model-${i * 10}`,
            instructions: "You are a concise support assistant. ".repeat(20),
          },
        ],
        variants: [
          { version: "v1", weight: 80 },
          { version: "v2", weight: 20 },
        ],
      },
      `ns-${(i * 10) % 50}`,
    ),
  );
  const tenants = Array.from({ length: 200 }, (_, i) =>
    tenant(`tenant-${i}`, {
      models: {
        allowed: [`model-${i}`, `model-${i + 1}`, `assistant-${i % 100}`],
        rateLimits: { requestsPerMinute: 600 },
      },
    }),
  );
  return input({
    aimodels,
    assistants,
    tenants,
    credentials: new Set(
      aimodels.map((m) => `${m.metadata.namespace ?? ""}/${m.metadata.name ?? ""}`),
    ),
    tenantKeys: new Map(
      tenants.map((t, i) => [t.metadata.name ?? "", i.toString(16).padStart(64, "0")]),
    ),
  });
}
