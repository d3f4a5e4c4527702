/** ChatRegion v1alpha1: schema, types, condition constants and API names. */
import { API_VERSION, GROUP, VERSION } from "../../shared/schema.ts";

export * from "./schema.ts";
export type * from "./types.ts";
export * from "./conditions.ts";

/** Group/version/kind and resource names of ChatRegion. */
export const CHATREGION_GVK = {
  group: GROUP,
  version: VERSION,
  kind: "ChatRegion",
  apiVersion: API_VERSION,
  plural: "chatregions",
  singular: "chatregion",
  namespaced: true,
} as const;
