// In-memory `Lookup` for rule tests (unit tests and the fuzz oracle).
import type { KubeObject } from "../review.ts";
import type { Lookup, LookupKind, NamespaceInfo } from "../types.ts";
import { labelsOf, namespaceOf, nameOf } from "../object.ts";

/** A snapshot of namespaces and objects. `hang: true` makes every call wait for the abort signal. */
export class FakeLookup implements Lookup {
  readonly namespaces = new Map<string, NamespaceInfo>();
  readonly objects = new Map<string, KubeObject>();
  calls = 0;
  hang = false;
  /** When set, every call rejects with this error. */
  fail: Error | undefined;

  /** Adds a namespace with labels. */
  addNamespace(
    name: string,
    labels: Record<string, string> = {},
    annotations: Record<string, string> = {},
  ): this {
    this.namespaces.set(name, { name, labels, annotations });
    return this;
  }

  /** Adds an object (namespace read from its metadata). */
  add(kind: LookupKind, obj: KubeObject): this {
    this.objects.set(`${kind.apiVersion}/${kind.kind}/${namespaceOf(obj)}/${nameOf(obj)}`, obj);
    return this;
  }

  async #answer<T>(value: () => T, signal: AbortSignal): Promise<T> {
    this.calls++;
    if (this.fail !== undefined) throw this.fail;
    if (this.hang) {
      // Ignores the signal on purpose: `admit` must still answer by its own deadline.
      return new Promise<T>(() => undefined);
    }
    signal.throwIfAborted();
    await Promise.resolve();
    return value();
  }

  getNamespace(name: string, signal: AbortSignal): Promise<NamespaceInfo | null> {
    return this.#answer(() => this.namespaces.get(name) ?? null, signal);
  }

  getObject(
    kind: LookupKind,
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<KubeObject | null> {
    const ns = kind.namespaced ? namespace : "";
    return this.#answer(
      () => this.objects.get(`${kind.apiVersion}/${kind.kind}/${ns}/${name}`) ?? null,
      signal,
    );
  }

  getMetadata(
    kind: LookupKind,
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<NamespaceInfo | null> {
    const ns = kind.namespaced ? namespace : "";
    return this.#answer(() => {
      const o = this.objects.get(`${kind.apiVersion}/${kind.kind}/${ns}/${name}`);
      return o === undefined ? null : { name, labels: labelsOf(o), annotations: {} };
    }, signal);
  }

  listObjects(kind: LookupKind, signal: AbortSignal): Promise<KubeObject[]> {
    const prefix = `${kind.apiVersion}/${kind.kind}/`;
    return this.#answer(
      () => [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v),
      signal,
    );
  }
}
