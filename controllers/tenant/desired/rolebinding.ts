// Desired RBAC for the Tenant's owners: a RoleBinding to the shipped tenant-admin ClusterRole in
// every tenant namespace (namespaced admin, never cluster-admin), and cluster-wide only the right
// to read their own Tenant object (a ClusterRole limited by resourceNames, and its binding).
import type {
  RbacV1Subject,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1RoleBinding,
} from "@kubernetes/client-node";
import type { Tenant, TenantOwner } from "../../../crds/tenant/v1alpha1/index.ts";
import { TENANT_GVK } from "../../../crds/tenant/v1alpha1/index.ts";
import {
  TENANT_ADMIN_CLUSTER_ROLE,
  TENANT_VIEWER_PREFIX,
  tenantChildLabels,
  tenantName,
  tenantOwnerRef,
} from "./common.ts";
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE_BINDING } from "../gvks.ts";

export const OWNERS_BINDING = "tenant-owners";

function subject(o: TenantOwner): RbacV1Subject {
  if (o.kind === "ServiceAccount")
    return { kind: "ServiceAccount", name: o.name, namespace: o.namespace ?? "" };
  return { kind: o.kind, name: o.name, apiGroup: "rbac.authorization.k8s.io" };
}

/** Owners as RBAC subjects, in spec order (the list is atomic in the CRD). */
export function ownerSubjects(t: Tenant): RbacV1Subject[] {
  return t.spec.owners.map(subject);
}

/** The owners' admin RoleBinding in namespace `ns`. */
export function desiredOwnersRoleBinding(t: Tenant, ns: string): V1RoleBinding {
  return {
    apiVersion: ROLE_BINDING.apiVersion,
    kind: ROLE_BINDING.kind,
    metadata: {
      name: OWNERS_BINDING,
      namespace: ns,
      labels: tenantChildLabels(t, "owners"),
      ownerReferences: [tenantOwnerRef(t)],
    },
    roleRef: {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: TENANT_ADMIN_CLUSTER_ROLE,
    },
    subjects: ownerSubjects(t),
  };
}

/** ClusterRole granting get/list/watch on this one Tenant (list/watch filtered by name via fieldSelector). */
export function desiredViewerClusterRole(t: Tenant): V1ClusterRole {
  return {
    apiVersion: CLUSTER_ROLE.apiVersion,
    kind: CLUSTER_ROLE.kind,
    metadata: {
      name: `${TENANT_VIEWER_PREFIX}${tenantName(t)}`,
      labels: tenantChildLabels(t, "owners"),
      ownerReferences: [tenantOwnerRef(t)],
    },
    rules: [
      {
        apiGroups: [TENANT_GVK.group],
        resources: [TENANT_GVK.plural],
        resourceNames: [tenantName(t)],
        verbs: ["get", "list", "watch"],
      },
    ],
  };
}

export function desiredViewerClusterRoleBinding(t: Tenant): V1ClusterRoleBinding {
  const name = `${TENANT_VIEWER_PREFIX}${tenantName(t)}`;
  return {
    apiVersion: CLUSTER_ROLE_BINDING.apiVersion,
    kind: CLUSTER_ROLE_BINDING.kind,
    metadata: {
      name,
      labels: tenantChildLabels(t, "owners"),
      ownerReferences: [tenantOwnerRef(t)],
    },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
    subjects: ownerSubjects(t),
  };
}
