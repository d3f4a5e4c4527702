// REST paths for any resource, derived from its GVK alone (no discovery needed when the plural is known).
import type { GroupVersionKind } from "../runtime/types.ts";

/**
 * Builds the REST path of a collection or object.
 * A namespaced kind with `namespace` undefined yields the all-namespaces collection path.
 */
export function resourcePath(
  gvk: Pick<GroupVersionKind, "apiVersion" | "plural" | "namespaced">,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const base = gvk.apiVersion.includes("/") ? `/apis/${gvk.apiVersion}` : `/api/${gvk.apiVersion}`;
  let path = base;
  if (gvk.namespaced && namespace !== undefined && namespace !== "") {
    path += `/namespaces/${encodeURIComponent(namespace)}`;
  }
  path += `/${gvk.plural}`;
  if (name !== undefined) {
    path += `/${encodeURIComponent(name)}`;
    if (subresource !== undefined) path += `/${subresource}`;
  }
  return path;
}

/** Discovery path of an API group version: "/api/v1" or "/apis/<group>/<version>". */
export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}
