// Identity of Assistant (namespaced): the single kind record every other file imports.
import { defineKind } from "../../shared/kind.ts";

/** Group, version, kind, resource names and scope of Assistant. */
export const ASSISTANT_KIND = defineKind({
  kind: "Assistant",
  plural: "assistants",
  shortNames: ["asst"],
  namespaced: true,
});

/** Older name of {@link ASSISTANT_KIND}, kept for importers written before the kind records. */
export const ASSISTANT_GVK = ASSISTANT_KIND;
