// Wiring of the AIModel controller: which kinds it reads, which children it owns, and which
// secondary objects (credentials Secrets; children freed from a name conflict) map back to AIModels.
// Status writes by the controller itself do not re-run a reconcile (generation-changed predicate);
// children events, Secret events and a change of the gateway's measured TrafficHealthy still do.
import type {
  V1Deployment,
  V1PodDisruptionBudget,
  V1Secret,
  V1Service,
} from "@kubernetes/client-node";
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import type { KubeClient } from "../../operators/clients/kube.ts";
import type {
  ControllerDefinition,
  Informer,
  KubernetesObject,
  Manager,
} from "../../operators/runtime/index.ts";
import {
  AIMODEL_KIND,
  AIModelConditionType,
  engineSecretNames,
} from "../../crds/aimodel/v1alpha1/index.ts";
import {
  DEPLOYMENT,
  POD_DISRUPTION_BUDGET,
  SECRET,
  SERVICE,
} from "../../operators/runtime/core-kinds.ts";
import {
  anyOf,
  conditionChanged,
  generationChanged,
  resync,
} from "../../operators/runtime/predicates.ts";
import type { AIModelConfig } from "./desired/index.ts";
import { DEFAULT_CONFIG } from "./desired/index.ts";
import { aimodelReconciler, CONTROLLER_NAME } from "./reconcile.ts";

export interface AIModelControllerOptions {
  config?: AIModelConfig;
  maxConcurrentReconciles?: number;
  now?: () => Date;
}

/** Registers the AIModel controller with the manager. */
export function addAIModelController(
  mgr: Manager,
  client: KubeClient,
  opts: AIModelControllerOptions = {},
): void {
  const models = mgr.informer<AIModel>(AIMODEL_KIND);
  const sameName = (o: KubernetesObject): string[] => modelNamed(models, o);
  const def: ControllerDefinition = {
    name: CONTROLLER_NAME,
    for: AIMODEL_KIND,
    // Spec changes, the periodic resync and the gateway's measured verdict (folded into Degraded)
    // reconcile; our own status writes do not.
    forUpdatePredicate: anyOf(
      generationChanged,
      resync,
      conditionChanged(AIModelConditionType.TrafficHealthy),
    ),
    owns: [DEPLOYMENT, SERVICE, POD_DISRUPTION_BUDGET],
    watches: [
      { gvk: SECRET, map: (s) => modelsUsingSecret(models, s) },
      // A foreign object that held a child's name: its deletion frees the name at once.
      ...[DEPLOYMENT, SERVICE, POD_DISRUPTION_BUDGET].map((gvk) => ({ gvk, map: sameName })),
    ],
    maxConcurrentReconciles: opts.maxConcurrentReconciles ?? 4,
    reconcile: aimodelReconciler({
      client,
      models,
      deployments: mgr.informer<V1Deployment>(DEPLOYMENT),
      services: mgr.informer<V1Service>(SERVICE),
      pdbs: mgr.informer<V1PodDisruptionBudget>(POD_DISRUPTION_BUDGET),
      secrets: mgr.informer<V1Secret>(SECRET),
      config: opts.config ?? DEFAULT_CONFIG,
      now: opts.now ?? (() => new Date()),
    }),
  };
  mgr.addController(def);
}

/** Keys of the AIModels in the Secret's namespace that reference it (credentials or engine env). */
export function modelsUsingSecret(
  models: Pick<Informer<AIModel>, "list">,
  secret: KubernetesObject,
): string[] {
  const ns = secret.metadata?.namespace ?? "";
  const name = secret.metadata?.name;
  return models
    .list(ns)
    .filter(
      (m) =>
        m.spec.external?.credentialsSecretRef.name === name ||
        (name !== undefined && engineSecretNames(m).includes(name)),
    )
    .map((m) => `${ns}/${m.metadata.name ?? ""}`);
}

/** The key of the AIModel with the same namespace and name as `obj` (children are named after their model), if one exists. */
export function modelNamed(
  models: Pick<Informer<AIModel>, "get">,
  obj: KubernetesObject,
): string[] {
  const key = `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
  return models.get(key) !== undefined ? [key] : [];
}
