// One platform: a chat user's message goes chat gateway → inference gateway → provider, every hop
// rendered by the operator from CRs. A ChatRegion's fleet (the shipped chat gateway, run by the
// pod bridge from the Deployment the operator rendered) calls the inference gateway (the shipped
// Deployment, its routing rendered by gateway-config) with the Tenant's generated key; the user
// picks an Assistant as the model; the provider (the deterministic test upstream, which echoes
// the messages it received) shows the Assistant's instructions arrived. The inference gateway's
// Service is a local forwarder (test/helpers/service-proxy.ts), since the bridge has no
// kube-proxy; its URL is the operator's --chatregion-inference-url, as the Service's DNS name is.
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Assistant } from "../../../crds/assistant/v1alpha1/index.ts";
import { ASSISTANT_KIND } from "../../../crds/assistant/v1alpha1/index.ts";
import { TENANT_KIND } from "../../../crds/tenant/v1alpha1/index.ts";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import type { TestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { startServiceProxy } from "../../helpers/service-proxy.ts";
import type { ServiceProxy } from "../../helpers/service-proxy.ts";
import { testEnv, waitFor } from "../../helpers/testenv.ts";
import { TestClient } from "../chat-gateway/helpers/gateway.ts";
import { tenantRealm } from "../chat-gateway/helpers/keycloak.ts";
import type { TenantRealm } from "../chat-gateway/helpers/keycloak.ts";
import { BridgedLoop, externalModel, providerSecret, tenantOwning } from "./bridged-gateway.ts";

const suffix = randomBytes(3).toString("hex");
const PROVIDER_KEY = `sk-provider-${randomBytes(12).toString("hex")}`;
const MODEL = `chain-${suffix}`;
const ASSISTANT = `helper-${suffix}`;
const TENANT = `chain-${suffix}`;
const INSTRUCTIONS = "You are the chain assistant. Answer in one line.";

const s: {
  loop?: BridgedLoop;
  upstream?: TestUpstream;
  proxy?: ServiceProxy;
  realm?: TenantRealm;
  gatewayHost?: string;
} = {};

function loop(): BridgedLoop {
  assert.ok(s.loop !== undefined);
  return s.loop;
}

before(async () => {
  const env = testEnv();
  s.upstream = await startTestUpstream({ name: "chain", echo: true, requireApiKey: PROVIDER_KEY });
  s.proxy = await startServiceProxy(() => s.gatewayHost);
  s.loop = await BridgedLoop.start("chain", ["--controllers=aimodel,gateway-config,chatregion"], {
    CHATREGION_INFERENCE_URL: `http://${s.proxy.host}`,
    CHATREGION_KEYCLOAK_URL: env.keycloakUrl,
    CHATREGION_SYNC_PERIOD: "1",
  });
  const ns = loop().ns;
  s.realm = await tenantRealm(`r-${TENANT}`, TENANT);
  // The namespace belongs to the Tenant (its label), as the Tenant controller would leave it.
  await loop().apply({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: ns, labels: { "librechat.io/tenant": TENANT } },
  });
  await loop().apply(providerSecret(ns, PROVIDER_KEY));
  await loop().apply(externalModel(ns, MODEL, MODEL, s.upstream.url));
  await loop().apply({
    apiVersion: "librechat.io/v1alpha1",
    kind: "Assistant",
    metadata: { name: ASSISTANT, namespace: ns },
    spec: {
      versions: [{ name: "v1", modelRef: MODEL, instructions: INSTRUCTIONS }],
      variants: [{ version: "v1", weight: 100 }],
    },
  });
  const t = tenantOwning(TENANT, ns, { allowed: [ASSISTANT, MODEL] });
  (t["spec"] as Record<string, unknown>)["identity"] = {
    keycloak: {
      url: env.keycloakUrl,
      credentialsSecretRef: { name: "kc", namespace: ns, key: "secret" },
    },
    realm: { name: s.realm.realm },
  };
  await loop().apply(t);
  const gw = await loop().startGateway(`${ns}.${MODEL}`);
  s.gatewayHost = new URL(gw).host;
});

after(async () => {
  await s.loop?.client.delete(TENANT_KIND, undefined, TENANT).catch(() => undefined);
  await s.loop?.stop();
  await s.proxy?.close();
  await s.upstream?.close();
});

test("a chat message picks an Assistant and its reply comes through the inference gateway, billed to the Tenant", async () => {
  const env = testEnv();
  const ns = loop().ns;
  // The Assistant says it is ready: routed, and its version's AIModel is Ready.
  await waitFor("Assistant Ready", 60_000, async () => {
    const a = await loop().client.get<Assistant>(ASSISTANT_KIND, ns, ASSISTANT);
    const ready = a?.status?.conditions?.find((c) => c.type === "Ready");
    return ready?.status === "True" && ready.reason === "VariantsRoutable";
  });
  for (const [name, stringData] of [
    ["db", { url: env.databaseUrl, appPassword: `app-${suffix}` }],
    ["redis", { url: env.redisUrl }],
  ] as const)
    await loop().apply({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace: ns },
      stringData,
    });
  await loop().apply({
    apiVersion: "librechat.io/v1alpha1",
    kind: "ChatRegion",
    metadata: { name: "eu", namespace: ns },
    spec: {
      region: "eu-1",
      placement: loop().bridge.placement(),
      residency: { dataRegion: "eu", allowCrossRegionFailover: false },
      fleet: { replicas: 1, minReplicas: 1, maxReplicas: 2, targetConnectionsPerPod: 500 },
      capacity: { maxConnections: 1000, reservedForFailoverPercent: 20 },
      backplane: { type: "Redis", redis: { urlSecretRef: { name: "redis", key: "url" } } },
      database: { urlSecretRef: { name: "db", key: "url" } },
      drain: { preStopSeconds: 1, terminationGracePeriodSeconds: 30, maxDrainSeconds: 20 },
      models: [ASSISTANT, MODEL],
    },
  });
  await waitFor("chat pod ready on the bridge", 120_000, () =>
    Promise.resolve(loop().bridge.readyPods("eu-").length === 1),
  );
  const pod = loop().bridge.readyPods("eu-")[0];
  assert.ok(pod !== undefined && s.realm !== undefined);

  const c = new TestClient(`ws://${new URL(pod.url).host}/v1/ws`, await s.realm.token());
  try {
    await c.opened;
    await c.waitFor((f) => f.type === "welcome");
    const acc = await c.request({
      type: "send",
      content: "hello through the chain",
      model: ASSISTANT,
    });
    assert.equal(acc.type, "accepted", JSON.stringify(acc));
    const conversationId = acc["conversationId"] as string;
    await c.request({ type: "subscribe", conversationId, after: 0 });
    const ev = await c.replyEnd();
    assert.equal(ev.type, "reply.completed", JSON.stringify(ev));
    assert.match(ev.content, /^echo:/);
    // The provider echoed the messages it got: the Assistant's instructions, then the user's text.
    const echoed = JSON.parse(ev.content.slice("echo:".length)) as {
      role: string;
      content: string;
    }[];
    assert.deepEqual(echoed.at(0), { role: "system", content: INSTRUCTIONS });
    assert.deepEqual(echoed.at(-1), { role: "user", content: "hello through the chain" });
  } finally {
    await c.close();
  }
  // The inference gateway served it as the Tenant (its generated key, not the provider's).
  const metrics = await (await fetch(`http://${s.gatewayHost ?? ""}/metrics`)).text();
  assert.match(
    metrics,
    new RegExp(`inference_gateway_requests_total\\{[^}]*tenant="${TENANT}"[^}]*status="200"`),
  );
});
