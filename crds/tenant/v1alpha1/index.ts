/** Tenant v1alpha1: schema, types, condition constants and API names. */
import { API_VERSION, GROUP, VERSION } from "../../shared/schema.ts";

export * from "./schema.ts";
export type * from "./types.ts";
export * from "./conditions.ts";

/** Group/version/kind and resource names of Tenant (cluster-scoped). */
export const TENANT_GVK = {
  group: GROUP,
  version: VERSION,
  kind: "Tenant",
  apiVersion: API_VERSION,
  plural: "tenants",
  singular: "tenant",
  namespaced: false,
} as const;
