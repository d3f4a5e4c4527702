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
import type { CoreV1Event, V1Deployment, V1Secret } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { KubeClient } from "../../../operators/clients/kube.ts";
import { EVENT, SECRET } from "../../../operators/runtime/core-kinds.ts";
import type { AIModel } from "../../../crds/aimodel/v1alpha1/index.ts";
import { AIMODEL_KIND } from "../../../crds/aimodel/v1alpha1/index.ts";
import type { Assistant } from "../../../crds/assistant/v1alpha1/index.ts";
import { ASSISTANT_KIND } from "../../../crds/assistant/v1alpha1/index.ts";
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
  /** The bridged gateway pod's URL and the tenant's API key, once the first test has them. */
  gwURL: string;
  key: string;
} = { ns: "", credDir: "", stops: [], gwURL: "", key: "" };

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

function model(
  ns: string,
  upstreamURL: string,
  name = "gpt",
  modelName = MODEL,
): Record<string, unknown> {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "AIModel",
    metadata: { name, namespace: ns },
    spec: {
      provider: "openai",
      modelName,
      external: {
        baseURL: `${upstreamURL}/v1`,
        providerModel: "test-model",
        credentialsSecretRef: { name: "provider-creds", key: "apiKey" },
      },
    },
  };
}

function tenant(ns: string, allowed: string[]): Record<string, unknown> {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    metadata: { name: TENANT },
    spec: {
      displayName: "Measured status tenant",
      owners: [{ kind: "User", name: "measured@test.example" }],
      namespaces: { maxCount: 1, prefix: "Disabled", items: [{ name: ns }] },
      models: { allowed, rateLimits: { requestsPerMinute: 6000 } },
      deletionPolicy: "Retain",
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
  await apply(tenant(ns, [MODEL]));
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
  s.gwURL = gw.url;
  s.key = key;
  const ask = () =>
    post(
      `${gw.url}/v1/chat/completions`,
      { model: MODEL, messages: [{ role: "user", content: "ping" }] },
      key,
    );
  await waitFor("the gateway routes the model", 20_000, async () => (await ask()).status === 200);

  // Healthy traffic: success rate 1, latency measured, TrafficHealthy True, not Degraded. Traffic
  // goes on while waiting, so the window holds only these requests once the earlier ones (sent
  // while the provider key was being mounted) have left it.
  let m: AIModel | undefined;
  await waitFor("measured healthy status", 20_000, async () => {
    for (let i = 0; i < 5; i++) assert.equal((await ask()).status, 200);
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
      // Failed attempts, or the breaker they opened (then few attempts reach the provider).
      return (
        ["SuccessRateLow", "BreakerOpen"].includes(cond(m, "TrafficHealthy")?.reason ?? "") &&
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
    /SuccessRateLow.*Success rate 0\.\d{4} over \d+ requests|BreakerOpen.*circuit breaker/,
  );
  if (cond(m, "TrafficHealthy")?.reason === "SuccessRateLow")
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

const ASSISTANT = `helper-m-${suffix}`;
const BAD_MODEL = `bad-m-${suffix}`;

function assistant(ns: string, variants: { version: string; weight: number }[]) {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Assistant",
    metadata: { name: ASSISTANT, namespace: ns },
    spec: {
      versions: [
        { name: "v1", modelRef: "gpt", instructions: "Version one." },
        { name: "v2", modelRef: "bad", instructions: "Version two." },
      ],
      variants,
      stickiness: "Conversation",
      revisionHistoryLimit: 5,
      rollback: { auto: true, toVersion: "v1", errorRateThreshold: "0.2" },
    },
  };
}

void test("a version whose error rate passes the threshold is rolled back automatically; a spec change resumes", async () => {
  const ns = s.ns;
  assert.ok(s.gwURL !== "", "the first test started the gateway");
  // v2's model is a provider that fails every request.
  const bad = await startTestUpstream({
    name: "bad-provider",
    requireApiKey: PROVIDER_KEY,
    errorRate: 1,
    errorStatus: 500,
  });
  s.stops.push(() => bad.close());
  await apply(model(ns, bad.url, "bad", BAD_MODEL));
  await apply(tenant(ns, [MODEL, BAD_MODEL, ASSISTANT]));
  await apply(
    assistant(ns, [
      { version: "v1", weight: 50 },
      { version: "v2", weight: 50 },
    ]),
  );
  const get = () => client.get<Assistant>(ASSISTANT_KIND, ns, ASSISTANT);
  const acond = (a: Assistant | undefined, type: string) =>
    a?.status?.conditions?.find((c) => c.type === type);
  const ask = (conversation: string) =>
    post(
      `${s.gwURL}/v1/chat/completions`,
      { model: ASSISTANT, messages: [{ role: "user", content: "ping" }] },
      s.key,
      { "x-conversation-id": conversation },
    );
  // Traffic over many conversations (each sticks to one version): those on v2 fail. It starts
  // as soon as the gateway has the assistant (no 404) and goes on until the rollback.
  let n = 0;
  let v2Failures = 0;
  let served = false;
  const t0 = Date.now();
  let a: Assistant | undefined;
  await waitFor("RolledBack=True", 40_000, async () => {
    for (let i = 0; i < 10; i++) {
      const r = await ask(`c-${n++}`);
      served ||= r.status !== 404;
      // v1's provider is healthy: every failure is a conversation that stuck to v2 (error
      // answers carry no version header).
      if (r.status >= 500) v2Failures++;
    }
    a = await get();
    return acond(a, "RolledBack")?.status === "True";
  });
  assert.ok(served);
  console.log(
    `# rolled back ${Date.now() - t0} ms after traffic started (${n} requests, ${v2Failures} failed on v2)`,
  );
  assert.ok(v2Failures >= 3, `v2 failed ${v2Failures} times`);
  assert.equal(acond(a, "RolledBack")?.reason, "AutomaticRollback");
  assert.match(
    acond(a, "RolledBack")?.message ?? "",
    /v2: error rate 1\.0000 .* all traffic to v1/,
  );
  assert.deepEqual(a?.status?.activeVariants, [{ version: "v1", weight: 100 }]);
  assert.equal(a?.status?.lastRollback?.from, "v2");
  assert.equal(a?.status?.lastRollback?.to, "v1");
  assert.equal(a?.status?.lastRollback?.reason, "ErrorRateExceeded");
  // The Event says so too.
  const events = await client.list<CoreV1Event>(EVENT, ns);
  assert.ok(
    events.some((e) => e.involvedObject.name === ASSISTANT && e.reason === "RolledBack"),
    "RolledBack Event",
  );
  // gateway-config renders the rolled-back variants: once the gateway reloads, every conversation,
  // including those that stuck to v2, is served by v1 without errors.
  await waitFor("only v1 served", 15_000, async () => {
    const r = await ask("c-0");
    return r.headers.get("x-igw-assistant-version") === "v1";
  });
  const moved = [];
  for (let i = 0; i < 30; i++) moved.push(await ask(`c-${i}`));
  assert.deepEqual(
    [...new Set(moved.map((r) => `${r.status} ${r.headers.get("x-igw-assistant-version")}`))],
    ["200 v1"],
  );

  // Recovery is a human decision: a spec change (here: v1 takes all traffic) resumes spec.variants.
  await apply(assistant(ns, [{ version: "v1", weight: 100 }]));
  await waitFor("RolledBack=False after the spec change", 20_000, async () => {
    a = await get();
    const c = acond(a, "RolledBack");
    return c?.status === "False" && c.observedGeneration === a?.metadata.generation;
  });
  assert.deepEqual(a?.status?.activeVariants, [{ version: "v1", weight: 100 }]);
  assert.equal(a?.status?.lastRollback?.from, "v2", "the last rollback stays on record");
});
