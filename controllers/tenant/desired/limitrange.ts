// Desired LimitRange of a tenant namespace: container defaults and maxima from spec.quota.limitRange.
import type { V1LimitRange, V1LimitRangeItem } from "@kubernetes/client-node";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import { sortKeys } from "../../shared/labels.ts";
import { tenantChildLabels, tenantOwnerRef } from "./common.ts";
import { LIMIT_RANGE } from "../gvks.ts";

export const LIMIT_RANGE_NAME = "tenant-limits";

/** `r` with sorted keys, or undefined when absent or empty. */
function nonEmpty(r: Record<string, string> | undefined): Record<string, string> | undefined {
  return r !== undefined && Object.keys(r).length > 0 ? sortKeys(r) : undefined;
}

/** The LimitRange of namespace `ns`; undefined when the Tenant sets no container limits. */
export function desiredLimitRange(t: Tenant, ns: string): V1LimitRange | undefined {
  const lr = t.spec.quota?.limitRange;
  if (lr === undefined) return undefined;
  const parts = {
    default: nonEmpty(lr.default),
    defaultRequest: nonEmpty(lr.defaultRequest),
    max: nonEmpty(lr.max),
  };
  const set = Object.entries(parts).filter(([, v]) => v !== undefined);
  if (set.length === 0) return undefined;
  // client-node's model names the field `_default`; the API wants `default`, so the item is built as plain JSON.
  const limit = { type: "Container", ...Object.fromEntries(set) } as unknown as V1LimitRangeItem;
  return {
    apiVersion: LIMIT_RANGE.apiVersion,
    kind: LIMIT_RANGE.kind,
    metadata: {
      name: LIMIT_RANGE_NAME,
      namespace: ns,
      labels: tenantChildLabels(t, "limits"),
      ownerReferences: [tenantOwnerRef(t)],
    },
    spec: { limits: [limit] },
  };
}
