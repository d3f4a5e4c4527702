// Resource types the Tenant controller reads and writes: the shared kind records (core kinds from
// operators/runtime/core-kinds.ts, Tenant from its CRD package), and the GVK of a child by kind name.
import type { GroupVersionKind } from "../../operators/runtime/index.ts";
import {
  CLUSTER_ROLE,
  CLUSTER_ROLE_BINDING,
  LIMIT_RANGE,
  NAMESPACE,
  NETWORK_POLICY,
  RESOURCE_QUOTA,
  ROLE_BINDING,
  SECRET,
} from "../../operators/runtime/core-kinds.ts";
import { TENANT_KIND } from "../../crds/tenant/v1alpha1/index.ts";

export {
  CLUSTER_ROLE,
  CLUSTER_ROLE_BINDING,
  LIMIT_RANGE,
  NAMESPACE,
  NETWORK_POLICY,
  RESOURCE_QUOTA,
  ROLE_BINDING,
  SECRET,
};
export const TENANT: GroupVersionKind = TENANT_KIND;

/** Kinds of the Tenant's children, in the order they are applied (namespaces first). */
export const CHILD_KINDS: readonly GroupVersionKind[] = [
  NAMESPACE,
  RESOURCE_QUOTA,
  LIMIT_RANGE,
  NETWORK_POLICY,
  ROLE_BINDING,
  CLUSTER_ROLE,
  CLUSTER_ROLE_BINDING,
];

/** GVK of a child kind name used in plans. */
export function gvkOfKind(kind: string): GroupVersionKind {
  const g = CHILD_KINDS.find((x) => x.kind === kind);
  if (g === undefined) throw new Error(`unknown child kind ${kind}`);
  return g;
}
