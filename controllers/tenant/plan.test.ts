import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubernetesObject } from "@kubernetes/client-node";
import { planTenantChildren } from "./plan.ts";

const ours = {
  apiVersion: "librechat.io/v1alpha1",
  kind: "Tenant",
  name: "acme",
  uid: "uid-t",
  controller: true,
};
const ns = (
  name: string,
  owner?: typeof ours,
  labels: Record<string, string> = { a: "1" },
): KubernetesObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels, ...(owner !== undefined ? { ownerReferences: [owner] } : {}) },
});

const cases: {
  name: string;
  desired: KubernetesObject[];
  observed: KubernetesObject[];
  apply: string[];
  del: string[];
  conflicts: number;
}[] = [
  {
    name: "missing namespace is created",
    desired: [ns("acme-a", ours)],
    observed: [],
    apply: ["acme-a"],
    del: [],
    conflicts: 0,
  },
  {
    name: "identical namespace is left alone",
    desired: [ns("acme-a", ours)],
    observed: [ns("acme-a", ours)],
    apply: [],
    del: [],
    conflicts: 0,
  },
  {
    name: "drifted labels are re-applied",
    desired: [ns("acme-a", ours)],
    observed: [ns("acme-a", ours, { a: "2" })],
    apply: ["acme-a"],
    del: [],
    conflicts: 0,
  },
  {
    name: "foreign namespace of the same name is a conflict, not adopted",
    desired: [ns("acme-a", ours)],
    observed: [ns("acme-a")],
    apply: [],
    del: [],
    conflicts: 1,
  },
  {
    name: "a namespace claimed by this Tenant's label (GitOps applied it first) is adopted",
    desired: [ns("acme-a", ours, { "librechat.io/tenant": "acme" })],
    observed: [ns("acme-a", undefined, { "librechat.io/tenant": "acme" })],
    apply: ["acme-a"],
    del: [],
    conflicts: 0,
  },
  {
    name: "a namespace labelled for another Tenant is a conflict",
    desired: [ns("acme-a", ours, { "librechat.io/tenant": "acme" })],
    observed: [ns("acme-a", undefined, { "librechat.io/tenant": "globex" })],
    apply: [],
    del: [],
    conflicts: 1,
  },
  {
    name: "a labelled namespace that something else controls is a conflict",
    desired: [ns("acme-a", ours, { "librechat.io/tenant": "acme" })],
    observed: [
      ns("acme-a", { ...ours, kind: "Other", uid: "uid-x" }, { "librechat.io/tenant": "acme" }),
    ],
    apply: [],
    del: [],
    conflicts: 1,
  },
  {
    name: "our namespace no longer declared is deleted",
    desired: [],
    observed: [ns("acme-old", ours)],
    apply: [],
    del: ["acme-old"],
    conflicts: 0,
  },
  {
    name: "a namespace owned by another tenant is never deleted",
    desired: [],
    observed: [ns("other-a", { ...ours, uid: "uid-other" })],
    apply: [],
    del: [],
    conflicts: 0,
  },
];

for (const c of cases) {
  test(`planTenantChildren: ${c.name}`, () => {
    const p = planTenantChildren("uid-t", c.desired, c.observed);
    assert.deepEqual(
      p.apply.map((a) => a.object.metadata?.name),
      c.apply,
    );
    assert.deepEqual(
      p.delete.map((d) => d.name),
      c.del,
    );
    assert.equal(p.conflicts.length, c.conflicts);

    if (c.conflicts > 0)
      assert.match(p.conflicts[0]?.message ?? "", /Namespace acme-a already exists/);
  });
}

test("planTenantChildren: an adoption is applied with reason Adopted, owner reference included", () => {
  const desired = ns("acme-a", ours, { "librechat.io/tenant": "acme" });
  const p = planTenantChildren(
    "uid-t",
    [desired],
    [ns("acme-a", undefined, desired.metadata?.labels)],
  );
  assert.deepEqual(
    p.apply.map((a) => [a.reason, a.object.metadata?.ownerReferences?.[0]?.uid]),
    [["Adopted", "uid-t"]],
  );
});
