// AIModel reconcile: re-read the AIModel and its children from the cache, plan, apply the plan
// with server-side apply, then write status once if it changed. Level-based: it never asks which
// event arrived, so a deleted or edited child is repaired by the same code path that creates it.
import type { V1Deployment, V1PodDisruptionBudget, V1Secret, V1Service } from "@kubernetes/client-node";
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import { AIMODEL_GVK } from "../../crds/aimodel/v1alpha1/index.ts";
import type { KubeClient } from "../../operators/clients/kube.ts";
import type { Informer, KubernetesObject, ReconcileContext, ReconcileResult } from "../../operators/runtime/index.ts";
import { KubeApiError } from "../../operators/runtime/index.ts";
import type { ChildPlan } from "../shared/plan.ts";
import { planChildren } from "../shared/plan.ts";
import { sameOwnedFields } from "../shared/stable.ts";
import type { AIModelConfig } from "./desired.ts";
import { desiredChildren, endpointFor, isSelfHosted } from "./desired.ts";
import { DEPLOYMENT, PDB, SERVICE } from "./gvks.ts";
import type { CredentialsState } from "./status.ts";
import { computeStatus } from "./status.ts";

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

/** Builds the reconcile function of the AIModel controller. */
export function aimodelReconciler(deps: AIModelDeps): (key: string, ctx: ReconcileContext) => Promise<ReconcileResult | undefined> {
  return async (key, ctx) => {
    const model = deps.models.get(key);
    // Gone or going: the garbage collector removes the children through their owner references.
    if (model === undefined || model.metadata.deletionTimestamp !== undefined) return undefined;

    const desired = desiredChildren(model);
    const plan = planChildren(model.metadata.uid ?? "", [
      { kind: "Deployment", desired: desired.deployment, observed: deps.deployments.get(key) },
      { kind: "Service", desired: desired.service, observed: deps.services.get(key) },
      { kind: "PodDisruptionBudget", desired: desired.pdb, observed: deps.pdbs.get(key) },
    ]);

    let applyError: string | undefined;
    let deployment = deps.deployments.get(key);
    try {
      deployment = (await execute(deps, model, plan, ctx)) ?? deployment;
      if (plan.conflicts.length > 0) applyError = plan.conflicts.join("; ");
    } catch (err) {
      applyError = `Applying children failed: ${errorText(err)}`;
      await writeStatus(deps, model, { model, deployment, applyError, endpoint: endpointFor(model, deps.config) });
      throw new Error(`reconciling AIModel ${key}: applying children`, { cause: err });
    }

    const credentials = isSelfHosted(model) ? undefined : credentialsState(deps.secrets, model);
    await writeStatus(deps, model, { model, deployment, credentials, applyError, endpoint: endpointFor(model, deps.config) });
    if (applyError !== undefined) {
      await deps.client.event(model, { type: "Warning", reason: "ChildConflict", message: applyError }, CONTROLLER_NAME);
    }
    return undefined;
  };
}

/** Applies and deletes as planned; returns the applied Deployment (fresher than the cache). */
async function execute(deps: AIModelDeps, model: AIModel, plan: ChildPlan, ctx: ReconcileContext): Promise<V1Deployment | undefined> {
  let deployment: V1Deployment | undefined;
  for (const obj of plan.apply) {
    const applied: KubernetesObject = await deps.client.apply(obj, { fieldManager: CONTROLLER_NAME, force: true });
    if (applied.kind === "Deployment") deployment = applied as V1Deployment;
    ctx.log.info({ kind: obj.kind, name: obj.metadata?.name, namespace: obj.metadata?.namespace }, `Applied ${obj.kind ?? "object"}`);
  }
  for (const d of plan.delete) {
    const gvk = d.kind === "Deployment" ? DEPLOYMENT : d.kind === "Service" ? SERVICE : PDB;
    await deps.client.delete(gvk, d.namespace, d.name, { preconditionUid: d.uid, propagationPolicy: "Background" });
    ctx.log.info({ kind: d.kind, name: d.name, namespace: d.namespace }, `Deleted ${d.kind}`);
    await deps.client.event(model, { type: "Normal", reason: "Deleted", message: `Deleted ${d.kind} ${d.name}` }, CONTROLLER_NAME);
  }
  return deployment;
}

async function writeStatus(deps: AIModelDeps, model: AIModel, inputs: Parameters<typeof computeStatus>[0]): Promise<void> {
  const status = computeStatus(inputs, deps.now());
  // Write once and only when something we own changed; lastTransitionTime is kept by setCondition.
  if (sameOwnedFields(status, model.status)) return;
  await deps.client.applyStatus(
    {
      apiVersion: AIMODEL_GVK.apiVersion,
      kind: AIMODEL_GVK.kind,
      metadata: { name: model.metadata.name ?? "", namespace: model.metadata.namespace ?? "" },
      status,
    },
    { fieldManager: CONTROLLER_NAME },
  );
}

/** Whether the external provider's credentials Secret and key exist (the value is never read). */
export function credentialsState(secrets: Informer<V1Secret>, model: AIModel): CredentialsState {
  const ref = model.spec.external?.credentialsSecretRef;
  if (ref === undefined) return "secret-missing";
  const secret = secrets.get(`${model.metadata.namespace ?? ""}/${ref.name}`);
  if (secret === undefined) return "secret-missing";
  const has = secret.data?.[ref.key] !== undefined || secret.stringData?.[ref.key] !== undefined;
  return has ? "present" : "key-missing";
}

function errorText(err: unknown): string {
  if (err instanceof KubeApiError) return err.status?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}
