// AIModel admission. Validation: a self-hosted model's engine image must be admitted by the image
// allowlist (PolicyConfig.aimodel.imagePrefixes, crds/aimodel image-policy). On UPDATE an unchanged
// image is not re-checked, so tightening the allowlist does not block unrelated edits of models
// already running (the same ratchet Kubernetes applies to new validation rules). A referenced
// Secret (credentials, engine env) that exists without librechat.io/model-secret=true is refused;
// one that does not exist yet is admitted (the controller holds the model back with a condition).
// Defaulting: sets the derived label `librechat.io/model-name` from
// spec.modelName so other objects (Tenant model selectors, gateways) can select models by the name
// clients request. The label always tracks spec.modelName: a user-set value that differs is
// overwritten, so the label cannot be spoofed to impersonate another model.
// The label value comes from crds/aimodel rules (modelNameLabelValue), shared with the controller.
import { arr, at, labelsOf, rec, str } from "./object.ts";
import { pointerSegment } from "./review.ts";
import type { JsonPatchOp } from "./review.ts";
import type { DefaultInput, ValidateInput } from "./types.ts";
import type { KubeObject, Violation } from "./review.ts";
import { SECRET } from "../operators/runtime/core-kinds.ts";
import { allowedBy } from "../crds/aimodel/v1alpha1/image-policy.ts";
import {
  MODEL_NAME_LABEL,
  MODEL_SECRET_LABEL,
  modelNameLabelValue,
} from "../crds/aimodel/v1alpha1/rules.ts";

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
export async function validateAIModel(input: ValidateInput): Promise<Violation[]> {
  return [...imageViolations(input), ...(await secretViolations(input))];
}

/** At most this many Secrets are looked up per review (the schema bounds env; this bounds time). */
const MAX_SECRET_LOOKUPS = 16;

/** Every Secret the model references, with the field that names it. */
function secretRefs(object: KubeObject): { name: string; field: string }[] {
  const out: { name: string; field: string }[] = [];
  const cred = str(at(object, "spec", "external", "credentialsSecretRef", "name"));
  if (cred !== undefined)
    out.push({ name: cred, field: "spec.external.credentialsSecretRef.name" });
  (arr(at(object, "spec", "engine", "env")) ?? []).forEach((e, i) => {
    const name = str(at(e, "valueFrom", "secretKeyRef", "name"));
    if (name !== undefined)
      out.push({ name, field: `spec.engine.env[${String(i)}].valueFrom.secretKeyRef.name` });
  });
  return out.slice(0, MAX_SECRET_LOOKUPS);
}

/**
 * A referenced Secret that exists without the model-secret label is refused, read as metadata
 * only (the webhook never receives Secret values). A Secret that does not exist yet is admitted:
 * GitOps may apply it after the model, and the controller reports it through a condition.
 */
async function secretViolations(input: ValidateInput): Promise<Violation[]> {
  const ns = input.namespace;
  const refs = secretRefs(input.object);
  const found = await Promise.all(
    refs.map((r) => input.lookup.getMetadata(SECRET, ns, r.name, input.signal)),
  );
  return refs.flatMap((r, i) => {
    const meta = found[i];
    if (meta === null || meta === undefined || meta.labels[MODEL_SECRET_LABEL] === "true")
      return [];
    return [
      {
        field: r.field,
        type: "FieldValueForbidden" as const,
        message: `Secret "${r.name}" is not labelled ${MODEL_SECRET_LABEL}=true; only Secrets labelled for model use may be referenced by an AIModel`,
      },
    ];
  });
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
