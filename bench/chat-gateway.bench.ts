/**
 * Chat gateway benchmark (not a test; bounded in count and time; loopback only).
 *
 *  1. Fan-out: N concurrent WebSocket connections (default 10,000) split over two gateway
 *     replicas (child processes), all subscribed to one conversation, opened by several client
 *     processes. Measures p50/p99 delivery latency of a broadcast message (POST → every socket),
 *     deliveries/s under a burst, and RSS per idle connection; then the same against a bare `ws`
 *     broadcast server (the floor).
 *  2. Event appends with optimistic concurrency (appendEvents -> chat.append_event: RLS context,
 *     version check, insert; one round trip, autocommit) vs plain INSERTs of the same rows into a
 *     table of the same shape and indexes (no RLS, no check) in the same PostgreSQL, as a ratio
 *     (median of rounds; each round's own ratio is shown too). Also reported:
 *     the same append inside a scoped transaction (BEGIN + RLS context, append, COMMIT).
 *
 * Services: DATABASE_URL and REDIS_URL if set, else started with hack/services/*.sh and stopped
 * by recorded PID. Tokens come from a local OIDC issuer (JWKS over HTTP on 127.0.0.1), verified
 * by the gateway exactly as Keycloak's would be.
 *
 *   node bench/chat-gateway.bench.ts        env: CG_BENCH_CONNS, CG_BENCH_CLIENTS, CG_BENCH_MSGS
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import pg from "pg";
import WebSocket, { WebSocketServer } from "ws";
import { withScope } from "../workloads/chat-gateway/src/store/db.ts";
import type { ConversationEvent } from "../workloads/chat-gateway/src/domain/events.ts";
import { appendEvents } from "../workloads/chat-gateway/src/store/event-store.ts";
import { appUrlFrom, migrate } from "../workloads/chat-gateway/src/store/migrate.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const SERVER_TS = join(ROOT, "workloads/chat-gateway/src/server.ts");
const SEMI_SPACE = "--max-semi-space-size=2";
const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const num = (name: string, d: number): number => Number(process.env[name] ?? d);

// ------------------------------------------------------------------------------------------
// Client worker: opens connections, records delivery latency of "bench:<id>:<ts>" messages.
// ------------------------------------------------------------------------------------------
interface WorkerJob {
  urls: string[];
  count: number;
  token: string;
  conversationId: string;
  after: number;
  floor: boolean;
}

async function clientWorker(): Promise<void> {
  const job = JSON.parse(process.env["CG_BENCH_JOB"] ?? "{}") as WorkerJob;
  const latencies: number[] = [];
  const fromCommit: number[] = [];
  let received = 0;
  const sockets: WebSocket[] = [];
  const onMessage = (data: WebSocket.RawData): void => {
    const s = (data as Buffer).toString();
    const m = /bench:[^:"]+:([\d.]+)/.exec(s);
    if (m === null) return;
    const t = now();
    const ts = Number(m[1]);
    if (Number.isFinite(ts)) {
      latencies.push(t - ts);
      received++;
    }
    const at = /"at":"([^"]+)"/.exec(s);
    if (at !== null) fromCommit.push(t - Date.parse(at[1]!));
  };
  let opened = 0;
  const open = (k: number): Promise<void> =>
    new Promise((resolve) => {
      const url = job.urls[k % job.urls.length]!;
      const ws = new WebSocket(
        url,
        job.floor
          ? {}
          : { headers: { authorization: `Bearer ${job.token}` }, perMessageDeflate: false },
      );
      sockets.push(ws);
      ws.on("error", () => {
        resolve();
      });
      ws.on("message", onMessage);
      ws.once("open", () => {
        opened++;
        if (job.floor) {
          resolve();
          return;
        }
        ws.send(
          JSON.stringify({
            v: 1,
            type: "subscribe",
            id: "s",
            conversationId: job.conversationId,
            after: job.after,
          }),
        );
        const onLive = (d: WebSocket.RawData): void => {
          if ((d as Buffer).toString().includes('"type":"live"')) {
            ws.off("message", onLive);
            resolve();
          }
        };
        ws.on("message", onLive);
      });
    });
  const CONCURRENCY = 100;
  for (let k = 0; k < job.count; k += CONCURRENCY) {
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, job.count - k) }, (_, j) => open(k + j)),
    );
  }
  process.send?.({ kind: "ready", opened });
  process.on("message", (m: { kind: string }) => {
    if (m.kind === "count") process.send?.({ kind: "count", received });
    if (m.kind === "report") {
      process.send?.({
        kind: "report",
        latencies: latencies.splice(0),
        fromCommit: fromCommit.splice(0),
        received,
      });
    }
    if (m.kind === "reset") {
      latencies.length = 0;
      fromCommit.length = 0;
      received = 0;
    }
    if (m.kind === "exit") {
      for (const s of sockets) s.terminate();
      setTimeout(() => process.exit(0), 100);
    }
  });
}

// ------------------------------------------------------------------------------------------
// Floor: a bare ws broadcast server; POST /broadcast sends the body to every client.
// ------------------------------------------------------------------------------------------
function floorServer(): void {
  const http = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      for (const c of wss.clients) c.send(body);
      res.end("ok");
    });
  });
  const wss = new WebSocketServer({
    server: http,
    perMessageDeflate: false,
    maxPayload: 64 * 1024,
  });
  http.listen(Number(process.env["CG_BENCH_PORT"]), "127.0.0.1", () =>
    process.send?.({ kind: "listening" }),
  );
}

// ------------------------------------------------------------------------------------------
// Main
// ------------------------------------------------------------------------------------------
function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0);
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const a = s.address();
  const port = typeof a === "object" && a !== null ? a.port : 0;
  await new Promise((r) => s.close(r));
  return port;
}

interface Services {
  env: Record<string, string>;
  stop(): void;
}

function ensureServices(): Services {
  const have = process.env["DATABASE_URL"] !== undefined && process.env["REDIS_URL"] !== undefined;
  if (have)
    return {
      env: { DATABASE_URL: process.env["DATABASE_URL"]!, REDIS_URL: process.env["REDIS_URL"]! },
      stop: () => undefined,
    };
  const W = mkdtempSync(join(tmpdir(), "cg-bench-"));
  const run = (args: string[]): void => {
    const r = spawnSync("bash", args, {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, W },
    });
    if (r.status !== 0) throw new Error(`bash ${args.join(" ")} failed`);
  };
  for (const s of ["postgres", "redis"]) {
    run([`hack/services/${s}.sh`, "ensure"]);
    run([`hack/services/${s}.sh`, "start", W]);
    run([`hack/services/${s}.sh`, "wait", W]);
  }
  const env: Record<string, string> = {};
  for (const f of readdirSync(join(W, "env.d"))) {
    for (const line of readFileSync(join(W, "env.d", f), "utf8").split("\n")) {
      const m = /^export (\w+)=(.*)$/.exec(line);
      if (m) env[m[1]!] = m[2]!.replace(/^'(.*)'$/, "$1");
    }
  }
  return {
    env,
    stop: () =>
      void spawnSync("bash", ["hack/testenv/down.sh", W], { cwd: ROOT, stdio: "inherit" }),
  };
}

async function startIssuer(): Promise<{
  issuer: string;
  token: (sub: string) => Promise<string>;
  server: Server;
}> {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "bench", alg: "RS256", use: "sig" };
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}/realms/bench`;
  const server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url?.endsWith("/.well-known/openid-configuration"))
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/certs` }));
    else if (req.url?.endsWith("/certs")) res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end("{}");
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  const token = (sub: string): Promise<string> =>
    new SignJWT({ azp: "chat-gateway" })
      .setProtectedHeader({ alg: "RS256", kid: "bench" })
      .setIssuer(issuer)
      .setAudience("chat-gateway")
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime("2h")
      .sign(privateKey);
  return { issuer, token, server };
}

async function startReplica(
  env: Record<string, string>,
  id: string,
): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  // A 2 MB young generation (README: recommended for many idle connections); the floor gets the same.
  const proc = spawn(process.execPath, [SEMI_SPACE, SERVER_TS], {
    env: {
      ...process.env,
      ...env,
      CHAT_PORT: String(port),
      CHAT_REPLICA_ID: id,
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { proc, url };
    } catch {
      // not yet
    }
    await sleep(100);
  }
  throw new Error(`replica ${id} did not become ready`);
}

interface Worker {
  proc: ChildProcess;
  ask<T>(kind: string, reply: string): Promise<T>;
}

function startWorker(job: WorkerJob): Promise<Worker> {
  const proc = spawn(process.execPath, ["--max-old-space-size=2048", SELF], {
    env: { ...process.env, CG_BENCH_ROLE: "client", CG_BENCH_JOB: JSON.stringify(job) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ask = <T>(kind: string, reply: string): Promise<T> =>
    new Promise((resolve) => {
      const on = (m: { kind: string }): void => {
        if (m.kind === reply) {
          proc.off("message", on);
          resolve(m as T);
        }
      };
      proc.on("message", on);
      proc.send({ kind });
    });
  return new Promise((resolve, reject) => {
    proc.once("exit", (c) => {
      reject(new Error(`client worker exited ${c}`));
    });
    const on = (m: { kind: string; opened: number }): void => {
      if (m.kind === "ready") {
        proc.off("message", on);
        proc.removeAllListeners("exit");
        resolve({ proc, ask });
      }
    };
    proc.on("message", on);
  });
}

interface FanoutResult {
  connections: number;
  /** Sender's POST to receipt on every socket (includes the durable append). */
  p50: number;
  p99: number;
  /** Event's commit timestamp (PostgreSQL clock, ms precision) to receipt: the fan-out part. */
  commitP50: number;
  commitP99: number;
  deliveriesPerSec: number;
  rssPerConnKb: number;
  connectSeconds: number;
}

