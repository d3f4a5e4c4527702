// Tenant admission.
// Defaulting: spec.identity.realm.name ← metadata.name (dots → dashes, ≤ 63) when the Tenant has an identity block but no
//   realm name (on UPDATE the old realm name wins, so the immutable name never silently changes).
// Validation: the effective realm name (spec.identity.realm.name, else metadata.name) is unique
//   across Tenants, and is never Keycloak's reserved `master` realm (admin authority).
import { at, isRecord, nameOf, rec, str } from "./object.ts";
import type { JsonPatchOp, Violation } from "./review.ts";
import type { DefaultInput, ValidateInput } from "./types.ts";
import { TENANT_KIND } from "../crds/tenant/v1alpha1/kind.ts";
import {
  effectiveRealmName,
  RESERVED_REALMS,
  realmNameFor,
} from "../crds/tenant/v1alpha1/rules.ts";

export { RESERVED_REALMS, realmNameFor };

const REALM_FIELD = "spec.identity.realm.name";

/** The realm a Tenant maps to (crds/tenant effectiveRealmName) for an unvalidated object. */
export function effectiveRealm(tenant: unknown): string | undefined {
  if (!isRecord(at(tenant, "spec", "identity"))) return undefined;
  return effectiveRealmName({
    metadata: { name: nameOf(tenant) },
    spec: { identity: { realm: { name: str(at(tenant, "spec", "identity", "realm", "name")) } } },
  });
}

/** JSON patch that fills spec.identity.realm.name; empty if nothing to default. */
export function defaultTenant(input: DefaultInput): JsonPatchOp[] {
  const identity = rec(at(input.object, "spec", "identity"));
  if (identity === undefined) return [];
  const realm = identity["realm"];
  if (realm !== undefined && !isRecord(realm)) return [];
  if (isRecord(realm) && realm["name"] !== undefined) return [];
  const previous =
    input.operation === "UPDATE"
      ? str(at(input.oldObject, "spec", "identity", "realm", "name"))
      : undefined;
  const name = previous ?? realmNameFor(nameOf(input.object));
  if (name === "") return [];
  if (realm === undefined) return [{ op: "add", path: "/spec/identity/realm", value: { name } }];
  return [{ op: "add", path: "/spec/identity/realm/name", value: name }];
}

/** Rules that need no cluster state (also used by the fuzz test to check accepted objects). */
export function validateTenantStatic(tenant: unknown): Violation[] {
  const realm = effectiveRealm(tenant);
  if (realm !== undefined && RESERVED_REALMS.includes(realm)) {
    return [
      { field: REALM_FIELD, message: `realm "${realm}" is reserved`, type: "FieldValueForbidden" },
    ];
  }
  return [];
}

/** Full Tenant validation: static rules, then realm uniqueness against every other Tenant. */
export async function validateTenant(input: ValidateInput): Promise<Violation[]> {
  const violations = validateTenantStatic(input.object);
  if (violations.length > 0) return violations;
  const realm = effectiveRealm(input.object);
  if (realm === undefined) return [];
  // Only a new or changed realm can create a clash; re-checking unchanged Tenants would let an old
  // clash (created while the webhook was down) block every later edit.
  if (input.operation === "UPDATE" && effectiveRealm(input.oldObject) === realm) return [];
  const self = nameOf(input.object);
  const tenants = await input.lookup.listObjects(TENANT_KIND, input.signal);
  const clash = tenants.find((t) => nameOf(t) !== self && effectiveRealm(t) === realm);
  if (clash === undefined) return [];
  return [
    {
      field: REALM_FIELD,
      message: `realm "${realm}" is already used by Tenant "${nameOf(clash)}"`,
      type: "FieldValueDuplicate",
    },
  ];
}
