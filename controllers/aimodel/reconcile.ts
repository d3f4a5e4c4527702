// AIModel reconcile: re-read the AIModel and its children from the cache, plan, apply the plan
// with server-side apply, then write status once if it changed. Level-based: it never asks which
// event arrived, so a deleted or edited child is repaired by the same code path that creates it.
// A child whose name is held by an object we do not control is never overwritten: status says so
// (Ready=False, ChildConflict) and the key goes back to the queue, so the model converges as soon
// as the foreign object is removed.
import type {
  V1Deployment,
  V1PodDisruptionBudget,
  V1Secret,
  V1Service,
} from "@kubernetes/client-node";
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import {
  AIMODEL_KIND,
  engineSecretNames,
  isModelSecret,
  isSelfHosted,
} from "../../crds/aimodel/v1alpha1/index.ts";
import type { KubeClient } from "../../operators/clients/kube.ts";
import { DEPLOYMENT, POD_DISRUPTION_BUDGET, SERVICE } from "../../operators/runtime/core-kinds.ts";
import type {
  Informer,
  KubernetesObject,
  ReconcileContext,
  ReconcileResult,
} from "../../operators/runtime/index.ts";
import { KubeApiError, objectReconciler } from "../../operators/runtime/index.ts";
import type { ChildPlan } from "../shared/plan.ts";
import { conflictMessage, planChildren } from "../shared/plan.ts";
import type { AIModelConfig } from "./desired/index.ts";
import { desiredChildren, endpointFor } from "./desired/index.ts";
import type { CredentialsState, StatusInputs } from "./status.ts";
import { computeStatus, ownedStatusUnchanged } from "./status.ts";

export const CONTROLLER_NAME = "aimodel";

export interface AIModelDeps {
  client: Pick<KubeClient, "apply" | "applyStatus" | "delete" | "event">;
  models: Informer<AIModel>;
  deployments: Informer<V1Deployment>;
  services: Informer<V1Service>;
  pdbs: Informer<V1PodDisruptionBudget>;
  secrets: Informer<V1Secret>;
  config: AIModelConfig;
  now: () => Date;
}

/** Raised (and retried with backoff) while a child's name is held by an object we do not control. */
export class ChildConflictError extends Error {
  override name = "ChildConflictError";
}

/** Builds the reconcile function of the AIModel controller. */
export function aimodelReconciler(
  deps: AIModelDeps,
): (key: string, ctx: ReconcileContext) => Promise<ReconcileResult | undefined> {
  // Gone or going: nothing to do; the garbage collector removes the children through their owner references.
  return objectReconciler<AIModel>({
    cache: deps.models,
    reconcile: (model, ctx) => reconcileModel(deps, model, ctx),
  });
}

/** The plan for `model` against the cached children (pure given the caches). */
export function planFor(
  deps: Pick<AIModelDeps, "deployments" | "services" | "pdbs">,
  model: AIModel,
): ChildPlan {
  const key = `${model.metadata.namespace ?? ""}/${model.metadata.name ?? ""}`;
  const desired = desiredChildren(model);
  return planChildren(model.metadata.uid ?? "", [
    { gvk: DEPLOYMENT, desired: desired.deployment, observed: deps.deployments.get(key) },
    { gvk: SERVICE, desired: desired.service, observed: deps.services.get(key) },
    { gvk: POD_DISRUPTION_BUDGET, desired: desired.pdb, observed: deps.pdbs.get(key) },
  ]);
}

