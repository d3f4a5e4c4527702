// Benchmark (not a test) of the inference loop's config propagation (issue 13): with 1,000
// AIModels and 100 Assistants present, the time from applying an AIModel change to the gateway
// serving it, p50/p99 over 100 changes; the routing config's size; and the gateway's latency to a
// zero-latency upstream without reloads, during reloads of the same config written straight into
// its volume (the gateway's own cost), and during the 100 changes (with the control plane's work).
//
// The chain measured: kube-apiserver → the manager (gateway-config) renders and writes the
// ConfigMap → a kubelet stand-in projects it into a directory (`..data` swap, fed by a watch:
// watchVolume in test/helpers/kubelet-volume.ts) → the gateway process (workloads/inference-gateway, its own
// process, default settings) reloads it → a request with max_tokens 100,000 reaches the test
// upstream clamped to the AIModel's new maxTokens. A real kubelet refreshes ConfigMap volumes on
// its sync period (up to about a minute by default), which this stand-in does not model: in a
// cluster that, not the operator, dominates propagation.
// Needs a running local control plane and Redis (hack/bench.sh starts them).
// Counts: BENCH_LOOP_MODELS (default 1000), BENCH_LOOP_ASSISTANTS (100), BENCH_LOOP_CHANGES (100).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1ConfigMap, V1Secret } from "@kubernetes/client-node";
import { TENANT_KIND } from "../crds/tenant/v1alpha1/index.ts";
import { KubeClient } from "../operators/clients/kube.ts";
import { loadKubeConfig } from "../operators/clients/kubeconfig.ts";
import { CONFIG_MAP, NAMESPACE, SECRET } from "../operators/runtime/core-kinds.ts";
import {
  CONFIG_KEY,
  CONFIGMAP_NAME,
  GENERATION_ANNOTATION,
} from "../controllers/gateway-config/desired/configmap.ts";
import {
  CREDENTIALS_SECRET,
  TENANT_KEY_KEY,
  TENANT_KEY_SECRET,
} from "../controllers/gateway-config/desired/secrets.ts";
import { startTestUpstream } from "../workloads/inference-gateway/test-upstream/upstream.ts";
import { installCrds } from "../test/helpers/crds.ts";
import { secretFiles, watchVolume, writeVolume } from "../test/helpers/kubelet-volume.ts";
import { startOperator } from "../test/helpers/operator.ts";
import {
  externalModel,
  providerSecret,
  tenantOwning,
} from "../test/integration/loop/bridged-gateway.ts";

const MODELS = Number(process.env["BENCH_LOOP_MODELS"] ?? 1000);
const ASSISTANTS = Number(process.env["BENCH_LOOP_ASSISTANTS"] ?? 100);
const CHANGES = Number(process.env["BENCH_LOOP_CHANGES"] ?? 100);
const kubeconfigPath = process.env["KUBECONFIG"];
const redisUrl = process.env["REDIS_URL"];
if (kubeconfigPath === undefined || redisUrl === undefined)
  throw new Error("KUBECONFIG and REDIS_URL must be set (hack/bench.sh sets them)");
const kc = await loadKubeConfig(kubeconfigPath);
const client = new KubeClient(kc);
const RUN = Date.now().toString(36);
const NS = `loop-bench-${RUN}`;
const KEY = `sk-${randomBytes(12).toString("hex")}`;
const T0 = performance.now();

