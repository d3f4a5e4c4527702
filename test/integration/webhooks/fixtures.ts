// Minimal valid objects of every kind (schema- and CEL-valid), used as bases for rule tables and
// the fuzzer. Namespaces are filled in by the tests.
type Obj = Record<string, unknown>;

const API = "librechat.io/v1alpha1";

export function aimodel(name: string, namespace: string, spec: Obj = {}): Obj {
  return {
    apiVersion: API,
    kind: "AIModel",
    metadata: { name, namespace },
    spec: {
      provider: "vllm",
      modelName: "llama-3.1-8b",
      engine: { image: "vllm/vllm-openai:v0.10.1" },
      ...spec,
    },
  };
}

export function externalModel(name: string, namespace: string): Obj {
  return {
    apiVersion: API,
    kind: "AIModel",
    metadata: { name, namespace },
    spec: {
      provider: "openai",
      modelName: "gpt-4o-mini",
      external: { credentialsSecretRef: { name: "openai", key: "api-key" } },
    },
  };
}

export function assistant(name: string, namespace: string, spec: Obj = {}): Obj {
  return {
    apiVersion: API,
    kind: "Assistant",
    metadata: { name, namespace },
    spec: { versions: [{ name: "v1", modelRef: "llama", instructions: "Be helpful." }], ...spec },
  };
}

export function chatRegion(
  name: string,
  namespace: string,
  dataRegion: string,
  spec: Obj = {},
): Obj {
  return {
    apiVersion: API,
    kind: "ChatRegion",
    metadata: { name, namespace },
    spec: {
      region: name,
      residency: { dataRegion },
      fleet: { minReplicas: 1, maxReplicas: 3 },
      capacity: { maxConnections: 1000 },
      backplane: { type: "Redis", redis: { urlSecretRef: { name: "redis", key: "url" } } },
      database: { urlSecretRef: { name: "pg", key: "url" } },
      drain: {},
      ...spec,
    },
  };
}

export function chaosPolicy(name: string, namespace: string, spec: Obj = {}): Obj {
  return {
    apiVersion: API,
    kind: "ChaosPolicy",
    metadata: { name, namespace },
    spec: {
      fault: { type: "PodDelete" },
      target: { kind: "AIModel", name: "llama" },
      duration: "5m",
      ...spec,
    },
  };
}

export function tenant(name: string, identity?: Obj, spec: Obj = {}): Obj {
  const s: Obj = { displayName: name, owners: [{ kind: "User", name: "alice" }], ...spec };
  if (identity !== undefined)
    s["identity"] = {
      keycloak: {
        credentialsSecretRef: { name: "kc", namespace: "librechat-system", key: "secret" },
      },
      ...identity,
    };
  return { apiVersion: API, kind: "Tenant", metadata: { name }, spec: s };
}

export function deployment(name: string, namespace: string, replicas: number): Obj {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "busybox" }] } },
    },
  };
}
