// LibreChat as a client (issue 16), through the shipped gateway the pod bridge runs
// (bridged-gateway.ts): a Tenant, two external AIModels and an Assistant give the Tenant's
// `librechat-config` ConfigMap; its librechat.yaml passes LibreChat's own config schema
// (librechat-data-provider), its `${ENV}` key reference is resolved from the Tenant's key Secret
// with LibreChat's own resolver, and the gateway is driven with the calls LibreChat's custom
// endpoint makes: the model list fetch (GET <baseURL>/models, Bearer key) and a streaming chat
// completion with the `openai` client. The Tenant's realm gives the OpenID env values. The key
// never appears in the ConfigMap, and removing an allowed model from the Tenant updates the
// ConfigMap and the model list alike.
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { configSchema, extractEnvVariable } from "librechat-data-provider";
import OpenAI from "openai";
import { parse } from "yaml";
import {
  API_KEY_ENV,
  ENDPOINT_NAME,
} from "../../../controllers/gateway-config/desired/librechat-config.ts";
import {
  LIBRECHAT_CONFIG_KEY,
  LIBRECHAT_CONFIGMAP,
} from "../../../controllers/gateway-config/desired/librechat-configmap.ts";
import { TENANT_KIND } from "../../../crds/tenant/v1alpha1/index.ts";
import { CONFIG_MAP } from "../../../operators/runtime/core-kinds.ts";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import type { TestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { testEnv, waitFor } from "../../helpers/testenv.ts";
import { BridgedLoop, externalModel, providerSecret, tenantOwning } from "./bridged-gateway.ts";

const suffix = randomBytes(3).toString("hex");
const PROVIDER_KEY = `sk-provider-${randomBytes(12).toString("hex")}`;
const CHAT = `chat-${suffix}`;
const SMALL = `small-${suffix}`;
const ASSISTANT = `helper-${suffix}`;
const TENANT = `lc-${suffix}`;

interface CustomEndpoint {
  name: string;
  apiKey: string;
  baseURL: string;
  models: { default: string[]; fetch?: boolean };
  headers?: Record<string, string>;
}

const s: { loop?: BridgedLoop; up?: TestUpstream; url: string } = { url: "" };

function loop(): BridgedLoop {
  assert.ok(s.loop !== undefined);
  return s.loop;
}

const REALM = `lc-${suffix}`;

/**
 * The Tenant, with a realm and a confidential client "librechat" for LibreChat's OpenID login (the
 * Tenant controller does not run here: only what gateway-config renders from the spec is checked).
 */
function tenant(allowed: string[]): Record<string, unknown> {
  const t = tenantOwning(TENANT, loop().ns, { allowed }) as { spec: Record<string, unknown> };
  t.spec["identity"] = {
    keycloak: {
      url: testEnv().keycloakUrl,
      credentialsSecretRef: { name: "kc-admin", namespace: loop().ns, key: "secret" },
    },
    realm: { name: REALM, displayName: "LibreChat Test" },
    clients: [
      {
        clientId: "librechat",
        type: "confidential",
        redirectUris: ["https://chat.example/oauth/openid/callback"],
        secretRef: { name: "librechat-oidc", namespace: loop().ns, key: "client-secret" },
      },
    ],
  };
  return t;
}

before(async () => {
  s.up = await startTestUpstream({ name: "lc", requireApiKey: PROVIDER_KEY });
  s.loop = await BridgedLoop.start("librechat", ["--controllers=aimodel,gateway-config"]);
  const ns = s.loop.ns;
  await s.loop.apply(providerSecret(ns, PROVIDER_KEY));
  await s.loop.apply(externalModel(ns, "chat", CHAT, s.up.url));
  await s.loop.apply(externalModel(ns, "small", SMALL, s.up.url));
  await s.loop.apply({
    apiVersion: "librechat.io/v1alpha1",
    kind: "Assistant",
    metadata: { name: ASSISTANT, namespace: ns },
    spec: {
      versions: [{ name: "v1", modelRef: "chat", instructions: "You are the helper." }],
      variants: [{ version: "v1", weight: 100 }],
      stickiness: "Conversation",
      revisionHistoryLimit: 5,
    },
  });
  await s.loop.apply(tenant([CHAT, SMALL, ASSISTANT]));
  s.url = await s.loop.startGateway(`${ns}.chat`);
});

after(async () => {
  await s.loop?.client.delete(TENANT_KIND, undefined, TENANT).catch(() => undefined);
  await s.loop?.stop();
  await s.up?.close();
});

/** The ConfigMap once its custom endpoint lists exactly `models`. */
async function configWith(models: string[]): Promise<V1ConfigMap> {
  let cm: V1ConfigMap | undefined;
  await waitFor(`${LIBRECHAT_CONFIGMAP} listing ${models.join(",")}`, 30_000, async () => {
    cm = await loop().client.get<V1ConfigMap>(CONFIG_MAP, loop().ns, LIBRECHAT_CONFIGMAP);
    const text = cm?.data?.[LIBRECHAT_CONFIG_KEY];
    if (text === undefined) return false;
    const doc = parse(text) as { endpoints?: { custom?: CustomEndpoint[] } };
    return JSON.stringify(doc.endpoints?.custom?.[0]?.models.default) === JSON.stringify(models);
  });
  assert.ok(cm !== undefined);
  return cm;
}

/** The custom endpoint of the ConfigMap's librechat.yaml, checked with LibreChat's schema. */
function endpointOf(cm: V1ConfigMap): CustomEndpoint {
  const parsed = configSchema.safeParse(parse(cm.data?.[LIBRECHAT_CONFIG_KEY] ?? ""));
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
  const custom = parsed.data.endpoints?.custom ?? [];
  assert.equal(custom.length, 1);
  const e = custom[0] as CustomEndpoint | undefined;
  assert.ok(e !== undefined);
  assert.equal(e.name, ENDPOINT_NAME);
  return e;
}

/**
 * What LibreChat's custom endpoint does with its config: `${ENV}` references resolved from its
 * environment (here the env var holds the tenant's key, as mounting the key Secret does), and the
 * base URL. The config names the gateway Service's cluster DNS name; nothing resolves it here, so
 * its scheme, host and port are replaced by the bridged gateway pod's (the harness does the same
 * for the Service), and the path (/v1) is kept.
 */
function asLibreChat(e: CustomEndpoint, key: string): { apiKey: string; baseURL: string } {
  const saved = process.env[API_KEY_ENV];
  process.env[API_KEY_ENV] = key;
  try {
    const apiKey = extractEnvVariable(e.apiKey);
    const url = new URL(extractEnvVariable(e.baseURL));
    assert.match(url.hostname, /^inference-gateway\..+\.svc\./);
    return { apiKey, baseURL: `${s.url}${url.pathname}` };
  } finally {
    if (saved === undefined) Reflect.deleteProperty(process.env, API_KEY_ENV);
    else process.env[API_KEY_ENV] = saved;
  }
}

/** LibreChat's model fetch: GET <baseURL>/models with the key; ids of `data`. */
async function fetchModels(baseURL: string, apiKey: string): Promise<string[]> {
  const r = await fetch(`${baseURL}/models`, { headers: { authorization: `Bearer ${apiKey}` } });
  assert.equal(r.status, 200, await r.clone().text());
  return ((await r.json()) as { data: { id: string }[] }).data.map((m) => m.id).sort();
}

/** The model list once the gateway serves `want` (it loads a new routing config within seconds). */
async function listed(baseURL: string, apiKey: string, want: string[]): Promise<string[]> {
  let ids: string[] = [];
  await waitFor(`gateway listing ${want.join(",")}`, 30_000, async () => {
    ids = await fetchModels(baseURL, apiKey);
    return JSON.stringify(ids) === JSON.stringify(want);
  });
  return ids;
}

void test("LibreChat's config, schema-checked, drives the gateway: model list and streaming chat", async () => {
  const all = [ASSISTANT, CHAT, SMALL].sort();
  const cm = await configWith(all);
  const key = await loop().tenantKey(loop().ns);
  const text = JSON.stringify(cm);
  assert.ok(!text.includes(key), "the key is not in the ConfigMap");
  assert.ok(!text.includes(Buffer.from(key).toString("base64")));

  // OpenID for the Tenant's realm: env values as ConfigMap keys, the client secret only named.
  assert.equal(
    cm.data?.["OPENID_ISSUER"],
    `${testEnv().keycloakUrl.replace(/\/+$/, "")}/realms/${REALM}`,
  );
  assert.equal(cm.data?.["OPENID_CLIENT_ID"], "librechat");
  assert.equal(cm.data?.["OPENID_CALLBACK_URL"], "/oauth/openid/callback");
  assert.equal(
    cm.metadata?.annotations?.["librechat.io/openid-client-secret-from"],
    `OPENID_CLIENT_SECRET from Secret ${loop().ns}/librechat-oidc key client-secret`,
  );

  const e = endpointOf(cm);
  assert.equal(e.models.fetch, true);
  const { apiKey, baseURL } = asLibreChat(e, key);
  assert.equal(apiKey, key);
  assert.deepEqual(await listed(baseURL, apiKey, all), e.models.default);

  // A streaming chat completion as LibreChat sends it: the endpoint's headers, with the
  // conversation placeholder filled in as LibreChat fills it per request.
  const headers = Object.fromEntries(
    Object.entries(e.headers ?? {}).map(([k, v]) => [
      k,
      v.replace("{{LIBRECHAT_BODY_CONVERSATIONID}}", "conv-1"),
    ]),
  );
  const openai = new OpenAI({ baseURL, apiKey, maxRetries: 0, defaultHeaders: headers });
  for (const model of [CHAT, ASSISTANT]) {
    // "echo: <words>" makes the test upstream stream those words back, one chunk each.
    const words = ` streamed to ${model} and back`;
    const stream = await openai.chat.completions.create({
      model,
      stream: true,
      messages: [{ role: "user", content: `echo:${words}` }],
    });
    const pieces: string[] = [];
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta.content;
      if (piece !== undefined && piece !== null && piece !== "") pieces.push(piece);
    }
    assert.equal(pieces.join(""), words, model);
    assert.ok(pieces.length > 1, `${model}: streamed in ${pieces.length} piece(s)`);
  }
});

void test("removing an allowed model from the Tenant updates the ConfigMap and the model list", async () => {
  await loop().apply(tenant([CHAT, ASSISTANT]));
  const cm = await configWith([ASSISTANT, CHAT].sort());
  const key = await loop().tenantKey(loop().ns);
  assert.ok(!JSON.stringify(cm).includes(key), "the key is not in the ConfigMap");
  const e = endpointOf(cm);
  const { apiKey, baseURL } = asLibreChat(e, key);
  assert.deepEqual(await listed(baseURL, apiKey, e.models.default), e.models.default);
  const openai = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
  await assert.rejects(
    openai.chat.completions.create({ model: SMALL, messages: [{ role: "user", content: "hi" }] }),
    (err: unknown) => err instanceof OpenAI.APIError && err.status === 403,
  );
});
