/**
 * Inference gateway benchmark (not a test; `make bench`). Measures, on loopback, at fixed
 * concurrency and at a fixed rate, streaming and non-streaming:
 *   - added latency p50/p99 of each proxy vs calling the test upstream directly (at 500 req/s),
 *   - max throughput (closed loop, fixed concurrency),
 *   - CPU time of the serving process per answered request (from /proc; steady under other load),
 * for: the test upstream directly, a bare Node HTTP reverse proxy (the floor), the gateway (with
 * Redis limits, auth, metrics and logging on; tracing off, the default), the same gateway with
 * tracing on (OTEL_EXPORTER_OTLP_ENDPOINT set: a server and a client span per request, batched
 * and exported over OTLP/HTTP to a local sink that accepts and drops them), Portkey's AI gateway
 * (npm @portkey-ai/gateway, a TypeScript peer, interleaved in the same rounds; it listens on every
 * interface by itself, so bench/bind-loopback.ts pins it to 127.0.0.1; its streams need
 * bench/portkey-fetch-shim.ts, which says why), and the LiteLLM proxy when
 * it is installed (LITELLM_BIN, default ~/.cache/op-bench/litellm-venv/bin/litellm, installed by
 * hack/bench.sh). Prints one table with ratios and targets.
 *
 * Env: BENCH_RATE (500), BENCH_RATE_REQUESTS (3000), BENCH_CONCURRENCY (32), BENCH_SECONDS (6),
 * BENCH_ROUNDS (3; targets are interleaved per round), BENCH_WARMUP_SECONDS (2, closed loop per target),
 * REDIS_URL (else a private redis-server is started and stopped by PID), BENCH_IGW_BASELINE (a
 * checkout of an earlier gateway, e.g. `git archive <rev> workloads/inference-gateway` unpacked
 * next to a node_modules link: adds it as a target, to show a change costs nothing when off).
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent as HttpAgent, createServer, request as httpRequest } from "node:http";
import { createServer as netServer } from "node:net";
import type { AddressInfo } from "node:net";
import { cpus, homedir, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";

const ROOT = new URL("../", import.meta.url).pathname;
const env = process.env;
const RATE = Number(env["BENCH_RATE"] ?? 500);
const RATE_REQUESTS = Number(env["BENCH_RATE_REQUESTS"] ?? 3000);
const CONCURRENCY = Number(env["BENCH_CONCURRENCY"] ?? 32);
const SECONDS = Number(env["BENCH_SECONDS"] ?? 6);
const ROUNDS = Number(env["BENCH_ROUNDS"] ?? 3);
const WARMUP_SECONDS = Number(env["BENCH_WARMUP_SECONDS"] ?? 2);
const LITELLM_BIN =
  env["LITELLM_BIN"] ?? join(homedir(), ".cache/op-bench/litellm-venv/bin/litellm");

async function freePort(): Promise<number> {
  const s = netServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) =>
    s.close(() => {
      r();
    }),
  );
  return port;
}

const children: ChildProcess[] = [];
// Whatever happens, stop exactly the processes this benchmark started.
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
});
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));
function start(
  cmd: string,
  args: string[],
  extraEnv: Record<string, string | undefined> = {},
  log = false,
): ChildProcess {
  // An undefined value removes the variable from the child's environment.
  const childEnv = Object.fromEntries(
    Object.entries({ ...env, ...extraEnv }).filter(([, v]) => v !== undefined),
  );
  const c = spawn(cmd, args, {
    cwd: ROOT,
    env: childEnv,
    stdio: ["ignore", log ? "pipe" : "ignore", log ? "pipe" : "ignore"],
  });
  children.push(c);
  return c;
}

async function waitReady(url: string, ms: number, init?: RequestInit): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await fetch(url, init).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) return true;
    await sleep(200);
  }
  return false;
}

interface Target {
  name: string;
  base: string;
  path: string;
  headers: Record<string, string>;
  /** The serving process, whose CPU time per answered request is measured (Linux /proc). */
  pid?: number | undefined;
}

