// Which OIDC issuers a region's gateways trust: the Keycloak realm of the Tenant that owns the
// namespace (namespace label librechat.io/tenant). Pure. A namespace without a Tenant, or a Tenant
// without a realm, is reported in the IdentityResolved condition; the fleet still runs (it then
// accepts no tokens), because GitOps may apply the Tenant after the ChatRegion.
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";
import { ChatRegionIdentityResolvedReason as Reason } from "../../crds/chatregion/v1alpha1/index.ts";
import type { IssuerEntry } from "./desired/deployment.ts";
import type { ChatRegionConfig } from "./desired/meta.ts";

export interface IdentityResult {
  issuers: IssuerEntry[];
  ok: boolean;
  reason: (typeof Reason)[keyof typeof Reason];
  message: string;
}

/**
 * Issuers for a namespace. `tenantName` is the namespace's librechat.io/tenant label (undefined:
 * none); `tenant` is that Tenant from the cache (undefined: not found).
 */
export function resolveIssuers(
  namespace: string,
  tenantName: string | undefined,
  tenant: Tenant | undefined,
  cfg: Pick<ChatRegionConfig, "keycloakUrl" | "oidcAudience">,
): IdentityResult {
  if (tenantName === undefined || tenantName === "") {
    return {
      issuers: [],
      ok: false,
      reason: Reason.NoTenantLabel,
      message: `Namespace "${namespace}" has no librechat.io/tenant label; the gateways accept no tokens`,
    };
  }
  if (tenant === undefined) {
    return {
      issuers: [],
      ok: false,
      reason: Reason.TenantNotFound,
      message: `Tenant "${tenantName}" owning namespace "${namespace}" not found; the gateways accept no tokens until it exists`,
    };
  }
  const identity = tenant.spec.identity;
  if (identity === undefined) {
    return {
      issuers: [],
      ok: false,
      reason: Reason.NoRealm,
      message: `Tenant "${tenantName}" has no spec.identity realm; the gateways accept no tokens`,
    };
  }
  const base = (identity.keycloak.url ?? cfg.keycloakUrl).replace(/\/+$/, "");
  const issuer = `${base}/realms/${identity.realm.name}`;
  return {
    issuers: [{ issuer, tenant: tenantName, audience: cfg.oidcAudience }],
    ok: true,
    reason: Reason.TenantFound,
    message: `Trusting realm "${identity.realm.name}" of Tenant "${tenantName}" (${issuer})`,
  };
}
