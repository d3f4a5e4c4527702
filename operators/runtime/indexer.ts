// Secondary indexes over an informer cache (client-go cache.Indexers): "which cached objects have
// owner UID u" or "label l = v" answered from a map instead of a scan of every object. The next
// controllers need both (Tenant → its namespaces by label, ChatRegion → its children by owner).
import { objectKey } from "./keys.ts";
import type { KubernetesObject } from "./types.ts";

/** Values an object is indexed under (none: not indexed). */
export type IndexFunc = (obj: KubernetesObject) => readonly string[];

/** Name of the owner-UID index every informer can be given. */
export const OWNER_UID_INDEX = "ownerUID";

/** Index function: the UIDs of the object's owners (all references, controller or not). */
export const byOwnerUid: IndexFunc = (obj) =>
  (obj.metadata?.ownerReferences ?? []).flatMap((r) => (r.uid !== undefined ? [r.uid] : []));

/** Index name for `byLabel(label)`. */
export function labelIndexName(label: string): string {
  return `label:${label}`;
}

/** Index function: the value of `label`, when set. */
export function byLabel(label: string): IndexFunc {
  return (obj) => {
    const v = obj.metadata?.labels?.[label];
    return v === undefined ? [] : [v];
  };
}

/** Maintains named indexes of keys; the informer calls `update` for every store change. */
export class Indexer {
  readonly #funcs = new Map<string, IndexFunc>();
  /** index name → indexed value → keys. */
  readonly #indexes = new Map<string, Map<string, Set<string>>>();

  /** Adds an index and fills it from `current` (safe before or after the cache synced). */
  add(name: string, fn: IndexFunc, current: Iterable<KubernetesObject>): void {
    if (this.#funcs.has(name)) throw new Error(`index ${name} already exists`);
    this.#funcs.set(name, fn);
    this.#indexes.set(name, new Map());
    for (const obj of current) this.#insert(name, fn, objectKey(obj), obj);
  }

  has(name: string): boolean {
    return this.#funcs.has(name);
  }

  /** Re-indexes one key: `prev` is what was stored, `next` what is stored now (undefined: gone). */
  update(
    key: string,
    prev: KubernetesObject | undefined,
    next: KubernetesObject | undefined,
  ): void {
    for (const [name, fn] of this.#funcs) {
      if (prev !== undefined) this.#remove(name, fn, key, prev);
      if (next !== undefined) this.#insert(name, fn, key, next);
    }
  }

  /** Keys indexed under `value` in index `name`; throws for an unknown index (a wiring bug). */
  keys(name: string, value: string): string[] {
    const idx = this.#indexes.get(name);
    if (idx === undefined) throw new Error(`no index named ${name}`);
    return [...(idx.get(value) ?? [])];
  }

  #insert(name: string, fn: IndexFunc, key: string, obj: KubernetesObject): void {
    const idx = this.#indexes.get(name);
    if (idx === undefined) return;
    for (const v of fn(obj)) {
      let set = idx.get(v);
      if (set === undefined) idx.set(v, (set = new Set()));
      set.add(key);
    }
  }

  #remove(name: string, fn: IndexFunc, key: string, obj: KubernetesObject): void {
    const idx = this.#indexes.get(name);
    if (idx === undefined) return;
    for (const v of fn(obj)) {
      const set = idx.get(v);
      set?.delete(key);
      if (set?.size === 0) idx.delete(v);
    }
  }
}
