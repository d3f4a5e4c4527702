import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { validateChaosPolicy, validateChaosPolicyStatic } from "./chaospolicy.ts";
import { FakeLookup } from "./testing/fake-lookup.ts";
import { KINDS, TENANT_LABEL } from "./types.ts";
import type { PolicyConfig } from "./types.ts";
import type { KubeObject } from "./review.ts";

const policy: PolicyConfig = { chaos: { maxDurationSeconds: 1800, maxAffectedPercent: 50 } };

const lookup = new FakeLookup()
  .addNamespace("acme-a", { [TENANT_LABEL]: "acme" })
  .addNamespace("acme-b", { [TENANT_LABEL]: "acme" })
  .addNamespace("globex-a", { [TENANT_LABEL]: "globex" })
  .addNamespace("orphan")
  .add(KINDS.AIModel, { metadata: { name: "llama", namespace: "acme-a" }, spec: { replicas: 4 } })
  .add(KINDS.AIModel, { metadata: { name: "llama", namespace: "acme-b" }, spec: { replicas: 4 } })
  .add(KINDS.AIModel, { metadata: { name: "llama", namespace: "globex-a" }, spec: { replicas: 4 } })
  .add(KINDS.ChatRegion, { metadata: { name: "eu", namespace: "acme-a" }, spec: {} })
  .add(KINDS.Deployment, { metadata: { name: "web", namespace: "acme-a" }, spec: { replicas: 2 } });

function chaos(spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "ChaosPolicy",
    metadata: { name: "c", namespace: "acme-a" },
    spec: { target: { ref: { kind: "AIModel", name: "llama" } }, duration: "5m", blastRadius: { mode: "One", maxAffectedPercent: 25 }, ...spec },
  };
}

async function validate(spec: Record<string, unknown>, namespace = "acme-a"): Promise<string[]> {
  const v = await validateChaosPolicy({ operation: "CREATE", object: chaos(spec), oldObject: null, namespace, lookup, policy, signal: AbortSignal.timeout(1000) });
  return v.map((x) => `${x.field}: ${x.message}`);
}

describe("ChaosPolicy validation", () => {
  const cases: { name: string; spec: Record<string, unknown>; namespace?: string; want: string[] }[] = [
    { name: "own namespace, one of four replicas", spec: {}, want: [] },
    { name: "two namespaces of the same tenant", spec: { target: { ref: { kind: "AIModel", name: "llama" }, namespaces: ["acme-a", "acme-b"] } }, want: [] },
    { name: "ChatRegion target", spec: { target: { ref: { kind: "ChatRegion", name: "eu" } } }, want: [] },
    { name: "percent within caps", spec: { blastRadius: { mode: "FixedPercent", value: 25, maxAffectedPercent: 25 } }, want: [] },
    { name: "duration at the cluster maximum", spec: { duration: "30m" }, want: [] },
    {
      name: "other tenant's namespace",
      spec: { target: { ref: { kind: "AIModel", name: "llama" }, namespaces: ["acme-a", "globex-a"] } },
      want: ['spec.target.namespaces[1]: namespace "globex-a" does not belong to Tenant "acme"'],
    },
    {
      name: "unlabelled target namespace",
      spec: { target: { ref: { kind: "AIModel", name: "llama" }, namespaces: ["orphan"] } },
      want: ['spec.target.namespaces[0]: namespace "orphan" does not belong to Tenant "acme"'],
    },
    { name: "missing target namespace", spec: { target: { ref: { kind: "AIModel", name: "llama" }, namespaces: ["nope"] } }, want: ['spec.target.namespaces[0]: namespace "nope" not found'] },
    { name: "policy outside any tenant", spec: {}, namespace: "orphan", want: ['metadata.namespace: namespace "orphan" does not belong to a Tenant (label librechat.io/tenant missing)'] },
    { name: "missing target object", spec: { target: { ref: { kind: "AIModel", name: "gone" } } }, want: ['spec.target.ref.name: AIModel "gone" not found in namespace "acme-a"'] },
    { name: "wrong kind for name", spec: { target: { ref: { kind: "ChatRegion", name: "llama" } } }, want: ['spec.target.ref.name: ChatRegion "llama" not found in namespace "acme-a"'] },
    { name: "unknown kind", spec: { target: { ref: { kind: "Pod", name: "x" } } }, want: ['spec.target.ref.kind: must be one of AIModel, ChatRegion, Deployment (got "Pod")'] },
    { name: "duration above the cluster maximum", spec: { duration: "45m" }, want: ["spec.duration: must not exceed the cluster maximum of 30m (got 45m)"] },
    { name: "maxAffectedPercent above the cluster maximum", spec: { blastRadius: { mode: "One", maxAffectedPercent: 80 } }, want: ["spec.blastRadius.maxAffectedPercent: must not exceed the cluster maximum of 50% (got 80)"] },
    { name: "percent value above its own cap", spec: { blastRadius: { mode: "RandomMaxPercent", value: 40, maxAffectedPercent: 25 } }, want: ["spec.blastRadius.value: must not exceed blastRadius.maxAffectedPercent (25) for mode RandomMaxPercent (got 40)"] },
    {
      name: "fixed count above the cap for the target's replicas",
      spec: { blastRadius: { mode: "Fixed", value: 2, maxAffectedPercent: 25 } },
      want: ['spec.blastRadius.value: 2 of 4 replicas in namespace "acme-a" is 50%, above maxAffectedPercent 25'],
    },
    {
      name: "minHealthyReplicas not kept",
      spec: { target: { ref: { kind: "Deployment", name: "web" } }, blastRadius: { mode: "One", maxAffectedPercent: 50, minHealthyReplicas: 2 } },
      want: ['spec.blastRadius.minHealthyReplicas: affecting 1 of 2 replicas in namespace "acme-a" leaves fewer than 2 healthy'],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      assert.deepEqual(await validate(c.spec, c.namespace), c.want);
    });
  }

  it("static rules never throw on garbage", () => {
    for (const junk of [null, 3, [], { spec: "x" }, { spec: { duration: 5, blastRadius: [] } }, { spec: { duration: "9999999999999999999h" } }]) {
      assert.ok(Array.isArray(validateChaosPolicyStatic(junk, policy)));
    }
  });
});
