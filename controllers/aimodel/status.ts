// AIModel status as a pure function of what was observed. Readiness is an ordered chain: the
// first failing check decides Ready; phase is only ever derived from the conditions.
import type { V1Deployment } from "@kubernetes/client-node";
import type { AIModel, AIModelPhase, AIModelStatus } from "../../crds/aimodel/v1alpha1/index.ts";
import {
  AIModelConditionType as T,
  AIModelDegradedReason as DegradedReason,
  AIModelProgressingReason as ProgressingReason,
  AIModelReadyReason as ReadyReason,
} from "../../crds/aimodel/v1alpha1/index.ts";
import type { Condition } from "../../operators/runtime/conditions.ts";
import { findCondition, setCondition } from "../../operators/runtime/conditions.ts";
import { aimodelSelectorLabels, selectorString } from "../shared/labels.ts";
import { sameOwnedFields } from "../shared/stable.ts";
import {
  effectiveReplicas,
  isSelfHosted,
  MODEL_SECRET_LABEL,
} from "../../crds/aimodel/v1alpha1/index.ts";

/** What the credentials Secret of an external model looks like right now. */
export type CredentialsState = "present" | "secret-missing" | "key-missing" | "not-allowed";

export interface StatusInputs {
  model: AIModel;
  /** The engine Deployment as last observed (after our apply), self-hosted only. */
  deployment?: V1Deployment | undefined;
  /** External providers only. */
  credentials?: CredentialsState | undefined;
  /** Why the children could not be applied (an API error). */
  applyError?: string | undefined;
  /** Children whose names are held by objects this AIModel does not control. */
  conflict?: string | undefined;
  endpoint?: string | undefined;
  /** Secrets the engine env references that exist without the model-secret label (self-hosted). */
  disallowedSecrets?: readonly string[] | undefined;
}

export type Verdict = Record<
  "ready" | "progressing" | "degraded",
  Omit<Condition, "lastTransitionTime" | "observedGeneration">
>;

const ERROR_REASONS: readonly string[] = [
  ReadyReason.ApplyFailed,
  ReadyReason.ChildConflict,
  ReadyReason.CredentialsMissing,
  ReadyReason.CredentialsKeyMissing,
  ReadyReason.SecretNotAllowed,
];

/**
 * Condition types this controller writes; others (Routed by gateway-config, TrafficHealthy by
 * gateway-metrics) are not ours.
 */
export const OWNED_CONDITIONS: readonly string[] = [T.Ready, T.Progressing, T.Degraded];

/** The conditions of `list` this controller owns. */
export function ownedConditions(list: readonly Condition[] | undefined): Condition[] | undefined {
  return list?.filter((c) => OWNED_CONDITIONS.includes(c.type));
}

/**
 * The status the controller owns: its conditions only (server-side apply keeps the others with
 * their writers), phase, endpoint, replicas. latency and successRate belong to the gateway's
 * reporter.
 */
export function computeStatus(inputs: StatusInputs, now: Date): AIModelStatus {
  const { model } = inputs;
  const generation = model.metadata.generation ?? 0;
  const v = withTraffic(verdict(inputs), model.status?.conditions);
  let conditions = ownedConditions(model.status?.conditions);
  for (const c of [v.ready, v.progressing, v.degraded]) {
    conditions = setCondition(conditions, { ...c, observedGeneration: generation }, now);
  }
  const status: AIModelStatus = {
    observedGeneration: generation,
    phase: phaseOf(conditions),
    conditions: conditions ?? [],
  };
  if (inputs.endpoint !== undefined) status.endpoint = inputs.endpoint;
  return isSelfHosted(model) ? { ...status, ...replicaStatus(model, inputs.deployment) } : status;
}

/**
 * Whether writing `status` would change nothing this controller owns in `current`: its fields,
 * and among the conditions only its own types (another writer's conditions never cause a write).
 */
export function ownedStatusUnchanged(
  status: AIModelStatus,
  current: AIModelStatus | undefined,
): boolean {
  const mine =
    current === undefined
      ? undefined
      : { ...current, conditions: ownedConditions(current.conditions) ?? [] };
  return sameOwnedFields(status, mine);
}

/**
 * Degraded also reports what the gateway measured: when nothing else is wrong and the
 * gateway-metrics controller's TrafficHealthy condition is False (requests fail, or the health
 * check does), the model is Degraded with that condition's message. Ready is left alone: the
 * model still serves, and failing over is the gateway's job.
 */
