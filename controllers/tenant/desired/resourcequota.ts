// Desired ResourceQuota of a tenant namespace, from spec.quota.perNamespace.hard.
import type { V1ResourceQuota } from "@kubernetes/client-node";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import { sortKeys } from "../../shared/labels.ts";
import { tenantChildLabels, tenantOwnerRef } from "./common.ts";
import { RESOURCE_QUOTA } from "../gvks.ts";

export const QUOTA_NAME = "tenant-quota";

/** The quota of namespace `ns`; undefined when the Tenant sets no per-namespace quota. */
export function desiredResourceQuota(t: Tenant, ns: string): V1ResourceQuota | undefined {
  const hard = t.spec.quota?.perNamespace?.hard;
  if (hard === undefined || Object.keys(hard).length === 0) return undefined;
  return {
    apiVersion: RESOURCE_QUOTA.apiVersion,
    kind: RESOURCE_QUOTA.kind,
    metadata: {
      name: QUOTA_NAME,
      namespace: ns,
      labels: tenantChildLabels(t, "quota"),
      ownerReferences: [tenantOwnerRef(t)],
    },
    spec: { hard: sortKeys(hard) },
  };
}
