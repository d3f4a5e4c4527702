// Public contract between the runtime and controllers. Kind-agnostic on purpose: controllers
// describe what they reconcile with a GroupVersionKind and get keys, never events.
import type { Logger } from "./logger.ts";

/** metav1.OwnerReference. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/**
 * metav1.ObjectMeta as JSON. Timestamps are RFC 3339 strings in everything the runtime hands out
 * (cache, client); `Date` is accepted only so client-node's model classes (V1Deployment, …)
 * satisfy the constraint — their `Date` typing does not match the raw JSON we cache.
 */
export interface ObjectMeta {
  name?: string | undefined;
  generateName?: string | undefined;
  namespace?: string | undefined;
  uid?: string | undefined;
  resourceVersion?: string | undefined;
  generation?: number;
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  /** Partial so loosely typed CR metadata (e.g. TypeBox `{}` items) still satisfies this type. */
  ownerReferences?: Partial<OwnerReference>[];
  managedFields?: unknown[];
}

/** Any Kubernetes object as plain JSON. */
export interface KubernetesObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** Identifies a resource type; `apiVersion` is "v1", "apps/v1" or "librechat.io/v1alpha1". */
export interface GroupVersionKind {
  apiVersion: string;
  kind: string;
  /** Lower-case plural resource name used in URLs, e.g. "deployments". */
  plural: string;
  namespaced: boolean;
}

/** What a reconcile pass asks of the queue. `undefined` or `{}` means "done, forget backoff". */
export interface ReconcileResult {
  /** Requeue after this many milliseconds (backoff is reset). */
  requeueAfterMs?: number;
  /** Requeue with rate-limited backoff without counting an error (controller-runtime `Requeue: true`). */
  requeue?: boolean;
}

/** Per-pass context handed to `reconcile`. */
export interface ReconcileContext {
  /** Logger carrying controller, key and reconcileID. */
  log: Logger;
  /** Aborted when leadership is lost or the manager gives up waiting for in-flight work on stop. */
  signal: AbortSignal;
}

/** A secondary watch whose objects map to reconcile keys of the primary kind. */
export interface WatchDefinition {
  gvk: GroupVersionKind;
  map: (obj: KubernetesObject) => string[];
}

/** Declarative description of one controller; the manager does the wiring. */
export interface ControllerDefinition {
  /** Controller name: used in logs, the metrics `controller` label and as field manager. */
  name: string;
  /** Primary kind; its add/update/delete enqueue "namespace/name" (or "name" if cluster-scoped). */
  for: GroupVersionKind;
  /**
   * Filters update events of the primary kind (predicates.ts, e.g. `generationChanged`); creates,
   * deletes and other watches are not filtered. Default: every update enqueues.
   */
  forUpdatePredicate?: (oldObj: KubernetesObject, newObj: KubernetesObject) => boolean;
  /** Children: events enqueue the owner referenced with `controller: true` if it is of kind `for`. */
  owns?: GroupVersionKind[];
  /** Arbitrary secondary watches mapped to keys. */
  watches?: WatchDefinition[];
  /** Worker count; default 1. */
  maxConcurrentReconciles?: number;
  /** Throw → rate-limited requeue; `TerminalError` → not retried; `ReturnEarly` → success. */
  reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined>;
}
