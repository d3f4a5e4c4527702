// Identity of ChaosPolicy (namespaced): the single kind record every other file imports.
import { defineKind } from "../../shared/kind.ts";

/** Group, version, kind, resource names and scope of ChaosPolicy. */
export const CHAOSPOLICY_KIND = defineKind({
  kind: "ChaosPolicy",
  plural: "chaospolicies",
  shortNames: ["chaos"],
  namespaced: true,
});

/** Older name of {@link CHAOSPOLICY_KIND}, kept for importers written before the kind records. */
export const CHAOSPOLICY_GVK = CHAOSPOLICY_KIND;
