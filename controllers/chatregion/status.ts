// ChatRegion status as a pure function of what the reconcile observed and decided. Readiness is
// an ordered chain (first failure wins); phase is only derived from the conditions.
import type { V1Deployment } from "@kubernetes/client-node";
import type {
  ChatRegion,
  ChatRegionPhase,
  ChatRegionStatus,
} from "../../crds/chatregion/v1alpha1/index.ts";
import {
  ChatRegionConditionType as T,
  ChatRegionDrainingReason as DrainingReason,
  ChatRegionFailoverActiveReason as FailoverReason,
  ChatRegionReadyReason as ReadyReason,
  ChatRegionResidencyCompliantReason as ResidencyReason,
} from "../../crds/chatregion/v1alpha1/index.ts";
import type { Condition } from "../../operators/runtime/conditions.ts";
import { findCondition, setCondition } from "../../operators/runtime/conditions.ts";
import { selectorString } from "../shared/labels.ts";
import { regionsConfigMapName, selectorLabels } from "./desired/meta.ts";
import type { FailoverDecision } from "./failover.ts";
import type { Health } from "./health.ts";
import type { IdentityResult } from "./identity.ts";

export interface StatusInputs {
  region: ChatRegion;
  deployment: V1Deployment | undefined;
  desiredReplicas: number;
  /** Ready pods (their readiness passed). */
  readyPods: number;
  drainingPods: number;
  open: number;
  capacity: number;
  health: Health;
  /** Only meaningful while health is Unhealthy. */
  failover: FailoverDecision;
  identity: IdentityResult;
  /** Secret references that do not resolve, as "name/key" with the field. */
  missingSecrets: string[];
  applyError?: string | undefined;
}

type C = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

const ERROR_REASONS: readonly string[] = [
  ReadyReason.ApplyFailed,
  ReadyReason.SecretMissing,
  ReadyReason.BackplaneUnsupported,
];

function readyCondition(i: StatusInputs): C {
  const min = Math.max(i.region.spec.fleet.minReplicas, 1);
  if (i.applyError !== undefined)
    return {
      type: T.Ready,
      status: "False",
      reason: ReadyReason.ApplyFailed,
      message: i.applyError,
    };
  if (i.missingSecrets.length > 0) {
    return {
      type: T.Ready,
      status: "False",
      reason: ReadyReason.SecretMissing,
      message: `Missing: ${i.missingSecrets.join("; ")}`,
    };
  }
  if (i.region.spec.backplane.type !== "Redis") {
    return {
      type: T.Ready,
      status: "False",
      reason: ReadyReason.BackplaneUnsupported,
      message: `The chat gateway supports only a Redis backplane, not ${i.region.spec.backplane.type}`,
    };
  }
  if (i.readyPods < min) {
    return {
      type: T.Ready,
      status: "False",
      reason: ReadyReason.Unavailable,
      message: `${i.readyPods}/${i.desiredReplicas} gateway pods ready (need ${min})`,
    };
  }
  if (i.open >= i.capacity) {
    return {
      type: T.Ready,
      status: "False",
      reason: ReadyReason.CapacityExhausted,
      message: `${i.open} open connections reach the capacity of ${i.capacity}`,
    };
  }
  return {
    type: T.Ready,
    status: "True",
    reason: ReadyReason.Available,
    message: `${i.readyPods}/${i.desiredReplicas} gateway pods ready, ${i.open} connections`,
  };
}

function failoverCondition(i: StatusInputs): C {
  if (i.health.state === "Healthy") {
    return {
      type: T.FailoverActive,
      status: "False",
      reason: FailoverReason.Primary,
      message: "The region serves its own traffic",
    };
  }
  if (i.failover.target !== undefined) {
    return {
      type: T.FailoverActive,
      status: "True",
      reason: FailoverReason.FailedOver,
      message: `Traffic goes to ChatRegion "${i.failover.target}"`,
    };
  }
  return {
    type: T.FailoverActive,
    status: "False",
    reason: FailoverReason.NoFallbackAvailable,
    message: `The region is unhealthy and no region can take its traffic: ${i.failover.reason ?? ""}`,
  };
}

