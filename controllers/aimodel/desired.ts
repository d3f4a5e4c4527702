// Compatibility path: the AIModel child builders moved to controllers/aimodel/desired/ (one file
// per child). Importers written against the old single file keep working through this re-export.
export * from "./desired/index.ts";
export { effectiveReplicas, isSelfHosted } from "../../crds/aimodel/v1alpha1/rules.ts";
