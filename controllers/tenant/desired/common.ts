// Shared pieces of the Tenant's child builders: the labels every child carries and its owner
// reference. Pure: no clock, no client.
import type { V1OwnerReference } from "@kubernetes/client-node";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import { TENANT_LABEL } from "../../../crds/tenant/v1alpha1/index.ts";
import { childLabels } from "../../shared/labels.ts";
import { controllerRef } from "../../shared/owner.ts";

/** Name of the ClusterRole (shipped in manifests/rbac/tenant-admin) bound to owners in each tenant namespace. */
export const TENANT_ADMIN_CLUSTER_ROLE = "librechat-tenant-admin";
/** ClusterRole that lets an owner read (only) their own Tenant object. */
export const TENANT_VIEWER_PREFIX = "librechat-tenant-viewer:";

export function tenantName(t: Tenant): string {
  return t.metadata.name ?? "";
}

/** Labels of every child of a Tenant; `librechat.io/tenant` is what selectors and policies use. */
export function tenantChildLabels(t: Tenant, component: string): Record<string, string> {
  return childLabels({ name: "tenant", component, selector: { [TENANT_LABEL]: tenantName(t) } });
}

export function tenantOwnerRef(t: Tenant): V1OwnerReference {
  return controllerRef({ apiVersion: t.apiVersion, kind: t.kind, metadata: t.metadata });
}

/** Namespace names the Tenant declares, in spec order. */
export function namespaceNames(t: Tenant): string[] {
  return (t.spec.namespaces?.items ?? []).map((n) => n.name);
}
