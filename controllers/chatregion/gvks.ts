// Resource types the ChatRegion controller reads and writes. Core kinds live here until the
// structure helper folds every kind into one record per kind (contract #2 of the brief).
import type { GroupVersionKind } from "../../operators/runtime/index.ts";
import { CHATREGION_GVK } from "../../crds/chatregion/v1alpha1/index.ts";
import { TENANT_GVK } from "../../crds/tenant/v1alpha1/index.ts";

export const CHATREGION: GroupVersionKind = {
  apiVersion: CHATREGION_GVK.apiVersion,
  kind: CHATREGION_GVK.kind,
  plural: CHATREGION_GVK.plural,
  namespaced: true,
};
export const TENANT: GroupVersionKind = {
  apiVersion: TENANT_GVK.apiVersion,
  kind: TENANT_GVK.kind,
  plural: TENANT_GVK.plural,
  namespaced: false,
};
export const DEPLOYMENT: GroupVersionKind = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  plural: "deployments",
  namespaced: true,
};
export const SERVICE: GroupVersionKind = {
  apiVersion: "v1",
  kind: "Service",
  plural: "services",
  namespaced: true,
};
export const PDB: GroupVersionKind = {
  apiVersion: "policy/v1",
  kind: "PodDisruptionBudget",
  plural: "poddisruptionbudgets",
  namespaced: true,
};
export const CONFIGMAP: GroupVersionKind = {
  apiVersion: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
};
export const SECRET: GroupVersionKind = {
  apiVersion: "v1",
  kind: "Secret",
  plural: "secrets",
  namespaced: true,
};
export const POD: GroupVersionKind = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };
export const NAMESPACE: GroupVersionKind = {
  apiVersion: "v1",
  kind: "Namespace",
  plural: "namespaces",
  namespaced: false,
};
