// Values of the Secrets and ConfigMaps the gateway-config controller renders from. The manager's
// cache keeps their key names only (operators/runtime/transforms.ts), so a value is read with one
// GET, and kept until the cached object's resourceVersion moves: a steady-state reconcile makes no
// request. Only objects the rendering references are read; entries not asked for during a
// reconcile are forgotten at its end (sweep), so deleted or unreferenced Secrets leave memory.
import type { KubernetesObject } from "../../operators/runtime/index.ts";
import type { GroupVersionKind } from "../../operators/runtime/index.ts";

/** The data maps of a Secret or ConfigMap (base64 values for Secret data and binaryData). */
export interface DataMaps {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

type Getter = (
  gvk: GroupVersionKind,
  namespace: string | undefined,
  name: string,
) => Promise<(KubernetesObject & DataMaps) | undefined>;

interface Entry {
  resourceVersion: string;
  value: DataMaps | undefined;
}

function dataOf(full: DataMaps | undefined): DataMaps | undefined {
  if (full === undefined) return undefined;
  const out: DataMaps = {};
  if (full.data !== undefined) out.data = full.data;
  if (full.binaryData !== undefined) out.binaryData = full.binaryData;
  return out;
}

export class ValueReader {
  readonly #get: Getter;
  readonly #memo = new Map<string, Entry>();
  #touched = new Set<string>();

  constructor(get: Getter) {
    this.#get = get;
  }

  /**
   * The data of `cached` (an object from the key-names-only cache), read from the API server when
   * its resourceVersion is not the one read last time. Undefined when the object is absent.
   */
  async read(
    gvk: GroupVersionKind,
    cached: KubernetesObject | undefined,
  ): Promise<DataMaps | undefined> {
    const meta = cached?.metadata;
    if (meta?.name === undefined) return undefined;
    const { name, namespace, resourceVersion = "" } = meta;
    const id = `${gvk.kind}/${namespace ?? ""}/${name}`;
    this.#touched.add(id);
    const memo = this.#memo.get(id);
    if (memo !== undefined && memo.resourceVersion === resourceVersion && resourceVersion !== "")
      return memo.value;
    return this.#fetch(id, () => this.#get(gvk, namespace, name), resourceVersion);
  }

  async #fetch(
    id: string,
    get: () => ReturnType<Getter>,
    cachedVersion: string,
  ): Promise<DataMaps | undefined> {
    const full = await get();
    // Keyed by the version read, which may be newer than the cache's; the next reconcile after
    // the watch catches up reads once more, then stays quiet.
    const value = dataOf(full);
    this.#memo.set(id, {
      resourceVersion: full?.metadata?.resourceVersion ?? cachedVersion,
      value,
    });
    return value;
  }

  /** Forgets every entry not read since the last sweep. */
  sweep(): void {
    for (const id of this.#memo.keys()) if (!this.#touched.has(id)) this.#memo.delete(id);
    this.#touched = new Set();
  }

  /** Entries held (for tests). */
  get size(): number {
    return this.#memo.size;
  }
}
