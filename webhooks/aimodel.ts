// AIModel admission. Validation: a self-hosted model's engine image must be admitted by the image
// allowlist (PolicyConfig.aimodel.imagePrefixes, crds/aimodel image-policy). On UPDATE an unchanged
// image is not re-checked, so tightening the allowlist does not block unrelated edits of models
// already running (the same ratchet Kubernetes applies to new validation rules).
// Defaulting: sets the derived label `librechat.io/model-name` from
// spec.modelName so other objects (Tenant model selectors, gateways) can select models by the name
// clients request. The label always tracks spec.modelName: a user-set value that differs is
// overwritten, so the label cannot be spoofed to impersonate another model.
// The label value comes from crds/aimodel rules (modelNameLabelValue), shared with the controller.
import { at, labelsOf, rec, str } from "./object.ts";
import { pointerSegment } from "./review.ts";
import type { JsonPatchOp } from "./review.ts";
import type { DefaultInput, ValidateInput } from "./types.ts";
import type { Violation } from "./review.ts";
import { allowedBy } from "../crds/aimodel/v1alpha1/image-policy.ts";
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

/** Engine image allowlist: one violation naming the image and the allowed prefixes, or none. */
export function validateAIModel(input: ValidateInput): Promise<Violation[]> {
  return Promise.resolve(imageViolations(input));
}

function imageViolations(input: ValidateInput): Violation[] {
  const image = str(at(input.object, "spec", "engine", "image"));
  if (image === undefined) return [];
  if (input.operation === "UPDATE" && str(at(input.oldObject, "spec", "engine", "image")) === image)
    return [];
  const prefixes = input.policy.aimodel.imagePrefixes;
  if (allowedBy(image, prefixes) !== undefined) return [];
  return [
    {
      field: "spec.engine.image",
      type: "FieldValueForbidden",
      message: `image "${image}" is not allowed by the cluster's engine image policy; allowed prefixes: ${prefixes.length > 0 ? prefixes.join(", ") : "(none)"} (set by the cluster admin in AIMODEL_IMAGE_PREFIXES)`,
    },
  ];
}
