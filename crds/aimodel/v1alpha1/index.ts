/** AIModel v1alpha1: schema, types, condition constants and API names. */
import { API_VERSION, GROUP, VERSION } from "../../shared/schema.ts";

export * from "./schema.ts";
export type * from "./types.ts";
export * from "./conditions.ts";

/** Group/version/kind and resource names of AIModel. */
export const AIMODEL_GVK = {
  group: GROUP,
  version: VERSION,
  kind: "AIModel",
  apiVersion: API_VERSION,
  plural: "aimodels",
  singular: "aimodel",
  namespaced: true,
} as const;
