// Tests of ChaosPolicy admission: tenancy, target existence, blast radius, duration cap, kill
// switch.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { validateChaosPolicy, validateChaosPolicyStatic } from "./chaospolicy.ts";
import { FakeLookup } from "./testing/fake-lookup.ts";
import { CHAOS_KILL_SWITCH_ANNOTATION as KILL_SWITCH_ANNOTATION } from "../crds/chaospolicy/v1alpha1/rules.ts";
import { TENANT_LABEL } from "../crds/tenant/v1alpha1/rules.ts";
import { AIMODEL_KIND } from "../crds/aimodel/v1alpha1/kind.ts";
import { CHATREGION_KIND } from "../crds/chatregion/v1alpha1/kind.ts";
import { DEPLOYMENT } from "../operators/runtime/core-kinds.ts";
import { TENANT_KIND } from "../crds/tenant/v1alpha1/kind.ts";
import type { PolicyConfig } from "./types.ts";
import type { KubeObject, Operation } from "./review.ts";

const policy: PolicyConfig = {
  aimodel: { imagePrefixes: ["*"] },
  chaos: {
    maxDurationSeconds: 1800,
    maxAffectedPercent: 50,
    killSwitchNamespace: "librechat-system",
  },
};

function fixture(): FakeLookup {
  return new FakeLookup()
    .addNamespace("acme-a", { [TENANT_LABEL]: "acme" })
    .addNamespace("acme-b", { [TENANT_LABEL]: "acme" })
    .addNamespace("globex-a", { [TENANT_LABEL]: "globex" })
    .addNamespace("orphan")
    .addNamespace("librechat-system")
    .add(TENANT_KIND, { metadata: { name: "acme" } })
    .add(TENANT_KIND, {
      metadata: { name: "globex", annotations: { [KILL_SWITCH_ANNOTATION]: "engaged" } },
    })
    .add(AIMODEL_KIND, {
      metadata: { name: "llama", namespace: "acme-a" },
      spec: { provider: "vllm", engine: {}, replicas: 4 },
    })
    .add(AIMODEL_KIND, {
      metadata: { name: "llama", namespace: "acme-b" },
      spec: { provider: "vllm", engine: {}, replicas: 4 },
    })
    .add(AIMODEL_KIND, {
      metadata: { name: "gpt", namespace: "acme-a" },
      spec: { provider: "openai", external: {}, replicas: 1 },
    })
    .add(AIMODEL_KIND, {
      metadata: { name: "llama", namespace: "globex-a" },
      spec: { provider: "vllm", engine: {}, replicas: 4 },
    })
    .add(CHATREGION_KIND, { metadata: { name: "eu", namespace: "acme-a" }, spec: {} })
    .add(CHATREGION_KIND, { metadata: { name: "eu", namespace: "globex-a" }, spec: {} })
    .add(DEPLOYMENT, {
      metadata: { name: "web", namespace: "acme-a" },
      spec: { replicas: 2 },
    });
}
const lookup = fixture();

const NOT_YET = (ns: string): string =>
  `not found in namespace "${ns}" (yet); admitted, the policy reports the unresolved target in its status and its blast radius is checked against the target's replicas once it exists`;

function chaos(spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "ChaosPolicy",
    metadata: { name: "c", namespace: "acme-a" },
    spec: {
      fault: { type: "PodDelete" },
      target: { kind: "AIModel", name: "llama" },
      duration: "5m",
      ...spec,
    },
  };
}

async function validate(
  spec: Record<string, unknown>,
  namespace = "acme-a",
  l = lookup,
  operation: Operation = "CREATE",
  oldObject: KubeObject | null = null,
): Promise<string[]> {
  const v = await validateChaosPolicy({
    operation,
    object: chaos(spec),
    oldObject,
    namespace,
    lookup: l,
    policy,
    signal: AbortSignal.timeout(1000),
  });
  return v.map((x) => `${x.warning === true ? "warning: " : ""}${x.field}: ${x.message}`);
}

