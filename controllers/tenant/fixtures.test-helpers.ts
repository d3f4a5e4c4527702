// Builders of Tenant objects for the table tests (test-only; not shipped logic).
import type { Tenant, TenantSpec } from "../../crds/tenant/v1alpha1/index.ts";

export function tenant(
  spec: Partial<TenantSpec> = {},
  meta: Partial<Tenant["metadata"]> = {},
): Tenant {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    metadata: { name: "acme", uid: "uid-t", generation: 2, ...meta },
    spec: {
      displayName: "Acme",
      owners: [{ kind: "Group", name: "acme-admins" }],
      deletionPolicy: "Retain",
      namespaces: {
        maxCount: 5,
        prefix: "Enforced",
        items: [{ name: "acme-chat", labels: { team: "support" } }, { name: "acme-models" }],
      },
      ...spec,
    },
  };
}
