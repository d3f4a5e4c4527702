// Measurements back into status (issue 13 part 2), end to end: the shipped inference gateway
// Deployment and Service (manifests/inference-gateway) run through the honest pod bridge, fed the
// routing ConfigMap the manager renders; the manager's gateway-metrics controller finds the ready
// pod behind the Service, scrapes its /metrics and writes AIModel status.latency, successRate and
// TrafficHealthy, which the AIModel controller folds into Degraded. Real traffic through the real
// gateway process: healthy → failing backend (Degraded, success rate from the failures) → healed.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { V1Deployment, V1Secret } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { KubeClient } from "../../../operators/clients/kube.ts";
import { SECRET } from "../../../operators/runtime/core-kinds.ts";
import type { AIModel } from "../../../crds/aimodel/v1alpha1/index.ts";
import { AIMODEL_KIND } from "../../../crds/aimodel/v1alpha1/index.ts";
import { TENANT_KIND } from "../../../crds/tenant/v1alpha1/index.ts";
import {
  CREDENTIALS_SECRET,
  TENANT_KEY_KEY,
  TENANT_KEY_SECRET,
} from "../../../controllers/gateway-config/desired/secrets.ts";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import type { TestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { installCrds } from "../../helpers/crds.ts";
import { syncVolume } from "../../helpers/kubelet-volume.ts";
import { startOperator } from "../../helpers/operator.ts";
import type { OperatorProcess } from "../../helpers/operator.ts";
import { PodBridge } from "../../helpers/pod-bridge.ts";
import { createTestNamespace, testEnv, waitFor } from "../../helpers/testenv.ts";
import { post } from "../inference-gateway/helpers.ts";

const env = testEnv();
const client = new KubeClient(env.kubeConfig);
const REPO = resolve(import.meta.dirname, "..", "..", "..");
const suffix = randomBytes(3).toString("hex");
const TENANT = `measured-${suffix}`;
const MODEL = `gpt-m-${suffix}`;
const PROVIDER_KEY = `sk-provider-${randomBytes(12).toString("hex")}`;

const s: {
  ns: string;
  cleanup?: () => Promise<void>;
  op?: OperatorProcess;
  upstream?: TestUpstream;
  bridge?: PodBridge;
  credDir: string;
  stops: (() => Promise<void>)[];
} = { ns: "", credDir: "", stops: [] };

async function apply(obj: Record<string, unknown>): Promise<void> {
  await client.apply(obj, { fieldManager: "integration-test", force: true });
}

type Obj = Record<string, unknown> & { kind: string; metadata: Record<string, unknown> };

/** The shipped gateway ServiceAccount, Service and Deployment, in the test ns, on the bridge. */
function shippedGateway(bridge: PodBridge, ns: string): Obj[] {
  const read = (f: string): Obj[] =>
    parseAllDocuments(readFileSync(join(REPO, "manifests/inference-gateway", f), "utf8")).map(
      (d) => d.toJS() as Obj,
    );
  const sa = read("service-account.yaml")[0];
  const svc = read("service.yaml")[0];
  const dep = read("deployment.yaml")[0] as Obj & V1Deployment;
  assert.ok(sa !== undefined && svc !== undefined && dep.spec?.template.spec !== undefined);
  for (const o of [sa, svc, dep]) Object.assign(o.metadata, { namespace: ns });
  dep.spec.replicas = 1;
  const pod = dep.spec.template.spec;
  Object.assign(pod, bridge.placement());
  const c = pod.containers[0];
  assert.ok(c !== undefined);
  // The two changes the bridge needs (README): bind the pod's own loopback IP instead of every
  // interface, and read the provider keys from the directory the test syncs from the Secret
  // (the manager is told the same directory), since the bridge projects ConfigMaps only.
  c.env = (c.env ?? []).map((e) =>
    e.name === "GATEWAY_HOST"
      ? { name: e.name, valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }
      : e,
  );
  c.volumeMounts = (c.volumeMounts ?? []).filter((m) => m.name !== "credentials");
  pod.volumes = (pod.volumes ?? []).filter((v) => v.name !== "credentials");
  return [sa, svc, dep];
}

function model(ns: string, upstreamURL: string): Record<string, unknown> {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "AIModel",
    metadata: { name: "gpt", namespace: ns },
    spec: {
      provider: "openai",
      modelName: MODEL,
      external: {
        baseURL: `${upstreamURL}/v1`,
        providerModel: "test-model",
        credentialsSecretRef: { name: "provider-creds", key: "apiKey" },
      },
    },
  };
}

