// Resource types the AIModel controller reads and writes.
import type { GroupVersionKind } from "../../operators/runtime/index.ts";
import { AIMODEL_GVK } from "../../crds/aimodel/v1alpha1/index.ts";

export const AIMODEL: GroupVersionKind = {
  apiVersion: AIMODEL_GVK.apiVersion,
  kind: AIMODEL_GVK.kind,
  plural: AIMODEL_GVK.plural,
  namespaced: true,
};
export const DEPLOYMENT: GroupVersionKind = { apiVersion: "apps/v1", kind: "Deployment", plural: "deployments", namespaced: true };
export const SERVICE: GroupVersionKind = { apiVersion: "v1", kind: "Service", plural: "services", namespaced: true };
export const PDB: GroupVersionKind = { apiVersion: "policy/v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets", namespaced: true };
export const SECRET: GroupVersionKind = { apiVersion: "v1", kind: "Secret", plural: "secrets", namespaced: true };
