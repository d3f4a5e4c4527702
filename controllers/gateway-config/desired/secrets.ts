// Secrets the routing needs besides the ConfigMap: the provider keys of external AIModels copied
// into one Secret in the operator namespace (the gateway mounts it; the config names the files),
// and each Tenant's generated gateway API key in the Tenant's first namespace (the config holds
// only its sha256).
import { createHash } from "node:crypto";
import type { V1Secret } from "@kubernetes/client-node";
import { TENANT_KIND } from "../../../crds/tenant/v1alpha1/index.ts";
import { SECRET } from "../../../operators/runtime/core-kinds.ts";

export const CREDENTIALS_SECRET = "inference-gateway-credentials";
export const TENANT_KEY_SECRET = "inference-gateway-api-key";
export const TENANT_KEY_KEY = "api-key";
/** Label that marks a tenant key Secret and names its Tenant. */
export const TENANT_LABEL = "librechat.io/tenant";

/** Lowercase hex sha256, as the gateway stores API keys. */
export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** The credentials Secret: one key per external AIModel ("<namespace>.<name>"), values base64. */
export function desiredCredentialsSecret(
  namespace: string,
  values: ReadonlyMap<string, string>,
): V1Secret {
  const data: Record<string, string> = {};
  for (const k of [...values.keys()].sort()) data[k] = values.get(k) ?? "";
  return {
    apiVersion: SECRET.apiVersion,
    kind: SECRET.kind,
    metadata: {
      name: CREDENTIALS_SECRET,
      namespace,
      labels: {
        "app.kubernetes.io/name": "inference-gateway",
        "app.kubernetes.io/managed-by": "librechat-operator",
      },
    },
    type: "Opaque",
    data,
  };
}

/** Who owns a tenant key Secret: the (cluster-scoped) Tenant, so deleting it removes the key. */
export interface TenantOwner {
  name: string;
  uid: string;
}

/** A Tenant's API key Secret; `keyBase64` is the key, generated once by the caller. */
export function desiredTenantKeySecret(
  tenant: TenantOwner,
  namespace: string,
  keyBase64: string,
): V1Secret {
  return {
    apiVersion: SECRET.apiVersion,
    kind: SECRET.kind,
    metadata: {
      name: TENANT_KEY_SECRET,
      namespace,
      labels: { [TENANT_LABEL]: tenant.name, "app.kubernetes.io/managed-by": "librechat-operator" },
      ownerReferences: [
        {
          apiVersion: TENANT_KIND.apiVersion,
          kind: TENANT_KIND.kind,
          name: tenant.name,
          uid: tenant.uid,
          controller: true,
          blockOwnerDeletion: false,
        },
      ],
    },
    type: "Opaque",
    data: { [TENANT_KEY_KEY]: keyBase64 },
  };
}
