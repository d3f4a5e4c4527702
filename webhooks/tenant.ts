// Tenant admission.
// Defaulting: spec.identity.realm.name ← metadata.name (dots → dashes, ≤ 63) when the Tenant has an identity block but no
//   realm name (on UPDATE the old realm name wins, so the immutable name never silently changes).
// Validation: the effective realm name (spec.identity.realm.name, else metadata.name) is unique
//   across Tenants, and is never Keycloak's reserved `master` realm (admin authority). Identity
//   provider mappers carry the settings their type needs (ClaimToRole only on generic OIDC
//   providers, whose tokens carry the claims), and step-up names roles and groups the Tenant
//   declares — checked here so the message names the exact list entry.
import { at, arr, isRecord, nameOf, rec, str } from "./object.ts";
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

/** Config keys each identity-provider mapper type needs. */
export const MAPPER_REQUIRED_CONFIG: Readonly<Record<string, readonly string[]>> = {
  HardcodedRole: ["role"],
  HardcodedGroup: ["group"],
  AttributeImporter: ["user.attribute"],
  ClaimToRole: ["claim", "role"],
};

function mapperViolations(identity: unknown): Violation[] {
  const out: Violation[] = [];
  for (const [i, p] of (arr(at(identity, "identityProviders")) ?? []).entries()) {
    for (const [j, m] of (arr(at(p, "mappers")) ?? []).entries()) {
      const field = `spec.identity.identityProviders[${i}].mappers[${j}]`;
      const type = str(at(m, "type")) ?? "";
      if (type === "ClaimToRole" && str(at(p, "type")) !== "oidc") {
        out.push({
          field: `${field}.type`,
          message:
            "ClaimToRole mappers need a generic oidc provider (social providers expose no claims to map)",
          type: "FieldValueInvalid",
        });
      }
      for (const key of MAPPER_REQUIRED_CONFIG[type] ?? []) {
        if ((str(at(m, "config", key)) ?? "") === "")
          out.push({
            field: `${field}.config`,
            message: `${type} mappers need config "${key}"`,
            type: "FieldValueRequired",
          });
      }
    }
  }
  return out;
}

function stepUpViolations(identity: unknown): Violation[] {
  const out: Violation[] = [];
  const declared = (list: string, key: string): Set<string> =>
    new Set((arr(at(identity, list)) ?? []).map((x) => str(at(x, key)) ?? ""));
  const roles = declared("roles", "name");
  const groups = declared("groups", "name");
  for (const [i, r] of (arr(at(identity, "stepUp", "roles")) ?? []).entries()) {
    if (!roles.has(str(r) ?? ""))
      out.push({
        field: `spec.identity.stepUp.roles[${i}]`,
        message: `role "${str(r) ?? ""}" is not declared in spec.identity.roles`,
        type: "FieldValueNotFound",
      });
  }
  for (const [i, g] of (arr(at(identity, "stepUp", "groups")) ?? []).entries()) {
    if (!groups.has(str(g) ?? ""))
      out.push({
        field: `spec.identity.stepUp.groups[${i}]`,
        message: `group "${str(g) ?? ""}" is not declared in spec.identity.groups`,
        type: "FieldValueNotFound",
      });
  }
  return out;
}

/** Rules that need no cluster state (also used by the fuzz test to check accepted objects). */
export function validateTenantStatic(tenant: unknown): Violation[] {
  const realm = effectiveRealm(tenant);
  if (realm !== undefined && RESERVED_REALMS.includes(realm)) {
    return [
      { field: REALM_FIELD, message: `realm "${realm}" is reserved`, type: "FieldValueForbidden" },
    ];
  }
  const identity = at(tenant, "spec", "identity");
  if (!isRecord(identity)) return [];
  return [...mapperViolations(identity), ...stepUpViolations(identity)];
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