const progress = (msg: string): void => {
  process.stderr.write(`[${((performance.now() - T0) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
};
const apply = (o: Record<string, unknown>): Promise<unknown> =>
  client.apply(o, { fieldManager: "loop-bench", force: true });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function pool<T>(items: readonly T[], n: number, fn: (t: T) => Promise<unknown>) {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++] as T);
    }),
  );
}

function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const model = (name: string, modelName: string, url: string, maxTokens?: number) =>
  externalModel(NS, name, modelName, url, maxTokens === undefined ? {} : { maxTokens });

// ---- set-up: namespace, upstream, 1,000 AIModels, 100 Assistants, one Tenant, the manager
await installCrds(kc);
await apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
const up = await startTestUpstream({ name: "bench", requireApiKey: KEY });
await apply(providerSecret(NS, KEY));
const cfgDir = await mkdtemp(join(tmpdir(), "loop-bench-cfg-"));
const credDir = await mkdtemp(join(tmpdir(), "loop-bench-cred-"));
progress(`applying ${MODELS} AIModels and ${ASSISTANTS} Assistants`);
await pool(
  Array.from({ length: MODELS }, (_, i) => i),
  16,
  (i) => apply(model(`m-${i}`, `bench-m-${i}-${RUN}`, up.url)),
);
await apply(model("probe", `probe-${RUN}`, up.url, 100));
await pool(
  Array.from({ length: ASSISTANTS }, (_, i) => i),
  16,
  (i) =>
    apply({
      apiVersion: "librechat.io/v1alpha1",
      kind: "Assistant",
      metadata: { name: `a-${i}-${RUN}`, namespace: NS },
      spec: {
        versions: [
          { name: "v1", modelRef: `m-${i}`, instructions: `Assistant ${i}, version one.` },
          { name: "v2", modelRef: `m-${i + 1}`, instructions: `Assistant ${i}, version two.` },
        ],
        variants: [
          { version: "v1", weight: 90 },
          { version: "v2", weight: 10 },
        ],
        stickiness: "Conversation",
        revisionHistoryLimit: 5,
      },
    }),
);
const TENANT = `loop-bench-${RUN}`;
await apply(
  tenantOwning(TENANT, NS, {
    allowed: [`probe-${RUN}`],
    rateLimits: { requestsPerMinute: 1_000_000 },
  }),
);
const op = await startOperator({
  kubeconfig: kubeconfigPath,
  args: ["--controllers=gateway-config", `--namespace=${NS}`, "--leader-elect=false"],
  env: { POD_NAMESPACE: NS, GATEWAY_CREDENTIALS_DIR: credDir },
});
// The kubelet stand-in follows both objects by watch (its default change detection), so the
// measured chain carries no polling load; `cfgVolume.current()` is also what the measurement
// reads to see the operator's write, without a GET of 300 KiB.
const cfgVolume = await watchVolume<V1ConfigMap>(
  client,
  { gvk: CONFIG_MAP, namespace: NS, name: CONFIGMAP_NAME },
  cfgDir,
  (cm) => cm.data,
);
const credVolume = await watchVolume<V1Secret>(
  client,
  { gvk: SECRET, namespace: NS, name: CREDENTIALS_SECRET },
  credDir,
  secretFiles,
);

// The config is complete when it routes every model and assistant.
let size = 0;
for (;;) {
  const cm = await client.get<V1ConfigMap>(CONFIG_MAP, NS, CONFIGMAP_NAME);
  const text = cm?.data?.[CONFIG_KEY];
  const bin = cm?.binaryData?.[CONFIG_KEY];
  if (text !== undefined || bin !== undefined) {
    size = text !== undefined ? Buffer.byteLength(text) : Buffer.from(bin ?? "", "base64").length;
    const parsed =
      text === undefined
        ? undefined
        : (JSON.parse(text) as { models: unknown[]; assistants?: unknown[] });
    if (
      bin !== undefined ||
      ((parsed?.models.length ?? 0) > MODELS && (parsed?.assistants?.length ?? 0) >= ASSISTANTS)
    )
      break;
  }
  await sleep(500);
}
progress(`routing ConfigMap complete: ${(size / 1024).toFixed(0)} KiB`);
const binary =
  (await client.get<V1ConfigMap>(CONFIG_MAP, NS, CONFIGMAP_NAME))?.binaryData !== undefined;
if (binary)
  throw new Error("the config was written compressed (binaryData); this bench reads data only");

// ---- the gateway as its own process, reading the projected file
const port = await freePort();
const gw = spawn(process.execPath, ["workloads/inference-gateway/src/server.ts"], {
  env: {
    PATH: process.env["PATH"] ?? "",
    GATEWAY_CONFIG: join(cfgDir, CONFIG_KEY),
    GATEWAY_HOST: "127.0.0.1",
    GATEWAY_PORT: String(port),
    REDIS_URL: redisUrl,
    LOG_LEVEL: "warn",
  },
  stdio: ["ignore", "ignore", "inherit"],
});
const base = `http://127.0.0.1:${port}`;
let tenantKey = "";
for (let i = 0; i < 200; i++) {
  const sec = await client.get<{ data?: Record<string, string> }>(SECRET, NS, TENANT_KEY_SECRET);
  tenantKey = Buffer.from(sec?.data?.[TENANT_KEY_KEY] ?? "", "base64").toString("utf8");
  if (tenantKey !== "") break;
  await sleep(100);
}
const ask = async (): Promise<{ status: number; ms: number }> => {
  const t = performance.now();
  const r = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${tenantKey}` },
    body: JSON.stringify({
      model: `probe-${RUN}`,
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 100_000,
    }),
  });
  await r.arrayBuffer();
  return { status: r.status, ms: performance.now() - t };
};
for (let i = 0; i < 300 && (await ask().catch(() => ({ status: 0, ms: 0 }))).status !== 200; i++)
  await sleep(100);

// ---- steady traffic without reloads (the floor of this table's latency column)
async function traffic(ms: number): Promise<number[]> {
  const out: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    out.push((await ask()).ms);
    await sleep(5);
  }
  return out;
}
progress("traffic without reloads");
const idle = await traffic(10_000);

// ---- reloads alone: the same config written into the volume every 250 ms with a new generation
// (so every write is a full reload: parse, validate, build), no API server or operator work in
// between, to see the gateway's own reload cost in the request latency.
const successfulReloads = async (): Promise<number> => {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = /inference_gateway_config_reloads_total\{result="success"\} (\d+)/.exec(text);
  return Number(m?.[1] ?? NaN);
};
progress("traffic during local reloads");
const served = cfgVolume.current()?.data ?? {};
const config = JSON.parse(served[CONFIG_KEY] ?? "{}") as { generation?: number };
const reloadsBefore = await successfulReloads();
let stopLocal = false;
let written = 0;
const reloader = (async () => {
  while (!stopLocal) {
    const generation = (config.generation ?? 0) + 10_000 + ++written;
    await writeVolume(cfgDir, {
      ...served,
      [CONFIG_KEY]: JSON.stringify({ ...config, generation }),
    });
    await sleep(250);
  }
})();
const localReloads = await traffic(10_000);
stopLocal = true;
await reloader;
await sleep(500);
const reloaded = (await successfulReloads()) - reloadsBefore;
await writeVolume(cfgDir, served);

// ---- 100 changes: maxTokens of the probe model; served when the upstream sees the new clamp
progress(`${CHANGES} changes`);
const times: number[] = [];
const during: number[] = [];
let stop = false;
// Paced at about 200 requests per second (a tight loop would take a core from the chain it
// measures on a 2-core machine).
const background = (async () => {
  while (!stop) {
    during.push((await ask()).ms);
    await sleep(5);
  }
})();
/** Apply → the ConfigMap carries the change (the operator's part of the chain). */
const rendered: number[] = [];
const generationOf = (): string =>
  cfgVolume.current()?.metadata?.annotations?.[GENERATION_ANNOTATION] ?? "";
for (let i = 0; i < CHANGES; i++) {
  const want = 200 + i;
  const before = generationOf();
  const t = performance.now();
  await apply(model("probe", `probe-${RUN}`, up.url, want));
  let seenRender = false;
  while (up.stats.lastMaxTokens !== want) {
    if (!seenRender && generationOf() !== before) {
      seenRender = true;
      rendered.push(performance.now() - t);
    }
    await sleep(10);
  }
  if (!seenRender) rendered.push(performance.now() - t);
  times.push(performance.now() - t);
}
stop = true;
await background;

console.log(
  `\nInference loop config propagation (${MODELS} AIModels, ${ASSISTANTS} Assistants, ${CHANGES} changes)`,
);
console.log(`| Measure | Value | Target |\n|---|---|---|`);
console.log(
  `| Routing config size | ${(size / 1024).toFixed(0)} KiB (ConfigMap limit 1 MiB) | — |`,
);
console.log(
  `| Apply → ConfigMap rendered (operator), p50 / p99 | ${pct(rendered, 50).toFixed(0)} / ${pct(rendered, 99).toFixed(0)} ms | — |`,
);
console.log(
  `| Apply → gateway serving, p50 / p99 | ${pct(times, 50).toFixed(0)} / ${pct(times, 99).toFixed(0)} ms | p99 ≤ 3,000 ms |`,
);
console.log(
  `| Request latency without reloads, p50 / p99 (${idle.length} requests) | ${pct(idle, 50).toFixed(2)} / ${pct(idle, 99).toFixed(2)} ms | — |`,
);
console.log(
  `| Request latency during local reloads (gateway only: ${reloaded} reloads of ${written} writes, one per 250 ms), p50 / p99 (${localReloads.length} requests) | ${pct(localReloads, 50).toFixed(2)} / ${pct(localReloads, 99).toFixed(2)} ms | no spike |`,
);
console.log(
  `| Request latency during the ${CHANGES} changes (with the API server's and the operator's work on the same cores), p50 / p99 (${during.length} requests) | ${pct(during, 50).toFixed(2)} / ${pct(during, 99).toFixed(2)} ms | — |`,
);
console.log(
  `Traffic is paced at about 200 requests per second. The upstream answers at once, so request latency is the gateway's own plus the loopback; the kubelet stand-in follows the ConfigMap by watch.`,
);

gw.kill("SIGTERM");
await cfgVolume.stop();
await credVolume.stop();
await op.stop();
await up.close();
await client.delete(TENANT_KIND, undefined, TENANT).catch(() => undefined);
await client.delete(NAMESPACE, undefined, NS).catch(() => undefined);
await rm(cfgDir, { recursive: true, force: true });
await rm(credDir, { recursive: true, force: true });