async function fanout(opts: {
  label: string;
  wsUrls: string[];
  pids: number[];
  conns: number;
  clients: number;
  msgs: number;
  burst: number;
  token: string;
  conversationId: string;
  after: number;
  floor: boolean;
  broadcast: (content: string) => Promise<void>;
}): Promise<FanoutResult> {
  const rss0 = opts.pids.reduce((s, p) => s + rssKb(p), 0);
  const t0 = now();
  const per = Math.ceil(opts.conns / opts.clients);
  const workers = await Promise.all(
    Array.from({ length: opts.clients }, (_, i) =>
      startWorker({
        urls: opts.wsUrls,
        count: Math.min(per, opts.conns - i * per),
        token: opts.token,
        conversationId: opts.conversationId,
        after: opts.after,
        floor: opts.floor,
      }),
    ),
  );
  const connectSeconds = (now() - t0) / 1000;
  await sleep(3000); // settle (presence flushes, GC)
  const rss1 = opts.pids.reduce((s, p) => s + rssKb(p), 0);
  const total = async (): Promise<number> =>
    (await Promise.all(workers.map((w) => w.ask<{ received: number }>("count", "count")))).reduce(
      (s, r) => s + r.received,
      0,
    );
  const waitAll = async (expected: number, timeoutMs: number): Promise<number> => {
    const deadline = Date.now() + timeoutMs;
    let got = 0;
    while (Date.now() < deadline) {
      got = await total();
      if (got >= expected) return got;
      await sleep(20);
    }
    return got;
  };
  // Latency: spaced broadcasts.
  for (let i = 0; i < opts.msgs; i++) {
    await opts.broadcast(`bench:${i}:${now()}`);
    await sleep(200);
  }
  await waitAll(opts.conns * opts.msgs, 30_000);
  const reports = await Promise.all(
    workers.map((w) => w.ask<{ latencies: number[]; fromCommit: number[] }>("report", "report")),
  );
  const lat = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const commit = reports.flatMap((r) => r.fromCommit).sort((a, b) => a - b);
  // Throughput: a burst of broadcasts, back to back.
  for (const w of workers) w.proc.send({ kind: "reset" });
  await sleep(100);
  const tb = now();
  for (let i = 0; i < opts.burst; i++) await opts.broadcast(`bench:b${i}:${now()}`);
  const got = await waitAll(opts.conns * opts.burst, 60_000);
  const deliveriesPerSec = got / ((now() - tb) / 1000);
  for (const w of workers) w.proc.send({ kind: "exit" });
  await Promise.all(workers.map((w) => new Promise((r) => w.proc.once("exit", r))));
  const result = {
    connections: opts.conns,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    commitP50: pct(commit, 50),
    commitP99: pct(commit, 99),
    deliveriesPerSec,
    rssPerConnKb: (rss1 - rss0) / opts.conns,
    connectSeconds,
  };
  console.log(`  ${opts.label}: ${JSON.stringify({ ...result, samples: lat.length })}`);
  return result;
}

