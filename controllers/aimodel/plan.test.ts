import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubernetesObject } from "@kubernetes/client-node";
import { planChildren } from "../shared/plan.ts";

const owned = (extra: Record<string, unknown> = {}, uid = "owner"): KubernetesObject =>
  ({ apiVersion: "v1", kind: "Service", metadata: { name: "m", namespace: "ns", uid: "child", ownerReferences: [{ apiVersion: "x", kind: "AIModel", name: "m", uid, controller: true }] }, spec: { port: 1, ...extra } }) as KubernetesObject;
const want = owned();

const cases: { name: string; desired?: KubernetesObject; observed?: KubernetesObject; apply: number; del: number; conflicts: number }[] = [
  { name: "missing child is applied", desired: want, apply: 1, del: 0, conflicts: 0 },
  { name: "matching child is left alone", desired: want, observed: owned({ clusterIP: "10.0.0.1" }), apply: 0, del: 0, conflicts: 0 },
  { name: "drifted child is re-applied", desired: want, observed: owned({ port: 2 }), apply: 1, del: 0, conflicts: 0 },
  { name: "unwanted child of ours is deleted", observed: owned(), apply: 0, del: 1, conflicts: 0 },
  { name: "unwanted child of someone else is kept", observed: owned({}, "other"), apply: 0, del: 0, conflicts: 0 },
  { name: "foreign object in the way is a conflict", desired: want, observed: owned({}, "other"), apply: 0, del: 0, conflicts: 1 },
  { name: "nothing wanted, nothing there", apply: 0, del: 0, conflicts: 0 },
];
for (const c of cases) {
  test(`planChildren: ${c.name}`, () => {
    const p = planChildren("owner", [{ kind: "Service", desired: c.desired, observed: c.observed }]);
    assert.equal(p.apply.length, c.apply);
    assert.equal(p.delete.length, c.del);
    assert.equal(p.conflicts.length, c.conflicts);
    if (c.del === 1) assert.deepEqual(p.delete[0], { kind: "Service", namespace: "ns", name: "m", uid: "child" });
    if (c.conflicts === 1) assert.match(p.conflicts[0] ?? "", /Service m already exists and is controlled by AIModel m/);
  });
}
