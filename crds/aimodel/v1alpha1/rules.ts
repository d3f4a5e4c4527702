// Rules derived from an AIModel's spec that more than one component needs (controller, webhooks,
// chaos blast radius, CLI). Defined once here, next to the schema whose fields they read.
import { labelValue } from "../../shared/labels.ts";
import { AIMODEL_DEFAULTS, SELF_HOSTED_PROVIDERS } from "./schema.ts";

/**
 * Label a Secret must carry (value "true") before an AIModel may reference it, as provider
 * credentials or in engine env: whoever may create an AIModel must not be able to put any Secret
 * of the namespace (a ServiceAccount token, a database password) into a pod or a gateway.
 */
export const MODEL_SECRET_LABEL = "librechat.io/model-secret";

/** Whether a Secret is labelled for model use. */
export function isModelSecret(secret: { metadata?: { labels?: Record<string, string> } }): boolean {
  return secret.metadata?.labels?.[MODEL_SECRET_LABEL] === "true";
}

/** Names of the Secrets a self-hosted model's engine env references (sorted, unique). */
export function engineSecretNames(model: {
  spec: { engine?: { env?: readonly { valueFrom?: { secretKeyRef: { name: string } } }[] } };
}): string[] {
  const names = (model.spec.engine?.env ?? []).flatMap((e) =>
    e.valueFrom === undefined ? [] : [e.valueFrom.secretKeyRef.name],
  );
  return [...new Set(names)].sort();
}

/** Label the AIModel defaulter sets to the sanitised spec.modelName (selectable by clients' model name). */
export const MODEL_NAME_LABEL = "librechat.io/model-name";

/** The spec fields the replica rules read; loosely typed so webhooks can pass unvalidated objects. */
export interface ReplicaSpec {
  provider: string;
  replicas?: number | undefined;
  minReplicas?: number | undefined;
  maxReplicas?: number | undefined;
  autoscaling?: { enabled?: boolean | undefined } | undefined;
}

/** True for providers whose model runs in the cluster (vllm, ollama). */
export function isSelfHosted(model: { spec: Pick<ReplicaSpec, "provider"> }): boolean {
  return (SELF_HOSTED_PROVIDERS as readonly string[]).includes(model.spec.provider);
}

/**
 * Engine replicas the model should run: spec.replicas, clamped to [minReplicas, maxReplicas] while
 * autoscaling (admission requires maxReplicas then; without it there is no upper bound). 0 for
 * external providers, which run nothing in the cluster. Absent fields take the API server defaults.
 */
export function effectiveReplicas(model: { spec: ReplicaSpec }): number {
  const { spec } = model;
  if (!isSelfHosted(model)) return 0;
  const replicas = spec.replicas ?? AIMODEL_DEFAULTS.replicas;
  if (spec.autoscaling?.enabled !== true) return replicas;
  const atLeast = Math.max(replicas, spec.minReplicas ?? AIMODEL_DEFAULTS.minReplicas);
  return spec.maxReplicas === undefined ? atLeast : Math.min(atLeast, spec.maxReplicas);
}

/** Value of the model-name label for a spec.modelName; undefined when nothing valid is left. */
export function modelNameLabelValue(modelName: string): string | undefined {
  const v = labelValue(modelName);
  return v === "" ? undefined : v;
}
