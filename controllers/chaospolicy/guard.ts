// The controller's own fence around where a fault may land, checked before every run even though
// admission checks the same tenancy: labels change after admission, and the webhook may have been
// bypassed. A fault never lands in a system namespace (kube-*, default, the operator's own) nor
// outside the Tenant that owns the policy's namespace. Pure: the namespaces are passed in.
import type { V1Namespace } from "@kubernetes/client-node";
import { TENANT_LABEL } from "./gvks.ts";

/** Namespaces a ChaosPolicy may never hit, whatever their labels say. */
export function isSystemNamespace(ns: string, operatorNamespace: string): boolean {
  return ns === operatorNamespace || ns === "default" || ns.startsWith("kube-");
}

/** Why a run may not touch `targetNs`, or undefined if it may. */
export function targetRefusal(o: {
  policyNs: string;
  targetNs: string;
  operatorNamespace: string;
  namespaces: { get(name: string): V1Namespace | undefined };
}): string | undefined {
  if (isSystemNamespace(o.targetNs, o.operatorNamespace))
    return `namespace "${o.targetNs}" is a system namespace`;
  const tenant = o.namespaces.get(o.policyNs)?.metadata?.labels?.[TENANT_LABEL];
  if (tenant === undefined) return `namespace "${o.policyNs}" does not belong to a Tenant`;
  const targetTenant = o.namespaces.get(o.targetNs)?.metadata?.labels?.[TENANT_LABEL];
  if (targetTenant !== tenant)
    return `namespace "${o.targetNs}" does not belong to Tenant "${tenant}"`;
  return undefined;
}
