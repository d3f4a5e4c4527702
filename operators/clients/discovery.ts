// Resolves apiVersion + kind to the REST resource (plural, scope) via the discovery endpoints,
// like KubernetesObjectApi does, with a per-group-version cache. A miss refreshes once so a CRD
// installed after the first lookup is found.
import type { GroupVersionKind } from "../runtime/types.ts";
import type { KubeHttp } from "./http.ts";
import { isApiError } from "./http.ts";
import { groupVersionPath } from "./paths.ts";

interface APIResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

/** apiVersion/kind → GroupVersionKind with plural and scope. */
export class Discovery {
  readonly #http: KubeHttp;
  readonly #cache = new Map<string, Map<string, GroupVersionKind>>();

  constructor(http: KubeHttp) {
    this.#http = http;
  }

  /** Seeds the cache with a known GVK (skips a discovery round trip). */
  register(gvk: GroupVersionKind): void {
    let kinds = this.#cache.get(gvk.apiVersion);
    if (kinds === undefined) {
      kinds = new Map();
      this.#cache.set(gvk.apiVersion, kinds);
    }
    kinds.set(gvk.kind, gvk);
  }

  /** Resolves a kind; throws if the API server does not serve it. */
  async resolve(apiVersion: string, kind: string): Promise<GroupVersionKind> {
    const hit = this.#cache.get(apiVersion)?.get(kind);
    if (hit !== undefined) return hit;
    await this.#load(apiVersion);
    const found = this.#cache.get(apiVersion)?.get(kind);
    if (found === undefined)
      throw new Error(`resource for ${apiVersion}, Kind=${kind} not found by discovery`);
    return found;
  }

  async #load(apiVersion: string): Promise<void> {
    let list: APIResourceList;
    try {
      list = (
        await this.#http.request<APIResourceList>({
          method: "GET",
          path: groupVersionPath(apiVersion),
        })
      ).body;
    } catch (err) {
      if (isApiError(err, 404)) return;
      throw err;
    }
    for (const r of list.resources ?? []) {
      if (r.name.includes("/")) continue; // subresources such as deployments/status
      this.register({ apiVersion, kind: r.kind, plural: r.name, namespaced: r.namespaced });
    }
  }
}
