import { test } from "node:test";
import assert from "node:assert/strict";
import { desiredChildren, effectiveReplicas, endpointFor, engineArgs, DEFAULT_CONFIG } from "./desired.ts";
import { model, openai, vllm } from "./fixtures.test-helpers.ts";

test("self-hosted model gets a Deployment and a Service owned by it, no PDB at one replica", () => {
  const c = desiredChildren(vllm());
  assert.ok(c.deployment && c.service);
  assert.equal(c.pdb, undefined);
  const ref = c.deployment.metadata?.ownerReferences?.[0];
  assert.deepEqual(ref, { apiVersion: "librechat.io/v1alpha1", kind: "AIModel", name: "llama", uid: "uid-1", controller: true, blockOwnerDeletion: true });
  assert.equal(c.deployment.metadata?.labels?.["app.kubernetes.io/managed-by"], "librechat-operator");
  assert.equal(c.deployment.metadata?.labels?.["app.kubernetes.io/part-of"], "librechat");
  assert.deepEqual(c.deployment.spec?.selector.matchLabels, c.service.spec?.selector);
});

test("more than one replica adds a PodDisruptionBudget", () => {
  const c = desiredChildren(vllm({ replicas: 3, maxReplicas: 3 }));
  assert.equal(c.pdb?.spec?.maxUnavailable, 1);
  assert.equal(c.deployment?.spec?.replicas, 3);
});

test("external providers get no children", () => {
  assert.deepEqual(desiredChildren(openai()), {});
});

test("GPU requirement becomes an extended-resource limit", () => {
  const m = vllm({ engine: { image: "x", port: 8000, gpu: { count: 2, resourceName: "nvidia.com/gpu" }, resources: { requests: { memory: "16Gi", cpu: "4" } } } });
  const res = desiredChildren(m).deployment?.spec?.template.spec?.containers[0]?.resources;
  assert.deepEqual(res, { requests: { cpu: "4", memory: "16Gi" }, limits: { "nvidia.com/gpu": "2" } });
  assert.deepEqual(Object.keys(res?.requests ?? {}), ["cpu", "memory"], "keys sorted for deterministic output");
});

test("builders are deterministic", () => {
  const m = vllm({ replicas: 2, maxReplicas: 2 });
  assert.equal(JSON.stringify(desiredChildren(m)), JSON.stringify(desiredChildren(structuredClone(m))));
});

const replicaCases = [
  { name: "autoscaling off uses replicas", spec: { replicas: 2, minReplicas: 1, maxReplicas: 3 }, want: 2 },
  { name: "autoscaling clamps up to min", spec: { replicas: 0, minReplicas: 2, maxReplicas: 4, autoscaling: { enabled: true, targetRequestsPerReplica: 10, scaleDownDelaySeconds: 0 } }, want: 2 },
  { name: "autoscaling clamps down to max", spec: { replicas: 9, minReplicas: 1, maxReplicas: 4, autoscaling: { enabled: true, targetRequestsPerReplica: 10, scaleDownDelaySeconds: 0 } }, want: 4 },
  { name: "zero replicas allowed", spec: { replicas: 0, minReplicas: 0, maxReplicas: 1 }, want: 0 },
  { name: "no maxReplicas: replicas as given", spec: { replicas: 5, minReplicas: 1 }, want: 5 },
  { name: "no maxReplicas while autoscaling (refused at admission): only clamped up", spec: { replicas: 0, minReplicas: 2, autoscaling: { enabled: true, targetRequestsPerReplica: 10, scaleDownDelaySeconds: 0 } }, want: 2 },
];
for (const c of replicaCases) {
  test(`effectiveReplicas: ${c.name}`, () => { assert.equal(effectiveReplicas(vllm(c.spec)), c.want); });
}

const argCases = [
  { name: "vllm defaults --model to modelName", provider: "vllm" as const, args: [], want: ["--model", "llama-3.1-8b", "--served-model-name", "llama-3.1-8b", "--port", "8000"] },
  { name: "vllm keeps a user --model", provider: "vllm" as const, args: ["--model", "meta/llama"], want: ["--served-model-name", "llama-3.1-8b", "--port", "8000", "--model", "meta/llama"] },
  { name: "vllm keeps --model=x form", provider: "vllm" as const, args: ["--model=meta/llama"], want: ["--served-model-name", "llama-3.1-8b", "--port", "8000", "--model=meta/llama"] },
  { name: "ollama passes args through", provider: "ollama" as const, args: ["serve"], want: ["serve"] },
];
for (const c of argCases) {
  test(`engineArgs: ${c.name}`, () => {
    const m = model({ provider: c.provider, engine: { image: "x", port: 8000, args: c.args } });
    assert.deepEqual(engineArgs(m, m.spec.engine!, 8000), c.want);
  });
}

test("ollama listens on the pod IP at the engine port", () => {
  const m = model({ provider: "ollama", engine: { image: "ollama/ollama", port: 11434 } });
  const env = desiredChildren(m).deployment?.spec?.template.spec?.containers[0]?.env;
  assert.deepEqual(env, [{ name: "OLLAMA_HOST", value: "0.0.0.0:11434" }]);
});

const endpointCases = [
  { name: "self-hosted in-cluster URL", m: vllm(), want: "http://llama.team-a.svc.cluster.local:8000/v1" },
  { name: "openai default URL", m: openai(), want: "https://api.openai.com/v1" },
  { name: "explicit baseURL wins", m: openai({ external: { baseURL: "https://proxy.example/v1", credentialsSecretRef: { name: "s", key: "k" } } }), want: "https://proxy.example/v1" },
];
for (const c of endpointCases) {
  test(`endpointFor: ${c.name}`, () => { assert.equal(endpointFor(c.m, DEFAULT_CONFIG), c.want); });
}
