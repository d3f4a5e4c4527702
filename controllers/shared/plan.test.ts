// Table test of the child planner: every branch (missing, drifted, unwanted, foreign, conflict),
// with the GVK and reason each entry carries.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubernetesObject } from "@kubernetes/client-node";
import { SERVICE } from "../../operators/runtime/core-kinds.ts";
import { conflictMessage, planChildren } from "./plan.ts";

const owned = (
  extra: Record<string, unknown> = {},
  uid = "owner",
  controller = true,
): KubernetesObject =>
  ({
    apiVersion: SERVICE.apiVersion,
    kind: SERVICE.kind,
    metadata: {
      name: "m",
      namespace: "ns",
      uid: "child",
      ownerReferences: [
        {
          apiVersion: "x",
          kind: "AIModel",
          name: uid === "owner" ? "m" : "other",
          uid,
          controller,
        },
      ],
    },
    spec: { port: 1, ...extra },
  }) as KubernetesObject;
const want = owned();

const cases: {
  name: string;
  desired?: KubernetesObject;
  observed?: KubernetesObject;
  apply?: string;
  del?: boolean;
  conflict?: RegExp;
}[] = [
  { name: "missing child is applied", desired: want, apply: "Missing" },
  {
    name: "matching child is left alone",
    desired: want,
    observed: owned({ clusterIP: "10.0.0.1" }),
  },
  {
    name: "drifted child is re-applied",
    desired: want,
    observed: owned({ port: 2 }),
    apply: "Drifted",
  },
  { name: "unwanted child of ours is deleted", observed: owned(), del: true },
  { name: "unwanted child of someone else is kept", observed: owned({}, "other") },
  {
    name: "foreign object in the way is a conflict",
    desired: want,
    observed: owned({}, "other"),
    conflict: /^Service m already exists and is controlled by AIModel other$/,
  },
  {
    name: "object without a controller in the way is a conflict",
    desired: want,
    observed: owned({}, "other", false),
    conflict: /controlled by no controller$/,
  },
  { name: "nothing wanted, nothing there" },
];
for (const c of cases) {
  test(`planChildren: ${c.name}`, () => {
    const p = planChildren("owner", [{ gvk: SERVICE, desired: c.desired, observed: c.observed }]);
    assert.deepEqual(
      p.apply.map((a) => [a.gvk, a.reason]),
      c.apply === undefined ? [] : [[SERVICE, c.apply]],
    );
    assert.deepEqual(
      p.delete,
      c.del === true
        ? [{ gvk: SERVICE, namespace: "ns", name: "m", uid: "child", reason: "NotDesired" }]
        : [],
    );
    assert.equal(p.conflicts.length, c.conflict === undefined ? 0 : 1);
    if (c.conflict !== undefined) {
      assert.equal(p.conflicts[0]?.gvk, SERVICE);
      assert.match(conflictMessage(p) ?? "", c.conflict);
    } else {
      assert.equal(conflictMessage(p), undefined);
    }
  });
}
