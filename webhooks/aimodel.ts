// AIModel admission: defaulting only. Sets the derived label `librechat.io/model-name` from
// spec.modelName so other objects (Tenant model selectors, gateways) can select models by the name
// clients request. The label always tracks spec.modelName: a user-set value that differs is
// overwritten, so the label cannot be spoofed to impersonate another model.
// The label value comes from crds/aimodel rules (modelNameLabelValue), shared with the controller.
import { at, labelsOf, rec, str } from "./object.ts";
import { pointerSegment } from "./review.ts";
import type { JsonPatchOp } from "./review.ts";
import type { DefaultInput } from "./types.ts";
import { MODEL_NAME_LABEL, modelNameLabelValue } from "../crds/aimodel/v1alpha1/rules.ts";

/** JSON patch that sets `metadata.labels["librechat.io/model-name"]`; empty when already right. */
export function defaultAIModel(input: DefaultInput): JsonPatchOp[] {
  const modelName = str(at(input.object, "spec", "modelName"));
  if (modelName === undefined) return [];
  const value = modelNameLabelValue(modelName);
  if (value === undefined) return [];
  if (rec(at(input.object, "metadata")) === undefined) return [];
  const labels = labelsOf(input.object);
  if (labels[MODEL_NAME_LABEL] === value) return [];
  if (rec(at(input.object, "metadata", "labels")) === undefined) {
    return [{ op: "add", path: "/metadata/labels", value: { [MODEL_NAME_LABEL]: value } }];
  }
  return [{ op: "add", path: `/metadata/labels/${pointerSegment(MODEL_NAME_LABEL)}`, value }];
}
