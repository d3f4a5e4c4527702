// Table tests of the LibreChat ConfigMap builder: where it goes, who owns it, what it carries
// (the YAML and the OpenID env as keys) and which secrets it names without holding them.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import { tenant } from "./fixtures.test-helpers.ts";
import {
  API_KEY_ANNOTATION,
  desiredLibreChatConfigMap,
  LIBRECHAT_CONFIG_KEY,
  LIBRECHAT_CONFIGMAP,
  OPENID_SECRET_ANNOTATION,
} from "./librechat-configmap.ts";

const client = (secretRef?: Record<string, string>): Record<string, unknown> => ({
  clientId: "librechat",
  type: "confidential",
  directAccessGrants: false,
  ...(secretRef === undefined ? {} : { secretRef }),
});
const withClient = (c: Record<string, unknown>): Tenant =>
  tenant("acme", {
    identity: {
      keycloak: { credentialsSecretRef: { name: "k", key: "k" } },
      realm: { name: "acme" },
      clients: [c],
    },
  });
const ENV = { OPENID_ISSUER: "http://kc/realms/acme", OPENID_CLIENT_ID: "librechat" };

void test("desiredLibreChatConfigMap: in the namespace given, labelled, owned by the Tenant", () => {
  const cm = desiredLibreChatConfigMap(tenant("acme"), "acme-chat", "version: x\n", {});
  assert.equal(cm.metadata?.name, LIBRECHAT_CONFIGMAP);
  assert.equal(cm.metadata?.namespace, "acme-chat");
  assert.equal(cm.metadata?.labels?.["librechat.io/tenant"], "acme");
  assert.equal(cm.metadata?.labels?.["app.kubernetes.io/managed-by"], "librechat-operator");
  assert.deepEqual(cm.metadata?.ownerReferences, [
    {
      apiVersion: "librechat.io/v1alpha1",
      kind: "Tenant",
      name: "acme",
      uid: "uid-acme",
      controller: true,
      blockOwnerDeletion: false,
    },
  ]);
});

const cases: {
  name: string;
  tenant: Tenant;
  env: Record<string, string>;
  keys: string[];
  openIDSecret: string | undefined;
}[] = [
  {
    name: "no OpenID: the YAML alone",
    tenant: tenant("acme"),
    env: {},
    keys: [LIBRECHAT_CONFIG_KEY],
    openIDSecret: undefined,
  },
  {
    name: "OpenID env as sorted keys, the client's secretRef named",
    tenant: withClient(client({ name: "oidc", namespace: "acme-chat", key: "client-secret" })),
    env: ENV,
    keys: [LIBRECHAT_CONFIG_KEY, "OPENID_CLIENT_ID", "OPENID_ISSUER"],
    openIDSecret: "OPENID_CLIENT_SECRET from Secret acme-chat/oidc key client-secret",
  },
  {
    name: "generated client secret: not named (the Tenant's status says where)",
    tenant: withClient(client()),
    env: ENV,
    keys: [LIBRECHAT_CONFIG_KEY, "OPENID_CLIENT_ID", "OPENID_ISSUER"],
    openIDSecret: undefined,
  },
];

for (const c of cases) {
  void test(`desiredLibreChatConfigMap: ${c.name}`, () => {
    const cm = desiredLibreChatConfigMap(c.tenant, "acme-chat", "version: x\n", c.env);
    assert.deepEqual(Object.keys(cm.data ?? {}), c.keys);
    assert.equal(cm.data?.[LIBRECHAT_CONFIG_KEY], "version: x\n");
    for (const [k, v] of Object.entries(c.env)) assert.equal(cm.data?.[k], v);
    assert.equal(
      cm.metadata?.annotations?.[API_KEY_ANNOTATION],
      "INFERENCE_GATEWAY_API_KEY from Secret inference-gateway-api-key key api-key",
    );
    assert.equal(cm.metadata?.annotations?.[OPENID_SECRET_ANNOTATION], c.openIDSecret);
  });
}