async function aimodel(): Promise<AIModel | undefined> {
  return client.get<AIModel>(AIMODEL_KIND, s.ns, "gpt");
}

/** waitFor that prints what the AIModel, the gateway and the manager said when it gives up. */
async function waitOrExplain(
  what: string,
  ms: number,
  check: () => Promise<boolean>,
  gatewayURL?: string,
): Promise<void> {
  try {
    await waitFor(what, ms, check);
  } catch (err) {
    const m = await aimodel();
    console.log(`# AIModel status: ${JSON.stringify(m?.status, null, 1)}`);
    if (gatewayURL !== undefined) {
      const text = await (await fetch(`${gatewayURL}/metrics`)).text();
      const lines = text
        .split("\n")
        .filter((l) => /upstream_attempts_total|backend_health/.test(l));
      console.log(`# gateway metrics:\n${lines.join("\n")}`);
    }
    console.log(`# manager output (tail):\n${(s.op?.output() ?? "").slice(-3000)}`);
    throw err;
  }
}

const cond = (m: AIModel | undefined, type: string) =>
  m?.status?.conditions?.find((c) => c.type === type);

before(async () => {
  await installCrds(env.kubeConfig);
  const ns = await createTestNamespace("measured");
  s.ns = ns.name;
  s.cleanup = ns.cleanup;
  s.credDir = await mkdtemp(join(tmpdir(), "measured-cred-"));
  s.upstream = await startTestUpstream({ name: "provider", requireApiKey: PROVIDER_KEY });
  s.bridge = new PodBridge({ client, nodeName: `bridge-measured-${suffix}` });
  await s.bridge.start();
  s.op = await startOperator({
    kubeconfig: env.kubeconfigPath,
    args: [
      "--controllers=aimodel,gateway-config,gateway-metrics",
      `--namespace=${s.ns}`,
      "--leader-elect=false",
      "--gateway-metrics-interval=500",
      "--gateway-metrics-window=4000",
      "--gateway-metrics-status-interval=1000",
      "--gateway-metrics-min-requests=3",
    ],
    env: { POD_NAMESPACE: s.ns, GATEWAY_CREDENTIALS_DIR: s.credDir },
  });
});

after(async () => {
  for (const stop of s.stops) await stop();
  await s.op?.stop();
  await s.bridge?.stop();
  await s.upstream?.close();
  await client.delete(TENANT_KIND, undefined, TENANT).catch(() => undefined);
  await s.cleanup?.();
  await rm(s.credDir, { recursive: true, force: true });
});

