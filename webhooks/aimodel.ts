// AIModel admission: defaulting only. Sets the derived label `librechat.io/model-name` from
// spec.modelName so other objects (Tenant model selectors, gateways) can select models by the name
// clients request. The label always tracks spec.modelName: a user-set value that differs is
// overwritten, so the label cannot be spoofed to impersonate another model.
import { at, labelsOf, rec, str } from "./object.ts";
import { pointerSegment } from "./review.ts";
import type { JsonPatchOp } from "./review.ts";
import type { DefaultInput } from "./types.ts";
import { MODEL_NAME_LABEL } from "./types.ts";

const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Maps a model name onto a valid label value: characters outside `[A-Za-z0-9_.-]` become `-`
 * (`meta-llama/Llama-3.1-8B` → `meta-llama-Llama-3.1-8B`), the result is cut to 63 characters and
 * trimmed to start and end alphanumeric. Returns undefined if nothing is left.
 */
export function modelNameLabelValue(modelName: string): string | undefined {
  let v = modelName.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 63);
  v = v.replace(/^[^A-Za-z0-9]+/, "").replace(/[^A-Za-z0-9]+$/, "");
  return v !== "" && LABEL_VALUE_RE.test(v) ? v : undefined;
}

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
