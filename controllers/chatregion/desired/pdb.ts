// The PodDisruptionBudget of a region: voluntary disruptions (node drains, upgrades) never take
// the fleet below minReplicas, so a drain cannot turn the region unhealthy and trigger failover.
import type { V1PodDisruptionBudget } from "@kubernetes/client-node";
import type { ChatRegion } from "../../../crds/chatregion/v1alpha1/index.ts";
import { childMeta, selectorLabels } from "./meta.ts";
import { POD_DISRUPTION_BUDGET } from "../../../operators/runtime/core-kinds.ts";

/** The PDB, or undefined when minReplicas is 0 (nothing to protect). */
export function desiredPDB(region: ChatRegion): V1PodDisruptionBudget | undefined {
  const min = region.spec.fleet.minReplicas;
  if (min < 1) return undefined;
  const m = childMeta(region);
  return {
    apiVersion: POD_DISRUPTION_BUDGET.apiVersion,
    kind: POD_DISRUPTION_BUDGET.kind,
    metadata: m,
    spec: { minAvailable: min, selector: { matchLabels: selectorLabels(m.name) } },
  };
}
