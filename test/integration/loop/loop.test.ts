// The inference loop against the real control plane: AIModels (self-hosted, and external with a
// Secret reference), a Tenant and an Assistant are applied; the manager program
// (cmd/manager/main.ts --controllers=aimodel,gateway-config) renders the routing ConfigMap; the
// test parses it with the gateway's own validator; invalid combinations give conditions on the
// offending CRs while the last good config stays; and an inference gateway fed the ConfigMap and
// credentials Secret the way the kubelet mounts them serves `model: "<assistant>"` to the test
// upstream (see README.md in this folder for what that bridge does and does not prove).
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { V1ConfigMap, V1Secret } from "@kubernetes/client-node";
import { KubeClient } from "../../../operators/clients/kube.ts";
import { CONFIG_MAP, SECRET } from "../../../operators/runtime/core-kinds.ts";
import type { Condition, KubernetesObject } from "../../../operators/runtime/index.ts";
import { AIMODEL_KIND } from "../../../crds/aimodel/v1alpha1/index.ts";
import { ASSISTANT_KIND } from "../../../crds/assistant/v1alpha1/index.ts";
import { TENANT_KIND } from "../../../crds/tenant/v1alpha1/index.ts";
import type { GroupVersionKind } from "../../../operators/runtime/index.ts";
import {
  CONFIG_KEY,
  CONFIGMAP_NAME,
  GENERATION_ANNOTATION,
} from "../../../controllers/gateway-config/desired/configmap.ts";
import {
  CREDENTIALS_SECRET,
  TENANT_KEY_KEY,
  TENANT_KEY_SECRET,
} from "../../../controllers/gateway-config/desired/secrets.ts";
import { validateRoutingConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import type { RoutingConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import { hashApiKey } from "../../../workloads/inference-gateway/src/plugins/auth.ts";
import { decodeConfigFile } from "../../../workloads/inference-gateway/src/plugins/config-watcher.ts";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import type { TestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { installCrds } from "../../helpers/crds.ts";
import { configMapSource, secretSource, syncVolume } from "../../helpers/kubelet-volume.ts";
import { startOperator } from "../../helpers/operator.ts";
import type { OperatorProcess } from "../../helpers/operator.ts";
import { createTestNamespace, testEnv, waitFor } from "../../helpers/testenv.ts";
import { post, startGateway } from "../inference-gateway/helpers.ts";
import type { TestGateway } from "../inference-gateway/helpers.ts";

const env = testEnv();
const client = new KubeClient(env.kubeConfig);
const PROVIDER_KEY = `sk-provider-${randomBytes(12).toString("hex")}`;
const INSTRUCTIONS = "You are the loop test assistant. Answer in one word.";
const suffix = randomBytes(3).toString("hex");
const TENANT = `loop-${suffix}`;
const ASSISTANT = `helper-${suffix}`;

const s: {
  ns: string;
  cleanup?: () => Promise<void>;
  op?: OperatorProcess;
  upstream?: TestUpstream;
  credDir: string;
  cfgDir: string;
  stops: (() => Promise<void>)[];
  gw?: TestGateway;
} = { ns: "", credDir: "", cfgDir: "", stops: [] };

async function apply(obj: Record<string, unknown>): Promise<void> {
  await client.apply(obj, { fieldManager: "integration-test", force: true });
}

function aimodels(ns: string, upstreamURL: string): Record<string, unknown>[] {
  const meta = (name: string) => ({ name, namespace: ns });
  return [
    {
      apiVersion: "librechat.io/v1alpha1",
      kind: "AIModel",
      metadata: meta("llama"),
      spec: {
        provider: "vllm",
        modelName: `llama-${suffix}`,
        engine: { image: "vllm/vllm-openai:v0.10.1" },
        replicas: 1,
        minReplicas: 1,
        maxReplicas: 1,
        maxTokens: 512,
      },
    },
    {
      apiVersion: "librechat.io/v1alpha1",
      kind: "AIModel",
      metadata: meta("gpt"),
      spec: {
        provider: "openai",
        modelName: `gpt-${suffix}`,
        external: {
          baseURL: `${upstreamURL}/v1`,
          providerModel: "test-model",
          credentialsSecretRef: { name: "provider-creds", key: "apiKey" },
        },
        costPerToken: { input: "0.000001", output: "0.000002", currency: "USD" },
        fallbacks: [{ modelRef: "llama", triggers: ["ServerError", "Timeout"] }],
      },
    },
  ];
}

function tenant(ns: string): Record<string, unknown> {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    metadata: { name: TENANT },
    spec: {
      displayName: "Loop test tenant",
      owners: [{ kind: "User", name: "loop@test.example" }],
      namespaces: { maxCount: 1, prefix: "Disabled", items: [{ name: ns }] },
      models: {
        allowed: [`gpt-${suffix}`, `llama-${suffix}`, ASSISTANT],
        rateLimits: { requestsPerMinute: 600 },
        budget: { amount: "0.05", currency: "USD", period: "Daily" },
      },
      deletionPolicy: "Retain",
    },
  };
}

/** Versions are immutable once created (CEL): later steps add versions and move the variants. */
const V3_MISSING = { name: "v3", modelRef: "missing-model", instructions: "Version three." };

function assistant(
  ns: string,
  extra: Record<string, unknown>[] = [],
  serve = "v1",
): Record<string, unknown> {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Assistant",
    metadata: { name: ASSISTANT, namespace: ns },
    spec: {
      versions: [
        {
          name: "v1",
          modelRef: "gpt",
          instructions: INSTRUCTIONS,
          parameters: { temperature: "0.2", maxTokens: 64 },
        },
        { name: "v2", modelRef: "llama", instructions: "Version two." },
        ...extra,
      ],
      variants: [{ version: serve, weight: 100 }],
      stickiness: "Conversation",
      revisionHistoryLimit: 5,
    },
  };
}

/** The routing ConfigMap's config, parsed and checked with the gateway's own validator. */
async function servedConfig(): Promise<{
  config: RoutingConfig;
  text: string;
  generation: string;
}> {
  const cm = await client.get<V1ConfigMap>(CONFIG_MAP, s.ns, CONFIGMAP_NAME);
  assert.ok(cm !== undefined, "routing ConfigMap exists");
  const bin = cm.binaryData?.[CONFIG_KEY];
  const text = cm.data?.[CONFIG_KEY] ?? decodeConfigFile(Buffer.from(bin ?? "", "base64"));
  const v = validateRoutingConfig(JSON.parse(text) as unknown);
  assert.ok(v.ok, v.ok ? "" : v.errors.join("\n"));
  return {
    config: v.config,
    text,
    generation: cm.metadata?.annotations?.[GENERATION_ANNOTATION] ?? "",
  };
}

async function conditionOf(
  gvk: GroupVersionKind,
  name: string,
  type: string,
): Promise<{ c: Condition | undefined; generation: number | undefined }> {
  const o = await client.get<KubernetesObject & { status?: { conditions?: Condition[] } }>(
    gvk,
    gvk.namespaced ? s.ns : undefined,
    name,
  );
  return {
    c: o?.status?.conditions?.find((x) => x.type === type),
    generation: o?.metadata?.generation,
  };
}

/** Waits until `type` on the object satisfies `ok` for its current generation. */
async function waitCondition(
  gvk: GroupVersionKind,
  name: string,
  type: string,
  ok: (c: Condition) => boolean,
  ms = 30_000,
): Promise<Condition> {
  let last: Condition | undefined;
  await waitFor(`${gvk.kind} ${name} ${type}`, ms, async () => {
    const { c, generation } = await conditionOf(gvk, name, type);
    last = c;
    return c !== undefined && c.observedGeneration === generation && ok(c);
  });
  assert.ok(last !== undefined);
  return last;
}

async function secretValue(name: string, key: string): Promise<string | undefined> {
  const sec = await client.get<V1Secret>(SECRET, s.ns, name);
  const v = sec?.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
}

before(async () => {
  await installCrds(env.kubeConfig);
  const ns = await createTestNamespace("loop");
  s.ns = ns.name;
  s.cleanup = ns.cleanup;
  s.credDir = await mkdtemp(join(tmpdir(), "loop-cred-"));
  s.cfgDir = await mkdtemp(join(tmpdir(), "loop-cfg-"));
  s.upstream = await startTestUpstream({
    name: "provider",
    echo: true,
    requireApiKey: PROVIDER_KEY,
  });
  s.op = await startOperator({
    kubeconfig: env.kubeconfigPath,
    args: ["--controllers=aimodel,gateway-config", `--namespace=${s.ns}`, "--leader-elect=false"],
    env: { POD_NAMESPACE: s.ns, GATEWAY_CREDENTIALS_DIR: s.credDir },
  });
});

after(async () => {
  await s.gw?.close();
  for (const stop of s.stops) await stop();
  await s.op?.stop();
  await s.upstream?.close();
  await client.delete(TENANT_KIND, undefined, TENANT).catch(() => undefined);
  await s.cleanup?.();
  await rm(s.credDir, { recursive: true, force: true });
  await rm(s.cfgDir, { recursive: true, force: true });
});

void test("AIModels, a Tenant and an Assistant become a routing ConfigMap the gateway's validator accepts", async () => {
  const t0 = Date.now();
  await apply({
    apiVersion: "v1",
    kind: "Secret",
    // Labelled for model use: AIModels may reference no other Secret.
    metadata: {
      name: "provider-creds",
      namespace: s.ns,
      labels: { "librechat.io/model-secret": "true" },
    },
    stringData: { apiKey: PROVIDER_KEY },
  });
  for (const m of aimodels(s.ns, s.upstream?.url ?? "")) await apply(m);
  await apply(tenant(s.ns));
  await apply(assistant(s.ns));
  let served: Awaited<ReturnType<typeof servedConfig>> | undefined;
  await waitFor("routing ConfigMap with the assistant and the tenant key", 30_000, async () => {
    served = await servedConfig().catch(() => undefined);
    const c = served?.config;
    return (
      c?.assistants?.some((a) => a.name === ASSISTANT) === true &&
      c.tenants.find((t) => t.id === TENANT)?.apiKeys !== undefined &&
      c.backends.some((b) => b.name === `${s.ns}/gpt`)
    );
  });
  const rendered = Date.now() - t0;
  assert.ok(served !== undefined);
  const { config, text } = served;
  const ns = s.ns;

  assert.deepEqual(
    config.backends.find((b) => b.name === `${ns}/llama`),
    {
      name: `${ns}/llama`,
      provider: "openai",
      baseURL: `http://llama.${ns}.svc.cluster.local:8000/v1`,
      healthCheck: { path: "/health", intervalSeconds: 30, timeoutSeconds: 5 },
    },
  );
  assert.deepEqual(
    config.backends.find((b) => b.name === `${ns}/gpt`),
    {
      name: `${ns}/gpt`,
      provider: "openai",
      baseURL: `${s.upstream?.url ?? ""}/v1`,
      apiKey: { file: `${s.credDir}/${ns}.gpt` },
      cost: { inputPerMillion: 1, outputPerMillion: 2 },
    },
  );
  assert.deepEqual(
    config.models.find((m) => m.name === `gpt-${suffix}`)?.routes,
    [
      { backend: `${ns}/gpt`, upstreamModel: "test-model", priority: 0 },
      { backend: `${ns}/llama`, upstreamModel: `llama-${suffix}`, priority: 1 },
    ],
    "fallbacks become later priorities",
  );
  assert.equal(config.models.find((m) => m.name === `llama-${suffix}`)?.maxTokens, 512);

  const t = config.tenants.find((x) => x.id === TENANT);
  assert.deepEqual(t?.models, [ASSISTANT, `gpt-${suffix}`, `llama-${suffix}`].sort());
  assert.deepEqual(t?.limits, {
    rpm: 600,
    costBudget: { microUnits: 50_000, currency: "USD", periodSeconds: 86_400 },
  });
  const tenantKey = await secretValue(TENANT_KEY_SECRET, TENANT_KEY_KEY);
  assert.ok(tenantKey?.startsWith("sk-lc-"), "a tenant API key Secret in the tenant's namespace");
  assert.equal(t?.apiKeys?.[0]?.sha256, hashApiKey(tenantKey ?? ""));

  assert.deepEqual(
    config.assistants?.find((a) => a.name === ASSISTANT),
    {
      name: ASSISTANT,
      versions: [
        {
          name: "v1",
          model: `gpt-${suffix}`,
          instructions: INSTRUCTIONS,
          parameters: { temperature: 0.2, maxTokens: 64 },
        },
        { name: "v2", model: `llama-${suffix}`, instructions: "Version two." },
      ],
      variants: [{ version: "v1", weight: 100 }],
      stickiness: "conversation",
    },
  );

  // No key in the ConfigMap: the provider key only in the credentials Secret the gateway mounts,
  // the tenant key only as its hash.
  assert.ok(!text.includes(PROVIDER_KEY));
  assert.ok(!text.includes(tenantKey ?? "-"));
  assert.equal(await secretValue(CREDENTIALS_SECRET, `${ns}.gpt`), PROVIDER_KEY);

  // Routed on every object, for its current generation, next to the kinds' own conditions.
  for (const [gvk, name] of [
    [AIMODEL_KIND, "llama"],
    [AIMODEL_KIND, "gpt"],
    [TENANT_KIND, TENANT],
    [ASSISTANT_KIND, ASSISTANT],
  ] as const) {
    const c = await waitCondition(gvk, name, "Routed", (x) => x.status === "True");
    assert.equal(c.reason, "Routed", `${gvk.kind} ${name}: ${c.message}`);
  }
  await waitCondition(AIMODEL_KIND, "gpt", "Ready", (x) => x.status === "True");
  assert.equal((await conditionOf(AIMODEL_KIND, "gpt", "Routed")).c?.status, "True");
  console.log(`# rendered in ${rendered} ms from the first apply`);
});

void test("invalid combinations: a condition on the offending CR, the last good config stays", async () => {
  const before = await servedConfig();
  const beforeGpt = before.config.models.find((m) => m.name === `gpt-${suffix}`);
  const beforeAssistant = before.config.assistants?.find((a) => a.name === ASSISTANT);

  // A fallback to an AIModel that does not exist: the model keeps serving without it.
  const [, gpt] = aimodels(s.ns, s.upstream?.url ?? "");
  const gptSpec = (gpt?.["spec"] ?? {}) as Record<string, unknown>;
  await apply({
    ...gpt,
    spec: {
      ...gptSpec,
      fallbacks: [
        { modelRef: "llama", triggers: ["ServerError"] },
        { modelRef: "no-such-model", triggers: ["ServerError"] },
      ],
    },
  });
  const fb = await waitCondition(
    AIMODEL_KIND,
    "gpt",
    "Routed",
    (c) => c.reason === "FallbackNotFound",
  );
  assert.equal(fb.status, "True", "the model itself is still routed");
  assert.match(fb.message, /no-such-model/);
  // Both writers' conditions stay on the object, each for the new generation.
  const ready = await waitCondition(AIMODEL_KIND, "gpt", "Ready", () => true);
  assert.equal(ready.status, "True");

  // An Assistant version on a missing model: Routed=False names it; the served assistant stays.
  await apply(assistant(s.ns, [V3_MISSING]));
  const bad = await waitCondition(ASSISTANT_KIND, ASSISTANT, "Routed", (c) => c.status === "False");
  assert.equal(bad.reason, "ModelNotFound");
  assert.match(bad.message, /missing-model/);
  assert.match(bad.message, /last good configuration keeps serving/);
  const during = await servedConfig();
  assert.deepEqual(
    during.config.assistants?.find((a) => a.name === ASSISTANT),
    beforeAssistant,
    "the last good assistant config is still served",
  );
  assert.deepEqual(
    during.config.models.find((m) => m.name === `gpt-${suffix}`),
    beforeGpt,
    "the model's routes did not change",
  );
  // The Routed condition of the AIModel was not clobbered by the AIModel controller's writes.
  assert.equal((await conditionOf(AIMODEL_KIND, "gpt", "Routed")).c?.reason, "FallbackNotFound");

  // The missing AIModel appears: the reference resolves, Routed=True, v3 is served.
  await apply({
    apiVersion: "librechat.io/v1alpha1",
    kind: "AIModel",
    metadata: { name: "missing-model", namespace: s.ns },
    spec: {
      provider: "vllm",
      modelName: `late-${suffix}`,
      engine: { image: "vllm/vllm-openai:v0.10.1" },
      replicas: 1,
      minReplicas: 1,
      maxReplicas: 1,
    },
  });
  await waitCondition(ASSISTANT_KIND, ASSISTANT, "Routed", (c) => c.status === "True");
  const fixed = await servedConfig();
  assert.equal(
    fixed.config.assistants
      ?.find((a) => a.name === ASSISTANT)
      ?.versions.find((v) => v.name === "v3")?.model,
    `late-${suffix}`,
  );
  await apply(gpt ?? {});
  await waitCondition(AIMODEL_KIND, "gpt", "Routed", (c) => c.reason === "Routed");
});

void test("a gateway fed the ConfigMap and Secret as the kubelet mounts them serves the assistant by name", async () => {
  // The kubelet's AtomicWriter, emulated (kwok runs no pods): the routing ConfigMap and the
  // credentials Secret as directories whose ..data symlink is swapped on every change.
  s.stops.push(syncVolume(s.credDir, secretSource(client, s.ns, CREDENTIALS_SECRET)));
  s.stops.push(syncVolume(s.cfgDir, configMapSource(client, s.ns, CONFIGMAP_NAME)));
  await waitFor("mounted files", 10_000, () =>
    Promise.resolve(
      existsSync(join(s.credDir, `${s.ns}.gpt`)) && existsSync(join(s.cfgDir, CONFIG_KEY)),
    ),
  );
  const { config } = await servedConfig();
  s.gw = await startGateway(config, { configPath: join(s.cfgDir, CONFIG_KEY), configPollMs: 500 });
  const key = (await secretValue(TENANT_KEY_SECRET, TENANT_KEY_KEY)) ?? "";
  const ask = () =>
    post(
      `${s.gw?.url ?? ""}/v1/chat/completions`,
      { model: ASSISTANT, messages: [{ role: "user", content: "ping" }] },
      key,
      { "x-conversation-id": "c-1" },
    );
  const r = await ask();
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get("x-igw-assistant-version"), "v1");
  const content = (r.json as { choices: { message: { content: string } }[] }).choices[0]?.message
    .content;
  // The test upstream echoes the messages it received: the version's instructions came first,
  // and it accepted the provider key (requireApiKey) read from the mounted credentials file.
  assert.match(content ?? "", /^echo:/);
  const received = JSON.parse((content ?? "").slice("echo:".length)) as {
    role: string;
    content: string;
  }[];
  assert.deepEqual(received[0], { role: "system", content: INSTRUCTIONS });
  assert.deepEqual(received.at(-1), { role: "user", content: "ping" });

  // A change to the Assistant CR reaches the gateway through the same path: a new version with
  // new instructions takes all traffic.
  const t0 = Date.now();
  const next = "Second instructions, applied through the CR.";
  await apply(
    assistant(s.ns, [V3_MISSING, { name: "v4", modelRef: "gpt", instructions: next }], "v4"),
  );
  let seen = "";
  await waitFor("new instructions served", 15_000, async () => {
    const again = await ask();
    const c = (again.json as { choices?: { message: { content: string } }[] }).choices?.[0]?.message
      .content;
    seen = c ?? again.text;
    return seen.includes(next) && again.headers.get("x-igw-assistant-version") === "v4";
  });
  console.log(`# Assistant change served by the gateway ${Date.now() - t0} ms after the apply`);

  // A caller without the tenant's key is refused.
  const anon = await post(
    `${s.gw?.url ?? ""}/v1/chat/completions`,
    { model: ASSISTANT, messages: [{ role: "user", content: "ping" }] },
    undefined,
  );
  assert.equal(anon.status, 401);
});
