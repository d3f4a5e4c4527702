/**
 * Bounded resources of the gateway process (server.ts, run as a real process with the timeouts
 * of its env contract): credentials are checked before a body is read (401 whatever the body,
 * connection closed); slow-loris clients and connection floods are cut by the header/request
 * timeouts and the connection cap while other clients are served and memory stays bounded; an
 * upstream that stops sending mid-stream is cut after the stall timeout, not the total timeout.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { rawSocket } from "../../helpers/sockets.ts";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import type { TestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import type { RoutingConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import {
  eventually,
  freePort,
  metricValue,
  newTenant,
  post,
  redisUrl,
  routing,
  startGateway,
  waitForHttp,
} from "./helpers.ts";

const SERVER = resolve(import.meta.dirname, "../../../workloads/inference-gateway/src/server.ts");

interface Proc {
  url: string;
  port: number;
  stop: () => Promise<void>;
}

/** Runs server.ts as a process with `env` (recorded PID; SIGTERM then SIGKILL on stop). */
async function startProcess(config: RoutingConfig, env: Record<string, string>): Promise<Proc> {
  const dir = await mkdtemp(join(tmpdir(), "igw-bounded-"));
  const configPath = join(dir, "routing.json");
  await writeFile(configPath, JSON.stringify(config));
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER], {
    env: {
      ...process.env,
      GATEWAY_CONFIG: configPath,
      REDIS_URL: redisUrl(),
      GATEWAY_PORT: String(port),
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: "ignore",
  });
  const pid = child.pid ?? 0;
  const exited = new Promise((r) => child.once("exit", r));
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/readyz`, 20_000);
  return {
    url,
    port,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, "SIGTERM");
        const timer = setTimeout(() => process.kill(pid, "SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function config(up: TestUpstream, tenant: ReturnType<typeof newTenant>): RoutingConfig {
  return routing({
    backends: [{ name: "b", provider: "openai", baseURL: `${up.url}/v1` }],
    models: [{ name: "m", cache: { enabled: false }, routes: [{ backend: "b" }] }],
    tenants: [{ id: tenant.id, apiKeys: [{ sha256: tenant.hash }], models: ["m"] }],
  });
}

const body = { model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 2 };

void test("credentials are checked before the body is read: 401 whatever the body, connection closed", async (t) => {
  const up = await startTestUpstream();
  t.after(() => up.close());
  const tenant = newTenant("preauth");
  const gw = await startProcess(config(up, tenant), {});
  t.after(() => gw.stop());

  // Announce 1 GB, send 10 bytes: a gateway that read bodies first would wait (or buffer).
  for (const auth of ["", "Authorization: Bearer sk-wrong\r\n"]) {
    const c = await rawSocket(gw.port);
    const t0 = Date.now();
    c.socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${auth}Content-Length: 1000000000\r\n\r\n{"model":`,
    );
    const closedAt = await c.closed;
    assert.match(c.data(), /^HTTP\/1\.1 401 /, c.data().slice(0, 200));
    assert.match(c.data(), /connection: close/i);
    assert.match(c.data(), auth === "" ? /GW_ERR_UNAUTHENTICATED/ : /GW_ERR_INVALID_API_KEY/);
    assert.ok(closedAt - t0 < 2_000, `answered and closed in ${closedAt - t0} ms`);
  }
  // Malformed JSON without valid credentials: still 401 (OpenAI's order), with them: 400.
  const garbage = '{"model": "m", "messages": [';
  assert.equal((await post(`${gw.url}/v1/chat/completions`, garbage, "sk-wrong")).status, 401);
  assert.equal((await post(`${gw.url}/v1/chat/completions`, garbage, tenant.key)).status, 400);
  assert.equal((await post(`${gw.url}/v1/chat/completions`, body, tenant.key)).status, 200);
});