function residencyCondition(i: StatusInputs): C {
  if (i.failover.forbidden.length > 0) {
    return {
      type: T.ResidencyCompliant,
      status: "False",
      reason: ResidencyReason.CrossRegionFailoverForbidden,
      message: `Fallback regions ${i.failover.forbidden.join(", ")} keep data outside dataRegion "${i.region.spec.residency.dataRegion}" and are never used (allowCrossRegionFailover is false)`,
    };
  }
  return {
    type: T.ResidencyCompliant,
    status: "True",
    reason: ResidencyReason.Compliant,
    message: "Failover targets respect residency",
  };
}

function drainingCondition(i: StatusInputs): C {
  if (i.drainingPods > 0)
    return {
      type: T.Draining,
      status: "True",
      reason: DrainingReason.ScaleDown,
      message: `${i.drainingPods} pods are draining connections`,
    };
  return {
    type: T.Draining,
    status: "False",
    reason: DrainingReason.NotDraining,
    message: "No pod is draining",
  };
}

/** Phase summarises the conditions. */
export function phaseOf(conditions: readonly Condition[] | undefined): ChatRegionPhase {
  const ready = findCondition(conditions, T.Ready);
  if (findCondition(conditions, T.FailoverActive)?.status === "True") return "FailedOver";
  if (ready?.status === "True")
    return findCondition(conditions, T.Draining)?.status === "True" ? "Draining" : "Active";
  if (ready !== undefined && ERROR_REASONS.includes(ready.reason)) return "Error";
  return "Pending";
}

/** The status the controller owns. */
export function computeStatus(i: StatusInputs, now: Date): ChatRegionStatus {
  const generation = i.region.metadata.generation ?? 0;
  let conditions: Condition[] | undefined = i.region.status?.conditions;
  const identity: C = {
    type: T.IdentityResolved,
    status: i.identity.ok ? "True" : "False",
    reason: i.identity.reason,
    message: i.identity.message,
  };
  for (const c of [
    readyCondition(i),
    drainingCondition(i),
    failoverCondition(i),
    residencyCondition(i),
    identity,
  ]) {
    conditions = setCondition(conditions, { ...c, observedGeneration: generation }, now);
  }
  return {
    observedGeneration: generation,
    phase: phaseOf(conditions),
    conditions: conditions ?? [],
    ...counts(i),
    selector: selectorString(selectorLabels(i.region.metadata.name ?? "")),
    health: { ...i.health },
    failover: failoverStatus(i, now),
  };
}

/** Replica and connection counts of the status. */
function counts(
  i: StatusInputs,
): Pick<
  ChatRegionStatus,
  | "replicas"
  | "readyReplicas"
  | "drainingReplicas"
  | "desiredReplicas"
  | "connections"
  | "capacityUsedPercent"
> {
  return {
    replicas: i.deployment?.status?.replicas ?? 0,
    readyReplicas: i.readyPods,
    drainingReplicas: i.drainingPods,
    desiredReplicas: i.desiredReplicas,
    connections: { open: i.open, capacity: i.capacity },
    capacityUsedPercent: i.capacity > 0 ? Math.floor((i.open * 100) / i.capacity) : 0,
  };
}

function failoverStatus(i: StatusInputs, now: Date): NonNullable<ChatRegionStatus["failover"]> {
  const prev = i.region.status?.failover;
  const target = i.health.state === "Unhealthy" ? i.failover.target : undefined;
  const out: NonNullable<ChatRegionStatus["failover"]> = {
    regionsConfigMap: regionsConfigMapName(i.region),
  };
  if (target === undefined) return out;
  out.activeTarget = target;
  // The failover started when this target was first chosen, not at every reconcile.
  out.since =
    prev?.activeTarget === target && prev.since !== undefined ? prev.since : now.toISOString();
  return out;
}
