// The ConfigMap that hands a Tenant's LibreChat its config (issue 16), in the Tenant's first
// namespace next to the API key Secret and owned by the Tenant the same way: key `librechat.yaml`
// (mount it as LibreChat's config file) and one key per non-secret OpenID env value (import them
// as env vars). Annotations name where the secrets LibreChat also needs live, never their values.
import type { V1ConfigMap } from "@kubernetes/client-node";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import { TENANT_KIND } from "../../../crds/tenant/v1alpha1/index.ts";
import { CONFIG_MAP } from "../../../operators/runtime/core-kinds.ts";
import { API_KEY_ENV, openIDClient } from "./librechat-config.ts";
import type { TenantOwner } from "./secrets.ts";
import { TENANT_KEY_KEY, TENANT_KEY_SECRET, TENANT_LABEL } from "./secrets.ts";

export const LIBRECHAT_CONFIGMAP = "librechat-config";
export const LIBRECHAT_CONFIG_KEY = "librechat.yaml";
/** "<env var> from Secret <name> key <key>": where LibreChat's gateway key comes from. */
export const API_KEY_ANNOTATION = "librechat.io/api-key-from";
/** "OPENID_CLIENT_SECRET from Secret <ns>/<name> key <key>", when the client declares a secretRef. */
export const OPENID_SECRET_ANNOTATION = "librechat.io/openid-client-secret-from";

/** Where the OpenID client's secret is, when the Tenant's spec says (secretRef); else undefined. */
export function openIDSecretRef(tenant: Tenant): string | undefined {
  const id = openIDClient(tenant);
  const ref = tenant.spec.identity?.clients?.find((c) => c.clientId === id)?.secretRef;
  return ref === undefined
    ? undefined
    : `OPENID_CLIENT_SECRET from Secret ${ref.namespace}/${ref.name} key ${ref.key}`;
}

/** The LibreChat ConfigMap of a Tenant: `yamlText` and the OpenID `env` in `namespace`. */
export function desiredLibreChatConfigMap(
  tenant: Tenant,
  namespace: string,
  yamlText: string,
  env: Readonly<Record<string, string>>,
): V1ConfigMap {
  const owner: TenantOwner = { name: tenant.metadata.name ?? "", uid: tenant.metadata.uid ?? "" };
  const annotations: Record<string, string> = {
    [API_KEY_ANNOTATION]: `${API_KEY_ENV} from Secret ${TENANT_KEY_SECRET} key ${TENANT_KEY_KEY}`,
  };
  const secretRef = openIDSecretRef(tenant);
  if (secretRef !== undefined && Object.keys(env).length > 0)
    annotations[OPENID_SECRET_ANNOTATION] = secretRef;
  const data: Record<string, string> = { [LIBRECHAT_CONFIG_KEY]: yamlText };
  for (const k of Object.keys(env).sort()) data[k] = env[k] ?? "";
  return {
    apiVersion: CONFIG_MAP.apiVersion,
    kind: CONFIG_MAP.kind,
    metadata: {
      name: LIBRECHAT_CONFIGMAP,
      namespace,
      labels: {
        [TENANT_LABEL]: owner.name,
        "app.kubernetes.io/name": "librechat",
        "app.kubernetes.io/component": "config",
        "app.kubernetes.io/managed-by": "librechat-operator",
      },
      annotations,
      ownerReferences: [
        {
          apiVersion: TENANT_KIND.apiVersion,
          kind: TENANT_KIND.kind,
          name: owner.name,
          uid: owner.uid,
          controller: true,
          blockOwnerDeletion: false,
        },
      ],
    },
    data,
  };
}
