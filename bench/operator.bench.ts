// Benchmark (not a test): converge 1,000 AIModels (each a Deployment and a Service with one pod)
// through the operator, next to the floor: the same client server-side-applying the same child
// objects directly and waiting for the same pods. Then grow to 5,000 AIModels and report the
// operator's RSS. Needs a running local control plane ($KUBECONFIG; hack/bench.sh starts one).
// Targets: time ratio ≤ 1.5, RSS ≤ 250 MB at 5,000.
import { readFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import type { V1Deployment } from "@kubernetes/client-node";
import type { AIModel } from "../crds/aimodel/v1alpha1/index.ts";
import { desiredChildren } from "../controllers/aimodel/desired.ts";
import { AIMODEL, DEPLOYMENT } from "../controllers/aimodel/gvks.ts";
import { KubeClient } from "../operators/clients/kube.ts";
import { ensureKwokNodes } from "../test/helpers/kwok.ts";
import { startOperator } from "../test/helpers/operator.ts";

const N = Number(process.env["BENCH_AIMODELS"] ?? 1000);
const N_RSS = Number(process.env["BENCH_AIMODELS_RSS"] ?? 5000);
const CONCURRENCY = 16;
const kubeconfigPath = process.env["KUBECONFIG"];
if (kubeconfigPath === undefined) throw new Error("KUBECONFIG must point at a local control plane (hack/bench.sh sets it)");
const kc = new KubeConfig();
kc.loadFromFile(kubeconfigPath);
const client = new KubeClient(kc);
const NS = { apiVersion: "v1", kind: "Namespace", plural: "namespaces", namespaced: false };

async function pool<T>(items: readonly T[], n: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++] as T);
  }));
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function model(ns: string, i: number, replicas: number): AIModel {
  const name = `m-${String(i).padStart(5, "0")}`;
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "AIModel",
    metadata: { name, namespace: ns },
    spec: { provider: "vllm", modelName: name, engine: { image: "vllm/vllm-openai:v0.10.1", port: 8000 }, replicas, minReplicas: replicas, maxReplicas: 1 },
  };
}

async function namespace(name: string): Promise<void> {
  await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name } }, { fieldManager: "bench" });
}

async function deleteNamespace(name: string): Promise<void> {
  await client.delete(NS, undefined, name);
  await until(`namespace ${name} deleted`, async () => (await client.get(NS, undefined, name)) === undefined, 600_000);
}

async function availableCount(ns: string): Promise<number> {
  const deps = await client.list<V1Deployment>(DEPLOYMENT, ns);
  return deps.filter((d) => (d.status?.availableReplicas ?? 0) >= 1).length;
}

async function floor(): Promise<number> {
  const ns = "bench-floor";
  await namespace(ns);
  const objs = Array.from({ length: N }, (_, i) => {
    const m = model(ns, i, 1);
    m.metadata.uid = "floor";
    const c = desiredChildren(m);
    return [c.deployment, c.service].map((o) => {
      // The floor has no owner: the garbage collector would delete children of a missing owner.
      const { ownerReferences: _ignored, ...metadata } = o?.metadata ?? {};
      return { apiVersion: o?.apiVersion ?? "", kind: o?.kind ?? "", metadata, spec: o?.spec };
    });
  }).flat();
  const t0 = performance.now();
  await pool(objs, CONCURRENCY, (o) => client.apply(o, { fieldManager: "bench-floor", force: true }));
  await until("floor Deployments available", async () => (await availableCount(ns)) === N, 900_000);
  const t = performance.now() - t0;
  await deleteNamespace(ns);
  return t;
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) / 1024;
}

async function readyModels(ns: string): Promise<{ ready: number; observed: number }> {
  const models = await client.list<AIModel>(AIMODEL, ns);
  return {
    ready: models.filter((m) => m.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length,
    observed: models.filter((m) => m.status?.observedGeneration === m.metadata.generation).length,
  };
}

async function operator(): Promise<{ ms: number; rssAtN: number; rssAtNRss: number; rssMsg: string }> {
  const ns = "bench-operator";
  await namespace(ns);
  const op = await startOperator({ kubeconfig: kubeconfigPath as string, args: ["--namespace", ns, "--leader-elect=false", `--aimodel-concurrency=${CONCURRENCY}`] });
  const pid = op.child.pid ?? 0;
  try {
    const t0 = performance.now();
    await pool(Array.from({ length: N }, (_, i) => model(ns, i, 1)), CONCURRENCY, (m) => client.apply(m, { fieldManager: "bench", force: true }));
    await until("all AIModels Ready", async () => (await readyModels(ns)).ready === N, 900_000);
    const ms = performance.now() - t0;
    const rssAtN = rssMB(pid);
    // The extra models run zero replicas: the operator caches the same Deployment, Service and
    // AIModel objects, without asking the 2-core control plane for thousands more pods.
    await pool(Array.from({ length: N_RSS - N }, (_, i) => model(ns, N + i, 0)), CONCURRENCY, (m) =>
      client.apply({ ...m, spec: { ...m.spec, minReplicas: 0 } }, { fieldManager: "bench", force: true }),
    );
    await until(`all ${N_RSS} AIModels observed`, async () => (await readyModels(ns)).observed === N_RSS, 1_800_000);
    global.gc?.();
    const rssAtNRss = rssMB(pid);
    return { ms, rssAtN, rssAtNRss, rssMsg: `${N_RSS - N} of them at 0 replicas` };
  } finally {
    await op.stop();
    await deleteNamespace(ns);
  }
}

await ensureKwokNodes(client, "kwok-bench", Math.ceil(N / 240) + 1);
const floorMs = await floor();
const op = await operator();
const ratio = op.ms / floorMs;
const row = (a: string, b: string, c: string, d: string): string => `| ${a.padEnd(44)} | ${b.padStart(12)} | ${c.padStart(12)} | ${d.padEnd(8)} |`;
console.log(`\nAIModel operator benchmark (${N} AIModels, ${CONCURRENCY} workers / client concurrency)`);
console.log(row("measure", "value", "target", "met"));
console.log(row("-".repeat(44), "-".repeat(12), "-".repeat(12), "-".repeat(8)));
console.log(row("floor: direct SSA of children to all-available", `${(floorMs / 1000).toFixed(1)} s`, "", ""));
console.log(row("operator: create AIModels to all-Ready", `${(op.ms / 1000).toFixed(1)} s`, "", ""));
console.log(row("ratio operator / floor", ratio.toFixed(2), "≤ 1.50", ratio <= 1.5 ? "yes" : "NO"));
console.log(row(`operator RSS at ${N} AIModels`, `${op.rssAtN.toFixed(0)} MB`, "", ""));
console.log(row(`operator RSS at ${N_RSS} AIModels (${op.rssMsg})`, `${op.rssAtNRss.toFixed(0)} MB`, "≤ 250 MB", op.rssAtNRss <= 250 ? "yes" : "NO"));