void test("slow-loris and a connection flood: cut by the timeouts and the cap; other clients served; memory bounded", async (t) => {
  const up = await startTestUpstream();
  t.after(() => up.close());
  const tenant = newTenant("flood");
  const gw = await startProcess(config(up, tenant), {
    GATEWAY_HEADERS_TIMEOUT_MS: "1000",
    GATEWAY_REQUEST_TIMEOUT_MS: "2000",
    GATEWAY_MAX_CONNECTIONS: "300",
  });
  t.after(() => gw.stop());
  const rss = async (): Promise<number> =>
    metricValue(
      await (await fetch(`${gw.url}/metrics`)).text(),
      "inference_gateway_process_resident_memory_bytes",
      {},
    ) ?? 0;
  const rssBefore = await rss();

  // 100 slow-loris clients: a header line, then one byte every 200 ms, never finishing.
  const loris = await Promise.all(Array.from({ length: 100 }, () => rawSocket(gw.port)));
  const drip = setInterval(() => {
    for (const c of loris) if (!c.socket.destroyed) c.socket.write("x");
  }, 200);
  t.after(() => {
    clearInterval(drip);
  });
  for (const c of loris)
    c.socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  // 150 clients that connect and send nothing, and 100 more than the cap allows.
  const idle = await Promise.all(Array.from({ length: 150 }, () => rawSocket(gw.port)));
  const excess = await Promise.all(
    Array.from({ length: 100 }, () => rawSocket(gw.port).catch(() => undefined)),
  );
  const start = Date.now();

  // Meanwhile other clients are served, promptly.
  const latencies: number[] = [];
  while (Date.now() - start < 3_000) {
    const t0 = Date.now();
    const r = await post(`${gw.url}/v1/chat/completions`, body, tenant.key);
    assert.equal(r.status, 200, r.text);
    latencies.push(Date.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  const p95 = latencies[Math.floor(latencies.length * 0.95)] ?? 0;
  assert.ok(latencies.length > 10 && p95 < 1_000, `served ${latencies.length}, p95 ${p95} ms`);

  const lorisClosed = await Promise.all(loris.map((c) => c.closed));
  const lorisAfter = Math.max(...lorisClosed) - start;
  assert.ok(lorisAfter < 5_000, `slow-loris connections cut within ${lorisAfter} ms`);
  for (const c of loris.slice(0, 5)) assert.match(c.data(), /^(HTTP\/1\.1 408|$)/);
  const idleClosed = await Promise.all(idle.map((c) => c.closed));
  const idleAfter = Math.max(...idleClosed) - start;
  assert.ok(idleAfter < 5_000, `idle connections cut within ${idleAfter} ms`);
  const over = excess.filter((c) => c !== undefined);
  const overClosed = await Promise.all(over.map((c) => c.closed));
  assert.ok(
    overClosed.filter((at) => at - start < 1_000).length >= 40,
    "connections beyond the cap are closed at once",
  );
  const rssAfter = await rss();
  assert.ok(
    rssAfter - rssBefore < 100 * 1024 * 1024,
    `RSS grew ${Math.round((rssAfter - rssBefore) / 1048576)} MiB`,
  );
  assert.equal((await post(`${gw.url}/v1/chat/completions`, body, tenant.key)).status, 200);
});

void test("an upstream that stops sending mid-stream is cut after the stall timeout, not the total", async (t) => {
  const up = await startTestUpstream({ streamStallAfter: 3 });
  t.after(() => up.close());
  const tenant = newTenant("stall");
  const gw = await startGateway(
    routing({
      defaults: { timeouts: { totalMs: 600_000 } },
      backends: [{ name: "b", provider: "openai", baseURL: `${up.url}/v1` }],
      models: [{ name: "m", cache: { enabled: false }, routes: [{ backend: "b" }] }],
      tenants: [{ id: tenant.id, apiKeys: [{ sha256: tenant.hash }], models: ["m"] }],
    }),
    { upstreamStallMs: 500 },
  );
  t.after(() => gw.close());
  const t0 = Date.now();
  const r = await post(
    `${gw.url}/v1/chat/completions`,
    { ...body, max_tokens: 20, stream: true },
    tenant.key,
  );
  const ms = Date.now() - t0;
  assert.equal(r.status, 200);
  assert.match(r.text, /event: error\ndata: .*GW_ERR_STREAM_INTERRUPTED/);
  assert.ok(ms < 3_000, `stream ended after ${ms} ms`);
  const cut = await eventually(
    () => Promise.resolve(up.stats.streamsCut),
    (n) => n === 1,
  );
  assert.equal(cut, 1, "the upstream call was cut");
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.equal(
    metricValue(metrics, "inference_gateway_upstream_attempts_total", {
      backend: "b",
      kind: "chat_stream",
      outcome: "retryable_error",
    }),
    1,
  );
});
