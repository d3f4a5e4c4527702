// Desired children of an AIModel as pure functions of the AIModel and static controller config:
// no client, no clock, no env. Self-hosted providers get a Deployment, a Service and (above one
// replica) a PodDisruptionBudget; external providers get no children at all. One builder per
// child lives in its own file beside this one, each with its table test.
import type { V1Deployment, V1PodDisruptionBudget, V1Service } from "@kubernetes/client-node";
import type { AIModel } from "../../../crds/aimodel/v1alpha1/index.ts";
import { isSelfHosted } from "../../../crds/aimodel/v1alpha1/index.ts";
import { desiredDeployment } from "./deployment.ts";
import { desiredPDB, wantsPDB } from "./pdb.ts";
import { desiredService } from "./service.ts";

export * from "./common.ts";
export { desiredDeployment, engineArgs } from "./deployment.ts";
export { desiredPDB, wantsPDB } from "./pdb.ts";
export { desiredService } from "./service.ts";

/** The children an AIModel should have. Absent entries must not exist. */
export interface DesiredChildren {
  deployment?: V1Deployment;
  service?: V1Service;
  pdb?: V1PodDisruptionBudget;
}

/** All desired children of `model`. */
export function desiredChildren(model: AIModel): DesiredChildren {
  const engine = model.spec.engine;
  if (!isSelfHosted(model) || engine === undefined) return {};
  const out: DesiredChildren = {
    deployment: desiredDeployment(model, engine),
    service: desiredService(model),
  };
  if (wantsPDB(model)) out.pdb = desiredPDB(model);
  return out;
}
