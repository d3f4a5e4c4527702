// ChaosPolicy webhook through the real API server: tenant boundary, target existence, blast-radius
// and duration caps (cluster maximum 30m / 50% in this run), kill switch.
import { after, before, describe, it } from "node:test";
import { runCase, startHarness } from "./harness.ts";
import type { Harness, RuleCase } from "./harness.ts";
import { makeWorld } from "./world.ts";
import type { World } from "./world.ts";
import { chaosPolicy } from "./fixtures.ts";

let h: Harness;
let w: World;

describe("ChaosPolicy admission webhook", () => {
  before(async () => {
    h = await startHarness();
    w = await makeWorld(h);
  });
  after(() => h.close());

  const cases = (): RuleCase[] => [
    { name: "target in the policy's namespace is admitted", object: chaosPolicy("ok", w.acmeA) },
    {
      name: "target in another namespace of the same Tenant is admitted",
      object: chaosPolicy("sibling", w.acmeA, {
        target: { kind: "AIModel", name: "llama", namespace: w.acmeB },
      }),
    },
    {
      name: "ChatRegion target is admitted",
      object: chaosPolicy("region", w.acmeA, { target: { kind: "ChatRegion", name: "eu-west" } }),
    },
    {
      name: "Deployment target is admitted",
      object: chaosPolicy("deploy", w.acmeA, {
        target: { kind: "Deployment", name: "web" },
        blastRadius: { mode: "Fixed", value: 1, maxAffectedPercent: 50, minHealthyReplicas: 1 },
      }),
    },
    {
      name: "duration at the cluster maximum is admitted",
      object: chaosPolicy("max", w.acmeA, { duration: "30m" }),
    },
    {
      name: "dry run is admitted under a Tenant kill switch",
      object: chaosPolicy("dry", w.globexA, {
        target: { kind: "ChatRegion", name: "eu-west" },
        dryRun: true,
      }),
    },
    {
      name: "target namespace of another Tenant is denied",
      object: chaosPolicy("cross", w.acmeA, {
        target: { kind: "AIModel", name: "llama", namespace: w.globexA },
      }),
      deny: {
        field: "spec.target.namespace",
        message: `namespace "${w.globexA}" does not belong to Tenant "${w.acme}"`,
      },
    },
    {
      name: "policy in a namespace without Tenant is denied",
      object: chaosPolicy("orphan", w.orphan),
      deny: { field: "metadata.namespace", message: "does not belong to a Tenant" },
    },
    {
      name: "missing target object is admitted with a warning (GitOps may apply it later)",
      object: chaosPolicy("gone", w.acmeA, { target: { kind: "AIModel", name: "gone" } }),
      warn: `AIModel "gone" not found in namespace "${w.acmeA}" (yet)`,
    },
    {
      name: "target of the wrong kind is admitted with a warning",
      object: chaosPolicy("kind", w.acmeA, { target: { kind: "ChatRegion", name: "llama" } }),
      warn: `ChatRegion "llama" not found`,
    },
    {
      name: "duration above the cluster maximum is denied",
      object: chaosPolicy("long", w.acmeA, { duration: "45m" }),
      deny: {
        field: "spec.duration",
        message: "must not exceed the cluster maximum of 30m (got 45m)",
      },
    },
    {
      name: "maxAffectedPercent above the cluster maximum is denied",
      object: chaosPolicy("wide", w.acmeA, {
        blastRadius: { mode: "One", maxAffectedPercent: 80 },
      }),
      deny: {
        field: "spec.blastRadius.maxAffectedPercent",
        message: "must not exceed the cluster maximum of 50% (got 80)",
      },
    },
    {
      name: "Fixed count above maxAffectedPercent of current replicas is denied",
      object: chaosPolicy("fixed", w.acmeA, {
        blastRadius: { mode: "Fixed", value: 3, maxAffectedPercent: 50 },
      }),
      deny: {
        field: "spec.blastRadius.value",
        message: "3 of 4 current replicas exceeds maxAffectedPercent 50",
      },
    },
    {
      name: "active policy under a Tenant kill switch is denied",
      object: chaosPolicy("killed", w.globexA, { target: { kind: "ChatRegion", name: "eu-west" } }),
      deny: {
        field: "spec.suspend",
        message: `chaos kill switch is engaged on Tenant "${w.globex}"`,
      },
    },
  ];

  it("answers every case as documented", async (t) => {
    for (const c of cases()) await t.test(c.name, () => runCase(h, c));
  });
});
