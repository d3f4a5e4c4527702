// What a Tenant's LibreChat needs to use the platform (issue 16): its `librechat.yaml` (one custom
// endpoint = the inference gateway, with the tenant's models) and the non-secret OpenID env values
// for the tenant's Keycloak realm (LibreChat reads OpenID settings from its environment, not from
// librechat.yaml). Pure: built from the Tenant and the tenant as the routing config serves it, so
// the models listed are exactly those the gateway answers for the tenant's key. No secret is ever
// rendered: the API key is a `${ENV}` reference LibreChat resolves from its own environment.
import { Document } from "yaml";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import type { TenantConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import { TENANT_KEY_KEY, TENANT_KEY_SECRET } from "./secrets.ts";

/** librechat.yaml `version` the pinned librechat-data-provider (0.8.524) expects. */
export const LIBRECHAT_CONFIG_VERSION = "1.3.17";
/** The env var LibreChat must get the tenant's key from (the Secret inference-gateway-api-key). */
export const API_KEY_ENV = "INFERENCE_GATEWAY_API_KEY";
/**
 * Name of the custom endpoint. Fixed rather than the tenant's display name: it cannot collide with
 * LibreChat's reserved endpoint names ("openAI", "agents", …) and stays stable across renames
 * (LibreChat stores it with every conversation).
 */
export const ENDPOINT_NAME = "LibreChat Platform";
/** LibreChat's OpenID callback path (its default OPENID_CALLBACK_URL). */
export const OPENID_CALLBACK_PATH = "/oauth/openid/callback";

/** What the LibreChat config of one Tenant is built from. */
export interface LibreChatInput {
  tenant: Tenant;
  /** The tenant as the routing config serves it; undefined when it is not routed. */
  routed: TenantConfig | undefined;
  /** The inference gateway's OpenAI base URL as seen from the tenant's namespace (ends in /v1). */
  gatewayURL: string;
}

/**
 * The models LibreChat should offer: those the gateway lets the tenant call (model names and
 * assistant names, as the routing config lists them; its GET /v1/models answers the same).
 */
export function libreChatModels(routed: TenantConfig | undefined): string[] {
  return [...(routed?.models ?? [])].filter((m) => m !== "*").sort();
}

function header(input: LibreChatInput, models: readonly string[]): string {
  const name = input.tenant.metadata.name ?? "";
  const lines = [
    ` LibreChat config of Tenant ${name}, rendered by the librechat operator (gateway-config).`,
    ` Do not edit: it is rewritten when the Tenant, its AIModels or Assistants change.`,
    ` ${API_KEY_ENV} must come from Secret ${TENANT_KEY_SECRET} (key ${TENANT_KEY_KEY}) in this`,
    ` namespace; the key itself is never written here.`,
  ];
  if (models.length === 0)
    lines.push(
      ` No custom endpoint: the gateway serves no model for this tenant yet (see the Tenant's Routed condition).`,
    );
  return lines.join("\n");
}

/** The custom endpoint: the gateway, the tenant's key by reference, the tenant's models. */
function endpointOf(input: LibreChatInput, models: string[]): Record<string, unknown> {
  return {
    name: ENDPOINT_NAME,
    apiKey: `\${${API_KEY_ENV}}`,
    baseURL: input.gatewayURL,
    // fetch: LibreChat asks GET <baseURL>/models with the key, which the gateway answers per
    // tenant; `default` is what it shows when that fails.
    models: { default: models, fetch: true },
    titleConvo: true,
    // Titles use the model of the conversation: the tenant may call it; no other is assumed.
    titleModel: "current_model",
    modelDisplayLabel: input.tenant.spec.displayName,
    // Assistants with Conversation stickiness keep a conversation on one version by this header.
    headers: { "x-conversation-id": "{{LIBRECHAT_BODY_CONVERSATIONID}}" },
  };
}

/** The `librechat.yaml` document of one Tenant, as YAML text. Deterministic. */
export function desiredLibreChatConfig(input: LibreChatInput): string {
  const models = libreChatModels(input.routed);
  const config: Record<string, unknown> = { version: LIBRECHAT_CONFIG_VERSION, cache: true };
  // LibreChat wants at least one model per custom endpoint: without any, no endpoint at all.
  if (models.length > 0) config["endpoints"] = { custom: [endpointOf(input, models)] };
  const doc = new Document(config);
  doc.commentBefore = header(input, models);
  return doc.toString({ lineWidth: 0 });
}

/** The realm client LibreChat signs in with: "librechat" if confidential, else the first confidential one. */
export function openIDClient(tenant: Tenant): string | undefined {
  const confidential = (tenant.spec.identity?.clients ?? []).filter(
    (c) => c.type === "confidential",
  );
  // LibreChat enables OpenID only with a client secret, so public clients do not qualify.
  return (confidential.find((c) => c.clientId === "librechat") ?? confidential[0])?.clientId;
}

/**
 * The non-secret OpenID env of LibreChat for the Tenant's realm; empty when the Tenant has no
 * realm, no issuer is known or no confidential client is declared. OPENID_CLIENT_SECRET and
 * OPENID_SESSION_SECRET are secrets and are not rendered.
 */
export function libreChatOpenIDEnv(
  tenant: Tenant,
  routed: TenantConfig | undefined,
): Record<string, string> {
  const realm = tenant.spec.identity?.realm;
  const issuer = routed?.oidc?.[0]?.issuer;
  const clientId = openIDClient(tenant);
  if (realm === undefined || issuer === undefined || clientId === undefined) return {};
  return {
    ALLOW_SOCIAL_LOGIN: "true",
    OPENID_BUTTON_LABEL: `Sign in with ${realm.displayName ?? realm.name}`,
    OPENID_CALLBACK_URL: OPENID_CALLBACK_PATH,
    OPENID_CLIENT_ID: clientId,
    OPENID_ISSUER: issuer,
    OPENID_SCOPE: "openid profile email",
  };
}
