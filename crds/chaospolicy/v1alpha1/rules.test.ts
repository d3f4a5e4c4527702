// Tests of the ChaosPolicy rules shared by the chaos controller and the webhooks, and that the CRD
// defaults come from the same constants.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BlastRadiusSchema } from "./schema.ts";
import {
  BLAST_RADIUS_DEFAULTS,
  CHAOS_KILL_SWITCH_ANNOTATION,
  isKillSwitchEngaged,
  maxAffected,
} from "./rules.ts";

test("kill switch: only the exact value engages", () => {
  assert.equal(isKillSwitchEngaged({ [CHAOS_KILL_SWITCH_ANNOTATION]: "engaged" }), true);
  assert.equal(isKillSwitchEngaged({ [CHAOS_KILL_SWITCH_ANNOTATION]: "Engaged" }), false);
  assert.equal(isKillSwitchEngaged({}), false);
  assert.equal(isKillSwitchEngaged(undefined), false);
});

const affected = [
  { replicas: 4, pct: 25, want: 1 },
  { replicas: 3, pct: 25, want: 0 },
  { replicas: 10, pct: 50, want: 5 },
  { replicas: 0, pct: 100, want: 0 },
];
for (const c of affected) {
  test(`maxAffected(${c.replicas}, ${c.pct}%) = ${c.want}`, () => {
    assert.equal(maxAffected(c.replicas, c.pct), c.want);
  });
}

test("blast-radius defaults in the CRD schema are the shared constants", () => {
  const p = BlastRadiusSchema.properties;
  assert.equal(p.mode.default, BLAST_RADIUS_DEFAULTS.mode);
  assert.equal(p.maxAffectedPercent.default, BLAST_RADIUS_DEFAULTS.maxAffectedPercent);
  assert.equal(p.minHealthyReplicas.default, BLAST_RADIUS_DEFAULTS.minHealthyReplicas);
});
