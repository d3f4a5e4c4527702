/** Assistant v1alpha1: schema, types, condition constants and API names. */
import { API_VERSION, GROUP, VERSION } from "../../shared/schema.ts";

export * from "./schema.ts";
export type * from "./types.ts";
export * from "./conditions.ts";

/** Group/version/kind and resource names of Assistant. */
export const ASSISTANT_GVK = {
  group: GROUP,
  version: VERSION,
  kind: "Assistant",
  apiVersion: API_VERSION,
  plural: "assistants",
  singular: "assistant",
  namespaced: true,
} as const;
