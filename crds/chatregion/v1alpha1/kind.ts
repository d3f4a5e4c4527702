// Identity of ChatRegion (namespaced): the single kind record every other file imports.
import { defineKind } from "../../shared/kind.ts";

/** Group, version, kind, resource names and scope of ChatRegion. */
export const CHATREGION_KIND = defineKind({
  kind: "ChatRegion",
  plural: "chatregions",
  // "cr" is deliberately not used: it reads as "custom resource" and is claimed by other projects.
  shortNames: ["chatrgn"],
  namespaced: true,
});

/** Older name of {@link CHATREGION_KIND}, kept for importers written before the kind records. */
export const CHATREGION_GVK = CHATREGION_KIND;
