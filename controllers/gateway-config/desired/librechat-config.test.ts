// Table tests of the LibreChat config builders, and the rendered librechat.yaml checked with
// LibreChat's own config schema (librechat-data-provider, a devDependency: tests only).
import { test } from "node:test";
import assert from "node:assert/strict";
import { configSchema, Constants } from "librechat-data-provider";
import { parse } from "yaml";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import type { TenantConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import { assistant, input, OPTIONS, tenant, vllm } from "./fixtures.test-helpers.ts";
import {
  API_KEY_ENV,
  desiredLibreChatConfig,
  ENDPOINT_NAME,
  LIBRECHAT_CONFIG_VERSION,
  libreChatModels,
  libreChatOpenIDEnv,
  openIDClient,
} from "./librechat-config.ts";
import { renderRouting } from "./routing.ts";

const URL = "http://inference-gateway.librechat-system.svc.cluster.local/v1";

const identity = (clients: unknown[]): Record<string, unknown> => ({
  keycloak: { url: "http://kc.example", credentialsSecretRef: { name: "k", key: "k" } },
  realm: { name: "acme", displayName: "Acme Chat" },
  clients,
});
const confidential = (clientId: string): Record<string, unknown> => ({
  clientId,
  type: "confidential",
  directAccessGrants: false,
});
const publicClient = (clientId: string): Record<string, unknown> => ({
  clientId,
  type: "public",
  directAccessGrants: false,
});

/** The tenant `t` as the routing renderer serves it, with two models and an assistant. */
function routedOf(t: Tenant): TenantConfig | undefined {
  const r = renderRouting(
    input({
      aimodels: [vllm("llama"), vllm("mistral")],
      assistants: [assistant("helper")],
      tenants: [t],
    }),
    OPTIONS,
  );
  return r.config.tenants.find((x) => x.id === t.metadata.name);
}

function doc(text: string): Record<string, unknown> {
  return parse(text) as Record<string, unknown>;
}

const cases: {
  name: string;
  tenant: Tenant;
  models: string[];
}[] = [
  {
    name: "allowed models and an assistant, unserved names dropped",
    tenant: tenant("acme", { models: { allowed: ["mistral", "helper", "llama", "ghost"] } }),
    models: ["helper", "llama", "mistral"],
  },
  {
    name: "one model",
    tenant: tenant("one", { models: { allowed: ["llama"] } }),
    models: ["llama"],
  },
  {
    name: "nothing served: no endpoint",
    tenant: tenant("none", { models: { allowed: ["ghost"] } }),
    models: [],
  },
  { name: "no models section", tenant: tenant("bare"), models: [] },
];

for (const c of cases) {
  void test(`desiredLibreChatConfig: ${c.name}`, () => {
    const text = desiredLibreChatConfig({
      tenant: c.tenant,
      routed: routedOf(c.tenant),
      gatewayURL: URL,
    });
    const d = doc(text);
    assert.equal(d["version"], LIBRECHAT_CONFIG_VERSION);
    const custom = (d["endpoints"] as { custom?: Record<string, unknown>[] } | undefined)?.custom;
    if (c.models.length === 0) {
      assert.equal(d["endpoints"], undefined);
      assert.match(text, /No custom endpoint/);
      return;
    }
    assert.deepEqual(custom, [
      {
        name: ENDPOINT_NAME,
        apiKey: `\${${API_KEY_ENV}}`,
        baseURL: URL,
        models: { default: c.models, fetch: true },
        titleConvo: true,
        titleModel: "current_model",
        modelDisplayLabel: c.tenant.spec.displayName,
        headers: { "x-conversation-id": "{{LIBRECHAT_BODY_CONVERSATIONID}}" },
      },
    ]);
  });
}

void test("desiredLibreChatConfig: the same input gives the same bytes, and a header naming the key Secret", () => {
  const t = tenant("acme", { models: { allowed: ["llama", "helper"] } });
  const a = desiredLibreChatConfig({ tenant: t, routed: routedOf(t), gatewayURL: URL });
  const b = desiredLibreChatConfig({ tenant: t, routed: routedOf(t), gatewayURL: URL });
  assert.equal(a, b);
  assert.match(a, /^# .*Tenant acme/);
  assert.match(a, /Secret inference-gateway-api-key \(key api-key\)/);
});

void test("the pinned librechat-data-provider expects the config version rendered", () => {
  assert.equal(Constants.CONFIG_VERSION, LIBRECHAT_CONFIG_VERSION);
});

/** Every value of `rendered` is in `parsed` unchanged (the schema strips what it does not know). */
function assertKept(rendered: unknown, parsed: unknown, path = ""): void {
  if (rendered === null || typeof rendered !== "object") {
    assert.deepEqual(parsed, rendered, `${path} changed by the schema`);
    return;
  }
  assert.ok(parsed !== null && typeof parsed === "object", `${path} dropped by the schema`);
  for (const [k, v] of Object.entries(rendered))
    assertKept(v, (parsed as Record<string, unknown>)[k], `${path}/${k}`);
}

for (const c of cases) {
  void test(`LibreChat's configSchema accepts the rendered config and keeps every field: ${c.name}`, () => {
    const rendered = doc(
      desiredLibreChatConfig({ tenant: c.tenant, routed: routedOf(c.tenant), gatewayURL: URL }),
    );
    const r = configSchema.safeParse(rendered);
    assert.ok(r.success, JSON.stringify(r.error?.issues));
    assertKept(rendered, r.data);
  });
}

void test("LibreChat's configSchema refuses a custom endpoint without models (why none is rendered then)", () => {
  const r = configSchema.safeParse({
    version: LIBRECHAT_CONFIG_VERSION,
    endpoints: {
      custom: [{ name: ENDPOINT_NAME, apiKey: "x", baseURL: URL, models: { default: [] } }],
    },
  });
  assert.equal(r.success, false);
});

void test("libreChatModels: sorted, never the wildcard", () => {
  assert.deepEqual(libreChatModels({ id: "t", models: ["b", "*", "a"] }), ["a", "b"]);
  assert.deepEqual(libreChatModels(undefined), []);
});

const clientCases: { name: string; clients: unknown[]; want: string | undefined }[] = [
  {
    name: "librechat preferred",
    clients: [confidential("web"), confidential("librechat")],
    want: "librechat",
  },
  {
    name: "first confidential",
    clients: [publicClient("cli"), confidential("web"), confidential("b")],
    want: "web",
  },
  {
    name: "public librechat does not qualify",
    clients: [publicClient("librechat")],
    want: undefined,
  },
  { name: "no clients", clients: [], want: undefined },
];

for (const c of clientCases) {
  void test(`openIDClient: ${c.name}`, () => {
    assert.equal(openIDClient(tenant("acme", { identity: identity(c.clients) })), c.want);
  });
}

void test("libreChatOpenIDEnv: the realm's issuer (as the gateway trusts it), client, scope and callback", () => {
  const t = tenant("acme", {
    models: { allowed: ["llama"] },
    identity: identity([confidential("librechat")]),
  });
  assert.deepEqual(libreChatOpenIDEnv(t, routedOf(t)), {
    ALLOW_SOCIAL_LOGIN: "true",
    OPENID_BUTTON_LABEL: "Sign in with Acme Chat",
    OPENID_CALLBACK_URL: "/oauth/openid/callback",
    OPENID_CLIENT_ID: "librechat",
    OPENID_ISSUER: "http://kc.example/realms/acme",
    OPENID_SCOPE: "openid profile email",
  });
});

const emptyEnv: { name: string; tenant: Tenant }[] = [
  { name: "no identity", tenant: tenant("acme", { models: { allowed: ["llama"] } }) },
  {
    name: "only public clients",
    tenant: tenant("acme", { identity: identity([publicClient("spa")]) }),
  },
];

for (const c of emptyEnv) {
  void test(`libreChatOpenIDEnv: nothing when ${c.name}`, () => {
    assert.deepEqual(libreChatOpenIDEnv(c.tenant, routedOf(c.tenant)), {});
  });
}