interface Samples {
  lat: number[];
  errors: number;
  achieved: number[];
  max: number[];
  /** Requests answered in the measured rounds, and the serving process's CPU ms meanwhile. */
  served: number;
  cpuMs: number;
}

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

/**
 * CPU time (user + system, ms) a process has used so far. Unlike latency, CPU per request
 * hardly moves with other load on a shared machine, so it shows small costs (e.g. tracing off vs
 * a tree without tracing) that the latency percentiles drown in noise.
 */
function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function body(stream: boolean): string {
  return JSON.stringify({
    model: "bench",
    messages: [{ role: "user", content: "benchmark prompt" }],
    max_tokens: 16,
    stream,
  });
}

async function once(pool: Pool, t: Target, payload: string): Promise<boolean> {
  try {
    const r = await pool.request({
      path: t.path,
      method: "POST",
      headers: { "content-type": "application/json", ...t.headers },
      body: payload,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    await r.body.text();
    return r.statusCode === 200;
  } catch {
    return false;
  }
}

/** Open loop at RATE req/s for `n` requests; latencies go into `out`. */
async function atRate(
  pool: Pool,
  t: Target,
  payload: string,
  n: number,
  out: Samples,
): Promise<void> {
  const inflight: Promise<void>[] = [];
  const t0 = performance.now();
  let sent = 0;
  let ok = 0;
  while (sent < n) {
    const due = Math.min(n, Math.floor(((performance.now() - t0) / 1000) * RATE) + 1);
    for (; sent < due; sent++) {
      const s = performance.now();
      inflight.push(
        once(pool, t, payload).then((good) => {
          if (good) {
            ok++;
            out.served++;
            out.lat.push(performance.now() - s);
          } else out.errors++;
        }),
      );
    }
    await sleep(1);
  }
  await Promise.all(inflight);
  out.achieved.push(ok / ((performance.now() - t0) / 1000));
}

/** Closed loop with CONCURRENCY workers for `seconds`: throughput into `out`. */
async function maxThroughput(
  pool: Pool,
  t: Target,
  payload: string,
  seconds: number,
  out: Samples,
): Promise<void> {
  let done = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        if (await once(pool, t, payload)) done++;
        else out.errors++;
      }
    }),
  );
  out.max.push(done / ((performance.now() - t0) / 1000));
  out.served += done;
}

/**
 * Runs every target in interleaved rounds (background load on a shared machine hits all of them
 * alike): per round, RATE_REQUESTS/ROUNDS requests at RATE, then SECONDS/ROUNDS closed loop.
 */
async function measure(
  targets: Target[],
  stream: boolean,
  rounds = ROUNDS,
): Promise<Map<string, Samples>> {
  const payload = body(stream);
  const pools = new Map(
    targets.map((t) => [
      t.name,
      new Pool(t.base, { connections: Math.max(CONCURRENCY, 64), pipelining: 1 }),
    ]),
  );
  const res = new Map<string, Samples>(
    targets.map((t) => [
      t.name,
      { lat: [], errors: 0, achieved: [], max: [], served: 0, cpuMs: 0 },
    ]),
  );
  // Warm-up: every target gets the same WARMUP_SECONDS of closed-loop load first (JIT, pools,
  // leases), so the rounds measure steady state rather than compilation.
  for (const t of targets) {
    const discard: Samples = { lat: [], errors: 0, achieved: [], max: [], served: 0, cpuMs: 0 };
    await maxThroughput(pools.get(t.name)!, t, payload, WARMUP_SECONDS, discard);
  }
  for (let round = 0; round < rounds; round++) {
    for (const t of targets) {
      const pool = pools.get(t.name)!;
      const out = res.get(t.name)!;
      const cpu0 = cpuMsOf(t.pid);
      await atRate(pool, t, payload, Math.ceil(RATE_REQUESTS / ROUNDS), out);
      await maxThroughput(pool, t, payload, SECONDS / ROUNDS, out);
      out.cpuMs += cpuMsOf(t.pid) - cpu0;
    }
  }
  for (const p of pools.values()) await p.close();
  for (const r of res.values()) r.lat.sort((a, b) => a - b);
  return res;
}

