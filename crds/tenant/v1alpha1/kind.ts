// Identity of Tenant (cluster-scoped): the single kind record every other file imports.
import { defineKind } from "../../shared/kind.ts";

/** Group, version, kind, resource names and scope of Tenant. */
export const TENANT_KIND = defineKind({
  kind: "Tenant",
  plural: "tenants",
  shortNames: ["tnt"],
  namespaced: false,
});

/** Older name of {@link TENANT_KIND}, kept for importers written before the kind records. */
export const TENANT_GVK = TENANT_KIND;