describe("ChaosPolicy validation", () => {
  const cases: {
    name: string;
    spec: Record<string, unknown>;
    namespace?: string;
    want: string[];
  }[] = [
    { name: "own namespace, default blast radius", spec: {}, want: [] },
    {
      name: "other namespace of the same tenant",
      spec: { target: { kind: "AIModel", name: "llama", namespace: "acme-b" } },
      want: [],
    },
    { name: "ChatRegion target", spec: { target: { kind: "ChatRegion", name: "eu" } }, want: [] },
    { name: "Deployment target", spec: { target: { kind: "Deployment", name: "web" } }, want: [] },
    {
      name: "external AIModel has no replica check",
      spec: {
        target: { kind: "AIModel", name: "gpt" },
        blastRadius: { mode: "Fixed", value: 3, maxAffectedPercent: 25 },
      },
      want: [],
    },
    {
      name: "percent within caps",
      spec: { blastRadius: { mode: "Percent", value: 25, maxAffectedPercent: 25 } },
      want: [],
    },
    {
      name: "fixed within cap",
      spec: {
        blastRadius: { mode: "Fixed", value: 2, maxAffectedPercent: 50, minHealthyReplicas: 2 },
      },
      want: [],
    },
    { name: "duration at the cluster maximum", spec: { duration: "30m" }, want: [] },
    {
      name: "killed tenant: dry run still admitted",
      spec: { target: { kind: "ChatRegion", name: "eu" }, dryRun: true },
      namespace: "globex-a",
      want: [],
    },
    {
      name: "other tenant's namespace",
      spec: { target: { kind: "AIModel", name: "llama", namespace: "globex-a" } },
      want: ['spec.target.namespace: namespace "globex-a" does not belong to Tenant "acme"'],
    },
    {
      name: "unlabelled target namespace",
      spec: { target: { kind: "AIModel", name: "llama", namespace: "orphan" } },
      want: ['spec.target.namespace: namespace "orphan" does not belong to Tenant "acme"'],
    },
    {
      name: "missing target namespace (GitOps may apply it later): admitted with a warning",
      spec: { target: { kind: "AIModel", name: "llama", namespace: "nope" } },
      want: [
        'warning: spec.target.namespace: namespace "nope" not found (yet); admitted, the controller checks its Tenant before every run',
      ],
    },
    {
      name: "missing target namespace does not bypass the kill switch",
      spec: { target: { kind: "AIModel", name: "llama", namespace: "nope" } },
      namespace: "globex-a",
      want: [
        'warning: spec.target.namespace: namespace "nope" not found (yet); admitted, the controller checks its Tenant before every run',
        'spec.suspend: chaos kill switch is engaged on Tenant "globex": only suspended or dryRun policies are admitted',
      ],
    },
    {
      name: "policy outside any tenant",
      spec: {},
      namespace: "orphan",
      want: [
        'metadata.namespace: namespace "orphan" does not belong to a Tenant (label librechat.io/tenant missing)',
      ],
    },
    {
      name: "missing target object (GitOps may apply it later): admitted with a warning",
      spec: { target: { kind: "AIModel", name: "gone" } },
      want: [`warning: spec.target.name: AIModel "gone" ${NOT_YET("acme-a")}`],
    },
    {
      name: "name exists but as another kind",
      spec: { target: { kind: "ChatRegion", name: "llama" } },
      want: [`warning: spec.target.name: ChatRegion "llama" ${NOT_YET("acme-a")}`],
    },
    {
      name: "duration above the cluster maximum",
      spec: { duration: "45m" },
      want: ["spec.duration: must not exceed the cluster maximum of 30m (got 45m)"],
    },
    {
      name: "maxAffectedPercent above the cluster maximum",
      spec: { blastRadius: { mode: "One", maxAffectedPercent: 80 } },
      want: [
        "spec.blastRadius.maxAffectedPercent: must not exceed the cluster maximum of 50% (got 80)",
      ],
    },
    {
      name: "percent above the cluster maximum",
      spec: { blastRadius: { mode: "Percent", value: 60, maxAffectedPercent: 60 } },
      want: [
        "spec.blastRadius.maxAffectedPercent: must not exceed the cluster maximum of 50% (got 60)",
        "spec.blastRadius.value: must not exceed the cluster maximum of 50% for mode Percent (got 60)",
      ],
    },
    {
      name: "fixed count above the share of current replicas",
      spec: {
        blastRadius: { mode: "Fixed", value: 2, maxAffectedPercent: 25, minHealthyReplicas: 1 },
      },
      want: [
        "spec.blastRadius.value: 2 of 4 current replicas exceeds maxAffectedPercent 25 (at most 1)",
      ],
    },
    {
      name: "fixed count leaves too few healthy",
      spec: {
        blastRadius: { mode: "Fixed", value: 2, maxAffectedPercent: 50, minHealthyReplicas: 3 },
      },
      want: [
        "spec.blastRadius.value: affecting 2 of 4 current replicas leaves fewer than minHealthyReplicas 3",
      ],
    },
    {
      name: "tenant kill switch engaged",
      spec: { target: { kind: "ChatRegion", name: "eu" } },
      namespace: "globex-a",
      want: [
        'spec.suspend: chaos kill switch is engaged on Tenant "globex": only suspended or dryRun policies are admitted',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      assert.deepEqual(await validate(c.spec, c.namespace), c.want);
    });
  }

  it("cluster-wide kill switch on the operator namespace", async () => {
    const l = fixture().addNamespace(
      "librechat-system",
      {},
      { [KILL_SWITCH_ANNOTATION]: "engaged" },
    );
    assert.deepEqual(await validate({}, "acme-a", l), [
      'spec.suspend: chaos kill switch is engaged on namespace "librechat-system" (cluster-wide): only suspended or dryRun policies are admitted',
    ]);
    assert.deepEqual(await validate({ suspend: true }, "acme-a", l), []);
    // Metadata-only updates (finalizers, labels) of an active policy still pass.
    assert.deepEqual(await validate({}, "acme-a", l, "UPDATE", chaos({})), []);
  });

  it("suspending is always admitted, even when the target is gone", async () => {
    const old = chaos({ target: { kind: "AIModel", name: "gone" } });
    const suspended = chaos({ target: { kind: "AIModel", name: "gone" }, suspend: true });
    const v = await validateChaosPolicy({
      operation: "UPDATE",
      object: suspended,
      oldObject: old,
      namespace: "acme-a",
      lookup,
      policy,
      signal: AbortSignal.timeout(1000),
    });
    assert.deepEqual(v, []);
    const other = chaos({
      target: { kind: "AIModel", name: "gone" },
      suspend: true,
      duration: "10m",
    });
    const v2 = await validateChaosPolicy({
      operation: "UPDATE",
      object: other,
      oldObject: old,
      namespace: "acme-a",
      lookup,
      policy,
      signal: AbortSignal.timeout(1000),
    });
    assert.deepEqual(
      v2.map((x) => x.field),
      ["spec.target.name"],
    );
  });

  it("static rules never throw on garbage", () => {
    for (const junk of [
      null,
      3,
      [],
      { spec: "x" },
      { spec: { duration: 5, blastRadius: [] } },
      { spec: { duration: "9999999999999999999h" } },
    ]) {
      assert.ok(Array.isArray(validateChaosPolicyStatic(junk, policy)));
    }
  });
});
