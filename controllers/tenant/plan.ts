// Plan of the Kubernetes side: pairs every desired child with what the cache holds (same kind,
// namespace and name), adds the children we own that are no longer wanted, and lets the shared
// planner decide apply / delete / conflict. Pure, table-tested in plan.test.ts.
import type { KubernetesObject } from "@kubernetes/client-node";
import { TENANT_LABEL } from "../../crds/tenant/v1alpha1/index.ts";
import type { ChildApply, ChildPlan, ChildSlot } from "../shared/plan.ts";
import { controllerOf, planChildren } from "../shared/plan.ts";
import { gvkOfKind } from "./gvks.ts";

/**
 * A declared Namespace that exists before the Tenant created it is adopted when nothing controls
 * it and its tenant label names this Tenant: the label is the claim. GitOps tools and kustomize
 * apply Namespaces before the objects that live in them, so a Git repository that holds a
 * Tenant's namespaced objects (ChatRegions, AIModels) must hold their Namespaces too, and the
 * Tenant then takes them over instead of reporting a conflict. Only someone who may create or
 * label Namespaces (a cluster admin) can make that claim; a Namespace without the label, with
 * another Tenant's, or controlled by anything is still a conflict and never touched.
 */
export function claimedNamespace(desired: KubernetesObject, observed: KubernetesObject): boolean {
  const claim = observed.metadata?.labels?.[TENANT_LABEL];
  return (
    observed.kind === "Namespace" &&
    desired.kind === "Namespace" &&
    controllerOf(observed) === undefined &&
    claim !== undefined &&
    claim === desired.metadata?.labels?.[TENANT_LABEL]
  );
}

function id(o: KubernetesObject): string {
  return `${o.kind ?? ""}/${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
}

/**
 * `observed` = cached objects that could collide with or belong to the Tenant (same names as the
 * desired ones, and everything carrying our controller reference).
 */
export function planTenantChildren(
  ownerUid: string,
  desired: readonly KubernetesObject[],
  observed: readonly KubernetesObject[],
): ChildPlan {
  const seen = new Map(observed.map((o) => [id(o), o]));
  const adopted: ChildApply[] = [];
  const slots: ChildSlot[] = [];
  for (const d of desired) {
    const gvk = gvkOfKind(d.kind ?? "");
    const o = seen.get(id(d));
    if (o !== undefined && claimedNamespace(d, o))
      adopted.push({ gvk, object: d, reason: "Adopted" });
    else slots.push({ gvk, desired: d, observed: o });
  }
  const wanted = new Set(desired.map(id));
  for (const o of observed) {
    if (wanted.has(id(o)) || controllerOf(o)?.uid !== ownerUid) continue;
    slots.push({ gvk: gvkOfKind(o.kind ?? ""), desired: undefined, observed: o });
  }
  const plan = planChildren(ownerUid, slots);
  return { ...plan, apply: [...adopted, ...plan.apply] };
}
