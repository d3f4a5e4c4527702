/**
 * Shape of the exported validation tables (crds/<kind>/v1alpha1/cases.ts). The same tables drive
 * the offline unit tests and the integration tests against a real kube-apiserver.
 */

/** A JSON object as sent to the API server. */
export type JsonObject = { [key: string]: unknown };

export interface ValidCase {
  readonly name: string;
  readonly object: JsonObject;
  /** When set: create `oldObject` first, then update it to `object` (transition rules). */
  readonly oldObject?: JsonObject;
}

export interface InvalidCase extends ValidCase {
  /** Field path the API server reports, e.g. `spec.minReplicas`. */
  readonly expectFieldPath: string;
  /** Substring of the error message (the CEL rule's message, or the schema error text). */
  readonly expectMessageIncludes: string;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** RFC 7386 JSON merge patch on a deep copy: `null` deletes a key, objects merge, the rest replaces. */
export function mergePatch(target: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = structuredClone(target);
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    if (value === null) Reflect.deleteProperty(out, key);
    else if (isObject(value) && isObject(current)) out[key] = mergePatch(current, value);
    else out[key] = structuredClone(value);
  }
  return out;
}

/** `base` with `spec` merge-patched and a new metadata.name. */
export function withSpec(base: JsonObject, name: string, spec: JsonObject): JsonObject {
  return mergePatch(base, { metadata: { name }, spec });
}
