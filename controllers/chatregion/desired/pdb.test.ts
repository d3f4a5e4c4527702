// Table tests of the PodDisruptionBudget builder (minAvailable from minReplicas, none at 0).
import { test } from "node:test";
import assert from "node:assert/strict";
import { chatRegion } from "../fixtures.test-helpers.ts";
import { desiredPDB } from "./pdb.ts";

const cases = [
  { name: "minAvailable = minReplicas", min: 3, want: 3 },
  { name: "one pod protected", min: 1, want: 1 },
  { name: "no PDB at minReplicas 0", min: 0, want: undefined },
];
for (const c of cases) {
  test(`PDB: ${c.name}`, () => {
    const p = desiredPDB(
      chatRegion("eu-west", { fleet: { minReplicas: c.min, replicas: Math.max(c.min, 1) } }),
    );
    assert.equal(p?.spec?.minAvailable, c.want);
    if (p !== undefined) {
      assert.deepEqual(p.spec?.selector?.matchLabels, {
        "app.kubernetes.io/instance": "eu-west",
        "librechat.io/chatregion": "eu-west",
      });
      assert.equal(p.metadata?.ownerReferences?.[0]?.kind, "ChatRegion");
    }
  });
}
