// Object keys and GVK helpers shared by the cache, the controllers and the client.
import type { GroupVersionKind, KubernetesObject } from "./types.ts";

/** Cache/queue key of an object: "namespace/name", or "name" for cluster-scoped objects. */
export function objectKey(obj: KubernetesObject): string {
  const name = obj.metadata?.name ?? "";
  const ns = obj.metadata?.namespace;
  return ns !== undefined && ns !== "" ? `${ns}/${name}` : name;
}

/** Builds a key from parts; an empty or undefined namespace yields a cluster-scoped key. */
export function makeKey(namespace: string | undefined, name: string): string {
  return namespace !== undefined && namespace !== "" ? `${namespace}/${name}` : name;
}

/** Splits a key back into namespace (undefined when cluster-scoped) and name. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf("/");
  return i < 0
    ? { namespace: undefined, name: key }
    : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** API group of an apiVersion: "" for the core group ("v1"). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf("/");
  return i < 0 ? "" : apiVersion.slice(0, i);
}

/** Stable identifier of a GVK, used to share one informer per kind. */
export function gvkId(gvk: Pick<GroupVersionKind, "apiVersion" | "kind">): string {
  return `${gvk.apiVersion}, Kind=${gvk.kind}`;
}
