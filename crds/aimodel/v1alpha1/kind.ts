// Identity of AIModel (namespaced): the single kind record every other file imports.
import { defineKind } from "../../shared/kind.ts";

/** Group, version, kind, resource names and scope of AIModel. */
export const AIMODEL_KIND = defineKind({
  kind: "AIModel",
  plural: "aimodels",
  shortNames: ["aim"],
  namespaced: true,
});

/** Older name of {@link AIMODEL_KIND}, kept for importers written before the kind records. */
export const AIMODEL_GVK = AIMODEL_KIND;
