// Table tests of the engine Deployment builder: owner and labels, replicas, GPU limits, engine
// arguments per provider, Ollama's listen address, label values from awkward model names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AIMODEL_KIND } from "../../../crds/aimodel/v1alpha1/index.ts";
import { isLabelValue } from "../../../crds/shared/labels.ts";
import { model, vllm } from "../fixtures.test-helpers.ts";
import { desiredDeployment, engineArgs } from "./deployment.ts";

const build = (m: ReturnType<typeof vllm>): ReturnType<typeof desiredDeployment> =>
  desiredDeployment(m, m.spec.engine!);

test("Deployment is controlled by its AIModel and carries the recommended labels", () => {
  const d = build(vllm());
  assert.deepEqual(d.metadata?.ownerReferences, [
    {
      apiVersion: AIMODEL_KIND.apiVersion,
      kind: AIMODEL_KIND.kind,
      name: "llama",
      uid: "uid-1",
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.equal(d.metadata?.labels?.["app.kubernetes.io/managed-by"], "librechat-operator");
  assert.equal(d.metadata?.labels?.["app.kubernetes.io/part-of"], "librechat");
  assert.deepEqual(d.spec?.selector.matchLabels, {
    "app.kubernetes.io/instance": "llama",
    "librechat.io/aimodel": "llama",
  });
});

const replicaCases = [
  { name: "replicas as given", spec: { replicas: 3, maxReplicas: 3 }, want: 3 },
  {
    name: "autoscaling clamps to maxReplicas",
    spec: {
      replicas: 9,
      maxReplicas: 4,
      autoscaling: { enabled: true, targetRequestsPerReplica: 10, scaleDownDelaySeconds: 0 },
    },
    want: 4,
  },
  { name: "zero replicas", spec: { replicas: 0, minReplicas: 0 }, want: 0 },
];
for (const c of replicaCases) {
  test(`Deployment replicas: ${c.name}`, () => {
    assert.equal(build(vllm(c.spec)).spec?.replicas, c.want);
  });
}

const labelCases = [
  {
    name: "slashes become dashes",
    modelName: "meta-llama/Llama-3.1-8B",
    want: "meta-llama-Llama-3.1-8B",
  },
  { name: "leading and trailing punctuation trimmed", modelName: "/_llama_/", want: "llama" },
  {
    name: "long names cut to 63 and re-trimmed",
    modelName: `${"a".repeat(62)}/b`,
    want: "a".repeat(62),
  },
];
for (const c of labelCases) {
  test(`Deployment name label: ${c.name}`, () => {
    const v =
      build(vllm({ modelName: c.modelName })).metadata?.labels?.["app.kubernetes.io/name"] ?? "";
    assert.equal(v, c.want);
    assert.ok(isLabelValue(v));
  });
}

test("GPU requirement becomes an extended-resource limit; keys sorted", () => {
  const m = vllm({
    engine: {
      image: "x",
      port: 8000,
      gpu: { count: 2, resourceName: "nvidia.com/gpu" },
      resources: { requests: { memory: "16Gi", cpu: "4" } },
    },
  });
  const res = build(m).spec?.template.spec?.containers[0]?.resources;
  assert.deepEqual(res, {
    requests: { cpu: "4", memory: "16Gi" },
    limits: { "nvidia.com/gpu": "2" },
  });
  assert.deepEqual(Object.keys(res?.requests ?? {}), ["cpu", "memory"]);
});

const argCases = [
  {
    name: "vllm defaults --model to modelName",
    provider: "vllm" as const,
    args: [],
    want: ["--model", "llama-3.1-8b", "--served-model-name", "llama-3.1-8b", "--port", "8000"],
  },
  {
    name: "vllm keeps a user --model",
    provider: "vllm" as const,
    args: ["--model", "meta/llama"],
    want: ["--served-model-name", "llama-3.1-8b", "--port", "8000", "--model", "meta/llama"],
  },
  {
    name: "vllm keeps --model=x form",
    provider: "vllm" as const,
    args: ["--model=meta/llama"],
    want: ["--served-model-name", "llama-3.1-8b", "--port", "8000", "--model=meta/llama"],
  },
  {
    name: "ollama passes args through",
    provider: "ollama" as const,
    args: ["serve"],
    want: ["serve"],
  },
];
for (const c of argCases) {
  test(`engineArgs: ${c.name}`, () => {
    const m = model({ provider: c.provider, engine: { image: "x", port: 8000, args: c.args } });
    assert.deepEqual(engineArgs(m, m.spec.engine!, 8000), c.want);
  });
}

test("ollama listens on the pod IP at the engine port", () => {
  const m = model({ provider: "ollama", engine: { image: "ollama/ollama", port: 11434 } });
  assert.deepEqual(build(m).spec?.template.spec?.containers[0]?.env, [
    { name: "OLLAMA_HOST", value: "0.0.0.0:11434" },
    { name: "HOME", value: "/cache" },
    { name: "HF_HOME", value: "/cache/huggingface" },
    { name: "XDG_CACHE_HOME", value: "/cache" },
  ]);
});

const confinementCases = [
  { name: "vLLM", m: () => vllm() },
  {
    name: "Ollama",
    m: () => model({ provider: "ollama", engine: { image: "ollama/ollama", port: 11434 } }),
  },
  {
    name: "a user who asks for root through env and args gets no privilege",
    m: () =>
      vllm({
        engine: {
          image: "vllm/vllm-openai:v0.10.1",
          port: 8000,
          args: ["--user", "root"],
          env: [{ name: "HOME", value: "/root" }],
        },
      }),
  },
];
for (const c of confinementCases) {
  test(`engine pods are confined whatever the spec says: ${c.name}`, () => {
    const pod = build(c.m()).spec?.template.spec;
    assert.equal(pod?.automountServiceAccountToken, false);
    assert.deepEqual(pod?.securityContext, {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const ctr = pod?.containers[0];
    assert.deepEqual(ctr?.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    // Every writable path is an emptyDir the pod declares.
    const volumes = new Set(pod?.volumes?.map((v) => v.emptyDir !== undefined && v.name));
    for (const vm of ctr?.volumeMounts ?? []) assert.ok(volumes.has(vm.name), vm.mountPath);
    assert.deepEqual(
      ctr?.volumeMounts?.map((vm) => vm.mountPath),
      ["/cache", "/tmp"],
    );
  });
}

test("the user's HOME wins over the cache default; HF_HOME still points at the cache", () => {
  const m = vllm({
    engine: { image: "x", port: 8000, env: [{ name: "HOME", value: "/cache/home" }] },
  });
  const env = build(m).spec?.template.spec?.containers[0]?.env ?? [];
  assert.deepEqual(
    env.filter((e) => e.name === "HOME"),
    [{ name: "HOME", value: "/cache/home" }],
  );
  assert.equal(env.find((e) => e.name === "HF_HOME")?.value, "/cache/huggingface");
});

test("the builder is deterministic", () => {
  const m = vllm({ replicas: 2, maxReplicas: 2 });
  assert.equal(JSON.stringify(build(m)), JSON.stringify(build(structuredClone(m))));
});
