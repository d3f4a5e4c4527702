// Object-reconciler adapter (controller-runtime's reconcile.AsReconciler plus the finalizer
// pattern): turns "reconcile this key" into "reconcile this object" so every controller gets the
// same get-by-key, not-found and deleting guards, and finalizers are added and removed in one place.
import type { Informer } from "./informer.ts";
import type { KubernetesObject, ReconcileContext, ReconcileResult } from "./types.ts";

/** The client calls the finalizer helper needs (operators/clients/kube.ts KubeClient has them). */
export interface FinalizerClient {
  addFinalizer(obj: KubernetesObject, finalizer: string, fieldManager: string): Promise<void>;
  removeFinalizer(obj: KubernetesObject, finalizer: string): Promise<void>;
}

/** Cleanup run before a deleting object is let go (external state: Keycloak realms, …). */
export interface Finalizer<T> {
  /** Finalizer name, e.g. "librechat.io/tenant-cleanup". */
  name: string;
  fieldManager: string;
  client: FinalizerClient;
  /** Must be idempotent: it runs again if removing the finalizer fails. */
  finalize(obj: T, ctx: ReconcileContext): Promise<void>;
}

export interface ObjectReconcilerOptions<T extends KubernetesObject> {
  cache: Pick<Informer<T>, "get">;
  /** Called for a live object (present, not being deleted, finalizer in place). */
  reconcile(obj: T, ctx: ReconcileContext): Promise<ReconcileResult | undefined>;
  /** Called when the key is not in the cache (deleted, or not yet seen). Default: nothing to do. */
  notFound?(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined>;
  /** Optional finalizer: added before the first reconcile, run and removed on deletion. */
  finalizer?: Finalizer<T>;
}

/** True when the object carries a deletionTimestamp. */
export function isDeleting(obj: KubernetesObject): boolean {
  return obj.metadata?.deletionTimestamp !== undefined;
}

/** True when the object lists `finalizer`. */
export function hasFinalizer(obj: KubernetesObject, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) === true;
}

/** Wraps an object reconcile function as the key-based `reconcile` a controller definition takes. */
export function objectReconciler<T extends KubernetesObject>(
  opts: ObjectReconcilerOptions<T>,
): (key: string, ctx: ReconcileContext) => Promise<ReconcileResult | undefined> {
  return async (key, ctx) => {
    const obj = opts.cache.get(key);
    if (obj === undefined) return opts.notFound?.(key, ctx);
    const f = opts.finalizer;
    if (isDeleting(obj)) {
      // Without a finalizer of ours the garbage collector does the rest (owner references).
      if (f === undefined || !hasFinalizer(obj, f.name)) return undefined;
      await f.finalize(obj, ctx);
      await f.client.removeFinalizer(obj, f.name);
      return undefined;
    }
    // Adding a finalizer is itself a change: the resulting update event reconciles again.
    if (f !== undefined && !hasFinalizer(obj, f.name)) {
      await f.client.addFinalizer(obj, f.name, f.fieldManager);
      return undefined;
    }
    return opts.reconcile(obj, ctx);
  };
}
