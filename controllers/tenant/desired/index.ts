// All Kubernetes children a Tenant wants, from the per-child builders. Pure and deterministic.
import type { KubernetesObject } from "@kubernetes/client-node";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import { namespaceNames } from "./common.ts";
import { desiredLimitRange } from "./limitrange.ts";
import { desiredNamespace } from "./namespace.ts";
import { desiredNetworkPolicies } from "./networkpolicies.ts";
import { desiredResourceQuota } from "./resourcequota.ts";
import {
  desiredOwnersRoleBinding,
  desiredViewerClusterRole,
  desiredViewerClusterRoleBinding,
} from "./rolebinding.ts";

export interface DesiredTenantChildren {
  /** Namespaces first: everything else lives in them. */
  namespaces: KubernetesObject[];
  /** Quotas, limits, policies and bindings inside the namespaces, plus the owners' viewer role. */
  others: KubernetesObject[];
}

/** Every child object of `t`. */
export function desiredChildren(t: Tenant): DesiredTenantChildren {
  const namespaces: KubernetesObject[] = [];
  const others: KubernetesObject[] = [
    desiredViewerClusterRole(t),
    desiredViewerClusterRoleBinding(t),
  ];
  for (const ns of namespaceNames(t)) {
    const n = desiredNamespace(t, ns);
    if (n !== undefined) namespaces.push(n);
    const q = desiredResourceQuota(t, ns);
    if (q !== undefined) others.push(q);
    const lr = desiredLimitRange(t, ns);
    if (lr !== undefined) others.push(lr);
    others.push(...desiredNetworkPolicies(t, ns), desiredOwnersRoleBinding(t, ns));
  }
  return { namespaces, others };
}
