// Resource types the ChaosPolicy controller reads and writes (core kinds defined here until the
// shared kind records land; librechat.io kinds from their crds/ folders).
import type { GroupVersionKind } from "../../operators/runtime/index.ts";
import { AIMODEL_GVK } from "../../crds/aimodel/v1alpha1/index.ts";
import { CHAOSPOLICY_GVK } from "../../crds/chaospolicy/v1alpha1/index.ts";
import { CHATREGION_GVK } from "../../crds/chatregion/v1alpha1/index.ts";
import { TENANT_GVK } from "../../crds/tenant/v1alpha1/index.ts";

const of = (g: { apiVersion: string; kind: string; plural: string; namespaced: boolean }): GroupVersionKind => ({
  apiVersion: g.apiVersion,
  kind: g.kind,
  plural: g.plural,
  namespaced: g.namespaced,
});

export const CHAOSPOLICY = of(CHAOSPOLICY_GVK);
export const AIMODEL = of(AIMODEL_GVK);
export const CHATREGION = of(CHATREGION_GVK);
export const TENANT = of(TENANT_GVK);
export const NAMESPACE: GroupVersionKind = { apiVersion: "v1", kind: "Namespace", plural: "namespaces", namespaced: false };
export const POD: GroupVersionKind = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };
export const CONFIGMAP: GroupVersionKind = { apiVersion: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true };
export const DEPLOYMENT: GroupVersionKind = { apiVersion: "apps/v1", kind: "Deployment", plural: "deployments", namespaced: true };

/** Namespace label naming the Tenant that owns the namespace. */
export const TENANT_LABEL = "librechat.io/tenant";