export function withTraffic(v: Verdict, conditions: readonly Condition[] | undefined): Verdict {
  const traffic = findCondition(conditions, T.TrafficHealthy);
  if (traffic?.status !== "False" || v.degraded.status !== "False") return v;
  return {
    ...v,
    degraded: {
      type: T.Degraded,
      status: "True",
      reason: DegradedReason.TrafficUnhealthy,
      message: `Gateway measurements (${traffic.reason}): ${traffic.message}`,
    },
  };
}

/** Scale-subresource fields of a self-hosted model, from its Deployment as last observed. */
function replicaStatus(
  model: AIModel,
  dep: V1Deployment | undefined,
): Pick<AIModelStatus, "replicas" | "readyReplicas" | "selector"> {
  return {
    replicas: dep?.status?.replicas ?? 0,
    readyReplicas: dep?.status?.readyReplicas ?? 0,
    selector: selectorString(aimodelSelectorLabels(model.metadata.name ?? "")),
  };
}

/** Phase summarises the conditions; it is never set on its own. */
export function phaseOf(conditions: readonly Condition[] | undefined): AIModelPhase {
  const ready = findCondition(conditions, T.Ready);
  if (ready === undefined) return "Pending";
  if (ready.status === "True") return "Active";
  if (ready.reason === ReadyReason.ScaledToZero) return "Inactive";
  if (ERROR_REASONS.includes(ready.reason)) return "Error";
  return "Pending";
}

const ok = {
  progressing: {
    type: T.Progressing,
    status: "False",
    reason: ProgressingReason.RolloutComplete,
    message: "Nothing to roll out",
  },
  degraded: {
    type: T.Degraded,
    status: "False",
    reason: DegradedReason.AsExpected,
    message: "All desired replicas are ready",
  },
} as const;

/** Ready=False naming the Secrets that are not labelled for model use; undefined when none. */
function secretPolicyVerdict(inputs: StatusInputs): Verdict | undefined {
  const ns = inputs.model.metadata.namespace ?? "";
  const names =
    inputs.credentials === "not-allowed"
      ? [inputs.model.spec.external?.credentialsSecretRef.name ?? ""]
      : (inputs.disallowedSecrets ?? []);
  if (names.length === 0) return undefined;
  const field =
    inputs.credentials === "not-allowed"
      ? "spec.external.credentialsSecretRef"
      : "spec.engine.env[].valueFrom.secretKeyRef";
  return {
    ready: {
      type: T.Ready,
      status: "False",
      reason: ReadyReason.SecretNotAllowed,
      message: `Secret ${names.map((n) => `"${n}"`).join(", ")} in namespace "${ns}" is not labelled ${MODEL_SECRET_LABEL}=true (${field}); only Secrets labelled for model use may be referenced`,
    },
    progressing: {
      type: T.Progressing,
      status: "False",
      reason: ProgressingReason.Reconciling,
      message: "Nothing is applied until the Secret is labelled or the reference removed",
    },
    degraded: {
      type: T.Degraded,
      status: "Unknown",
      reason: DegradedReason.Reconciling,
      message: "Children are held back by the Secret policy",
    },
  };
}

function verdict(inputs: StatusInputs): Verdict {
  const policy = secretPolicyVerdict(inputs);
  if (policy !== undefined) return policy;
  if (inputs.applyError !== undefined) {
    return {
      ready: {
        type: T.Ready,
        status: "False",
        reason: ReadyReason.ApplyFailed,
        message: inputs.applyError,
      },
      progressing: {
        type: T.Progressing,
        status: "True",
        reason: ProgressingReason.Reconciling,
        message: "Retrying after a failed apply",
      },
      degraded: {
        type: T.Degraded,
        status: "Unknown",
        reason: DegradedReason.Reconciling,
        message: "Children could not be applied",
      },
    };
  }
  if (inputs.conflict !== undefined) {
    return {
      ready: {
        type: T.Ready,
        status: "False",
        reason: ReadyReason.ChildConflict,
        message: `${inputs.conflict}; retrying until it is removed`,
      },
      progressing: {
        type: T.Progressing,
        status: "True",
        reason: ProgressingReason.Reconciling,
        message: "Waiting for a child's name to be free",
      },
      degraded: {
        type: T.Degraded,
        status: "Unknown",
        reason: DegradedReason.Reconciling,
        message: "Children could not be applied",
      },
    };
  }
  return isSelfHosted(inputs.model) ? selfHostedVerdict(inputs) : externalVerdict(inputs);
}

