// Cache transforms (controller-runtime cache TransformFunc) that keep only what controllers read.
// Secrets and ConfigMaps are cached as key names and metadata: a controller asks "does key k
// exist", never "what is its value", so no Secret value from anywhere in the cluster is held in
// the operator's memory. A controller that truly needs a value reads that one object with a GET.
import { stripManagedFields } from "./informer.ts";
import type { CacheTransform } from "./informer.ts";
import type { KubernetesObject } from "./types.ts";

/** Replaces every value of a string map by "" (keeps the key names). */
function keysOnly(m: unknown): Record<string, string> | undefined {
  if (m === null || typeof m !== "object") return undefined;
  return Object.fromEntries(Object.keys(m).map((k) => [k, ""]));
}

/**
 * Secret and ConfigMap transform: `data`, `binaryData` (and a stray `stringData`) keep their key
 * names with empty values; metadata is stripped of managedFields and last-applied (which would
 * carry the values again).
 */
export const dropDataValues: CacheTransform = (obj) => {
  const stripped = stripManagedFields(obj) as KubernetesObject & Record<string, unknown>;
  const { data, binaryData, stringData, ...rest } = stripped;
  const out: Record<string, unknown> = { ...rest };
  const d = keysOnly(data);
  if (d !== undefined) out["data"] = d;
  const b = keysOnly(binaryData);
  if (b !== undefined) out["binaryData"] = b;
  const s = keysOnly(stringData);
  if (s !== undefined) out["stringData"] = s;
  return out;
};

/** Metadata-only transform: apiVersion, kind and metadata (PartialObjectMetadata in spirit). */
export const metadataOnly: CacheTransform = (obj) => {
  const { apiVersion, kind, metadata } = stripManagedFields(obj);
  const out: KubernetesObject = {};
  if (apiVersion !== undefined) out.apiVersion = apiVersion;
  if (kind !== undefined) out.kind = kind;
  if (metadata !== undefined) out.metadata = metadata;
  return out;
};