interface AppendResult {
  /** One-round-trip appends (chat.append_event, autocommit), like a single-event command. */
  appendPerSec: number;
  /** The same append inside a scoped transaction (BEGIN + RLS context, append, COMMIT). */
  txAppendPerSec: number;
  insertPerSec: number;
  /** append/INSERT of each round (the two run back to back): how much the machine's load moved it. */
  roundRatios: number[];
}

/** Rounds of the append benchmark (median): short rounds on a shared 2-core machine are noisy. */
const ROUNDS = 5;

async function appendBench(
  adminUrl: string,
  appUrl: string,
  n: number,
  writers: number,
): Promise<AppendResult> {
  const pool = new pg.Pool({ connectionString: appUrl, max: writers });
  const admin = new pg.Pool({ connectionString: adminUrl, max: writers });
  const scope = { tenantId: "bench", userId: `u-${randomUUID()}` };
  await admin.query(
    "CREATE TABLE IF NOT EXISTS public.cg_bench_plain (LIKE chat.events INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES)",
  );
  // Valid event sequences (conversation.started, then message.added with fresh ids), so the log
  // stays rebuildable after a benchmark.
  const content = "x".repeat(200);
  const started = { type: "conversation.started" as const, data: { title: "bench" } };
  const nextEvent = (v: number): ConversationEvent =>
    v === 0
      ? started
      : {
          type: "message.added",
          data: { messageId: randomUUID(), parentId: null, role: "user", content },
        };
  const per = Math.floor(n / writers);
  const timed = async (fn: (w: number) => Promise<void>): Promise<number> => {
    const t = now();
    await Promise.all(Array.from({ length: writers }, (_, w) => fn(w)));
    return (per * writers) / ((now() - t) / 1000);
  };
  const appendRun = (inTx: boolean) => async (): Promise<void> => {
    const s = randomUUID();
    if (inTx) {
      for (let v = 0; v < per; v++) {
        const a = { streamId: s, expectedVersion: v, events: [nextEvent(v)], actor: "bench" };
        await withScope(pool, scope, (tx) => appendEvents(tx, scope, a));
      }
      return;
    }
    const c = await pool.connect();
    try {
      for (let v = 0; v < per; v++)
        await appendEvents(c, scope, {
          streamId: s,
          expectedVersion: v,
          events: [nextEvent(v)],
          actor: "bench",
        });
    } finally {
      c.release();
    }
  };
  const insertRun = async (): Promise<void> => {
    const s = randomUUID();
    for (let v = 1; v <= per; v++) {
      await admin.query(
        "INSERT INTO public.cg_bench_plain (stream_id, version, tenant_id, user_id, type, data, actor) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
          s,
          v,
          scope.tenantId,
          scope.userId,
          "message.added",
          JSON.stringify(nextEvent(v).data),
          "bench",
        ],
      );
    }
  };
  await timed(appendRun(false)); // warm-up
  await timed(insertRun);
  // Alternate rounds so background load on the machine hits both sides alike.
  const a: number[] = [];
  const i: number[] = [];
  const tx: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    a.push(await timed(appendRun(false)));
    i.push(await timed(insertRun));
    tx.push(await timed(appendRun(true)));
  }
  await admin.query("DROP TABLE public.cg_bench_plain");
  await pool.end();
  await admin.end();
  const median = (xs: number[]): number =>
    [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return {
    appendPerSec: median(a),
    insertPerSec: median(i),
    txAppendPerSec: median(tx),
    roundRatios: a.map((x, k) => x / i[k]!),
  };
}

