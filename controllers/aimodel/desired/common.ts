// What every AIModel child builder shares: the controller's static config, the engine port, the
// endpoint URL, and the metadata (name, labels, owner reference) every child carries. Pure.
import type { AIModel } from "../../../crds/aimodel/v1alpha1/index.ts";
import { AIMODEL_DEFAULTS, isSelfHosted } from "../../../crds/aimodel/v1alpha1/index.ts";
import { labelValue } from "../../../crds/shared/labels.ts";
import { aimodelSelectorLabels, childLabels } from "../../shared/labels.ts";
import { controllerRef } from "../../shared/owner.ts";

/** Static configuration of the AIModel controller (flags, not per-object data). */
export interface AIModelConfig {
  /** Cluster DNS domain used in in-cluster endpoints. */
  clusterDomain: string;
}

export const DEFAULT_CONFIG: AIModelConfig = { clusterDomain: "cluster.local" };

/** Public OpenAI-compatible base URLs of the external providers, used when spec.external.baseURL is unset. */
export const PROVIDER_BASE_URLS: Record<string, string> = {
  anthropic: "https://api.anthropic.com/v1",
  google: "https://generativelanguage.googleapis.com/v1beta/openai",
  openai: "https://api.openai.com/v1",
};

export const ENGINE_CONTAINER = "engine";
export const COMPONENT = "inference-engine";

/** Port the engine serves on. */
export function enginePort(model: AIModel): number {
  return model.spec.engine?.port ?? AIMODEL_DEFAULTS.enginePort;
}

/** URL the gateway uses to reach the model. */
export function endpointFor(model: AIModel, cfg: AIModelConfig): string | undefined {
  if (isSelfHosted(model)) {
    const ns = model.metadata.namespace ?? "default";
    return `http://${model.metadata.name}.${ns}.svc.${cfg.clusterDomain}:${enginePort(model)}/v1`;
  }
  return model.spec.external?.baseURL ?? PROVIDER_BASE_URLS[model.spec.provider];
}

/** Metadata of a child object: the model's name and namespace, recommended labels, controller owner reference. */
export interface ChildMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ownerReferences: ReturnType<typeof controllerRef>[];
}

/** Metadata every child of `model` carries (same name as the model: one child per kind). */
export function childMeta(model: AIModel): ChildMeta {
  const name = model.metadata.name ?? "";
  return {
    name,
    namespace: model.metadata.namespace ?? "default",
    labels: childLabels({
      name: labelValue(model.spec.modelName),
      component: COMPONENT,
      version: model.spec.version,
      selector: aimodelSelectorLabels(name),
    }),
    ownerReferences: [controllerRef(model)],
  };
}