async function reconcileModel(
  deps: AIModelDeps,
  model: AIModel,
  ctx: ReconcileContext,
): Promise<undefined> {
  const key = `${model.metadata.namespace ?? ""}/${model.metadata.name ?? ""}`;
  const plan = planFor(deps, model);
  const endpoint = endpointFor(model, deps.config);
  let deployment = deps.deployments.get(key);
  // The Secret policy holds everything back: no pod may start with an unlabelled Secret in it.
  // A Secret event (label added, reference removed) re-queues the model.
  const disallowedSecrets = disallowedEngineSecrets(deps.secrets, model);
  const credentials = isSelfHosted(model) ? undefined : credentialsState(deps.secrets, model);
  if (disallowedSecrets.length > 0 || credentials === "not-allowed") {
    await writeStatus(deps, model, { model, deployment, credentials, disallowedSecrets, endpoint });
    return undefined;
  }
  try {
    deployment = (await execute(deps, model, plan, ctx)) ?? deployment;
  } catch (err) {
    await writeStatus(deps, model, {
      model,
      deployment,
      applyError: `Applying children failed: ${errorText(err)}`,
      endpoint,
    });
    throw new Error(`reconciling AIModel ${key}: applying children`, { cause: err });
  }
  const conflict = conflictMessage(plan);
  await writeStatus(deps, model, { model, deployment, credentials, conflict, endpoint });
  if (conflict !== undefined) {
    await deps.client.event(
      model,
      { type: "Warning", reason: "ChildConflict", message: conflict },
      CONTROLLER_NAME,
    );
    throw new ChildConflictError(`reconciling AIModel ${key}: ${conflict}`);
  }
  return undefined;
}

/** Applies and deletes as planned; returns the applied Deployment (fresher than the cache). */
async function execute(
  deps: AIModelDeps,
  model: AIModel,
  plan: ChildPlan,
  ctx: ReconcileContext,
): Promise<V1Deployment | undefined> {
  let deployment: V1Deployment | undefined;
  for (const { gvk, object, reason } of plan.apply) {
    const applied: KubernetesObject = await deps.client.apply(object, {
      fieldManager: CONTROLLER_NAME,
      force: true,
    });
    if (gvk === DEPLOYMENT) deployment = applied as V1Deployment;
    ctx.log.info(
      {
        kind: gvk.kind,
        name: object.metadata?.name,
        namespace: object.metadata?.namespace,
        reason,
      },
      `Applied ${gvk.kind}`,
    );
  }
  for (const d of plan.delete) {
    await deps.client.delete(d.gvk, d.namespace, d.name, {
      preconditionUid: d.uid,
      propagationPolicy: "Background",
    });
    ctx.log.info(
      { kind: d.gvk.kind, name: d.name, namespace: d.namespace, reason: d.reason },
      `Deleted ${d.gvk.kind}`,
    );
    await deps.client.event(
      model,
      { type: "Normal", reason: "Deleted", message: `Deleted ${d.gvk.kind} ${d.name}` },
      CONTROLLER_NAME,
    );
  }
  return deployment;
}

async function writeStatus(deps: AIModelDeps, model: AIModel, inputs: StatusInputs): Promise<void> {
  const status = computeStatus(inputs, deps.now());
  // Write once and only when something we own changed; lastTransitionTime is kept by setCondition.
  if (ownedStatusUnchanged(status, model.status)) return;
  await deps.client.applyStatus(
    {
      apiVersion: AIMODEL_KIND.apiVersion,
      kind: AIMODEL_KIND.kind,
      metadata: { name: model.metadata.name ?? "", namespace: model.metadata.namespace ?? "" },
      status,
    },
    { fieldManager: CONTROLLER_NAME },
  );
}

/**
 * Whether the external provider's credentials Secret and key exist and the Secret is labelled for
 * model use (the value is never read).
 */
export function credentialsState(secrets: Informer<V1Secret>, model: AIModel): CredentialsState {
  const ref = model.spec.external?.credentialsSecretRef;
  if (ref === undefined) return "secret-missing";
  const secret = secrets.get(`${model.metadata.namespace ?? ""}/${ref.name}`);
  if (secret === undefined) return "secret-missing";
  if (!isModelSecret(secret)) return "not-allowed";
  const has = secret.data?.[ref.key] !== undefined || secret.stringData?.[ref.key] !== undefined;
  return has ? "present" : "key-missing";
}

/**
 * Engine env Secrets that exist without the model-secret label. A Secret that does not exist yet
 * is not held against the model (GitOps may apply it later; the kubelet waits for it).
 */
export function disallowedEngineSecrets(secrets: Informer<V1Secret>, model: AIModel): string[] {
  if (!isSelfHosted(model)) return [];
  const ns = model.metadata.namespace ?? "";
  return engineSecretNames(model).filter((name) => {
    const s = secrets.get(`${ns}/${name}`);
    return s !== undefined && !isModelSecret(s);
  });
}

function errorText(err: unknown): string {
  if (err instanceof KubeApiError) return err.status?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}