async function main(): Promise<void> {
  const conns = num("CG_BENCH_CONNS", 10_000);
  const clients = num("CG_BENCH_CLIENTS", 4);
  const msgs = num("CG_BENCH_MSGS", 20);
  const burst = num("CG_BENCH_BURST", 50);
  const load0 = loadavg()[0]!.toFixed(2);
  const services = ensureServices();
  const cleanup: (() => void)[] = [
    () => {
      services.stop();
    },
  ];
  try {
    const { env } = services;
    const appPassword = `bench-${Math.random().toString(36).slice(2, 10)}`;
    await migrate(env["DATABASE_URL"]!, appPassword);
    const issuer = await startIssuer();
    cleanup.unshift(() => issuer.server.close());
    const replicaEnv = {
      ...env,
      CHAT_APP_DB_PASSWORD: appPassword,
      CHAT_MAX_CONNECTIONS: "100000",
      CHAT_MAX_CONNECTIONS_PER_USER: "100000",
      CHAT_OIDC_ISSUERS: JSON.stringify([
        { issuer: issuer.issuer, tenant: "bench", audience: "chat-gateway" },
      ]),
      CHAT_RATE_LIMIT_MESSAGES: "1000000",
      CHAT_FRAMES_PER_SECOND: "1000",
      CHAT_HOST: "127.0.0.1",
    };
    const a = await startReplica(replicaEnv, "bench-a");
    const b = await startReplica(replicaEnv, "bench-b");
    cleanup.unshift(() => {
      a.proc.kill("SIGKILL");
      b.proc.kill("SIGKILL");
    });
    const token = await issuer.token(`bench-user-${randomUUID().slice(0, 8)}`);
    const post = async (
      url: string,
      frame: Record<string, unknown>,
    ): Promise<Record<string, unknown>> => {
      const r = await fetch(`${url}/v1/frames`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ v: 1, ...frame }),
      });
      return (await r.json()) as Record<string, unknown>;
    };
    const created = await post(a.url, { type: "send", content: "bench start", reply: false });
    const conversationId = created["conversationId"] as string;
    let k = 0;
    console.log(
      `chat-gateway fan-out: ${conns} connections over 2 replicas, ${clients} client processes, ${msgs} spaced + ${burst} burst broadcasts`,
    );
    const gw = await fanout({
      label: "gateway (2 replicas)",
      wsUrls: [a.url, b.url].map((u) => u.replace("http", "ws") + "/v1/ws"),
      pids: [a.proc.pid!, b.proc.pid!],
      conns,
      clients,
      msgs,
      burst,
      token,
      conversationId,
      after: created["seq"] as number,
      floor: false,
      broadcast: async (content) => {
        const r = await post(k++ % 2 === 0 ? a.url : b.url, {
          type: "send",
          conversationId,
          content,
          reply: false,
        });
        if (r["type"] !== "accepted") throw new Error(JSON.stringify(r));
      },
    });
    const rssIdleA = rssKb(a.proc.pid!);
    a.proc.kill("SIGKILL");
    b.proc.kill("SIGKILL");

    const floorPort = await freePort();
    const floor = spawn(process.execPath, [SEMI_SPACE, SELF], {
      env: { ...process.env, CG_BENCH_ROLE: "floor", CG_BENCH_PORT: String(floorPort) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    cleanup.unshift(() => floor.kill("SIGKILL"));
    await new Promise((r) => floor.once("message", r));
    const floorRes = await fanout({
      label: "bare ws floor (1 process)",
      wsUrls: [`ws://127.0.0.1:${floorPort}`],
      pids: [floor.pid!],
      conns,
      clients,
      msgs,
      burst,
      token,
      conversationId,
      after: 0,
      floor: true,
      broadcast: async (content) => {
        await (
          await fetch(`http://127.0.0.1:${floorPort}/broadcast`, {
            method: "POST",
            body: JSON.stringify({ v: 1, type: "event", content }),
          })
        ).text();
      },
    });
    floor.kill("SIGKILL");

    console.log(
      `event store: appends with optimistic concurrency vs plain INSERTs (8 writers, 4,000 rows per round, median of ${ROUNDS})`,
    );
    const ap = await appendBench(
      env["DATABASE_URL"]!,
      appUrlFrom(env["DATABASE_URL"]!, appPassword),
      4000,
      8,
    );
    const ratio = ap.appendPerSec / ap.insertPerSec;

    const rows = [
      ["metric", "gateway", "bare ws floor", "target"],
      ["connections", String(gw.connections), String(floorRes.connections), "10000"],
      ["delivery p50 (ms)", gw.p50.toFixed(1), floorRes.p50.toFixed(1), ""],
      ["delivery p99 (ms)", gw.p99.toFixed(1), floorRes.p99.toFixed(1), "<= 50"],
      [
        "commit->socket p50/p99 (ms)",
        `${gw.commitP50.toFixed(1)} / ${gw.commitP99.toFixed(1)}`,
        "",
        "",
      ],
      ["load average (start/end)", `${load0} / ${loadavg()[0]!.toFixed(2)}`, "", ""],
      [
        "deliveries/s (burst)",
        gw.deliveriesPerSec.toFixed(0),
        floorRes.deliveriesPerSec.toFixed(0),
        "",
      ],
      [
        "RSS per idle conn (KB)",
        gw.rssPerConnKb.toFixed(2),
        floorRes.rssPerConnKb.toFixed(2),
        "<= 10",
      ],
      ["connect time (s)", gw.connectSeconds.toFixed(1), floorRes.connectSeconds.toFixed(1), ""],
      [
        "appends/s vs INSERTs/s",
        `${ap.appendPerSec.toFixed(0)} / ${ap.insertPerSec.toFixed(0)}`,
        "",
        "",
      ],
      ["append/INSERT ratio", ratio.toFixed(2), "", ">= 0.7"],
      [
        "append/INSERT per round",
        `${Math.min(...ap.roundRatios).toFixed(2)}-${Math.max(...ap.roundRatios).toFixed(2)}`,
        "",
        "",
      ],
      ["appends/s in a scoped tx", ap.txAppendPerSec.toFixed(0), "", ""],
    ];
    const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i]!)).join("  "));
    mkdirSync(join(ROOT, "bench/results"), { recursive: true });
    writeFileSync(
      join(ROOT, "bench/results/chat-gateway.json"),
      JSON.stringify(
        {
          at: new Date().toISOString(),
          gateway: gw,
          floor: floorRes,
          append: { ...ap, ratio },
          rssIdleReplicaAKb: rssIdleA,
        },
        null,
        2,
      ),
    );
  } finally {
    for (const c of cleanup) {
      try {
        c();
      } catch {
        // best effort
      }
    }
  }
}

const role = process.env["CG_BENCH_ROLE"];
if (role === "client") {
  await clientWorker();
} else if (role === "floor") {
  floorServer();
} else if (process.env["CG_BENCH_ULIMIT"] === undefined) {
  // Re-exec under a raised open-files limit (10k sockets on each side of loopback).
  const r = spawnSync(
    "bash",
    [
      "-c",
      `ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "${process.execPath}" "${SELF}"`,
    ],
    {
      stdio: "inherit",
      env: { ...process.env, CG_BENCH_ULIMIT: "1" },
    },
  );
  process.exit(r.status ?? 1);
} else {
  await main();
  process.exit(0);
}
