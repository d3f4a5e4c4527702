// Measurements back into status (issue 13 part 2), end to end: the shipped inference gateway
// Deployment and Service (manifests/inference-gateway) run through the honest pod bridge, fed the
// routing ConfigMap the manager renders; the manager's gateway-metrics controller finds the ready
// pod behind the Service, scrapes its /metrics and writes AIModel status.latency, successRate and
// TrafficHealthy, which the AIModel controller folds into Degraded. Real traffic through the real
// gateway process: healthy → failing backend (Degraded, success rate from the failures) → healed.
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { CoreV1Event } from "@kubernetes/client-node";
import { EVENT } from "../../../operators/runtime/core-kinds.ts";
import type { AIModel } from "../../../crds/aimodel/v1alpha1/index.ts";
import { AIMODEL_KIND } from "../../../crds/aimodel/v1alpha1/index.ts";
import type { Assistant } from "../../../crds/assistant/v1alpha1/index.ts";
import { ASSISTANT_KIND } from "../../../crds/assistant/v1alpha1/index.ts";
import { TENANT_KIND } from "../../../crds/tenant/v1alpha1/index.ts";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import type { TestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { waitFor } from "../../helpers/testenv.ts";
import { post } from "../inference-gateway/helpers.ts";
import { BridgedLoop, externalModel, providerSecret, tenantOwning } from "./bridged-gateway.ts";

const suffix = randomBytes(3).toString("hex");
const TENANT = `measured-${suffix}`;
const MODEL = `gpt-m-${suffix}`;
const PROVIDER_KEY = `sk-provider-${randomBytes(12).toString("hex")}`;

const s: {
  loop?: BridgedLoop;
  ns: string;
  upstream?: TestUpstream;
  /** The bridged gateway pod's URL and the tenant's API key, once the first test has them. */
  gwURL: string;
  key: string;
} = { ns: "", gwURL: "", key: "" };

function loop(): BridgedLoop {
  assert.ok(s.loop !== undefined);
  return s.loop;
}

async function apply(obj: Record<string, unknown>): Promise<void> {
  await loop().apply(obj);
}

const model = (ns: string, upstreamURL: string, name = "gpt", modelName = MODEL) =>
  externalModel(ns, name, modelName, upstreamURL);

const tenant = (ns: string, allowed: string[]) => tenantOwning(TENANT, ns, { allowed });

async function aimodel(): Promise<AIModel | undefined> {
  return loop().client.get<AIModel>(AIMODEL_KIND, s.ns, "gpt");
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
    console.log(`# manager output (tail):\n${(s.loop?.op.output() ?? "").slice(-3000)}`);
    throw err;
  }
}

const cond = (m: AIModel | undefined, type: string) =>
  m?.status?.conditions?.find((c) => c.type === type);

before(async () => {
  s.upstream = await startTestUpstream({ name: "provider", requireApiKey: PROVIDER_KEY });
  s.loop = await BridgedLoop.start("measured", [
    "--controllers=aimodel,gateway-config,gateway-metrics",
    "--gateway-metrics-interval=500",
    "--gateway-metrics-window=4000",
    "--gateway-metrics-status-interval=1000",
    "--gateway-metrics-min-requests=3",
  ]);
  s.ns = s.loop.ns;
});

after(async () => {
  await s.loop?.client.delete(TENANT_KIND, undefined, TENANT).catch(() => undefined);
  await s.loop?.stop();
  await s.upstream?.close();
});

void test("the gateway's measurements of real traffic reach AIModel status, Degraded and back", async () => {
  const ns = s.ns;
  const upstream = s.upstream;
  assert.ok(upstream !== undefined);
  // Before any gateway exists: the model is not measured, and says why.
  await apply(providerSecret(ns, PROVIDER_KEY));
  await apply(model(ns, upstream.url));
  await waitFor("TrafficHealthy NotMeasured (no gateway yet)", 20_000, async () => {
    const c = cond(await aimodel(), "TrafficHealthy");
    return c?.reason === "NotMeasured" && /not found|no ready pod/.test(c.message);
  });
  await apply(tenant(ns, [MODEL]));
  const gwURL = await loop().startGateway(`${ns}.gpt`);
  const key = await loop().tenantKey(ns);
  s.gwURL = gwURL;
  s.key = key;
  const ask = () =>
    post(
      `${gwURL}/v1/chat/completions`,
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
    gwURL,
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
    gwURL,
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
  loop().onStop(() => bad.close());
  await apply(model(ns, bad.url, "bad", BAD_MODEL));
  await apply(tenant(ns, [MODEL, BAD_MODEL, ASSISTANT]));
  await apply(
    assistant(ns, [
      { version: "v1", weight: 50 },
      { version: "v2", weight: 50 },
    ]),
  );
  const get = () => loop().client.get<Assistant>(ASSISTANT_KIND, ns, ASSISTANT);
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
  /** Conversations that stuck to v2 (they failed). */
  const onV2: string[] = [];
  let served = false;
  const t0 = Date.now();
  let a: Assistant | undefined;
  await waitFor("RolledBack=True", 40_000, async () => {
    for (let i = 0; i < 10; i++) {
      const r = await ask(`c-${n++}`);
      served ||= r.status !== 404;
      // v1's provider is healthy: every failure is a conversation that stuck to v2 (error
      // answers carry no version header).
      if (r.status >= 500) {
        v2Failures++;
        onV2.push(`c-${n - 1}`);
      }
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
  const events = await loop().client.list<CoreV1Event>(EVENT, ns);
  assert.ok(
    events.some((e) => e.involvedObject.name === ASSISTANT && e.reason === "RolledBack"),
    "RolledBack Event",
  );
  // gateway-config renders the rolled-back variants: once the gateway reloads, every conversation,
  // including those that stuck to v2, is served by v1 without errors.
  await waitFor("conversations that stuck to v2 are served by v1", 15_000, async () => {
    const rs = await Promise.all(onV2.map((id) => ask(id)));
    return rs.every((r) => r.status === 200 && r.headers.get("x-igw-assistant-version") === "v1");
  });
  const moved = [];
  for (let i = 0; i < 30; i++) moved.push(await ask(`c-${i}`));
  assert.deepEqual(
    [
      ...new Set(
        moved.map(
          (r) =>
            `${r.status} ${r.headers.get("x-igw-assistant-version")}${r.status === 200 ? "" : ` ${r.text.slice(0, 200)}`}`,
        ),
      ),
    ],
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
