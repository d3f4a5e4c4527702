// Plan of the Kubernetes side: pairs every desired child with what the cache holds (same kind,
// namespace and name), adds the children we own that are no longer wanted, and lets the shared
// planner decide apply / delete / conflict. Pure, table-tested in plan.test.ts.
import type { KubernetesObject } from "@kubernetes/client-node";
import type { ChildPlan, ChildSlot } from "../shared/plan.ts";
import { controllerOf, planChildren } from "../shared/plan.ts";
import { gvkOfKind } from "./gvks.ts";

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
  const slots: ChildSlot[] = desired.map((d) => ({
    gvk: gvkOfKind(d.kind ?? ""),
    desired: d,
    observed: seen.get(id(d)),
  }));
  const wanted = new Set(desired.map(id));
  for (const o of observed) {
    if (wanted.has(id(o)) || controllerOf(o)?.uid !== ownerUid) continue;
    slots.push({ gvk: gvkOfKind(o.kind ?? ""), desired: undefined, observed: o });
  }
  return planChildren(ownerUid, slots);
}
