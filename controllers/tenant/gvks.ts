// Resource types the Tenant controller reads and writes (core kinds defined here until the shared
// kind records land; the Tenant GVK comes from its CRD package).
import type { GroupVersionKind } from "../../operators/runtime/index.ts";
import { TENANT_GVK } from "../../crds/tenant/v1alpha1/index.ts";

export const TENANT: GroupVersionKind = {
  apiVersion: TENANT_GVK.apiVersion,
  kind: TENANT_GVK.kind,
  plural: TENANT_GVK.plural,
  namespaced: false,
};
export const NAMESPACE: GroupVersionKind = { apiVersion: "v1", kind: "Namespace", plural: "namespaces", namespaced: false };
export const RESOURCE_QUOTA: GroupVersionKind = { apiVersion: "v1", kind: "ResourceQuota", plural: "resourcequotas", namespaced: true };
export const LIMIT_RANGE: GroupVersionKind = { apiVersion: "v1", kind: "LimitRange", plural: "limitranges", namespaced: true };
export const NETWORK_POLICY: GroupVersionKind = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", plural: "networkpolicies", namespaced: true };
export const ROLE_BINDING: GroupVersionKind = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", plural: "rolebindings", namespaced: true };
export const CLUSTER_ROLE: GroupVersionKind = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", plural: "clusterroles", namespaced: false };
export const CLUSTER_ROLE_BINDING: GroupVersionKind = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", plural: "clusterrolebindings", namespaced: false };
export const SECRET: GroupVersionKind = { apiVersion: "v1", kind: "Secret", plural: "secrets", namespaced: true };

/** GVK of a child kind name used in plans. */
export function gvkOfKind(kind: string): GroupVersionKind {
  const all = [NAMESPACE, RESOURCE_QUOTA, LIMIT_RANGE, NETWORK_POLICY, ROLE_BINDING, CLUSTER_ROLE, CLUSTER_ROLE_BINDING, SECRET];
  const g = all.find((x) => x.kind === kind);
  if (g === undefined) throw new Error(`unknown child kind ${kind}`);
  return g;
}
