// Plan, then execute: compare desired children with what the cache holds and decide which to
// apply and which to delete. Pure, so every branch is table-tested; the executor stays thin.
import type { KubernetesObject, V1OwnerReference } from "@kubernetes/client-node";
import { isSubset } from "./subset.ts";

/** One child slot: what we want (or undefined: must not exist) and what exists. */
export interface ChildSlot {
  /** Kind label used in messages and events, e.g. "Deployment". */
  kind: string;
  desired: KubernetesObject | undefined;
  observed: KubernetesObject | undefined;
}

export interface ChildDeletion {
  kind: string;
  namespace: string | undefined;
  name: string;
  uid: string;
}

export interface ChildPlan {
  /** Objects to server-side apply (missing or drifted). */
  apply: KubernetesObject[];
  /** Objects of ours that must go. */
  delete: ChildDeletion[];
  /** Objects in the way that we do not control: never overwritten, reported instead. */
  conflicts: string[];
}

/** The controller owner reference of `obj`, if any. */
export function controllerOf(obj: KubernetesObject): V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** Decides what to apply and delete so that the observed children match the desired ones. */
export function planChildren(ownerUid: string, slots: readonly ChildSlot[]): ChildPlan {
  const plan: ChildPlan = { apply: [], delete: [], conflicts: [] };
  for (const { kind, desired, observed } of slots) {
    const ours = observed !== undefined && controllerOf(observed)?.uid === ownerUid;
    if (desired === undefined) {
      if (observed !== undefined && ours) plan.delete.push(deletion(kind, observed));
      continue;
    }
    if (observed !== undefined && !ours) {
      const owner = controllerOf(observed);
      const by = owner === undefined ? "no controller" : `${owner.kind} ${owner.name}`;
      plan.conflicts.push(`${kind} ${observed.metadata?.name ?? ""} already exists and is controlled by ${by}`);
      continue;
    }
    if (observed === undefined || !isSubset(desired, observed)) plan.apply.push(desired);
  }
  return plan;
}

function deletion(kind: string, o: KubernetesObject): ChildDeletion {
  return { kind, namespace: o.metadata?.namespace, name: o.metadata?.name ?? "", uid: o.metadata?.uid ?? "" };
}