function externalVerdict(inputs: StatusInputs): Verdict {
  const ref = inputs.model.spec.external?.credentialsSecretRef;
  const ns = inputs.model.metadata.namespace ?? "";
  const name = ref?.name ?? "";
  if (inputs.credentials === "secret-missing") {
    return {
      ...ok,
      ready: {
        type: T.Ready,
        status: "False",
        reason: ReadyReason.CredentialsMissing,
        message: `Secret "${name}" not found in namespace "${ns}" (spec.external.credentialsSecretRef)`,
      },
    };
  }
  if (inputs.credentials === "key-missing") {
    return {
      ...ok,
      ready: {
        type: T.Ready,
        status: "False",
        reason: ReadyReason.CredentialsKeyMissing,
        message: `Secret "${name}" has no key "${ref?.key ?? ""}" (spec.external.credentialsSecretRef.key)`,
      },
    };
  }
  return {
    ...ok,
    ready: {
      type: T.Ready,
      status: "True",
      reason: ReadyReason.Available,
      message: `Credentials Secret "${name}" is present; provider ${inputs.model.spec.provider}`,
    },
  };
}

/** Replica counts of the engine Deployment as last observed. */
interface Rollout {
  desired: number;
  ready: number;
  updated: number;
  total: number;
  /** The Deployment controller has not caught up with the latest spec, or replicas are changing. */
  rolling: boolean;
  /** The Deployment reports ProgressDeadlineExceeded. */
  stuck: boolean;
}

function rolloutOf(model: AIModel, dep: V1Deployment | undefined): Rollout {
  const desired = effectiveReplicas(model);
  const s = dep?.status ?? {};
  const [ready, updated, total] = [s.readyReplicas ?? 0, s.updatedReplicas ?? 0, s.replicas ?? 0];
  const rolling = !observedCurrent(dep) || updated < desired || total > desired;
  return { desired, ready, updated, total, rolling, stuck: pastProgressDeadline(dep) };
}

/** The Deployment controller has seen the Deployment's latest spec. */
function observedCurrent(dep: V1Deployment | undefined): boolean {
  if (dep === undefined) return false;
  return (dep.status?.observedGeneration ?? -1) >= (dep.metadata?.generation ?? 0);
}

function pastProgressDeadline(dep: V1Deployment | undefined): boolean {
  const conditions = dep?.status?.conditions ?? [];
  return conditions.some(
    (c) => c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded",
  );
}

function selfHostedVerdict(inputs: StatusInputs): Verdict {
  const r = rolloutOf(inputs.model, inputs.deployment);
  const progressing: Verdict["progressing"] = r.rolling
    ? {
        type: T.Progressing,
        status: "True",
        reason: ProgressingReason.RolloutInProgress,
        message: `${r.updated}/${r.desired} replicas updated, ${r.total} exist`,
      }
    : {
        type: T.Progressing,
        status: "False",
        reason: ProgressingReason.RolloutComplete,
        message: `${r.desired} replicas up to date`,
      };
  if (r.desired === 0) {
    return {
      ready: {
        type: T.Ready,
        status: "False",
        reason: ReadyReason.ScaledToZero,
        message: "Scaled to zero replicas",
      },
      progressing,
      degraded: ok.degraded,
    };
  }
  const ready: Verdict["ready"] =
    r.ready > 0
      ? {
          type: T.Ready,
          status: "True",
          reason: ReadyReason.Available,
          message: `${r.ready}/${r.desired} replicas ready`,
        }
      : {
          type: T.Ready,
          status: "False",
          reason: ReadyReason.Unavailable,
          message: `0/${r.desired} replicas ready`,
        };
  return {
    ready,
    progressing,
    degraded: degradedOf(
      r,
      findCondition(inputs.model.status?.conditions, T.Ready)?.status === "True",
    ),
  };
}

// A model that is still starting is not degraded: only a stuck rollout (the Deployment's own
// progress deadline) or losing replicas after having been ready is.
function degradedOf(r: Rollout, wasReady: boolean): Verdict["degraded"] {
  if (r.ready >= r.desired || !(r.stuck || (!r.rolling && wasReady))) return ok.degraded;
  const why = r.stuck ? " (rollout exceeded its progress deadline)" : "";
  return {
    type: T.Degraded,
    status: "True",
    reason: DegradedReason.ReplicasUnavailable,
    message: `${r.desired - r.ready} of ${r.desired} replicas are not ready${why}`,
  };
}
