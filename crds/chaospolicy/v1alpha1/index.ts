/** ChaosPolicy v1alpha1: schema, types, condition constants and API names. */
import { API_VERSION, GROUP, VERSION } from "../../shared/schema.ts";

export * from "./schema.ts";
export type * from "./types.ts";
export * from "./conditions.ts";

/** Group/version/kind and resource names of ChaosPolicy. */
export const CHAOSPOLICY_GVK = {
  group: GROUP,
  version: VERSION,
  kind: "ChaosPolicy",
  apiVersion: API_VERSION,
  plural: "chaospolicies",
  singular: "chaospolicy",
  namespaced: true,
} as const;
