// Table test of the PodDisruptionBudget builder and the rule for when a model gets one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openai, vllm } from "../fixtures.test-helpers.ts";
import { desiredPDB, wantsPDB } from "./pdb.ts";

const cases = [
  { name: "one replica: no PDB", m: vllm(), want: false },
  { name: "two replicas: PDB", m: vllm({ replicas: 2, maxReplicas: 2 }), want: true },
  {
    name: "autoscaling up to min 2: PDB",
    m: vllm({
      replicas: 0,
      minReplicas: 2,
      maxReplicas: 4,
      autoscaling: { enabled: true, targetRequestsPerReplica: 10, scaleDownDelaySeconds: 0 },
    }),
    want: true,
  },
  { name: "external provider: never", m: openai({ replicas: 3 }), want: false },
];
for (const c of cases) {
  test(`wantsPDB: ${c.name}`, () => {
    assert.equal(wantsPDB(c.m), c.want);
  });
}

test("PDB keeps all but one engine pod and selects the model's pods", () => {
  const p = desiredPDB(vllm({ replicas: 3, maxReplicas: 3 }));
  assert.equal(p.kind, "PodDisruptionBudget");
  assert.equal(p.spec?.maxUnavailable, 1);
  assert.deepEqual(p.spec?.selector?.matchLabels, {
    "app.kubernetes.io/instance": "llama",
    "librechat.io/aimodel": "llama",
  });
});
