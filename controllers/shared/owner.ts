// Controller owner references: children carry exactly one `controller: true` reference so the
// runtime maps their events back to the owner and the garbage collector deletes them with it.
import type { V1OwnerReference } from "@kubernetes/client-node";

/** The minimum of an owner needed to reference it. */
export interface OwnerLike {
  apiVersion: string;
  kind: string;
  metadata: { name?: string | undefined; uid?: string | undefined };
}

/** A controller owner reference to `owner` (blockOwnerDeletion so foreground deletes wait). */
export function controllerRef(owner: OwnerLike): V1OwnerReference {
  const { name, uid } = owner.metadata;
  if (name === undefined || uid === undefined) {
    throw new Error(`owner ${owner.kind} has no name or uid yet`);
  }
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
