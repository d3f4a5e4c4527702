// Desired PodDisruptionBudget of a self-hosted AIModel with more than one replica: keeps all but
// one engine pod up through voluntary disruptions (node drains, upgrades). Pure.
import type { V1PodDisruptionBudget } from "@kubernetes/client-node";
import type { AIModel } from "../../../crds/aimodel/v1alpha1/index.ts";
import { effectiveReplicas, isSelfHosted } from "../../../crds/aimodel/v1alpha1/index.ts";
import { POD_DISRUPTION_BUDGET } from "../../../operators/runtime/core-kinds.ts";
import { aimodelSelectorLabels } from "../../shared/labels.ts";
import { childMeta } from "./common.ts";

/** True when the model should have a PDB: self-hosted and more than one effective replica. */
export function wantsPDB(model: AIModel): boolean {
  return isSelfHosted(model) && effectiveReplicas(model) > 1;
}

/** Keeps all but one replica up through voluntary disruptions. */
export function desiredPDB(model: AIModel): V1PodDisruptionBudget {
  const m = childMeta(model);
  return {
    apiVersion: POD_DISRUPTION_BUDGET.apiVersion,
    kind: POD_DISRUPTION_BUDGET.kind,
    metadata: m,
    spec: { maxUnavailable: 1, selector: { matchLabels: aimodelSelectorLabels(m.name) } },
  };
}