const f = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : "n/a");

const PORTKEY = join(ROOT, "node_modules/@portkey-ai/gateway/build/start-server.js");
const PORTKEY_NAME = "Portkey AI gateway";

/** Portkey's gateway forwarding to the test upstream as an OpenAI provider with a custom host. */
async function startPortkey(upstreamPort: number): Promise<{ target?: Target; why?: string }> {
  if (!existsSync(PORTKEY)) return { why: `not installed (${PORTKEY} missing; npm ci)` };
  const port = await freePort();
  const c = start(process.execPath, [
    "--import",
    "./bench/bind-loopback.ts",
    "--import",
    "./bench/portkey-fetch-shim.ts",
    PORTKEY,
    `--port=${port}`,
    "--headless",
  ]);
  const headers = {
    "content-type": "application/json",
    authorization: "Bearer none",
    "x-portkey-provider": "openai",
    "x-portkey-custom-host": `http://127.0.0.1:${upstreamPort}/v1`,
  };
  const base = `http://127.0.0.1:${port}`;
  const ok = await waitReady(`${base}/v1/chat/completions`, 30_000, {
    method: "POST",
    headers,
    body: body(false),
  });
  if (!ok) return { why: "did not answer within 30 s" };
  return {
    target: { name: PORTKEY_NAME, base, path: "/v1/chat/completions", headers, pid: c.pid },
  };
}

/** Our gateway against Portkey's: the targets (throughput ≥, added p99 ≤). */
function versusPortkey(
  stream: boolean,
  direct: Samples,
  ours: Samples,
  theirs: Samples | undefined,
): string {
  const mode = stream ? "stream" : "non-stream";
  if (theirs === undefined) return `${mode}: Portkey not measured`;
  if (theirs.lat.length === 0)
    return `${mode}: vs Portkey: not comparable, Portkey answered none of its requests (${theirs.errors} errors; without bench/portkey-fetch-shim.ts 1.15.2 fails every stream with a 500, "TypeError: immutable")`;
  const added = (x: Samples): number => percentile(x.lat, 99) - percentile(direct.lat, 99);
  const tput = median(ours.max) >= median(theirs.max);
  const p99 = added(ours) <= added(theirs);
  return `${mode}: vs Portkey: max ${f(median(ours.max), 0)} vs ${f(median(theirs.max), 0)} req/s (target ≥: ${tput ? "MET" : "MISSED"}); added p99 ${f(added(ours))} vs ${f(added(theirs))} ms (target ≤: ${p99 ? "MET" : "MISSED"}), with our limits, auth and metrics on`;
}

