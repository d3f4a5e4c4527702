// Desired engine Service of a self-hosted AIModel: a ClusterIP Service in front of the engine pods,
// on the engine port. Pure function of the AIModel.
import type { V1Service } from "@kubernetes/client-node";
import type { AIModel } from "../../../crds/aimodel/v1alpha1/index.ts";
import { SERVICE } from "../../../operators/runtime/core-kinds.ts";
import { aimodelSelectorLabels } from "../../shared/labels.ts";
import { childMeta, enginePort } from "./common.ts";

/** The ClusterIP Service in front of the engine pods. */
export function desiredService(model: AIModel): V1Service {
  const m = childMeta(model);
  return {
    apiVersion: SERVICE.apiVersion,
    kind: SERVICE.kind,
    metadata: m,
    spec: {
      type: "ClusterIP",
      selector: aimodelSelectorLabels(m.name),
      ports: [{ name: "http", port: enginePort(model), targetPort: "http", protocol: "TCP" }],
    },
  };
}
