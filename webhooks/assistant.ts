// Assistant admission.
// Defaulting: when spec.variants is absent or empty, it becomes `[{version: <last entry of
//   spec.versions>, weight: 100}]` (the list is append-only, so the last entry is the latest).
// Validation: A/B weights sum to 100; every spec.versions[].modelRef names an AIModel in the
//   Assistant's own namespace (a reference to another namespace is forbidden). A model that does
//   not exist yet is a warning, not a denial: GitOps applies objects in any order. On UPDATE only
//   versions that are new or changed are looked up.
import { arr, at, num, rec, str } from "./object.ts";
import type { JsonPatchOp, Violation } from "./review.ts";
import type { DefaultInput, ValidateInput } from "./types.ts";
import { AIMODEL_KIND } from "../crds/aimodel/v1alpha1/kind.ts";

/** Weight total every non-empty spec.variants list must reach. */
export const TOTAL_WEIGHT = 100;

/** JSON patch adding the default variant; empty when variants are set or there is no version. */
export function defaultAssistant(input: DefaultInput): JsonPatchOp[] {
  const spec = rec(at(input.object, "spec"));
  if (spec === undefined) return [];
  const variants = spec["variants"];
  if (variants !== undefined && !(Array.isArray(variants) && variants.length === 0)) return [];
  const versions = arr(spec["versions"]);
  const latest = str(at(versions?.at(-1), "name"));
  if (latest === undefined || latest === "") return [];
  return [
    { op: "add", path: "/spec/variants", value: [{ version: latest, weight: TOTAL_WEIGHT }] },
  ];
}

/** Rules that need no cluster state: variant weights sum to 100. */
export function validateAssistantStatic(assistant: unknown): Violation[] {
  const variants = arr(at(assistant, "spec", "variants"));
  if (variants === undefined || variants.length === 0) return [];
  let sum = 0;
  for (const v of variants) {
    const w = num(at(v, "weight"));
    if (w === undefined) return []; // schema (type integer, required) reports this
    sum += w;
  }
  if (sum === TOTAL_WEIGHT) return [];
  return [{ field: "spec.variants", message: `weights must sum to ${TOTAL_WEIGHT} (got ${sum})` }];
}

/** A modelRef as written: a plain name or `{name, namespace?}`. */
export function parseModelRef(ref: unknown): { name: string; namespace?: string } | undefined {
  if (typeof ref === "string") return { name: ref };
  const name = str(at(ref, "name"));
  if (name === undefined) return undefined;
  const namespace = str(at(ref, "namespace"));
  return namespace !== undefined ? { name, namespace } : { name };
}

/** Full validation: static rules, then one AIModel lookup per distinct modelRef. */
export async function validateAssistant(input: ValidateInput): Promise<Violation[]> {
  const violations = validateAssistantStatic(input.object);
  const versions = arr(at(input.object, "spec", "versions")) ?? [];
  // On UPDATE only new or changed versions are checked: an AIModel deleted after a version was
  // admitted must not block moving traffic away from that version.
  const known = new Set(
    (arr(at(input.oldObject, "spec", "versions")) ?? []).map((v) =>
      JSON.stringify([at(v, "name"), at(v, "modelRef")]),
    ),
  );
  const pending: { field: string; name: string }[] = [];
  versions.forEach((v, i) => {
    const ref = parseModelRef(at(v, "modelRef"));
    if (ref === undefined || known.has(JSON.stringify([at(v, "name"), at(v, "modelRef")]))) return;
    if (ref.namespace !== undefined && ref.namespace !== input.namespace) {
      violations.push({
        field: `spec.versions[${i}].modelRef.namespace`,
        message: `must be the Assistant's namespace "${input.namespace}" (got "${ref.namespace}")`,
        type: "FieldValueForbidden",
      });
      return;
    }
    pending.push({ field: `spec.versions[${i}].modelRef`, name: ref.name });
  });
  const distinct = [...new Set(pending.map((p) => p.name))];
  const found = await Promise.all(
    distinct.map(
      async (name) =>
        [
          name,
          await input.lookup.getObject(AIMODEL_KIND, input.namespace, name, input.signal),
        ] as const,
    ),
  );
  const missing = new Set(found.filter(([, obj]) => obj === null).map(([name]) => name));
  for (const p of pending) {
    if (missing.has(p.name)) {
      violations.push({
        field: p.field,
        message: `AIModel "${p.name}" not found in namespace "${input.namespace}" (yet); admitted, the Assistant reports the unresolved reference in its status`,
        type: "FieldValueNotFound",
        warning: true,
      });
    }
  }
  return violations;
}
