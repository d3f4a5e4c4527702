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
    const name = cached?.metadata?.name;
    if (cached === undefined || name === undefined) return undefined;
    const ns = cached.metadata?.namespace;
    const id = `${gvk.kind}/${ns ?? ""}/${name}`;
    this.#touched.add(id);
    const rv = cached.metadata?.resourceVersion ?? "";
    const memo = this.#memo.get(id);
    if (memo !== undefined && memo.resourceVersion === rv && rv !== "") return memo.value;
    const full = await this.#get(gvk, ns, name);
    const value: DataMaps | undefined =
      full === undefined
        ? undefined
        : {
            ...(full.data === undefined ? {} : { data: full.data }),
            ...(full.binaryData === undefined ? {} : { binaryData: full.binaryData }),
          };
    // Keyed by the version read, which may be newer than the cache's; the next reconcile after
    // the watch catches up reads once more, then stays quiet.
    this.#memo.set(id, {
      resourceVersion: full?.metadata?.resourceVersion ?? rv,
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
