// ChatRegion admission (validation only): data residency of failover. A fallback region that
// does not exist yet is an admission warning, not a denial (GitOps applies objects in any order);
// the controller only fails over to regions that exist and keep data in the same dataRegion.
//   spec.failover.fallbackRegions[i] names a ChatRegion in the same namespace, and unless
//   spec.residency.allowCrossRegionFailover is true, that region has the same
//   spec.residency.dataRegion (conversations must not fail over into another jurisdiction).
import { arr, at, str } from "./object.ts";
import type { Violation } from "./review.ts";
import type { ValidateInput } from "./types.ts";
import { CHATREGION_KIND } from "../crds/chatregion/v1alpha1/kind.ts";

/** At most this many fallback regions are looked up (the schema allows 8). */
const MAX_LOOKUPS = 16;

/** Full ChatRegion validation: one lookup per distinct fallback region. */
export async function validateChatRegion(input: ValidateInput): Promise<Violation[]> {
  const all = (arr(at(input.object, "spec", "failover", "fallbackRegions")) ?? []).slice(
    0,
    MAX_LOOKUPS,
  );
  const dataRegion = str(at(input.object, "spec", "residency", "dataRegion"));
  const crossAllowed = at(input.object, "spec", "residency", "allowCrossRegionFailover") === true;
  // On UPDATE with unchanged residency only newly added fallbacks are checked, so a fallback region
  // deleted later does not block unrelated edits.
  const sameResidency =
    JSON.stringify(at(input.oldObject, "spec", "residency")) ===
    JSON.stringify(at(input.object, "spec", "residency"));
  const old = new Set(
    input.operation === "UPDATE" && sameResidency
      ? (arr(at(input.oldObject, "spec", "failover", "fallbackRegions")) ?? [])
      : [],
  );
  const fallbacks = all.map((f) => (old.has(f) ? undefined : f));
  const found = await Promise.all(
    fallbacks.map((name) =>
      typeof name === "string"
        ? input.lookup.getObject(CHATREGION_KIND, input.namespace, name, input.signal)
        : Promise.resolve(undefined),
    ),
  );
  const out: Violation[] = [];
  found.forEach((region, i) => {
    if (region === undefined) return; // unchanged entry, or not a string (schema reports it)
    const name = String(fallbacks[i]);
    const field = `spec.failover.fallbackRegions[${i}]`;
    if (region === null) {
      out.push({
        field,
        message: `ChatRegion "${name}" not found in namespace "${input.namespace}" (yet); admitted, its residency is checked once it exists`,
        type: "FieldValueNotFound",
        warning: true,
      });
      return;
    }
    const theirs = str(at(region, "spec", "residency", "dataRegion"));
    if (!crossAllowed && theirs !== dataRegion) {
      out.push({
        field,
        message: `ChatRegion "${name}" keeps data in "${theirs ?? ""}", not "${dataRegion ?? ""}"; set spec.residency.allowCrossRegionFailover to allow it`,
        type: "FieldValueForbidden",
      });
    }
  });
  return out;
}
