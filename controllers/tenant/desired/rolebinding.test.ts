import { test } from "node:test";
import assert from "node:assert/strict";
import {
  desiredOwnersRoleBinding,
  desiredViewerClusterRole,
  desiredViewerClusterRoleBinding,
} from "./rolebinding.ts";
import { tenant } from "../fixtures.test-helpers.ts";
import type { TenantOwner } from "../../../crds/tenant/v1alpha1/index.ts";

const cases: { name: string; owners: TenantOwner[]; want: unknown[] }[] = [
  {
    name: "group owner",
    owners: [{ kind: "Group", name: "acme-admins" }],
    want: [{ kind: "Group", name: "acme-admins", apiGroup: "rbac.authorization.k8s.io" }],
  },
  {
    name: "user and service account",
    owners: [
      { kind: "User", name: "alice@acme.example" },
      { kind: "ServiceAccount", name: "ci", namespace: "acme-chat" },
    ],
    want: [
      { kind: "User", name: "alice@acme.example", apiGroup: "rbac.authorization.k8s.io" },
      { kind: "ServiceAccount", name: "ci", namespace: "acme-chat" },
    ],
  },
];

for (const c of cases) {
  test(`desiredOwnersRoleBinding: ${c.name}`, () => {
    const rb = desiredOwnersRoleBinding(tenant({ owners: c.owners }), "acme-chat");
    assert.equal(rb.metadata?.namespace, "acme-chat");
    assert.deepEqual(rb.subjects, c.want);
    assert.deepEqual(rb.roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "librechat-tenant-admin",
    });
  });
}

test("owners may only read their own Tenant cluster-wide", () => {
  const t = tenant();
  const role = desiredViewerClusterRole(t);
  assert.deepEqual(role.rules, [
    {
      apiGroups: ["librechat.io"],
      resources: ["tenants"],
      resourceNames: ["acme"],
      verbs: ["get", "list", "watch"],
    },
  ]);
  const binding = desiredViewerClusterRoleBinding(t);
  assert.equal(binding.roleRef.name, role.metadata?.name);
  assert.deepEqual(binding.subjects, [
    { kind: "Group", name: "acme-admins", apiGroup: "rbac.authorization.k8s.io" },
  ]);
});
