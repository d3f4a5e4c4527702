// Rules derived from a Tenant that more than one component needs (tenant controller, webhooks,
// chaos tenancy checks). Defined once here, next to the schema whose fields they read.

export { TENANT_LABEL } from "./schema.ts";

/** Keycloak realm names a Tenant may never claim (master holds the admin authority). */
export const RESERVED_REALMS: readonly string[] = ["master"];

/**
 * Realm name derived from a Tenant name: the realm pattern is a DNS label, Tenant names are DNS
 * subdomains, so dots (and anything else) become dashes, the result is cut to 63 characters and
 * trimmed of leading and trailing dashes (`acme.eu` → `acme-eu`).
 */
export function realmNameFor(tenantName: string): string {
  return tenantName
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 63)
    .replace(/^-+/, "")
    .replace(/-+$/, "");
}

/** The parts of a Tenant the realm rule reads; loosely typed so webhooks can pass raw objects. */
export interface RealmSource {
  metadata?: { name?: string | undefined } | undefined;
  spec?:
    { identity?: { realm?: { name?: string | undefined } | undefined } | undefined } | undefined;
}

/**
 * The realm a Tenant maps to: spec.identity.realm.name, else derived from metadata.name; undefined
 * when the Tenant has no identity block (it owns no realm) or neither name gives one.
 */
export function effectiveRealmName(tenant: RealmSource): string | undefined {
  const identity = tenant.spec?.identity;
  if (identity === undefined) return undefined;
  const explicit = identity.realm?.name;
  if (explicit !== undefined && explicit !== "") return explicit;
  const derived = realmNameFor(tenant.metadata?.name ?? "");
  return derived !== "" ? derived : undefined;
}
