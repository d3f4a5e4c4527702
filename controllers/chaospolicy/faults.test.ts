// Table tests of the fault builders: gateway entries, eviction bodies, the CPUHog container.
import assert from "node:assert/strict";
import { test } from "node:test";
import { validateRoutingConfig } from "../../workloads/inference-gateway/src/config/schema.ts";
import type { ChaosFault, ChaosPolicy } from "../../crds/chaospolicy/v1alpha1/index.ts";
import { activeFault, evictionBody, hogContainer, hogContainerName, isLLMFault } from "./faults.ts";

const policy = (fault: ChaosFault): ChaosPolicy => ({
  apiVersion: "librechat.io/v1alpha1",
  kind: "ChaosPolicy",
  metadata: { name: "p", namespace: "ns" },
  spec: {
    fault,
    target: { kind: "AIModel", name: "llama" },
    duration: "1m",
    dryRun: false,
    suspend: false,
  },
});

const EXP = "2026-01-01T00:01:00Z";
const cases: { name: string; fault: ChaosFault; want: Record<string, unknown> | undefined }[] = [
  {
    name: "provider failure",
    fault: {
      type: "ProviderFailure",
      providerFailure: { errorRate: "0.5", statusCode: 503, delayMs: 0 },
    },
    want: { backend: "ns/llama", errorRate: 0.5, errorStatus: 503, expiresAt: EXP },
  },
  {
    name: "provider failure with delay",
    fault: {
      type: "ProviderFailure",
      providerFailure: { errorRate: "1", statusCode: 429, delayMs: 20 },
    },
    want: {
      backend: "ns/llama",
      errorRate: 1,
      errorStatus: 429,
      addedLatencyMs: 20,
      expiresAt: EXP,
    },
  },
  {
    name: "provider latency",
    fault: { type: "ProviderLatency", providerLatency: { addedLatencyMs: 250 } },
    want: { backend: "ns/llama", addedLatencyMs: 250, expiresAt: EXP },
  },
  {
    name: "stream cut",
    fault: { type: "StreamCut", streamCut: { dropRate: "0.25", afterChunks: 3 } },
    want: { backend: "ns/llama", midStreamDropRate: 0.25, dropAfterChunks: 3, expiresAt: EXP },
  },
  { name: "pod delete is no gateway fault", fault: { type: "PodDelete" }, want: undefined },
];
for (const c of cases) {
  test(`activeFault: ${c.name}`, () => {
    const got = activeFault(policy(c.fault), "ns/llama", EXP);
    assert.deepEqual(got, c.want);
    assert.equal(isLLMFault(policy(c.fault)), c.want !== undefined);
    if (got === undefined) return;
    // What the loop helper's renderer copies into faults[] must pass the gateway's own schema.
    const cfg = {
      apiVersion: "gateway.librechat.io/v1alpha1",
      kind: "InferenceGatewayConfig",
      backends: [{ name: "ns/llama", provider: "openai", baseURL: "http://127.0.0.1:1/v1" }],
      models: [{ name: "llama", routes: [{ backend: "ns/llama" }] }],
      tenants: [],
      faults: [got],
    };
    const res = validateRoutingConfig(cfg);
    assert.equal(res.ok, true, JSON.stringify(res));
  });
}

test("evictionBody: policy/v1 Eviction with an optional grace period", () => {
  assert.deepEqual(evictionBody("ns", "p-1", 0), {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name: "p-1", namespace: "ns" },
    deleteOptions: { gracePeriodSeconds: 0 },
  });
  assert.equal("deleteOptions" in evictionBody("ns", "p-1", undefined), false);
});

test("hogContainer: bounded by timeout and cores, no resources, unprivileged", () => {
  const c = hogContainer(policy({ type: "CPUHog", cpuHog: { cores: 3 } }), "r-1", 90.2, {
    image: "busybox:1.37",
    targetContainer: "engine",
  });
  assert.equal(c.name, hogContainerName("r-1"));
  assert.deepEqual(c.command?.slice(0, 4), ["timeout", "-s", "KILL", "91"]);
  assert.equal(c.command?.at(-1), "3");
  assert.equal(c.targetContainerName, "engine");
  assert.equal("resources" in c, false, "the API server rejects resources on ephemeral containers");
  assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
});
