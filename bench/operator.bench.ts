// Benchmark (not a test): converge 1,000 AIModels (each a Deployment and a Service with one pod)
// through the operator, next to the floor: the same client server-side-applying the same child
// objects directly and waiting for the same pods. Then grow to 5,000 AIModels and report the
// operator's RSS. Needs a running local control plane ($KUBECONFIG; hack/bench.sh starts one).
// Targets: time ratio ≤ 1.5, RSS ≤ 250 MB at 5,000.
//
// The operator runs with the NODE_OPTIONS of manifests/manager/deployment.yaml (read from the
// manifest, so the bench measures what we ship); BENCH_OPERATOR_NODE_OPTIONS overrides them.
// Counts: BENCH_AIMODELS (default 1000), BENCH_AIMODELS_RSS (default 5000).
import { readFileSync } from "node:fs";
import type { V1Deployment } from "@kubernetes/client-node";
import type { AIModel } from "../crds/aimodel/v1alpha1/index.ts";
import { desiredChildren } from "../controllers/aimodel/desired.ts";
import { AIMODEL_KIND as AIMODEL } from "../crds/aimodel/v1alpha1/index.ts";
import { DEPLOYMENT } from "../operators/runtime/core-kinds.ts";
import { KubeClient } from "../operators/clients/kube.ts";
import { loadKubeConfig } from "../operators/clients/kubeconfig.ts";
import { installCrds } from "../test/helpers/crds.ts";
import { ensureKwokNodes } from "../test/helpers/kwok.ts";
import { manifestNodeOptions, startOperator } from "../test/helpers/operator.ts";

const N = Number(process.env["BENCH_AIMODELS"] ?? 1000);
const N_RSS = Number(process.env["BENCH_AIMODELS_RSS"] ?? 5000);
const CONCURRENCY = 16;
const kubeconfigPath = process.env["KUBECONFIG"];
if (kubeconfigPath === undefined)
  throw new Error("KUBECONFIG must point at a local control plane (hack/bench.sh sets it)");
const kc = await loadKubeConfig(kubeconfigPath);
const client = new KubeClient(kc);
const NS = { apiVersion: "v1", kind: "Namespace", plural: "namespaces", namespaced: false };
const T_START = performance.now();
// Namespaces are unique per run, so a re-run against the same control plane never meets the
// previous run's namespace still terminating.
const RUN = Date.now().toString(36);

const NODE_OPTIONS = process.env["BENCH_OPERATOR_NODE_OPTIONS"] ?? manifestNodeOptions();

function progress(msg: string): void {
  process.stderr.write(
    `[${((performance.now() - T_START) / 1000).toFixed(0).padStart(5)} s] ${msg}\n`,
  );
}

async function pool<T>(
  items: readonly T[],
  n: number,
  fn: (t: T) => Promise<unknown>,
): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++] as T);
    }),
  );
}

async function until(
  what: string,
  fn: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 500,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function model(ns: string, i: number, replicas: number): AIModel {
  const name = `m-${String(i).padStart(5, "0")}`;
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "AIModel",
    metadata: { name, namespace: ns },
    spec: {
      provider: "vllm",
      modelName: name,
      engine: { image: "vllm/vllm-openai:v0.10.1", port: 8000 },
      replicas,
      minReplicas: replicas,
      maxReplicas: 1,
    },
  };
}

async function namespace(name: string): Promise<void> {
  await client.apply(
    { apiVersion: "v1", kind: "Namespace", metadata: { name } },
    { fieldManager: "bench" },
  );
}

async function deleteNamespace(name: string, wait: boolean): Promise<void> {
  await client.delete(NS, undefined, name);
  if (wait)
    await until(
      `namespace ${name} deleted`,
      async () => (await client.get(NS, undefined, name)) === undefined,
      600_000,
      1000,
    );
}

async function availableCount(ns: string): Promise<number> {
  const deps = await client.list<V1Deployment>(DEPLOYMENT, ns);
  return deps.filter((d) => (d.status?.availableReplicas ?? 0) >= 1).length;
}

async function floor(): Promise<number> {
  const ns = `bench-floor-${RUN}`;
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
  await pool(objs, CONCURRENCY, (o) =>
    client.apply(o, { fieldManager: "bench-floor", force: true }),
  );
  progress(`floor: ${objs.length} children applied`);
  await until("floor Deployments available", async () => (await availableCount(ns)) === N, 900_000);
  const t = performance.now() - t0;
  progress(
    `floor: all ${N} Deployments available after ${(t / 1000).toFixed(1)} s; deleting the namespace`,
  );
  // Wait, so the garbage collector's work does not overlap the operator run.
  await deleteNamespace(ns, true);
  return t;
}

interface Mem {
  rss: number;
  hwm: number;
}

function mem(pid: number): Mem {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string): number =>
    Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) / 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

async function readyModels(ns: string): Promise<{ ready: number; observed: number }> {
  const models = await client.list<AIModel>(AIMODEL, ns);
  return {
    ready: models.filter((m) =>
      m.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
    ).length,
    observed: models.filter((m) => m.status?.observedGeneration === m.metadata.generation).length,
  };
}

/** Samples RSS every 250 ms while `fn` runs; returns the largest sample. */
async function sampled<T>(
  pid: number,
  fn: () => Promise<T>,
): Promise<{ value: T; maxRss: number }> {
  let maxRss = 0;
  const timer = setInterval(() => {
    maxRss = Math.max(maxRss, mem(pid).rss);
  }, 250);
  try {
    const value = await fn();
    return { value, maxRss: Math.max(maxRss, mem(pid).rss) };
  } finally {
    clearInterval(timer);
  }
}