async function startLiteLLM(
  upstreamPort: number,
  dir: string,
): Promise<{ target?: Target; why?: string }> {
  if (!existsSync(LITELLM_BIN))
    return {
      why: `not installed (${LITELLM_BIN} missing; pip install 'litellm[proxy]' in a venv)`,
    };
  const port = await freePort();
  const cfg = join(dir, "litellm.yaml");
  await writeFile(
    cfg,
    `model_list:\n  - model_name: bench\n    litellm_params:\n      model: openai/test-model\n      api_base: http://127.0.0.1:${upstreamPort}/v1\n      api_key: none\nlitellm_settings:\n  drop_params: true\n  telemetry: false\n`,
  );
  const c = start(
    LITELLM_BIN,
    ["--config", cfg, "--host", "127.0.0.1", "--port", String(port), "--num_workers", "1"],
    // No DATABASE_URL: with one, LiteLLM tries to migrate a database (the test env's PostgreSQL).
    {
      LITELLM_LOG: "ERROR",
      LITELLM_TELEMETRY: "False",
      LITELLM_MASTER_KEY: "sk-bench",
      DATABASE_URL: undefined,
    },
    true,
  );
  let out = "";
  c.stdout?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-2000)));
  c.stderr?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-2000)));
  const ok = await waitReady(`http://127.0.0.1:${port}/health/liveliness`, 90_000);
  if (!ok) return { why: `did not start within 90 s: ${out.replace(/\s+/g, " ").slice(-200)}` };
  return {
    target: {
      name: "LiteLLM proxy (1 worker)",
      base: `http://127.0.0.1:${port}`,
      path: "/v1/chat/completions",
      headers: { authorization: "Bearer sk-bench" },
    },
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "igw-bench-"));
  let redisUrl = env["REDIS_URL"];
  if (redisUrl === undefined) {
    const p = await freePort();
    start("redis-server", [
      "--port",
      String(p),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
    ]);
    redisUrl = `redis://127.0.0.1:${p}`;
    await sleep(300);
  }
  const upPort = await freePort();
  const upProc = start(process.execPath, [
    "workloads/inference-gateway/test-upstream/server.ts",
    "--port",
    String(upPort),
    "--max-tokens",
    "16",
  ]);
  await waitReady(`http://127.0.0.1:${upPort}/v1/models`, 10_000);

  const key = `sk-bench-${randomBytes(12).toString("hex")}`;
  const cfg = join(dir, "routing.json");
  await writeFile(
    cfg,
    JSON.stringify({
      apiVersion: "gateway.librechat.io/v1alpha1",
      kind: "InferenceGatewayConfig",
      backends: [
        {
          name: "up",
          provider: "openai",
          baseURL: `http://127.0.0.1:${upPort}/v1`,
          cost: { inputPerMillion: 0.2, outputPerMillion: 0.6 },
        },
      ],
      models: [{ name: "bench", routes: [{ backend: "up", upstreamModel: "test-model" }] }],
      tenants: [
        {
          id: "bench",
          apiKeys: [{ sha256: createHash("sha256").update(key).digest("hex") }],
          models: ["*"],
          limits: {
            rpm: 100_000_000,
            tpm: 1_000_000_000_000,
            tokenBudget: { tokens: 1_000_000_000_000 },
          },
        },
      ],
    }),
  );
  const gwPort = await freePort();
  const gwProc = start(
    process.execPath,
    ["workloads/inference-gateway/src/server.ts", "--config", cfg, "--port", String(gwPort)],
    { REDIS_URL: redisUrl, LOG_LEVEL: "info" },
  );
  // The same gateway with tracing on, exporting to a local OTLP sink (accepts, counts, drops).
  const sink = await freePort();
  start(process.execPath, ["bench/inference-gateway.bench.ts", "--otlp-sink", String(sink)]);
  const tracedPort = await freePort();
  const tracedProc = start(
    process.execPath,
    ["workloads/inference-gateway/src/server.ts", "--config", cfg, "--port", String(tracedPort)],
    {
      REDIS_URL: redisUrl,
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink}`,
      OTEL_SERVICE_NAME: "inference-gateway-bench",
    },
  );
  const baselineDir = env["BENCH_IGW_BASELINE"];
  const basePort = await freePort();
  let basePid: number | undefined;
  if (baselineDir !== undefined) {
    const server = join(baselineDir, "workloads/inference-gateway/src/server.ts");
    basePid = start(process.execPath, [server, "--config", cfg, "--port", String(basePort)], {
      REDIS_URL: redisUrl,
      LOG_LEVEL: "info",
    }).pid;
    await waitReady(`http://127.0.0.1:${basePort}/readyz`, 15_000);
  }
  const bare = await freePort();
  const bareProc = start(process.execPath, [
    "bench/inference-gateway.bench.ts",
    "--bare-proxy",
    String(bare),
    String(upPort),
  ]);
  await waitReady(`http://127.0.0.1:${gwPort}/readyz`, 15_000);
  await waitReady(`http://127.0.0.1:${tracedPort}/readyz`, 15_000);
  await waitReady(`http://127.0.0.1:${sink}/count`, 10_000);
  await waitReady(`http://127.0.0.1:${bare}/v1/models`, 10_000);

  const targets: Target[] = [
    {
      name: "test upstream (direct)",
      base: `http://127.0.0.1:${upPort}`,
      path: "/v1/chat/completions",
      headers: {},
      pid: upProc.pid,
    },
    {
      name: "bare Node proxy (floor)",
      base: `http://127.0.0.1:${bare}`,
      path: "/v1/chat/completions",
      headers: {},
      pid: bareProc.pid,
    },
    {
      name: "inference gateway",
      base: `http://127.0.0.1:${gwPort}`,
      path: "/v1/chat/completions",
      headers: { authorization: `Bearer ${key}` },
      pid: gwProc.pid,
    },
    {
      name: TRACED,
      base: `http://127.0.0.1:${tracedPort}`,
      path: "/v1/chat/completions",
      headers: { authorization: `Bearer ${key}` },
      pid: tracedProc.pid,
    },
  ];
  if (baselineDir !== undefined)
    targets.push({
      name: "inference gateway, baseline tree",
      base: `http://127.0.0.1:${basePort}`,
      path: "/v1/chat/completions",
      headers: { authorization: `Bearer ${key}` },
      pid: basePid,
    });
  const portkey = await startPortkey(upPort);
  if (portkey.target !== undefined) targets.push(portkey.target);
  const results = new Map<boolean, Map<string, Samples>>();
  for (const stream of [false, true]) results.set(stream, await measure(targets, stream));
  // LiteLLM last and alone (one round of the same size): it is far slower, and its background work
  // must not disturb the interleaved rounds above.
  const lite = await startLiteLLM(upPort, dir);
  if (lite.target !== undefined) {
    for (const stream of [false, true]) {
      const r = await measure([lite.target], stream, 1);
      for (const [k, v] of r) results.get(stream)!.set(k, v);
    }
    targets.push(lite.target);
  }

  const rows: string[] = [];
  const summary: string[] = [];
  for (const stream of [false, true]) {
    const res = results.get(stream)!;
    const direct = res.get(targets[0]!.name)!;
    const floor = res.get(targets[1]!.name)!;
    const dp50 = percentile(direct.lat, 50);
    const dp99 = percentile(direct.lat, 99);
    for (const t of targets) {
      const r = res.get(t.name)!;
      const p50 = percentile(r.lat, 50);
      const p99 = percentile(r.lat, 99);
      const first = t === targets[0];
      rows.push(
        `| ${stream ? "stream" : "non-stream"} | ${t.name} | ${f(p50)} | ${f(p99)} | ${first ? "-" : f(p50 - dp50)} | ${first ? "-" : f(p99 - dp99)} | ${f(median(r.achieved), 0)} | ${f(median(r.max), 0)} | ${f(median(r.max) / median(floor.max))} | ${f((r.cpuMs * 1000) / r.served, 0)} | ${r.errors} |`,
      );
    }
    const gw = res.get("inference gateway")!;
    const addP50 = percentile(gw.lat, 50) - dp50;
    const addP99 = percentile(gw.lat, 99) - dp99;
    const ratio = median(gw.max) / median(floor.max);
    summary.push(tracingCost(stream, gw, res.get(TRACED)!));
    summary.push(versusPortkey(stream, direct, gw, res.get(PORTKEY_NAME)));
    summary.push(
      `${stream ? "stream" : "non-stream"}: gateway added p50 ${f(addP50)} ms / p99 ${f(addP99)} ms at ${RATE} req/s (target p99 ≤ 2 ms: ${addP99 <= 2 ? "MET" : "MISSED"}); throughput ${f(ratio * 100, 0)}% of bare proxy (target ≥ 70%: ${ratio >= 0.7 ? "MET" : "MISSED"})`,
    );
  }
  console.log(
    `\nInference gateway benchmark — loopback, ${RATE} req/s × ${RATE_REQUESTS} requests for latency; ${CONCURRENCY} concurrent × ${SECONDS} s for throughput; 16 completion tokens; upstream = test upstream (0 ms latency); ${ROUNDS} interleaved rounds (LiteLLM: 1 round, alone); ${cpus().length} CPUs, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join("/")} at the end (shared machine)`,
  );
  console.log(
    "| mode | target | p50 ms @rate | p99 ms @rate | added p50 ms | added p99 ms | achieved req/s @rate | max req/s @conc | max vs bare proxy | CPU µs/req | errors |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(r);
  if (lite.why !== undefined) console.log(`| both | LiteLLM proxy | ${lite.why} | | | | | | | | |`);
  if (portkey.why !== undefined)
    console.log(`| both | ${PORTKEY_NAME} | ${portkey.why} | | | | | | | | |`);
  for (const s of summary) console.log(`- ${s}`);
  const exported = (await (await fetch(`http://127.0.0.1:${sink}/count`)).json()) as {
    requests: number;
    bytes: number;
  };
  console.log(
    `- tracing on exported ${exported.requests} OTLP batches (${f(exported.bytes / 1e6, 1)} MB) to the sink`,
  );
  for (const c of children) c.kill("SIGTERM");
  await sleep(500);
  await rm(dir, { recursive: true, force: true });
}