void test("the gateway's measurements of real traffic reach AIModel status, Degraded and back", async () => {
  const ns = s.ns;
  const bridge = s.bridge;
  const upstream = s.upstream;
  assert.ok(bridge !== undefined && upstream !== undefined);
  // Before any gateway exists: the model is not measured, and says why.
  await apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "provider-creds",
      namespace: ns,
      labels: { "librechat.io/model-secret": "true" },
    },
    stringData: { apiKey: PROVIDER_KEY },
  });
  await apply(model(ns, upstream.url));
  await waitFor("TrafficHealthy NotMeasured (no gateway yet)", 20_000, async () => {
    const c = cond(await aimodel(), "TrafficHealthy");
    return c?.reason === "NotMeasured" && /not found|no ready pod/.test(c.message);
  });
  await apply({
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    metadata: { name: TENANT },
    spec: {
      displayName: "Measured status tenant",
      owners: [{ kind: "User", name: "measured@test.example" }],
      namespaces: { maxCount: 1, prefix: "Disabled", items: [{ name: ns }] },
      models: { allowed: [MODEL], rateLimits: { requestsPerMinute: 6000 } },
      deletionPolicy: "Retain",
    },
  });
  // The keys the gateway reads, as the kubelet would mount the Secret (see shippedGateway).
  s.stops.push(
    syncVolume(s.credDir, async () => {
      const sec = await client.get<V1Secret>(SECRET, ns, CREDENTIALS_SECRET);
      if (sec?.data === undefined) return undefined;
      return Object.fromEntries(
        Object.entries(sec.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
      );
    }),
  );
  await apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "inference-gateway-redis", namespace: ns },
    stringData: { url: env.redisUrl },
  });
  for (const o of shippedGateway(bridge, ns)) await apply(o);
  await waitFor("gateway pod ready on the bridge", 60_000, () =>
    Promise.resolve(bridge.readyPods("inference-gateway-").length === 1),
  );
  await waitFor("provider key mounted", 10_000, () =>
    Promise.resolve(existsSync(join(s.credDir, `${ns}.gpt`))),
  );
  const gw = bridge.readyPods("inference-gateway-")[0];
  assert.ok(gw !== undefined);
  const keySecret = await client.get<V1Secret>(SECRET, ns, TENANT_KEY_SECRET);
  const key = Buffer.from(keySecret?.data?.[TENANT_KEY_KEY] ?? "", "base64").toString("utf8");
  const ask = () =>
    post(
      `${gw.url}/v1/chat/completions`,
      { model: MODEL, messages: [{ role: "user", content: "ping" }] },
      key,
    );
  await waitFor("the gateway routes the model", 20_000, async () => (await ask()).status === 200);

  // Healthy traffic: success rate 1, latency measured, TrafficHealthy True, not Degraded.
  for (let i = 0; i < 20; i++) assert.equal((await ask()).status, 200);
  let m: AIModel | undefined;
  await waitFor("measured healthy status", 20_000, async () => {
    m = await aimodel();
    return cond(m, "TrafficHealthy")?.status === "True" && m?.status?.successRate === "1.0000";
  });
  assert.equal(cond(m, "TrafficHealthy")?.reason, "AsExpected");
  assert.ok(m?.status?.latency?.p99Ms !== undefined, JSON.stringify(m?.status));
  assert.equal(cond(m, "TrafficHealthy")?.observedGeneration, m?.metadata.generation);
  await waitFor(
    "Degraded False",
    10_000,
    async () => cond(await aimodel(), "Degraded")?.status === "False",
  );

  // The provider fails every request: the failures the gateway saw make the model Degraded.
  upstream.set({ errorRate: 1, errorStatus: 500 });
  const t0 = Date.now();
  let sawFailure = false;
  await waitOrExplain(
    "TrafficHealthy False, Degraded True",
    30_000,
    async () => {
      for (let i = 0; i < 5; i++) sawFailure ||= (await ask()).status >= 500;
      m = await aimodel();
      return (
        cond(m, "TrafficHealthy")?.reason === "SuccessRateLow" &&
        cond(m, "Degraded")?.reason === "TrafficUnhealthy"
      );
    },
    gw.url,
  );
  console.log(`# failing backend reported Degraded ${Date.now() - t0} ms after the first failure`);
  assert.ok(sawFailure);
  assert.equal(cond(m, "Degraded")?.status, "True");
  assert.match(
    cond(m, "Degraded")?.message ?? "",
    /SuccessRateLow.*Success rate 0\.\d{4} over \d+ requests/,
  );
  assert.ok(Number(m?.status?.successRate) < 0.95, m?.status?.successRate);
  // Ready is the AIModel controller's: the model still serves (failing over is the gateway's job).
  assert.equal(cond(m, "Ready")?.status, "True");

  // Healed: once the failures leave the window, the model is healthy again.
  upstream.set({ errorRate: 0 });
  await waitOrExplain(
    "healthy again",
    40_000,
    async () => {
      for (let i = 0; i < 5; i++) await ask();
      m = await aimodel();
      // Every failure has left the window (a rate above the threshold is True already).
      return (
        cond(m, "TrafficHealthy")?.status === "True" &&
        cond(m, "Degraded")?.status === "False" &&
        m?.status?.successRate === "1.0000"
      );
    },
    gw.url,
  );
  assert.equal(cond(m, "Degraded")?.reason, "AsExpected");
});
