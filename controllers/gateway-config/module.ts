// The gateway-config controller as a ControllerModule (operator "inference"): renders the
// inference gateway's routing ConfigMap from AIModels, Tenants, Assistants and ChaosPolicies, and
// each Tenant's LibreChat ConfigMap (librechat.yaml + OpenID env) in the Tenant's first namespace.
import { AIMODEL_KIND } from "../../crds/aimodel/v1alpha1/index.ts";
import { ASSISTANT_KIND } from "../../crds/assistant/v1alpha1/index.ts";
import { CHAOSPOLICY_KIND } from "../../crds/chaospolicy/v1alpha1/index.ts";
import { TENANT_KIND } from "../../crds/tenant/v1alpha1/index.ts";
import { CONFIG_MAP, EVENT, SECRET } from "../../operators/runtime/core-kinds.ts";
import { groupOf } from "../../operators/runtime/keys.ts";
import type { ControllerModule, PolicyRule } from "../../operators/runtime/module.ts";
import { addGatewayConfigController } from "./controller.ts";
import { defaultGatewayURL } from "./librechat.ts";
import { CONTROLLER_NAME } from "./reconcile.ts";

const str = (v: string | boolean | undefined, d: string): string =>
  typeof v === "string" && v !== "" ? v : d;

const READ = ["get", "list", "watch"];
const kinds = [AIMODEL_KIND, TENANT_KIND, ASSISTANT_KIND];

/**
 * RBAC of the gateway-config controller: reads the kinds it renders (and ChaosPolicies' active
 * faults), writes only their status (the Routed condition), reads ConfigMaps (prompts, its own),
 * writes Secrets (tenant API keys in tenant namespaces, the copied provider keys), ConfigMaps (the
 * routing one in the operator namespace, LibreChat's in tenant namespaces: cluster-wide, like the
 * key Secrets; the operator-scope admission policy still limits writes outside the operator
 * namespace to objects labelled managed-by librechat-operator), Events.
 */
export const GATEWAY_CONFIG_RULES: readonly PolicyRule[] = [
  {
    apiGroups: [AIMODEL_KIND.group],
    resources: [...kinds, CHAOSPOLICY_KIND].map((k) => k.plural),
    verbs: READ,
  },
  {
    apiGroups: [AIMODEL_KIND.group],
    resources: kinds.map((k) => `${k.plural}/status`),
    verbs: ["get", "patch", "update"],
  },
  {
    apiGroups: [groupOf(CONFIG_MAP.apiVersion)],
    resources: [CONFIG_MAP.plural],
    verbs: [...READ, "create", "patch", "update"],
  },
  {
    apiGroups: [groupOf(SECRET.apiVersion)],
    resources: [SECRET.plural],
    verbs: [...READ, "create", "patch", "update"],
  },
  {
    apiGroups: [groupOf(EVENT.apiVersion), "events.k8s.io"],
    resources: [EVENT.plural],
    verbs: ["create", "patch", "update"],
  },
];

export const gatewayConfigModule: ControllerModule = {
  name: CONTROLLER_NAME,
  operator: "inference",
  flags: {
    "gateway-credentials-dir": {
      type: "string",
      env: "GATEWAY_CREDENTIALS_DIR",
      default: "/var/run/inference-gateway/credentials",
      description:
        "Directory where the inference gateway mounts the copied provider keys (Secret inference-gateway-credentials)",
    },
    "gateway-keycloak-url": {
      type: "string",
      env: "KEYCLOAK_URL",
      description:
        "Keycloak base URL for tenants whose spec names none (OIDC issuer <url>/realms/<realm>); empty = API keys only",
    },
    "gateway-oidc-audience": {
      type: "string",
      env: "GATEWAY_OIDC_AUDIENCE",
      default: "librechat",
      description: "Token audience accepted for a tenant that declares no OIDC clients",
    },
    "librechat-config": {
      type: "boolean",
      env: "LIBRECHAT_CONFIG",
      default: "true",
      description:
        "Render each Tenant's LibreChat ConfigMap librechat-config (librechat.yaml + OpenID env) in its first namespace",
    },
    "librechat-gateway-url": {
      type: "string",
      env: "LIBRECHAT_GATEWAY_URL",
      description:
        "Inference gateway base URL written into LibreChat configs (default: http://inference-gateway.<operator namespace>.svc.<cluster domain>/v1)",
    },
    // Shared with the AIModel module (same name, environment variable and default).
    "cluster-domain": {
      type: "string",
      env: "CLUSTER_DOMAIN",
      default: "cluster.local",
      description: "cluster DNS domain of self-hosted AIModel Services",
    },
  },
  clusterRules: GATEWAY_CONFIG_RULES,
  setup(ctx) {
    const keycloak = str(ctx.flags["gateway-keycloak-url"], "");
    const clusterDomain = str(ctx.flags["cluster-domain"], "cluster.local");
    const gatewayURL = str(
      ctx.flags["librechat-gateway-url"],
      defaultGatewayURL(ctx.operatorNamespace, clusterDomain),
    );
    addGatewayConfigController(ctx.mgr, ctx.client, {
      namespace: ctx.operatorNamespace,
      libreChat: ctx.flags["librechat-config"] === false ? undefined : { gatewayURL },
      render: {
        clusterDomain,
        credentialsDir: str(
          ctx.flags["gateway-credentials-dir"],
          "/var/run/inference-gateway/credentials",
        ),
        keycloakURL: keycloak === "" ? undefined : keycloak,
        defaultAudience: str(ctx.flags["gateway-oidc-audience"], "librechat"),
      },
    });
  },
};

export default gatewayConfigModule;