const TRACED = "inference gateway, tracing on";

/** One summary line: what turning tracing on costs, against the same gateway with it off. */
function tracingCost(stream: boolean, off: Samples, on: Samples): string {
  const d50 = percentile(on.lat, 50) - percentile(off.lat, 50);
  const d99 = percentile(on.lat, 99) - percentile(off.lat, 99);
  const ratio = median(on.max) / median(off.max);
  const cpu = (x: Samples): number => (x.cpuMs * 1000) / x.served;
  return `${stream ? "stream" : "non-stream"}: tracing on vs off: CPU ${f(cpu(on), 0)} vs ${f(cpu(off), 0)} µs/req; p50 ${d50 >= 0 ? "+" : ""}${f(d50)} ms, p99 ${d99 >= 0 ? "+" : ""}${f(d99)} ms at ${RATE} req/s; max throughput ${f(ratio * 100, 0)}% of tracing off`;
}

// --- OTLP sink mode: `node bench/inference-gateway.bench.ts --otlp-sink <port>`: accepts OTLP/HTTP
// exports and drops them (counts on GET /count), so the traced gateway pays for making and
// sending spans, not for a collector's storage.
function otlpSink(): void {
  const port = Number(process.argv[3]);
  let requests = 0;
  let bytes = 0;
  createServer((req, res) => {
    if (req.method === "GET") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ requests, bytes }));
      return;
    }
    req.on("data", (c: Buffer) => {
      bytes += c.length;
    });
    req.on("end", () => {
      requests++;
      res.setHeader("content-type", "application/json");
      res.end("{}");
    });
  }).listen(port, "127.0.0.1");
}

// --- bare proxy mode: `node bench/inference-gateway.bench.ts --bare-proxy <port> <upstreamPort>` ---
function bareProxy(): void {
  const port = Number(process.argv[3]);
  const upstreamPort = Number(process.argv[4]);
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 256 });
  createServer((req, res) => {
    const up = httpRequest(
      {
        host: "127.0.0.1",
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    up.on("error", () => {
      res.statusCode = 502;
      res.end();
    });
    req.pipe(up);
  }).listen(port, "127.0.0.1");
}

if (process.argv[2] === "--bare-proxy") bareProxy();
else if (process.argv[2] === "--otlp-sink") otlpSink();
else await main();
