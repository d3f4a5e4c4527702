// Wiring of the AIModel controller: which kinds it reads, which children it owns, and which
// secondary objects (credentials Secrets) map back to AIModels.
import type { V1Deployment, V1PodDisruptionBudget, V1Secret, V1Service } from "@kubernetes/client-node";
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import type { KubeClient } from "../../operators/clients/kube.ts";
import type { ControllerDefinition, Informer, KubernetesObject, Manager } from "../../operators/runtime/index.ts";
import type { AIModelConfig } from "./desired.ts";
import { DEFAULT_CONFIG } from "./desired.ts";
import { AIMODEL, DEPLOYMENT, PDB, SECRET, SERVICE } from "./gvks.ts";
import { aimodelReconciler, CONTROLLER_NAME } from "./reconcile.ts";

export interface AIModelControllerOptions {
  config?: AIModelConfig;
  maxConcurrentReconciles?: number;
  now?: () => Date;
}

/** Registers the AIModel controller with the manager. */
export function addAIModelController(mgr: Manager, client: KubeClient, opts: AIModelControllerOptions = {}): void {
  const models = mgr.informer<AIModel>(AIMODEL);
  const def: ControllerDefinition = {
    name: CONTROLLER_NAME,
    for: AIMODEL,
    owns: [DEPLOYMENT, SERVICE, PDB],
    watches: [{ gvk: SECRET, map: (s) => modelsUsingSecret(models, s) }],
    maxConcurrentReconciles: opts.maxConcurrentReconciles ?? 4,
    reconcile: aimodelReconciler({
      client,
      models,
      deployments: mgr.informer<V1Deployment>(DEPLOYMENT),
      services: mgr.informer<V1Service>(SERVICE),
      pdbs: mgr.informer<V1PodDisruptionBudget>(PDB),
      secrets: mgr.informer<V1Secret>(SECRET),
      config: opts.config ?? DEFAULT_CONFIG,
      now: opts.now ?? (() => new Date()),
    }),
  };
  mgr.addController(def);
}

/** Keys of the AIModels in the Secret's namespace whose credentials live in that Secret. */
export function modelsUsingSecret(models: Pick<Informer<AIModel>, "list">, secret: KubernetesObject): string[] {
  const ns = secret.metadata?.namespace ?? "";
  const name = secret.metadata?.name;
  return models
    .list(ns)
    .filter((m) => m.spec.external?.credentialsSecretRef.name === name)
    .map((m) => `${ns}/${m.metadata.name ?? ""}`);
}
