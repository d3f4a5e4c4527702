// Event predicates (controller-runtime pkg/predicate): decide whether an update event of the
// primary kind is worth a reconcile. Creates and deletes always pass; predicates filter updates
// only, so a status-only write by the controller itself does not re-run an expensive reconcile
// (Tenant → Keycloak). Resync re-deliveries are updates with the same object and are filtered too
// unless `resync` is passed, so the periodic resync still converges when wanted.
import type { KubernetesObject } from "./types.ts";

/** Decides whether an update from `oldObj` to `newObj` should enqueue the object. */
export type UpdatePredicate = (oldObj: KubernetesObject, newObj: KubernetesObject) => boolean;

/**
 * Passes when metadata.generation changed (a spec change of a CR with a status subresource), when
 * deletion started, or when the finalizers changed. Status and plain metadata writes do not pass.
 * Not for Deployments, whose generation also moves on annotation writes (runtime-notes.md).
 */
export const generationChanged: UpdatePredicate = (oldObj, newObj) => {
  const o = oldObj.metadata;
  const n = newObj.metadata;
  if (o?.generation !== n?.generation) return true;
  if ((o?.deletionTimestamp === undefined) !== (n?.deletionTimestamp === undefined)) return true;
  return !sameList(o?.finalizers, n?.finalizers);
};

/** Passes when labels changed. */
export const labelsChanged: UpdatePredicate = (oldObj, newObj) =>
  !sameMap(oldObj.metadata?.labels, newObj.metadata?.labels);

/** Passes when annotations changed (kill switches, pause annotations). */
export const annotationsChanged: UpdatePredicate = (oldObj, newObj) =>
  !sameMap(oldObj.metadata?.annotations, newObj.metadata?.annotations);

/** Passes for the informer's periodic resync (same resourceVersion delivered as an update). */
export const resync: UpdatePredicate = (oldObj, newObj) =>
  oldObj.metadata?.resourceVersion === newObj.metadata?.resourceVersion;

/**
 * Passes when the status, reason or message of the condition `type` in `status.conditions`
 * changed: another controller's verdict that this one folds into its own (the runtime still knows
 * no kind, only the Kubernetes condition convention).
 */
export function conditionChanged(type: string): UpdatePredicate {
  const of = (o: KubernetesObject): string => {
    const status = (o as { status?: { conditions?: unknown } }).status;
    const list = Array.isArray(status?.conditions) ? (status.conditions as unknown[]) : [];
    const c = list.find(
      (x): x is { status?: unknown; reason?: unknown; message?: unknown } =>
        typeof x === "object" && x !== null && (x as { type?: unknown }).type === type,
    );
    return c === undefined ? "" : JSON.stringify([c.status, c.reason, c.message]);
  };
  return (o, n) => of(o) !== of(n);
}

/** Passes when any of `preds` passes (controller-runtime predicate.Or). */
export function anyOf(...preds: UpdatePredicate[]): UpdatePredicate {
  return (o, n) => preds.some((p) => p(o, n));
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function sameMap(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  const x = a ?? {};
  const y = b ?? {};
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => x[k] === y[k]);
}
