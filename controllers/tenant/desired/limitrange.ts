// Desired LimitRange of a tenant namespace: container defaults and maxima from spec.quota.limitRange.
import type { V1LimitRange, V1LimitRangeItem } from "@kubernetes/client-node";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import { sortKeys } from "../../shared/labels.ts";
import { tenantChildLabels, tenantOwnerRef } from "./common.ts";

export const LIMIT_RANGE_NAME = "tenant-limits";

/** The LimitRange of namespace `ns`; undefined when the Tenant sets no container limits. */
export function desiredLimitRange(t: Tenant, ns: string): V1LimitRange | undefined {
  const lr = t.spec.quota?.limitRange;
  if (lr === undefined) return undefined;
  const item: V1LimitRangeItem = { type: "Container" };
  if (lr.default !== undefined && Object.keys(lr.default).length > 0) item._default = sortKeys(lr.default);
  if (lr.defaultRequest !== undefined && Object.keys(lr.defaultRequest).length > 0) item.defaultRequest = sortKeys(lr.defaultRequest);
  if (lr.max !== undefined && Object.keys(lr.max).length > 0) item.max = sortKeys(lr.max);
  if (Object.keys(item).length === 1) return undefined;
  // client-node's model names the field `_default`; the API wants `default`.
  const { _default, ...rest } = item;
  const limit = { ...(_default !== undefined ? { default: _default } : {}), ...rest } as V1LimitRangeItem;
  return {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: { name: LIMIT_RANGE_NAME, namespace: ns, labels: tenantChildLabels(t, "limits"), ownerReferences: [tenantOwnerRef(t)] },
    spec: { limits: [limit] },
  };
}
