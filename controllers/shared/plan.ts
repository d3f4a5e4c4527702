// Plan, then execute: compare desired children with what the cache holds and decide which to
// apply and which to delete, each entry with its GVK and the reason for it. Pure, so every
// branch is table-tested; the executor (executePlan) stays thin and maps no kind names.
import type { KubernetesObject, V1OwnerReference } from "@kubernetes/client-node";
import type { GroupVersionKind } from "../../operators/runtime/types.ts";
import { isSubset } from "./subset.ts";

/** One child slot: its kind, what we want (or undefined: must not exist) and what exists. */
export interface ChildSlot {
  gvk: GroupVersionKind;
  desired: KubernetesObject | undefined;
  observed: KubernetesObject | undefined;
}

/**
 * Why a child is applied: it does not exist, a field we own differs from what we want, or an
 * object the owner may claim (a controller's own rule, e.g. a Tenant's labelled Namespace) is
 * taken over.
 */
export type ApplyReason = "Missing" | "Drifted" | "Adopted";

export interface ChildApply {
  gvk: GroupVersionKind;
  object: KubernetesObject;
  reason: ApplyReason;
}

export interface ChildDeletion {
  gvk: GroupVersionKind;
  namespace: string | undefined;
  name: string;
  uid: string;
  /** Why it goes: the owner no longer wants a child of this kind. */
  reason: "NotDesired";
}

/** A desired child whose name is held by an object we do not control. */
export interface ChildConflict {
  gvk: GroupVersionKind;
  name: string;
  /** "<Kind> <name>" of the controller that holds it, or "no controller". */
  heldBy: string;
  message: string;
}

export interface ChildPlan {
  /** Objects to server-side apply (missing or drifted). */
  apply: ChildApply[];
  /** Objects of ours that must go. */
  delete: ChildDeletion[];
  /** Objects in the way that we do not control: never overwritten, reported and retried instead. */
  conflicts: ChildConflict[];
}

/** The controller owner reference of `obj`, if any. */
export function controllerOf(obj: KubernetesObject): V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** Decides what to apply and delete so that the observed children match the desired ones. */
export function planChildren(ownerUid: string, slots: readonly ChildSlot[]): ChildPlan {
  const plan: ChildPlan = { apply: [], delete: [], conflicts: [] };
  for (const slot of slots) planSlot(plan, ownerUid, slot);
  return plan;
}

function planSlot(plan: ChildPlan, ownerUid: string, { gvk, desired, observed }: ChildSlot): void {
  if (observed === undefined) {
    if (desired !== undefined) plan.apply.push({ gvk, object: desired, reason: "Missing" });
    return;
  }
  const ours = controllerOf(observed)?.uid === ownerUid;
  if (desired === undefined) {
    if (ours) plan.delete.push(deletion(gvk, observed));
  } else if (!ours) {
    plan.conflicts.push(conflict(gvk, observed));
  } else if (!isSubset(desired, observed)) {
    plan.apply.push({ gvk, object: desired, reason: "Drifted" });
  }
}

/** One line per conflict, for a condition message and a Warning event. */
export function conflictMessage(plan: Pick<ChildPlan, "conflicts">): string | undefined {
  return plan.conflicts.length === 0 ? undefined : plan.conflicts.map((c) => c.message).join("; ");
}

function conflict(gvk: GroupVersionKind, observed: KubernetesObject): ChildConflict {
  const owner = controllerOf(observed);
  const heldBy = owner === undefined ? "no controller" : `${owner.kind} ${owner.name}`;
  const name = observed.metadata?.name ?? "";
  return {
    gvk,
    name,
    heldBy,
    message: `${gvk.kind} ${name} already exists and is controlled by ${heldBy}`,
  };
}

function deletion(gvk: GroupVersionKind, o: KubernetesObject): ChildDeletion {
  return {
    gvk,
    namespace: o.metadata?.namespace,
    name: o.metadata?.name ?? "",
    uid: o.metadata?.uid ?? "",
    reason: "NotDesired",
  };
}
