// Built-in Kubernetes kinds the operators and webhooks read or write, defined once. librechat.io
// kinds have their records next to their schemas (crds/<kind>/v1alpha1/kind.ts); everything else
// comes from this table, so no file spells a GVK by hand (crds/kinds.test.ts checks). This file
// imports nothing at run time, so webhooks and workloads may use it without the runtime.
import type { GroupVersionKind } from "./types.ts";

function gvk<K extends string>(
  apiVersion: string,
  kind: K,
  plural: string,
  namespaced: boolean,
): GroupVersionKind & { readonly kind: K } {
  return Object.freeze({ apiVersion, kind, plural, namespaced });
}

export const NAMESPACE = gvk("v1", "Namespace", "namespaces", false);
export const POD = gvk("v1", "Pod", "pods", true);
export const SERVICE = gvk("v1", "Service", "services", true);
export const SECRET = gvk("v1", "Secret", "secrets", true);
export const CONFIG_MAP = gvk("v1", "ConfigMap", "configmaps", true);
export const SERVICE_ACCOUNT = gvk("v1", "ServiceAccount", "serviceaccounts", true);
export const RESOURCE_QUOTA = gvk("v1", "ResourceQuota", "resourcequotas", true);
export const LIMIT_RANGE = gvk("v1", "LimitRange", "limitranges", true);
export const EVENT = gvk("v1", "Event", "events", true);
export const DEPLOYMENT = gvk("apps/v1", "Deployment", "deployments", true);
export const REPLICA_SET = gvk("apps/v1", "ReplicaSet", "replicasets", true);
export const POD_DISRUPTION_BUDGET = gvk(
  "policy/v1",
  "PodDisruptionBudget",
  "poddisruptionbudgets",
  true,
);
export const NETWORK_POLICY = gvk("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", true);
export const ROLE = gvk("rbac.authorization.k8s.io/v1", "Role", "roles", true);
export const ROLE_BINDING = gvk(
  "rbac.authorization.k8s.io/v1",
  "RoleBinding",
  "rolebindings",
  true,
);
export const CLUSTER_ROLE = gvk(
  "rbac.authorization.k8s.io/v1",
  "ClusterRole",
  "clusterroles",
  false,
);
export const CLUSTER_ROLE_BINDING = gvk(
  "rbac.authorization.k8s.io/v1",
  "ClusterRoleBinding",
  "clusterrolebindings",
  false,
);
export const LEASE = gvk("coordination.k8s.io/v1", "Lease", "leases", true);
export const CUSTOM_RESOURCE_DEFINITION = gvk(
  "apiextensions.k8s.io/v1",
  "CustomResourceDefinition",
  "customresourcedefinitions",
  false,
);
export const VALIDATING_WEBHOOK_CONFIGURATION = gvk(
  "admissionregistration.k8s.io/v1",
  "ValidatingWebhookConfiguration",
  "validatingwebhookconfigurations",
  false,
);
export const MUTATING_WEBHOOK_CONFIGURATION = gvk(
  "admissionregistration.k8s.io/v1",
  "MutatingWebhookConfiguration",
  "mutatingwebhookconfigurations",
  false,
);

/** Every core kind above, for look-ups by kind name. */
export const CORE_KINDS: readonly GroupVersionKind[] = [
  NAMESPACE,
  POD,
  SERVICE,
  SECRET,
  CONFIG_MAP,
  SERVICE_ACCOUNT,
  RESOURCE_QUOTA,
  LIMIT_RANGE,
  EVENT,
  DEPLOYMENT,
  REPLICA_SET,
  POD_DISRUPTION_BUDGET,
  NETWORK_POLICY,
  ROLE,
  ROLE_BINDING,
  CLUSTER_ROLE,
  CLUSTER_ROLE_BINDING,
  LEASE,
  CUSTOM_RESOURCE_DEFINITION,
  VALIDATING_WEBHOOK_CONFIGURATION,
  MUTATING_WEBHOOK_CONFIGURATION,
];