interface OperatorResult {
  ms: number;
  rssAtN: number;
  maxRssToN: number;
  rssAtNRss: number;
  maxRssToNRss: number;
  hwm: number;
  growMs: number;
}

async function operator(): Promise<OperatorResult> {
  const ns = `bench-operator-${RUN}`;
  await namespace(ns);
  const op = await startOperator({
    kubeconfig: kubeconfigPath as string,
    args: ["--namespace", ns, "--leader-elect=false", `--aimodel-concurrency=${CONCURRENCY}`],
    env: { NODE_OPTIONS },
  });
  const pid = op.child.pid ?? 0;
  progress(
    `operator: started (pid ${pid}, NODE_OPTIONS="${NODE_OPTIONS}", RSS ${mem(pid).rss.toFixed(0)} MB)`,
  );
  try {
    const t0 = performance.now();
    const conv = await sampled(pid, async () => {
      await pool(
        Array.from({ length: N }, (_, i) => model(ns, i, 1)),
        CONCURRENCY,
        (m) => client.apply(m, { fieldManager: "bench", force: true }),
      );
      progress(`operator: ${N} AIModels applied`);
      await until("all AIModels Ready", async () => (await readyModels(ns)).ready === N, 900_000);
    });
    const ms = performance.now() - t0;
    // Let the last status writes and Deployment status updates settle before sampling.
    await new Promise((r) => setTimeout(r, 5000));
    const rssAtN = mem(pid).rss;
    progress(
      `operator: all ${N} Ready after ${(ms / 1000).toFixed(1)} s, RSS ${rssAtN.toFixed(0)} MB; adding ${N_RSS - N} more at 0 replicas`,
    );
    // The extra models run zero replicas: the operator caches the same Deployment, Service and
    // AIModel objects, without asking the 2-core control plane for thousands more pods.
    const t1 = performance.now();
    const grow = await sampled(pid, async () => {
      await pool(
        Array.from({ length: N_RSS - N }, (_, i) => model(ns, N + i, 0)),
        CONCURRENCY,
        (m) =>
          client.apply(
            { ...m, spec: { ...m.spec, minReplicas: 0 } },
            { fieldManager: "bench", force: true },
          ),
      );
      progress(`operator: ${N_RSS} AIModels applied`);
      await until(
        `all ${N_RSS} AIModels observed`,
        async () => (await readyModels(ns)).observed === N_RSS,
        1_200_000,
        2000,
      );
    });
    const growMs = performance.now() - t1;
    // Steady state: kube-controller-manager keeps updating Deployment status for a while (each
    // update reaches the operator's cache and queue); sample after 30 s.
    await new Promise((r) => setTimeout(r, 30_000));
    const m = mem(pid);
    progress(
      `operator: all ${N_RSS} observed after ${(growMs / 1000).toFixed(1)} s, RSS ${m.rss.toFixed(0)} MB (peak ${m.hwm.toFixed(0)} MB)`,
    );
    return {
      ms,
      rssAtN,
      maxRssToN: conv.maxRss,
      rssAtNRss: m.rss,
      maxRssToNRss: grow.maxRss,
      hwm: m.hwm,
      growMs,
    };
  } finally {
    await op.stop();
    // Not waited for: removing 5,000 objects' children takes the garbage collector minutes, and
    // hack/bench.sh discards the whole control plane afterwards.
    await deleteNamespace(ns, false);
  }
}

await installCrds(kc);
await ensureKwokNodes(client, "kwok-bench", Math.ceil(N / 240) + 1);
const floorMs = await floor();
const op = await operator();
const ratio = op.ms / floorMs;
const row = (a: string, b: string, c: string, d: string): string =>
  `| ${a.padEnd(58)} | ${b.padStart(10)} | ${c.padStart(9)} | ${d.padEnd(3)} |`;
console.log(
  `\nAIModel operator benchmark (${N} AIModels, ${CONCURRENCY} workers = client concurrency; operator NODE_OPTIONS="${NODE_OPTIONS}")`,
);
console.log(row("measure", "value", "target", "met"));
console.log(row("-".repeat(58), "-".repeat(10), "-".repeat(9), "-".repeat(3)));
console.log(
  row(
    `floor: direct SSA of ${2 * N} children to all-available`,
    `${(floorMs / 1000).toFixed(1)} s`,
    "",
    "",
  ),
);
console.log(
  row(`operator: create ${N} AIModels to all-Ready`, `${(op.ms / 1000).toFixed(1)} s`, "", ""),
);
console.log(row("ratio operator / floor", ratio.toFixed(2), "≤ 1.50", ratio <= 1.5 ? "yes" : "NO"));
console.log(
  row(`operator RSS at ${N} AIModels (5 s after all-Ready)`, `${op.rssAtN.toFixed(0)} MB`, "", ""),
);
console.log(
  row(`operator RSS peak while converging ${N}`, `${op.maxRssToN.toFixed(0)} MB`, "", ""),
);
console.log(
  row(
    `operator RSS at ${N_RSS} AIModels (${N_RSS - N} at 0 replicas; +30 s)`,
    `${op.rssAtNRss.toFixed(0)} MB`,
    "≤ 250 MB",
    op.rssAtNRss <= 250 ? "yes" : "NO",
  ),
);
console.log(
  row(`operator RSS peak while growing to ${N_RSS} (VmHWM)`, `${op.hwm.toFixed(0)} MB`, "", ""),
);
console.log(
  row(
    `operator: ${N} → ${N_RSS} AIModels to all-observed`,
    `${(op.growMs / 1000).toFixed(1)} s`,
    "",
    "",
  ),
);
process.exit(0);
